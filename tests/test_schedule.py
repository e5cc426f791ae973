"""The daemon (``_schedule``) under stress: overlapping cycles, SIGTERM mid-cycle, a long
soak, and following the config file."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import copro_feeds
from tests.conftest import PARTNERS, RSS
from tests.test_cli import start


def slow_feed(seconds: float):
    body = (PARTNERS / "scope.rss.xml").read_bytes()

    def handler(request):
        time.sleep(seconds)
        request.send_response(200)
        request.send_header("Content-Type", RSS)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler


def start_daemon(root: Path) -> subprocess.Popen[str]:
    return start("run", cwd=root)


def test_a_cycle_longer_than_the_interval_is_not_overlapped(project, feed_server):
    feed_server.route("/slow/feed", slow_feed(2.5))
    project.write_config(
        f'[[sources]]\nname = "Slow"\nurl = "{feed_server.url("/slow/feed")}"\ninterval = "1s"\n'
    )
    daemon = start_daemon(project.root)
    # From the first request on, not from the start: a loaded machine may take seconds to
    # start the daemon. The 1 s interval comes round during the 2.5 s fetch, then again.
    deadline = time.monotonic() + 30
    while feed_server.hits("/slow/feed") == 0:
        assert time.monotonic() < deadline, "the daemon never fetched"
        time.sleep(0.05)
    time.sleep(4)
    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, stderr
    assert "skipped: maximum number of running instances reached" in stderr
    # Never two fetches of the source at once: each request starts after the last ended.
    starts = [r for r in feed_server.requests if r.path == "/slow/feed"]
    assert 1 <= len(starts) <= 3  # overlapping runs would have started 4 or 5 in 4 s


def test_sigterm_mid_cycle_finishes_the_write_and_exits_0(project, feed_server):
    feed_server.route("/scope/feed/", slow_feed(2.0))
    daemon = start_daemon(project.root)
    deadline = time.monotonic() + 20
    while feed_server.hits("/scope/feed/") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until the slow fetch is in flight
    assert feed_server.hits("/scope/feed/") == 1
    started = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, stderr
    assert time.monotonic() - started < 15
    assert "received SIGTERM" in stderr and "daemon stopped" in stderr
    # The cycle in flight completed its write: the store and the feed are whole.
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        statuses = {s.name: s for s in aggregator.status()}
    assert statuses["Scope"].entries == 2
    assert not list(project.public.rglob(".copro-tmp-*"))
    assert b"</feed>" in (project.public / "atom.xml").read_bytes()


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_soak_memory_open_files_and_temp_files_stay_flat(project, feed_server):
    """200 cycles in one aggregator (benchmarks/soak.py runs 1,000 by hand)."""
    config = copro_feeds.load_config(project.config_path)
    versions = [
        (PARTNERS / "scope.rss.xml").read_bytes(),
        (PARTNERS / "scope-v2.rss.xml").read_bytes(),
    ]
    samples = []
    with copro_feeds.make_aggregator(config) as aggregator:
        for cycle in range(200):
            if cycle % 10 == 0:  # a partner changes now and then: parse, store, publish
                feed_server.serve("/scope/feed/", versions[(cycle // 10) % 2], content_type=RSS)
            aggregator.run_once(all_sources=True)
            if cycle in (20, 199):
                samples.append((open_files(), rss_kib()))
    (files_early, rss_early), (files_late, rss_late) = samples
    assert files_late <= files_early + 2, samples
    assert rss_late < rss_early + 20 * 1024, samples  # under 20 MiB of growth
    assert not list(project.public.rglob(".copro-tmp-*"))


# -- following the config file ---------------------------------------------------------


def scope_source(project, interval: str, *, enabled: bool = True) -> str:
    return source_table(project, "Scope", "/scope/feed/", interval, enabled)


def cfwr_source(project, interval: str, *, enabled: bool = True) -> str:
    return source_table(project, "Centre for Welfare Reform", "/cfwr/atom.xml", interval, enabled)


def source_table(project, name: str, path: str, interval: str, enabled: bool) -> str:
    return (
        f'[[sources]]\nname = "{name}"\nurl = "{project.server.url(path)}"\n'
        f'interval = "{interval}"\nenabled = {"true" if enabled else "false"}\n'
    )


def wait_for(condition, what: str, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


def stop(daemon: subprocess.Popen[str]) -> str:
    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, stderr
    return stderr


def test_an_edited_config_is_followed_on_the_next_tick(project):
    """Added: fetched at once. Removed or disabled: not fetched again. No SIGHUP needed."""
    server = project.server
    server.serve("/extra/feed", (PARTNERS / "scope-v2.rss.xml").read_bytes(), content_type=RSS)
    scottish = source_table(project, "Scottish", "/scottish/rss.xml", "1s", True)
    project.write_config(
        scope_source(project, "1s")
        + source_table(project, "Extra", "/extra/feed", "1s", True)
        + scottish
    )
    daemon = start_daemon(project.root)
    try:
        wait_for(lambda: server.hits("/extra/feed") >= 2, "a second fetch")
        assert server.hits("/cfwr/atom.xml") == 0
        # Scope removed, Extra disabled, the Centre for Welfare Reform added.
        project.write_config(
            source_table(project, "Extra", "/extra/feed", "1s", False)
            + scottish
            + cfwr_source(project, "1h")
        )
        wait_for(lambda: server.hits("/cfwr/atom.xml") >= 1, "the added source's first fetch")
        wait_for((project.public / "sources" / "centre-for-welfare-reform").exists, "pages")
        before = {path: server.hits(path) for path in ("/scope/feed/", "/extra/feed")}
        scottish_before = server.hits("/scottish/rss.xml")
        time.sleep(5)  # five ticks of 1 s: Scottish goes on
        assert server.hits("/scottish/rss.xml") >= scottish_before + 2
        assert {path: server.hits(path) for path in before} == before  # never again
        assert server.hits("/cfwr/atom.xml") == 1  # due again in an hour, not every tick
    finally:
        stderr = stop(daemon)
    assert "configuration reloaded" in stderr
    assert "3 source(s), 2 enabled" in stderr


def test_a_bad_edit_keeps_the_running_config_and_is_logged_once(project):
    server = project.server
    project.write_config(scope_source(project, "1s"))
    daemon = start_daemon(project.root)
    try:
        wait_for(lambda: server.hits("/scope/feed/") >= 1, "Scope's first fetch")
        project.write_config(
            scope_source(project, "1s") + '[[sources]]\nname = "Broken"\nurl = "ftp://x/"\n'
            'intervl = "1h"\n'
        )
        fetched = server.hits("/scope/feed/")
        # The running config goes on: Scope is fetched on later ticks.
        wait_for(lambda: server.hits("/scope/feed/") >= fetched + 3, "three more fetches")
    finally:
        stderr = stop(daemon)
    assert stderr.count("sources[1].url: not an http(s) URL") == 1, stderr
    assert stderr.count("sources[1].intervl: unknown key") == 1, stderr
    assert stderr.count("keeping the running configuration") == 1, stderr
    assert "configuration reloaded" not in stderr


def test_sighup_reloads_at_once_and_the_tick_follows_the_shortest_interval(project):
    server = project.server
    project.write_config(scope_source(project, "1h"))  # a tick of 60 s
    daemon = start_daemon(project.root)
    try:
        wait_for(lambda: server.hits("/scope/feed/") >= 1, "Scope's first fetch")
        project.write_config(scope_source(project, "1h") + cfwr_source(project, "2s"))
        time.sleep(0.5)
        daemon.send_signal(signal.SIGHUP)
        # Reloaded at once (not at the next 60 s tick), and ticking every 2 s from then on.
        wait_for(lambda: server.hits("/cfwr/atom.xml") >= 3, "three fetches of the 2 s source")
        assert daemon.poll() is None  # SIGHUP did not stop it
        # SIGHUP reads the file again even when it did not change; a bad file is reported.
        project.config_path.write_text("[site]\n", encoding="utf-8")
        time.sleep(5)  # a tick (every 2 s) notices the edit: the problems are logged once
        daemon.send_signal(signal.SIGHUP)  # then once more for each SIGHUP
        time.sleep(5)
        daemon.send_signal(signal.SIGHUP)
        fetched = server.hits("/cfwr/atom.xml")
        wait_for(lambda: server.hits("/cfwr/atom.xml") >= fetched + 2, "the old config going on")
    finally:
        stderr = stop(daemon)
    assert "checking for due sources every 60 s" in stderr
    assert "checking for due sources every 2 s" in stderr
    assert stderr.count("received SIGHUP") >= 2
    # The edit is reported once, and again on each SIGHUP: asking is answered.
    assert stderr.count("site.title: missing (required)") == 3, stderr


def test_a_failure_in_the_daemon_is_logged_once_per_cycle(project):
    server = project.server
    server.serve("/scope/feed/", b"nope", status=500, content_type="text/plain")
    project.write_config(scope_source(project, "1h"))
    daemon = start_daemon(project.root)
    try:
        wait_for(lambda: server.hits("/scope/feed/") >= 1, "Scope's fetch")
        time.sleep(1)
    finally:
        stderr = stop(daemon)
    # the source's failure, not any line whose time stamp ends in ",500" milliseconds
    failures = [line for line in stderr.splitlines() if "failed: Scope:" in line]
    assert len(failures) == 1, stderr
    assert "WARNING failed: Scope: " in failures[0]
    assert "500" in failures[0].split("failed: Scope:", 1)[1]
