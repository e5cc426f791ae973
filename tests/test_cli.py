"""The copro-feeds command, run as a real subprocess against local partner feeds."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import copro_feeds
from copro_feeds._cli import build_parser
from tests.conftest import PARTNERS, RSS, partner_sources


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "copro_feeds", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        check=False,
    )


def start(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """``copro-feeds ARGS`` as a background process, its output captured as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "copro_feeds", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_update_twice_prints_summaries_and_keeps_output_identical(project):
    first = cli("update", cwd=project.root)
    assert first.returncode == 0, first.stderr
    # 7 folders x (3 feeds + index.html), sources.opml, via.opml, feed.xsl, style.css and
    # archive/index.html (the 5 folders, and the two months of posts: over by the real clock)
    assert first.stdout.strip().splitlines()[-1] == (
        "sources: 3 updated, 0 not modified, 0 failed; entries: 6 new, 0 updated; files written: 33"
    )
    assert "Scope: updated (2 new, 0 updated)" in first.stderr  # plain log lines off a terminal
    atom = (project.public / "atom.xml").read_bytes()
    second = cli("update", "--all", cwd=project.root)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1] == (
        "sources: 0 updated, 3 not modified, 0 failed; entries: 0 new, 0 updated; files written: 0"
    )
    assert (project.public / "atom.xml").read_bytes() == atom


def test_failures_are_listed_and_strict_exits_1(project, feed_server):
    feed_server.serve("/cfwr/atom.xml", b"nope", status=500, content_type="text/plain")
    lenient = cli("update", cwd=project.root)
    assert lenient.returncode == 0
    assert "failed: Centre for Welfare Reform: " in lenient.stderr
    assert "500" in lenient.stderr
    strict = cli("update", "--all", "--strict", cwd=project.root)
    assert strict.returncode == 1
    assert "1 failed" in strict.stdout


def test_check_lists_every_problem_and_exits_2(tmp_path):
    (tmp_path / "feeds.toml").write_text(
        '[site]\ntitle = "t"\nlink = "https://x.example/"\n'
        '[[sources]]\nname = "A"\nurl = "ftp://a.example/"\n'
        '[[sources]]\nname = "B"\nurl = "https://b.example/"\nintervl = "1h"\n'
    )
    result = cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "sources[0].url: not an http(s) URL" in result.stderr
    assert "sources[1].intervl: unknown key" in result.stderr
    assert not (tmp_path / "copro_feeds.sqlite3").exists()  # nothing fetched or created
    update = cli("update", cwd=tmp_path)
    assert update.returncode == 2
    assert not (tmp_path / "copro_feeds.sqlite3").exists()


def test_check_accepts_the_shipped_config(tmp_path):
    shutil.copy(Path(__file__).resolve().parent.parent / "feeds.toml", tmp_path)
    result = cli("check", cwd=tmp_path)
    assert result.returncode == 0
    assert "ok, 3 source(s)" in result.stdout


def test_missing_config_names_the_path(tmp_path):
    result = cli("status", cwd=tmp_path)
    assert result.returncode == 2
    assert str(tmp_path / "feeds.toml") in result.stderr


def test_config_from_environment_variable(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = cli("check", cwd=elsewhere, env={"COPRO_FEEDS_CONFIG": str(project.config_path)})
    assert result.returncode == 0, result.stderr


def test_status_shows_each_source(project, feed_server):
    feed_server.serve("/cfwr/atom.xml", b"nope", status=503, content_type="text/plain")
    cli("update", cwd=project.root)
    result = cli("status", cwd=project.root)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "source",
        "last",
        "success",
        "last",
        "error",
        "entries",
        "next",
        "due",
    ]
    scope = next(line for line in lines if line.startswith("Scope"))
    assert " 2 " in scope and "UTC" in scope
    cfwr = next(line for line in lines if line.startswith("Centre for Welfare Reform"))
    assert "503" in cfwr


def test_publish_command_renders_from_store(project):
    cli("update", cwd=project.root)
    (project.public / "rss.xml").unlink()
    result = cli("publish", cwd=project.root)
    assert result.returncode == 0
    assert (project.public / "rss.xml").exists()
    assert "files written: 1\n" in result.stdout


def test_discover_prints_advertised_feeds(project, feed_server):
    feed_server.serve(
        "/home",
        b'<html><head><link rel="alternate" type="application/atom+xml" href="/cfwr/atom.xml">'
        b"</head></html>",
        content_type="text/html",
    )
    result = cli("discover", feed_server.url("/home"), cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == feed_server.url("/cfwr/atom.xml")
    direct = cli("discover", feed_server.url("/scope/feed/"), cwd=project.root)
    assert direct.stdout.strip() == feed_server.url("/scope/feed/")


def test_console_script_is_installed():
    script = shutil.which("copro-feeds", path=str(Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in (
        "update", "run", "publish", "check", "status", "discover",
        "entries", "hide", "unhide", "pin", "unpin", "log", "explain",
    ):  # fmt: skip
        assert command in result.stdout


def test_daemon_publishes_then_stops_cleanly_on_sigterm(project, feed_server):
    project.write_config(
        f'[[sources]]\nname = "Scope"\nurl = "{feed_server.url("/scope/feed/")}"\ninterval = "2s"\n'
    )
    daemon = start("run", cwd=project.root)
    try:
        deadline = time.monotonic() + 30
        while not (project.public / "atom.xml").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (project.public / "atom.xml").exists()
        # It keeps polling on the source's interval: a second fetch within a few seconds.
        while feed_server.hits("/scope/feed/") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert feed_server.hits("/scope/feed/") >= 2
        feed_server.serve(
            "/scope/feed/", (PARTNERS / "scope-v2.rss.xml").read_bytes(), content_type=RSS
        )
        while b"Hidden costs" not in (project.public / "atom.xml").read_bytes():
            assert time.monotonic() < deadline, "the daemon never republished"
            time.sleep(0.1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, stderr
    assert "daemon stopped" in stderr
    assert not list(project.public.glob(".copro-tmp-*"))


def on_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """``copro-feeds ARGS`` under a real pseudo-terminal (100 columns): exit status and output."""
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "copro_feeds", *args],
        cwd=cwd,
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
    )
    os.close(child_fd)
    output = b""
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(main_fd)
    return process.returncode, output.decode(errors="replace")


def test_update_on_a_terminal_shows_a_progress_bar(project):
    """Run under a real pseudo-terminal: tqdm draws its bar with the source's name."""
    returncode, text = on_terminal("update", cwd=project.root)
    assert returncode == 0, text
    assert "source" in text and "3/3" in text  # the bar: "…| 3/3 [00:00<00:00, … source/s]"
    assert "sources: 3 updated" in text
    assert "INFO" not in text  # the bar replaces the per-source log lines


LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR) ")


def test_log_lines_go_above_the_progress_bar_never_through_it(project, feed_server):
    feed_server.serve("/cfwr/atom.xml", b"nope", status=503, content_type="text/plain")
    returncode, text = on_terminal("update", "-v", cwd=project.root)
    assert returncode == 0, text
    assert "3/3" in text  # the bar was drawn
    # Every log line starts a line of its own: the bar was cleared first, not written over.
    pieces = re.split(r"[\r\n]", text)
    logged = [piece for piece in pieces if LOG_LINE.search(piece)]
    assert len(logged) >= 3, text
    for piece in logged:
        assert LOG_LINE.match(piece.lstrip(" ")), repr(piece)
    # The failure is said once: the summary's list, no log line besides.
    assert text.count("HTTP 503") == 1, text  # (not "503": the port may contain it)
    assert "failed: Centre for Welfare Reform: " in text


def test_quiet_on_a_terminal_shows_no_bar_and_no_info(project):
    returncode, text = on_terminal("update", "-q", cwd=project.root)
    assert returncode == 0, text
    assert "3/3" not in text
    assert "INFO" not in text
    assert text.strip().splitlines()[-1].startswith("sources: 3 updated")


OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Exported</title></head><body>
  <outline text="Blogs">
    <outline type="rss" text="Scope" xmlUrl="https://scope.example/feed/"/>
    <outline type="rss" text="Disability Wales" title="Disability Wales &amp; friends"
             xmlUrl="https://dw.example/feed/" htmlUrl="https://dw.example/"/>
    <outline type="rss" text="Quotes &quot;here&quot;" xmlUrl="https://q.example/rss"/>
    <outline text="not a feed" htmlUrl="https://x.example/"/>
  </outline>
</body></opml>
"""


def test_import_opml_appends_new_sources_only(project, tmp_path):
    original = project.config_path.read_text()
    opml = tmp_path / "subscriptions.opml"
    opml.write_bytes(
        OPML.replace(b"https://scope.example/feed/", project.server.url("/scope/feed/").encode())
    )
    result = cli("import-opml", str(opml), cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert "added: Disability Wales & friends" in result.stdout
    assert 'added: Quotes "here"' in result.stdout
    assert "skipped: Scope: already configured (same url)" in result.stdout
    text = project.config_path.read_text()
    assert text.startswith(original.rstrip("\n"))  # appended, never rewritten
    config = copro_feeds.load_config(project.config_path)
    assert config.source("quotes-here").name == 'Quotes "here"'
    added = config.source("disability-wales-friends")
    assert (added.url, added.homepage) == ("https://dw.example/feed/", "https://dw.example/")
    again = cli("import-opml", str(opml), cwd=project.root)
    assert "0 source(s) added" in again.stdout
    assert project.config_path.read_text() == text


def test_import_of_a_non_opml_file_is_a_config_error(project, tmp_path):
    bad = tmp_path / "x.opml"
    bad.write_text("<html><body>nope</body></html>")
    result = cli("import-opml", str(bad), cwd=project.root)
    assert result.returncode == 2
    assert "not an OPML file" in result.stderr


def _served_port(log_path: Path, process: subprocess.Popen[bytes], deadline: float) -> int:
    """The port a server started with ``--port 0`` logged ("serving … at http://…:PORT/")."""
    pattern = re.compile(r"serving \S+ at http://127\.0\.0\.1:(\d+)/$", re.MULTILINE)
    while (address := pattern.search(log_path.read_text())) is None:
        assert process.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.05)
    return int(address[1])


def test_run_with_serve_runs_daemon_and_server_together(project):
    # Port 0: the server takes a free port itself (no probe-then-bind race with the other
    # test workers) and logs "serving FOLDER at http://127.0.0.1:PORT/" to stderr.
    log_path = project.root / "run.log"
    with log_path.open("w") as log:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "copro_feeds", "run", "--serve", "--port", "0"],
            cwd=project.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 30
        port = _served_port(log_path, daemon, deadline)
        body = b""
        while b"Co-producing the cost of living guide" not in body:
            assert time.monotonic() < deadline, f"nothing served: {body[:300]!r}"
            time.sleep(0.2)
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/atom.xml", timeout=2)
                body = response.read()
            except OSError as error:  # not listening yet, or not published yet
                body = repr(error).encode()
                continue
        assert response.headers["Content-Type"].startswith("application/atom+xml")
        health = {}
        while health.get("status") != "ok":  # the cycle is recorded just after publishing
            assert time.monotonic() < deadline, health
            time.sleep(0.2)
            try:
                answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except urllib.error.HTTPError as error:
                answer = error
            health = json.loads(answer.read())
        assert health["last_cycle"]["tick_seconds"] == 60  # the daemon's tick (30m sources)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
        assert 'copro_feeds_fetches_total{outcome="updated"} 3.0' in metrics  # this process
        assert 'copro_feeds_source_entries{source="scope"} 2.0' in metrics  # the store
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    stderr = log_path.read_text()
    assert daemon.returncode == 0, stderr
    assert "GET /atom.xml 200" in stderr


def test_serve_reports_health_and_metrics_of_a_separate_update(project):
    log_path = project.root / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "copro_feeds", "serve", "--port", "0"],
            cwd=project.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 30
        base = f"http://127.0.0.1:{_served_port(log_path, server, deadline)}"
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
            except urllib.error.HTTPError as error:
                assert error.code == 503  # listening; no cycle yet
                assert json.loads(error.read())["problems"] == [
                    "no cycle recorded in the store yet"
                ]
                break
            except OSError:
                assert time.monotonic() < deadline, "serve never listened"
                time.sleep(0.2)
        assert cli("update", cwd=project.root).returncode == 0  # another process
        health = json.loads(urllib.request.urlopen(f"{base}/healthz", timeout=5).read())
        assert health["status"] == "ok"
        assert health["last_cycle"]["tick_seconds"] == 1800  # update: the shortest interval
        metrics = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
        assert 'copro_feeds_source_entries{source="scope"} 2.0' in metrics
        assert "copro_feeds_last_publish_success 1.0" in metrics
        assert "copro_feeds_fetches_total" not in metrics  # no cycles run in this process
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    stderr = log_path.read_text()
    assert server.returncode == 0, stderr
    assert "GET /healthz 503" in stderr
    assert "GET /metrics 200" in stderr


@pytest.mark.parametrize("command", [["serve"], ["run", "--serve"]])
def test_a_busy_port_is_one_clear_line_and_exit_1(project, command):
    with socket.socket() as busy:  # held for the whole test: no other worker can take it
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli(*command, "--port", str(port), cwd=project.root, timeout=30)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"copro-feeds: error: cannot listen on 127.0.0.1:{port}: "
        "the address is already in use (is another server running there?)"
    )
    assert not (project.public / "atom.xml").exists()  # the daemon never started


# -- update NAME, nothing due, status for monitoring, verbosity, help ---------------------


def test_update_names_refreshes_those_sources_due_or_not(project, feed_server):
    cli("update", cwd=project.root)
    result = cli("update", "scope", "centre for welfare reform", cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "sources: 0 updated, 2 not modified, 0 failed; entries: 0 new, 0 updated; files written: 0"
    )
    assert feed_server.hits("/scope/feed/") == 2
    assert feed_server.hits("/cfwr/atom.xml") == 2
    assert feed_server.hits("/scottish/rss.xml") == 1


def test_update_with_an_unknown_name_is_a_clear_error(project, feed_server):
    result = cli("update", "Scope", "Nobody", cwd=project.root)
    assert result.returncode == 2
    assert "no source named 'Nobody'" in result.stderr
    assert "Scope (scope)" in result.stderr  # the names it could have been
    assert feed_server.requests == []  # nothing fetched
    both = cli("update", "--all", "Scope", cwd=project.root)
    assert both.returncode == 2
    assert "NAMEs or --all" in both.stderr
    project.write_config(
        partner_sources(feed_server).replace('name = "Scope"', 'name = "Scope"\nenabled = false')
    )
    disabled = cli("update", "scope", cwd=project.root)
    assert disabled.returncode == 2
    assert disabled.stderr == "copro-feeds: 'Scope' is disabled (enabled = false in the config)\n"
    assert feed_server.requests == []


def test_update_with_nothing_due_says_why_and_when(project):
    cli("update", cwd=project.root)
    result = cli("update", cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"nothing due: 3 sources not due yet; next: (Scope|Centre for Welfare Reform|"
        r"Scottish Co-production Network) at \d{4}-\d\d-\d\d \d\d:\d\d UTC; "
        r"files written: 0\n",
        result.stdout,
    ), result.stdout
    statuses = {s.name: s.next_due for s in status_of(project)}
    soonest = min(statuses, key=lambda name: statuses[name])
    assert f"next: {soonest} at {statuses[soonest]:%Y-%m-%d %H:%M} UTC" in result.stdout


def status_of(project):
    with copro_feeds.make_aggregator(copro_feeds.load_config(project.config_path)) as aggregator:
        return aggregator.status()


ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def test_status_json_prints_one_object_per_source_per_line(project, feed_server):
    feed_server.serve("/cfwr/atom.xml", b"nope", status=503, content_type="text/plain")
    secret_url = feed_server.url("/private/feed").replace("http://", "http://reader:s3cret@")
    project.write_config(
        partner_sources(feed_server)
        + f'[[sources]]\nname = "Private"\nurl = "{secret_url}"\nenabled = false\n'
    )
    cli("update", cwd=project.root)
    result = cli("status", "--json", cwd=project.root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4  # JSON Lines: one object per source, one per line
    records = {record["slug"]: record for record in map(json.loads, lines)}
    keys = {"name", "slug", "url", "enabled", "last_success", "last_error", "failures"}
    for record in records.values():
        assert set(record) == keys | {"next_due", "entries"}
    scope = records["scope"]
    assert scope["name"] == "Scope"
    assert scope["url"] == feed_server.url("/scope/feed/")
    assert scope["enabled"] is True
    assert ISO_UTC.fullmatch(scope["last_success"]) and ISO_UTC.fullmatch(scope["next_due"])
    assert (scope["last_error"], scope["failures"], scope["entries"]) == (None, 0, 2)
    cfwr = records["centre-for-welfare-reform"]
    assert cfwr["last_success"] is None
    assert "503" in cfwr["last_error"]
    assert cfwr["failures"] == 1
    private = records["private"]
    assert private["enabled"] is False
    assert private["url"] == feed_server.url("/private/feed").replace("http://", "http://***@")
    assert "s3cret" not in result.stdout
    assert (private["last_success"], private["next_due"], private["entries"]) == (None, None, 0)


def test_status_strict_exits_1_while_an_enabled_source_is_failing(project, feed_server):
    cli("update", cwd=project.root)
    healthy = cli("status", "--strict", "--json", cwd=project.root)
    assert healthy.returncode == 0, healthy.stderr
    feed_server.serve("/cfwr/atom.xml", b"nope", status=500, content_type="text/plain")
    cli("update", "--all", cwd=project.root)
    failing = cli("status", "--strict", cwd=project.root)
    assert failing.returncode == 1
    assert "Centre for Welfare Reform" in failing.stderr
    assert "source" in failing.stdout  # the table is still printed
    # A disabled source's old failure does not count.
    project.write_config(
        partner_sources(feed_server).replace(
            'name = "Centre for Welfare Reform"',
            'name = "Centre for Welfare Reform"\nenabled = false',
        )
    )
    assert cli("status", "--strict", cwd=project.root).returncode == 0
    # It recovers: the next success clears the error.
    feed_server.serve("/cfwr/atom.xml", (PARTNERS / "cfwr.atom.xml").read_bytes(), content_type=RSS)
    project.write_config(partner_sources(feed_server))
    cli("update", "--all", cwd=project.root)
    assert cli("status", "--strict", cwd=project.root).returncode == 0


def test_verbose_and_quiet_work_before_or_after_the_command(project):
    verbose = cli("update", "-v", cwd=project.root)
    assert verbose.returncode == 0, verbose.stderr
    assert " DEBUG wrote " in verbose.stderr
    (project.public / "atom.xml").unlink()
    before = cli("-v", "publish", cwd=project.root)
    assert " DEBUG wrote " in before.stderr
    quiet = cli("update", "--all", "-q", cwd=project.root)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""  # warnings and errors only: none here
    assert cli("-q", "update", "--all", cwd=project.root).stderr == ""
    normal = cli("update", "--all", cwd=project.root)
    assert " INFO " in normal.stderr
    assert " DEBUG " not in normal.stderr
    both = cli("-v", "status", "-q", cwd=project.root)
    assert both.returncode == 2
    assert "cannot be used together" in both.stderr


def test_every_command_help_starts_with_a_sentence_saying_what_it_does():
    parser = build_parser()
    commands = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    assert len(commands.choices) >= 16
    for name, command in commands.choices.items():
        help_text = command.format_help()
        paragraphs = help_text.split("\n\n")
        assert paragraphs[0].startswith(f"usage: copro-feeds {name}"), name
        first = " ".join(paragraphs[1].split())
        assert first[0].isupper() and first.endswith("."), (name, first)
        assert "-q, --quiet" in help_text and "-v, --verbose" in help_text, name
    shown = cli("status", "--help", cwd=Path.cwd())
    assert shown.stdout.split("\n\n")[1].startswith("Show each source's last success")


ROOT = Path(__file__).resolve().parent.parent


def test_the_documented_summary_lines_are_what_update_prints(project):
    """README, quick start and CLI reference show the line the three partners really give."""
    printed = cli("update", cwd=project.root).stdout.strip().splitlines()[-1]
    assert printed.startswith("sources: 3 updated")
    for document in ("README.md", "docs/quickstart.md", "docs/cli.md"):
        shown = re.findall(r"sources: \d+ updated[^`\n]*", (ROOT / document).read_text())
        assert shown, document
        assert set(shown) == {printed}, document
    waiting = cli("update", cwd=project.root).stdout.strip()
    documented = re.search(r"nothing due: .*", (ROOT / "docs/cli.md").read_text()).group()
    pattern = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"
    assert re.sub(pattern, "TIME", waiting).replace("Centre for Welfare Reform", "Scope").replace(
        "Scottish Co-production Network", "Scope"
    ) == re.sub(pattern, "TIME", documented)
