"""The daemon under stress: overlapping cycles, SIGTERM mid-cycle, a long soak."""

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
