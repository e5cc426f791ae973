"""contrib/systemd/copro-feeds.service: checked by systemd-analyze, and its start and reload
commands run for real against a daemon."""

from __future__ import annotations

import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "contrib" / "systemd" / "copro-feeds.service"
INSTALLED = "/opt/copro-feeds/.venv/bin/copro-feeds"  # where docs/how-to.md installs it
SCRIPT = Path(sys.executable).parent / "copro-feeds"  # this checkout's console script


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    assert found, "systemd-analyze is missing: run tests/install-tools.sh (Debian's systemd)"
    return found


def settings() -> dict[str, list[str]]:
    """The unit's [Service] settings, each key with every value it is given."""
    found: dict[str, list[str]] = {}
    section = ""
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif line and not line.startswith("#") and section == "[Service]":
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def local_unit(tmp_path: Path) -> Path:
    """The unit with ExecStart naming this checkout's program: verify checks it exists."""
    text = UNIT.read_text()
    assert INSTALLED in text
    unit = tmp_path / "copro-feeds.service"
    unit.write_text(text.replace(INSTALLED, str(SCRIPT)))
    return unit


def test_systemd_analyze_verify_finds_nothing(tmp_path):
    result = subprocess.run(
        [systemd_analyze(), "verify", str(local_unit(tmp_path))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_systemd_analyze_security_rates_the_exposure_ok(tmp_path):
    result = subprocess.run(
        [
            systemd_analyze(),
            "security",
            "--offline=yes",
            "--threshold=40",
            str(local_unit(tmp_path)),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr  # 4.0 or lower of 10
    assert "Overall exposure level for copro-feeds.service" in result.stdout


def test_the_unit_is_confined_to_the_store_and_the_output():
    found = settings()
    assert found["User"] == ["copro-feeds"]
    assert found["ProtectSystem"] == ["strict"]
    assert found["ReadWritePaths"] == ["/var/lib/copro-feeds /var/www/copro-feeds"]
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices"):
        assert found[key] == ["yes"], key
    assert found["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    assert found["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert found["ExecStart"] == [f"{INSTALLED} --config /etc/copro-feeds/feeds.toml run"]
    how_to = (ROOT / "docs" / "how-to.md").read_text()
    for path in (
        "contrib/systemd/copro-feeds.service",
        "/var/lib/copro-feeds",
        "/var/www/copro-feeds",
    ):
        assert path in how_to, path


def test_the_units_start_and_reload_commands_drive_the_daemon(project):
    """ExecStart's arguments start the daemon; ExecReload, as written, reloads it."""
    found = settings()
    start = shlex.split(found["ExecStart"][0])
    start[start.index("--config") + 1] = str(project.config_path)
    start[0] = str(SCRIPT)
    daemon = subprocess.Popen(
        start,
        cwd=project.root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(daemon.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 45
        while not (project.public / "atom.xml").exists():
            assert time.monotonic() < deadline, "the daemon never published"
            time.sleep(0.1)
        reload = found["ExecReload"][0].replace("$MAINPID", str(daemon.pid))
        subprocess.run(shlex.split(reload), check=True, timeout=30)
        deadline = time.monotonic() + 45  # a loaded machine: the reload may take a while
        while not any("configuration reloaded from" in line for line in lines):
            assert daemon.poll() is None, "".join(lines)  # reloading does not stop it
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.1)
    finally:
        daemon.send_signal(signal.SIGTERM)  # systemd's KillSignal
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:  # never left running: the test fails below
            daemon.kill()
            daemon.wait()
        reader.join(timeout=10)
        if not reader.is_alive():  # else a worker still holds the pipe: the thread ends with it
            daemon.stderr.close()
    stderr = "".join(lines)
    assert daemon.returncode == 0, stderr
    assert "received SIGHUP: reloading the configuration" in stderr
    assert "configuration reloaded from" in stderr
