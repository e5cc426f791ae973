"""The ``db`` commands, and every other command on PostgreSQL (``_cli_db.py``).

Each test runs ``copro-feeds`` as a real process against the real PostgreSQL server the
tests start (tests/postgres_server.py), with the URL in ``COPRO_FEEDS_STORAGE_URL``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from copro_feeds._store.postgresql import SCHEMA_VERSION, PostgreSQLStore
from copro_feeds._store.sqlite._schema import MIGRATIONS as SQLITE_MIGRATIONS
from tests.admin_site import PASSWORD, Client
from tests.test_admin_serving import logged_url, stop
from tests.test_cli import _served_port, cli
from tests.test_queue_schema import build_release_3_0


def on_postgres(url: str) -> dict[str, str]:
    return {"COPRO_FEEDS_STORAGE_URL": url}


def with_password(url: str) -> str:
    """The same database, with a user name and password in the URL (trust: both ignored
    by the test server, but they must never be printed)."""
    return url.replace("postgresql://postgres@", "postgresql://postgres:tops3cret@")


def start(root: Path, env: dict[str, str], log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """``copro-feeds ARGS`` started in ``root`` with ``env`` added, its stderr in ``log_path``."""
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "copro_feeds", *args],
            cwd=root,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def refs(output: str) -> dict[str, str]:
    """Title → ref, from ``copro-feeds entries``."""
    rows = [re.split(r"\s{2,}", line) for line in output.splitlines()[1:]]
    return {row[4]: row[3] for row in rows}


def test_every_command_refuses_a_database_without_the_schema_in_one_line(project, postgres_url):
    env = on_postgres(with_password(postgres_url))
    for command in (["update"], ["publish"], ["status"], ["entries"], ["log"]):
        result = cli(*command, cwd=project.root, env=env)
        assert result.returncode == 1, (command, result.stderr)
        [line] = result.stderr.strip().splitlines()
        assert line.endswith("run `copro-feeds db upgrade`"), line
        assert "tops3cret" not in line


def test_db_upgrade_creates_the_schema_once_and_never_prints_the_password(project, postgres_url):
    env = on_postgres(with_password(postgres_url))
    shown = postgres_url.replace("postgres@", "")
    first = cli("db", "upgrade", cwd=project.root, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"{shown}: schema from 0 to {SCHEMA_VERSION}",
        f"{shown}: work queue created",  # the workers' (procrastinate's tables and ours)
    ]
    again = cli("db", "upgrade", cwd=project.root, env=env)
    assert again.stdout.splitlines() == [
        f"{shown}: schema already at {SCHEMA_VERSION}",
        f"{shown}: work queue ready",
    ]
    for output in (first.stdout, first.stderr, again.stdout, again.stderr):
        assert "tops3cret" not in output
    assert not (project.root / "copro_feeds.sqlite3").exists()


def test_db_upgrade_applies_procrastinates_newer_migrations_to_an_old_queue(project, postgres_url):
    env = on_postgres(with_password(postgres_url))
    build_release_3_0(postgres_url)  # the queue as procrastinate 3.0 left it

    refused = cli("update", cwd=project.root, env=env)  # our schema is missing too
    upgrade = cli("db", "upgrade", cwd=project.root, env=env)

    assert refused.returncode == 1
    assert upgrade.returncode == 0, upgrade.stderr
    queue = upgrade.stdout.splitlines()[-1]
    assert "work queue migrated (7 procrastinate migration(s): 03.01.00_01," in queue
    assert queue.endswith("03.04.00_50)") and "tops3cret" not in upgrade.stdout + upgrade.stderr


def test_db_upgrade_on_sqlite_creates_the_file(project):
    result = cli("db", "upgrade", cwd=project.root, env={"COPRO_FEEDS_STORAGE_URL": ""})
    assert result.returncode == 0, result.stderr
    database = project.root / "copro_feeds.sqlite3"
    assert result.stdout.strip() == f"{database}: schema from 0 to {len(SQLITE_MIGRATIONS)}"
    assert database.is_file()


def test_every_command_works_on_postgresql(project, postgres_url):
    env = on_postgres(with_password(postgres_url))
    assert cli("db", "upgrade", cwd=project.root, env=env).returncode == 0
    update = cli("update", cwd=project.root, env=env)
    assert update.returncode == 0, update.stderr
    assert update.stdout.strip().splitlines()[-1] == (
        "sources: 3 updated, 0 not modified, 0 failed; entries: 6 new, 0 updated; files written: 33"
    )
    assert not (project.root / "copro_feeds.sqlite3").exists()
    again = cli("update", "--all", cwd=project.root, env=env)
    assert "entries: 0 new, 0 updated" in again.stdout

    status = cli("status", "--json", cwd=project.root, env=env)
    assert status.returncode == 0, status.stderr
    entries = {
        record["name"]: record["entries"] for record in map(json.loads, status.stdout.splitlines())
    }
    assert entries == {
        "Scope": 2,
        "Centre for Welfare Reform": 2,
        "Scottish Co-production Network": 2,
    }

    listed = cli("entries", cwd=project.root, env=env)
    assert listed.returncode == 0, listed.stderr
    ref = refs(listed.stdout)["Co-producing the cost of living guide"]
    hide = cli(
        "hide", ref, "--reason", "asked by the author", "--by", "ann", cwd=project.root, env=env
    )
    assert hide.returncode == 0, hide.stderr
    assert "Co-producing the cost of living guide" not in (project.public / "atom.xml").read_text()
    explained = cli("explain", ref, cwd=project.root, env=env)
    assert explained.returncode == 0, explained.stderr
    assert "is not in the combined feed: an editor hid it." in explained.stdout
    for action in ("unhide", "pin", "unpin"):
        done = cli(action, ref, cwd=project.root, env=env)
        assert done.returncode == 0, (action, done.stderr)
    log = cli("log", cwd=project.root, env=env)
    actions = [line.split()[1] for line in log.stdout.splitlines()[1:]]
    assert list(dict.fromkeys(actions)) == ["hide", "unhide", "pin", "unpin"]  # every copy
    assert actions == sorted(actions, key=["hide", "unhide", "pin", "unpin"].index)
    assert "asked by the author" in log.stdout

    (project.public / "atom.xml").unlink()
    publish = cli("publish", cwd=project.root, env=env)
    assert publish.returncode == 0, publish.stderr
    assert "Co-producing the cost of living guide" in (project.public / "atom.xml").read_text()

    log_path = project.root / "serve.log"
    server = start(project.root, env, log_path, "serve", "--port", "0")
    try:
        port = _served_port(log_path, server, time.monotonic() + 30)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
        assert b'copro_feeds_source_entries{source="scope"} 2.0' in metrics
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0, log_path.read_text()
    for output in (update.stderr, status.stdout, log.stdout, log_path.read_text()):
        assert "tops3cret" not in output


def test_db_copy_moves_an_sqlite_store_into_an_empty_postgresql_one(project, postgres_url):
    sqlite = {"COPRO_FEEDS_STORAGE_URL": ""}
    assert cli("update", cwd=project.root, env=sqlite).returncode == 0
    ref = refs(cli("entries", cwd=project.root, env=sqlite).stdout)[
        "Co-producing the cost of living guide"
    ]
    assert cli("hide", ref, "--reason", "takedown", cwd=project.root, env=sqlite).returncode == 0
    assert cli("pin", ref, cwd=project.root, env=sqlite).returncode == 0
    before = {
        command: cli(command, cwd=project.root, env=sqlite).stdout
        for command in ("entries", "log", "status")
    }

    target = with_password(postgres_url)
    copied = cli("db", "copy", "--to", target, cwd=project.root, env=sqlite)
    assert copied.returncode == 0, copied.stderr
    shown = postgres_url.replace("postgres@", "")
    assert copied.stdout.strip() == (
        f"copied {project.root / 'copro_feeds.sqlite3'} to {shown}: "
        "sources 3, entries 6, items 6, editorial 2, audit_log 4, meta 4, "
        "staff_users 0, sign_in_failures 0, staff_actions 0"
    )
    assert "tops3cret" not in copied.stdout + copied.stderr

    on_pg = on_postgres(target)
    after = {command: cli(command, cwd=project.root, env=on_pg).stdout for command in before}
    assert after == before
    update = cli("update", "--all", cwd=project.root, env=on_pg)
    assert "entries: 0 new, 0 updated" in update.stdout  # nothing looks new or edited

    refused = cli("db", "copy", "--to", target, cwd=project.root, env=sqlite)
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert "is not empty (sources: 3 rows, entries: 6 rows" in line
    assert "tops3cret" not in line
    assert cli("entries", cwd=project.root, env=on_pg).stdout == before["entries"]


def test_the_daemon_runs_on_postgresql_and_stops_cleanly(project, postgres_url):
    env = on_postgres(postgres_url)
    assert cli("db", "upgrade", "-q", cwd=project.root, env=env).returncode == 0
    daemon = subprocess.Popen(
        [sys.executable, "-m", "copro_feeds", "run"],
        cwd=project.root,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        atom = project.public / "atom.xml"
        while not atom.exists():
            assert daemon.poll() is None, daemon.stderr.read() if daemon.stderr else ""
            assert time.monotonic() < deadline, "nothing published"
            time.sleep(0.2)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, stderr
    assert "Co-producing the cost of living guide" in atom.read_text()
    status = cli("status", "--json", cwd=project.root, env=env)
    assert sum(json.loads(line)["entries"] for line in status.stdout.splitlines()) == 6
    assert not (project.root / "copro_feeds.sqlite3").exists()


def test_staff_accounts_and_admin_sign_in_work_on_postgresql(project, postgres_url):
    env = on_postgres(with_password(postgres_url))
    assert cli("db", "upgrade", "-q", cwd=project.root, env=env).returncode == 0
    added = subprocess.run(
        [sys.executable, "-m", "copro_feeds", "user", "add", "ann", "--role", "admin",
         "--password-stdin"],
        cwd=project.root, env={**os.environ, **env}, input=PASSWORD + "\n",
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (added.returncode, added.stdout) == (0, "Added ann (admin).\n"), added.stderr
    listed = cli("user", "list", cwd=project.root, env=env)
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [
        ["name", "role"], ["ann", "admin"],
    ]  # fmt: skip

    log_path = project.root / "admin.log"
    process = start(project.root, env, log_path, "admin", "--port", "0")
    try:
        base = logged_url(log_path, process, r"serving the staff web app at (http://\S+/)")
        client = Client(base)
        assert client.get("/entries").headers["Location"] == "/login"
        assert client.sign_in("ann", "not the password at all").status_code == 401
        assert client.sign_in("ann", PASSWORD).status_code == 303
        assert client.get("/entries").status_code == 200
        assert "ann" in client.get("/users").text  # the account, read from PostgreSQL
    finally:
        assert stop(process) == 0
    store = PostgreSQLStore.open(postgres_url)
    try:
        assert store.failed_sign_ins("user:ann", store.users()[0].created) == 1
        assert [(a.action, a.subject) for a in store.staff_actions()] == [
            ("added account", "ann (admin)")
        ]
        secret = store.session_secret("a candidate that must lose")  # made on first start
        assert len(secret) >= 48
    finally:
        store.close()
    logged = log_path.read_text()
    for private in (secret, PASSWORD, "tops3cret"):
        assert private not in logged + added.stdout + added.stderr + listed.stdout
    assert not (project.root / "copro_feeds.sqlite3").exists()
