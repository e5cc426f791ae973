"""The app behind waitress (``_admin/_serving.py``): ``copro-feeds admin`` and
``run --admin`` as real processes, and where the session secret comes from."""

from __future__ import annotations

import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from copro_feeds import load_config
from copro_feeds._admin._serving import SECRET_ENV, session_secret
from copro_feeds._store import open_store
from copro_feeds._store.sqlite import SQLiteStore


def start(args: list[str], cwd: Path, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "copro_feeds", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def logged_url(log_path: Path, process: subprocess.Popen[bytes], pattern: str) -> str:
    deadline = time.monotonic() + 60
    while (found := re.search(pattern, log_path.read_text())) is None:
        assert process.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.05)
    return found[1]


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def get(url: str) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    return session.get(url, allow_redirects=False, timeout=10)


def test_admin_serves_the_app_with_a_secret_made_on_first_start(project):
    log_path = project.root / "admin.log"
    process = start(["admin", "--port", "0"], project.root, log_path)
    try:
        base = logged_url(log_path, process, r"serving the staff web app at (http://\S+/)")
        login = get(base + "login")
        assert login.status_code == 200
        assert "HttpOnly" in login.headers["Set-Cookie"]
        assert get(base + "entries").headers["Location"] == "/login"
    finally:
        assert stop(process) == 0
    database = load_config(project.config_path).storage.path
    assert stat.S_IMODE(database.stat().st_mode) == 0o600  # it holds the secret
    store = SQLiteStore.open(database)
    try:
        secret = store.session_secret("a candidate that must lose")
        assert len(secret) >= 48
        assert secret not in log_path.read_text()  # never logged
    finally:
        store.close()


def test_run_with_admin_serves_the_app_beside_the_daemon(project):
    log_path = project.root / "run.log"
    process = start(["run", "--admin", "--admin-port", "0"], project.root, log_path)
    try:
        base = logged_url(log_path, process, r"staff web app at (http://\S+/)")
        assert get(base + "login").status_code == 200
        assert get(base + "audit").headers["Location"] == "/login"
    finally:
        assert stop(process) == 0


def test_the_secret_comes_from_the_environment_else_the_store(project):
    store = open_store(load_config(project.config_path).storage)
    try:
        assert session_secret(store, {SECRET_ENV: "from the environment"}) == (
            "from the environment"
        )
        first = session_secret(store, {})
        assert first == session_secret(store, {SECRET_ENV: ""})  # empty: not set
        assert first != "from the environment"
        assert session_secret(store, {}) == first  # made once, kept
    finally:
        store.close()
