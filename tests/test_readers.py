"""Real feed readers subscribe to `copro-feeds serve` on 127.0.0.1: newsboat, reader, feed2exec.

The clients are installed by .ci/run (Debian's newsboat and feed2exec, PyPI's reader). A
missing client fails its test with the reason; nothing is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import PARTNERS, RSS

INSTALL_HINT = "install it as .ci/run does (apt-get install newsboat feed2exec; pip install reader)"


def require(program: str) -> str:
    found = shutil.which(program) or shutil.which(program, path=str(Path(sys.executable).parent))
    assert found, f"{program} is not installed: {INSTALL_HINT}"
    return found


# The serve command's first log line: "serving FOLDER at http://127.0.0.1:PORT/".
ADDRESS = re.compile(r" at (http://127\.0\.0\.1:(\d+)/)$", re.MULTILINE)


class Served:
    """`copro-feeds serve` in a subprocess; its stderr (the access log) goes to a file."""

    def __init__(self, project) -> None:
        self.project = project
        self.log_path = project.root / "serve.log"
        self._log = self.log_path.open("w")
        # Port 0: the server takes a free port itself (no probe-then-bind race with the
        # other test workers) and logs its address.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "copro_feeds", "serve", "--port", "0"],
            cwd=project.root,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + 20
        while (address := ADDRESS.search(self.log_path.read_text())) is None:
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, self.log_path.read_text()
            time.sleep(0.05)
        self.base = address[1]
        self.port = int(address[2])
        while True:
            try:
                requests.head(self.base + "atom.xml", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, self.log_path.read_text()
                time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self._log.close()


def update(project, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "copro_feeds", "update", *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def served(project):
    update(project)
    server = Served(project)
    yield server
    server.stop()


def isolated_env(root: Path) -> dict[str, str]:
    home = root / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "NO_PROXY": "*",
    }


def run(command: list[str], root: Path) -> str:
    result = subprocess.run(
        command,
        cwd=root,
        env=isolated_env(root),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (command, result.stdout, result.stderr)
    return result.stdout + result.stderr


def new_partner_post(project) -> None:
    project.server.serve(
        "/scope/feed/", (PARTNERS / "scope-v2.rss.xml").read_bytes(), content_type=RSS
    )
    update(project, "--all")


def test_newsboat_sees_exactly_the_published_items(served):
    newsboat = require("newsboat")
    root = served.project.root
    (root / "urls").write_text(served.base + "atom.xml\n")
    command = [newsboat, "-u", "urls", "-c", "cache.db", "-x", "reload", "print-unread"]
    first = run(command, root)
    assert re.search(r"^5 unread articles", first, re.MULTILINE), first
    new_partner_post(served.project)
    second = run(command, root)
    assert re.search(r"^6 unread articles", second, re.MULTILINE), second  # exactly one more


def test_reader_subscribes_and_its_second_update_is_a_304(served):
    root = served.project.root
    db = str(root / "reader.sqlite")
    url = served.base + "atom.xml"
    reader = [sys.executable, "-m", "reader", "--db", db]
    run([*reader, "add", url], root)
    run([*reader, "update"], root)
    listed = run([*reader, "list", "entries"], root).splitlines()
    assert len(listed) == 5, listed
    assert sum("cost-of-living-guide" in line for line in listed) == 1  # repost merged
    content = run(
        [sys.executable, "-c",
         "import sys; from reader import make_reader\n"
         "r = make_reader(sys.argv[1])\n"
         "for e in r.get_entries():\n"
         "    print(e.title, '|', e.get_content().value if e.get_content() else '')",
         db],
        root,
    )  # fmt: skip
    titles = {line.split(" | ")[0] for line in content.splitlines() if " | " in line}
    assert {
        "Co-producing the cost of living guide",
        "Citizenship & support: a new paper",
        "Co-production Gathering 2026",
    } <= titles
    assert 'Via <a href="https://scope.test/">Scope</a>' in content
    assert "read the full post" in content
    run([*reader, "update", "--no-scheduled"], root)  # now, not an hour later
    requests_for_feed = [line for line in served.log().splitlines() if "GET /atom.xml" in line]
    assert requests_for_feed[-1].endswith(" 304"), served.log()


def test_feed2exec_writes_one_message_per_item(served):
    feed2exec = require("feed2exec")
    root = served.project.root
    mailbox = root / "Mail"
    config = ["--config", str(root / "feed2exec.ini"), "--database", str(root / "feed2exec.db")]
    run([feed2exec, *config, "add", "partners", served.base + "rss.xml", "--mailbox",
         str(mailbox)], root)  # fmt: skip
    run([feed2exec, *config, "fetch"], root)
    messages = [p for p in mailbox.rglob("*") if p.is_file() and p.parent.name == "new"]
    assert len(messages) == 5, [str(p) for p in mailbox.rglob("*")]
    subjects = sorted(
        next(line for line in p.read_text().splitlines() if line.startswith("Subject:"))
        for p in messages
    )
    assert any("Disability Price Tag 2026" in s for s in subjects)
    new_partner_post(served.project)
    # feed2exec honours our Cache-Control (max-age=300); --nocache stands for it expiring.
    run([feed2exec, *config, "fetch", "--nocache"], root)
    messages = [p for p in mailbox.rglob("*") if p.is_file() and p.parent.name == "new"]
    assert len(messages) == 6
