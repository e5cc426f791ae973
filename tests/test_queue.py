"""The PostgreSQL workers (``_queue``): real worker processes on a real PostgreSQL.

Each worker is ``tests/worker_child.py`` (or ``copro-feeds run``) in its own process, sharing
the store and the queue in a fresh PostgreSQL schema. The feed server records when each
request started and ended, so overlapping fetches of one source and refetches within its
interval show.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import feedparser
import procrastinate
import pytest
from lxml import etree

from copro_feeds import _queue
from copro_feeds._cli import main
from copro_feeds._files import LOCK_FILE, TEMP_PREFIX
from copro_feeds._health import last_cycle
from copro_feeds._publishing import publish_if_needed
from copro_feeds._store.postgresql import PostgreSQLStore
from copro_feeds.config import load_config
from copro_feeds.core import make_aggregator, utc_now
from tests.conftest import PARTNERS, Project
from tests.feedserver import FeedServer
from tests.postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
BODIES = [
    (PARTNERS / "scope.rss.xml").read_bytes(),
    (PARTNERS / "cfwr.atom.xml").read_bytes(),
    (PARTNERS / "scottish.rdf").read_bytes(),
]


# -- pure parts -------------------------------------------------------------------


def test_tick_cron_uses_the_seconds_field_and_at_most_a_minute():
    assert _queue.tick_cron(5) == "* * * * * */5"
    assert _queue.tick_cron(0.2) == "* * * * * */1"
    assert _queue.tick_cron(1800) == "* * * * *"


def test_a_small_round_is_one_job_per_source_and_a_large_one_is_batched():
    assert _queue.batches(["a", "b", "c"]) == [["a"], ["b"], ["c"]]
    keys = [f"s{n}" for n in range(10_000)]
    jobs = _queue.batches(keys)
    assert len(jobs) == 10_000 // _queue.MAX_BATCH
    assert sorted(key for job in jobs for key in job) == sorted(keys)


def test_the_stall_timeout_is_two_minutes_and_never_shorter_than_the_fetch_deadline(
    project: Project,
):
    config = load_config(project.config_path)  # timeout = 5
    assert _queue.DEFAULT_STALL_TIMEOUT <= 120
    assert _queue.stall_timeout_for(config) == _queue.DEFAULT_STALL_TIMEOUT
    assert _queue.stall_timeout_for(config, 1.0) == 5.0


def test_control_tasks_outrank_publishing_which_outranks_refreshes():
    assert _queue.CONTROL_PRIORITY > _queue.PUBLISH_PRIORITY > _queue.REFRESH_PRIORITY


# -- against PostgreSQL -----------------------------------------------------------


def test_upgrade_creates_the_queue_schema_once(postgres_url: str, postgres_server: PostgresServer):
    assert _queue.upgrade_schema(postgres_url).created
    assert _queue.upgrade_schema(postgres_url).describe() == "ready"
    tables = postgres_server.psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename IN "
        "('procrastinate_jobs', 'copro_feeds_due') ORDER BY 1",
        postgres_url,
    ).split()
    assert tables == ["copro_feeds_due", "procrastinate_jobs"]


def test_a_tick_claims_in_slices_each_with_its_jobs_in_one_transaction(
    postgres_url: str, postgres_server: PostgresServer
):
    _queue.upgrade_schema(postgres_url)
    keys = [f"s{n}" for n in range(10)]
    postgres_server.psql(
        "INSERT INTO copro_feeds_due SELECT 's' || n, now() - n * interval '1 minute' "
        "FROM generate_series(0, 9) AS n; "
        "INSERT INTO copro_feeds_due VALUES ('later', now() + interval '1 hour'), "
        "('unknown', now() - interval '1 day')",
        postgres_url,
    )

    async def tick() -> _queue.Claimed:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=postgres_url))
        async with app.open_async():
            return await _queue.claim_and_queue(app, [*keys, "later"], utc_now(), slice_size=3)

    claimed = asyncio.run(tick())
    assert claimed.sources == keys[::-1]  # the longest due first; 'unknown' is not ours
    assert (claimed.jobs, claimed.slices) == (10, 4)  # 3 + 3 + 3 + 1, a job each
    # Rows written in one transaction share its id (xmin): a slice's claims and its jobs
    # are one transaction, and each slice is another.
    per_slice = postgres_server.psql(
        "SELECT count(*) FROM copro_feeds_due AS d JOIN procrastinate_jobs AS j "
        "ON j.args->'keys'->>0 = d.source_key AND j.xmin::text = d.xmin::text "
        "GROUP BY d.xmin::text ORDER BY 1",
        postgres_url,
    ).split()
    assert per_slice == ["1", "3", "3", "3"]
    again = asyncio.run(tick())
    assert (again.sources, again.jobs, again.slices) == ([], 0, 0)


@dataclass
class Fetch:
    path: str
    started: float
    ended: float


class SlowFeeds:
    """Feeds answered after ``delay`` seconds, each request's start and end recorded."""

    def __init__(self, server: FeedServer, count: int, delay: float) -> None:
        self.server = server
        self.delay = delay
        self.fetches: list[Fetch] = []
        self.arrived = threading.Event()  # set by the first request to a slow path
        self.hold: dict[str, float] = {}  # path -> extra seconds, used once
        self._lock = threading.Lock()
        self.paths = [f"/feed{n}.xml" for n in range(count)]
        for number, path in enumerate(self.paths):
            self.server.route(path, self._handler(path, BODIES[number % len(BODIES)]))

    def _handler(self, path: str, body: bytes):
        def handle(handler: BaseHTTPRequestHandler) -> None:
            started = time.monotonic()
            with self._lock:
                extra = self.hold.pop(path, 0.0)
            if extra:
                self.arrived.set()
            time.sleep(self.delay + extra)
            handler.send_response(200)
            handler.send_header("Content-Type", "application/xml")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            with self._lock:
                self.fetches.append(Fetch(path, started, time.monotonic()))

        return handle

    def of(self, path: str) -> list[Fetch]:
        with self._lock:
            return sorted((f for f in self.fetches if f.path == path), key=lambda f: f.started)

    def sources(self) -> str:
        return "".join(
            f'\n[[sources]]\nname = "Partner {n}"\nurl = "{self.server.url(path)}"\n'
            for n, path in enumerate(self.paths)
        )


class Workers:
    """Worker processes for one project and one queue database; stopped after the test."""

    def __init__(self, config: Path, url: str, logs: Path) -> None:
        self.config = config
        self.url = url
        self.logs = logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *options: str, stall: float = 120.0) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.worker_child",
                str(self.config),
                self.url,
                "--name",
                name,
                "--stall-timeout",
                str(stall),
                *options,
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        log.close()
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop(self, name: str, timeout: float = 60) -> int:
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)

    def kill_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def workers(project: Project, postgres_url: str) -> Iterator[Workers]:
    logs = project.root / "logs"
    logs.mkdir()
    running = Workers(project.config_path, postgres_url, logs)
    try:
        yield running
    finally:
        running.kill_all()


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def write_config(
    project: Project, feeds: SlowFeeds, url: str, interval: str, timeout: int = 5
) -> None:
    """The project's config on feeds, its store and queue in the database at ``url``."""
    project.write_config(feeds.sources())
    text = project.config_path.read_text(encoding="utf-8")
    fetch = f'timeout = {timeout}\ninterval = "{interval}"\nmax_workers = 4\n'
    text = text.replace('timeout = 5\ninterval = "30m"\n', fetch)
    project.config_path.write_text(f'{text}\n[storage]\nurl = "{url}"\n', encoding="utf-8")
    assert main(["--config", str(project.config_path), "db", "upgrade"]) == 0


def jobs_waiting(server: PostgresServer, url: str, task: str) -> int:
    return int(
        server.psql(
            "SELECT count(*) FROM procrastinate_jobs "
            f"WHERE task_name = '{task}' AND status IN ('todo', 'doing')",
            url,
        )
    )


def test_three_workers_never_fetch_a_source_twice_at_once_nor_within_its_interval(
    project: Project, workers: Workers, postgres_server: PostgresServer
):
    interval = 4.0
    feeds = SlowFeeds(project.server, count=8, delay=0.5)
    write_config(project, feeds, workers.url, f"{interval:g}s")
    for name in ("w1", "w2", "w3"):
        workers.start(name)
    wait_for(
        lambda: all(len(feeds.of(path)) >= 3 for path in feeds.paths),
        90,
        "every source refreshed three times",
    )
    wait_for(
        lambda: jobs_waiting(postgres_server, workers.url, "copro_feeds.publish") == 0,
        60,
        "the last publish",
    )
    for name in ("w1", "w2", "w3"):
        assert workers.stop(name) == 0, workers.log(name)

    for path in feeds.paths:
        fetches = feeds.of(path)
        for earlier, later in itertools.pairwise(fetches):
            assert later.started >= earlier.ended, f"{path} fetched by two workers at once"
            # due again after the interval, jittered by at most 10 %, counted from the
            # clock reading just before the earlier fetch (up to a second before it on
            # a loaded machine); a second claim would come one tick (a second) later
            assert later.started - earlier.started >= 0.9 * interval - 1.0, path
    database = workers.url
    ticks = postgres_server.psql(
        "SELECT args->>'timestamp', count(*) FROM procrastinate_jobs "
        "WHERE task_name = 'copro_feeds.tick' GROUP BY 1 HAVING count(*) > 1",
        database,
    )
    assert ticks == "", "a periodic tick ran twice"
    # several workers did the work
    assert sum("Partner " in workers.log(name) for name in ("w1", "w2", "w3")) >= 2
    # the published output reflects everything stored: nothing is stale
    config = load_config(project.config_path)
    with make_aggregator(config) as aggregator:
        stored_ids = {entry.id for entry in aggregator.entries()}
        store = aggregator._store
        assert (
            publish_if_needed(config, store, utc_now(), since=0.0, force=False, changed=False) == []
        )
    published = feedparser.parse((project.public / "atom.xml").read_bytes())
    assert not published.bozo
    assert len(published.entries) == len(stored_ids) > 0


def test_a_source_of_a_killed_worker_is_refreshed_by_another_within_the_stall_timeout(
    project: Project, workers: Workers
):
    feeds = SlowFeeds(project.server, count=1, delay=0.0)
    write_config(project, feeds, workers.url, "30m", timeout=2)
    path = feeds.paths[0]
    feeds.hold[path] = 60.0  # the first fetch hangs until the worker is killed
    stall = 3.0
    doomed = workers.start("doomed", stall=stall)
    assert feeds.arrived.wait(60), workers.log("doomed")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    killed_at = time.monotonic()
    workers.start("rescuer", stall=stall)
    wait_for(lambda: len(feeds.of(path)) >= 1, stall + 30, "the source refreshed again")
    refreshed = feeds.of(path)[0]
    assert refreshed.started - killed_at <= stall + 30
    assert "retrying stalled job" in workers.log("rescuer")
    assert workers.stop("rescuer") == 0
    config = load_config(project.config_path)
    with make_aggregator(config) as aggregator:
        assert aggregator.status()[0].entries > 0


def test_sighup_is_survived_and_sigterm_finishes_the_current_job_then_exits_0(
    project: Project, workers: Workers
):
    feeds = SlowFeeds(project.server, count=1, delay=0.0)
    write_config(project, feeds, workers.url, "30m", timeout=15)
    path = feeds.paths[0]
    feeds.hold[path] = 5.0  # SIGHUP and SIGTERM arrive while it is being fetched
    worker = workers.start("w")
    assert feeds.arrived.wait(60), workers.log("w")
    worker.send_signal(signal.SIGHUP)  # a reload by the service manager: not the end
    wait_for(lambda: "received SIGHUP" in workers.log("w"), 30, "SIGHUP handled")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0, workers.log("w")
    assert len(feeds.of(path)) == 1  # the fetch in flight was answered ...
    config = load_config(project.config_path)
    with make_aggregator(config) as aggregator:
        assert aggregator.status()[0].entries > 0  # ... and saved


def test_a_publish_cut_short_by_a_dead_worker_is_done_again_and_its_temp_files_cleaned(
    project: Project, workers: Workers, postgres_server: PostgresServer
):
    feeds = SlowFeeds(project.server, count=2, delay=0.0)
    write_config(project, feeds, workers.url, "30m")
    config = load_config(project.config_path)
    with make_aggregator(config) as aggregator:
        aggregator.run_once()  # the old, valid files
    old = (project.public / "atom.xml").read_bytes()
    # What a worker killed mid-publish leaves: a temporary file, and its publish job
    # 'doing' for a worker whose heartbeat stopped.
    stale = project.public / ".copro-tmp-atom.xml"
    stale.write_bytes(old[: len(old) // 2])
    database = workers.url
    postgres_server.psql(
        "WITH dead AS (INSERT INTO procrastinate_workers (last_heartbeat) "
        "VALUES (now() - interval '1 hour') RETURNING id) "
        "INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, "
        "queueing_lock, args, status, worker_id) SELECT 'copro_feeds_publish', "
        "'copro_feeds.publish', 50, 'copro_feeds_publish', 'copro_feeds_publish', '{}', "
        "'doing', id FROM dead",
        database,
    )
    with make_aggregator(config) as aggregator:
        aggregator._store.set_meta("publish_fingerprint", "")  # the dead one began
    (project.public / "atom.xml").unlink()  # so the retried publish must write it
    workers.start("w", stall=5.0)
    wait_for((project.public / "atom.xml").exists, 60, "the publish done again")
    assert workers.stop("w") == 0
    assert not stale.exists()
    assert not feedparser.parse((project.public / "atom.xml").read_bytes()).bozo
    assert "retrying stalled job" in workers.log("w")
    states = postgres_server.psql(
        "SELECT status FROM procrastinate_jobs WHERE task_name = 'copro_feeds.publish'", database
    ).split()
    assert "doing" not in states
    assert "succeeded" in states


def partner_feed(number: int, posts: range) -> bytes:
    """An RSS 2.0 feed of partner ``number`` with one item per number in ``posts``, each a
    paragraph long and dated on a fixed day (the same bytes whenever it is built)."""
    items = "".join(
        f"<item><title>Partner {number}, post {post}</title>"
        f"<link>https://partner{number}.test/posts/{post}</link>"
        f"<guid>https://partner{number}.test/posts/{post}</guid>"
        f"<pubDate>{(post % 27) + 1:02d} Oct 2026 {post % 24:02d}:00:00 +0000</pubDate>"
        f"<description>&lt;p&gt;{'Co-production news from the partner. ' * 20}"
        f"Post {post}.&lt;/p&gt;</description></item>"
        for post in posts
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Partner {number}</title><link>https://partner{number}.test/</link>"
        f"<description>Partner {number}'s news</description>{items}</channel></rss>"
    ).encode()


def feed_files(folder: Path) -> dict[str, bytes]:
    """Every Atom, RSS and JSON feed under ``folder``, by relative path."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.name in ("atom.xml", "rss.xml", "feed.json") and path.is_file()
    }


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"{TEMP_PREFIX}*"))


def assert_valid(name: str, data: bytes) -> None:
    """Parse a feed strictly: lxml with no recovery for XML, json for JSON Feed."""
    if name.endswith(".json"):
        assert json.loads(data)["items"] is not None, name
    else:
        etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))


def lock_is_free(folder: Path) -> bool:
    """Whether the publisher lock (an flock on the output folder's lock file) is free."""
    descriptor = os.open(folder / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)  # closing drops the lock if this took it
    return True


def test_a_worker_killed_while_writing_a_publish_leaves_valid_feeds_and_the_job_is_retried(
    project: Project, workers: Workers, postgres_server: PostgresServer
):
    """A publishing worker gets SIGKILL while it writes a big publish (every partner
    changed). Every feed file is then the old or the new one, each valid; the kernel
    released the publisher lock. procrastinate's recovery task on another worker (its
    heartbeat seen stale after the stall timeout) retries the killed publish job itself, the
    same job id, back to 'todo': no new publish is queued for it. That publish removes the
    temporary files the killed one left and writes everything stored.

    The kill comes as soon as the combined feed (the first file written) is replaced, so
    hundreds of partners' feeds are still old: asserted, not assumed. A temporary file lives
    only while one file is flushed, so whether the kill leaves one is chance; the next test
    leaves one on purpose.
    """
    partners, posts = 100, 10
    paths = [f"/partner{number}.xml" for number in range(partners)]
    for number, path in enumerate(paths):
        project.server.serve(path, partner_feed(number, range(posts)))
    sources = "".join(
        f'\n[[sources]]\nname = "Partner {n}"\nurl = "{project.server.url(path)}"\n'
        for n, path in enumerate(paths)
    )
    project.write_config(sources)
    text = project.config_path.read_text(encoding="utf-8")
    text = text.replace('interval = "30m"', 'interval = "3s"')
    text = text.replace("excerpt_words = 12\n", "excerpt_words = 12\nmax_entries = 5000\n")
    project.config_path.write_text(f'{text}\n[storage]\nurl = "{workers.url}"\n', "utf-8")
    assert main(["--config", str(project.config_path), "db", "upgrade"]) == 0
    config = load_config(project.config_path)
    database = workers.url
    public = project.public

    def stored() -> int:
        with make_aggregator(config) as aggregator:
            return sum(status.entries for status in aggregator.status())

    def publish_jobs() -> dict[str, str]:
        rows = postgres_server.psql(
            "SELECT id, status FROM procrastinate_jobs WHERE task_name = 'copro_feeds.publish'",
            database,
        ).split()
        return dict(row.split("|") for row in rows)

    # Round 1: a worker that does not publish stores everything, then another publishes.
    workers.start("fetcher", "--no-publish", "--concurrency", "4", stall=5.0)
    wait_for(lambda: stored() == partners * posts, 120, "the first round stored")
    workers.start("first", stall=5.0)
    wait_for(
        lambda: (
            jobs_waiting(postgres_server, database, "copro_feeds.publish") == 0
            and (public / "feed.json").exists()
        ),
        120,
        "the first publish",
    )
    assert workers.stop("first") == 0, workers.log("first")
    old = feed_files(public)
    assert len(old) > 3 * partners

    # Round 2: every partner has ten more posts; stored in full before anyone publishes.
    for number, path in enumerate(paths):
        project.server.serve(path, partner_feed(number, range(2 * posts)))
    wait_for(lambda: stored() == 2 * partners * posts, 120, "the second round stored")
    assert workers.stop("fetcher") == 0, workers.log("fetcher")
    (job_id,) = [job for job, status in publish_jobs().items() if status == "todo"]

    # The publisher is killed as soon as it has replaced the combined feed, the first
    # file it writes, while the partners' feeds are still to come.
    main_feed = public / "atom.xml"
    before = main_feed.stat().st_ino
    doomed = workers.start("doomed", stall=5.0)
    deadline = time.monotonic() + 120
    while main_feed.stat().st_ino == before:
        assert time.monotonic() < deadline, workers.log("doomed")
        assert doomed.poll() is None, workers.log("doomed")
        time.sleep(0.002)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    at_kill = feed_files(public)
    assert lock_is_free(public), "a dead publisher's lock is still held"
    assert publish_jobs()[job_id] == "doing"

    # Every feed is the old one or the new one, and valid; the kill landed mid-publish.
    rescuer = "rescuer"
    workers.start(rescuer, stall=5.0)
    wait_for(lambda: publish_jobs()[job_id] == "succeeded", 120, "the publish retried")
    assert workers.stop(rescuer) == 0, workers.log(rescuer)
    new = feed_files(public)
    changing = {name for name in new if old.get(name) != new[name]}
    assert len(changing) > 3 * partners
    assert set(at_kill) <= set(new)
    for name, data in at_kill.items():
        assert data in (old.get(name), new[name]), f"{name} is neither the old nor the new"
        assert_valid(name, data)
    updated = {name for name in changing if at_kill.get(name) == new[name]}
    assert updated, "the kill came before the publish wrote anything"
    assert updated != changing, "the kill came after the publish wrote everything"

    # The retried publish: no temporary file, the lock free, everything stored published.
    assert "retrying stalled job" in workers.log(rescuer)
    assert set(publish_jobs().values()) == {"succeeded"}  # the first and the retried one
    assert temp_files(public) == []
    assert lock_is_free(public)
    for name, data in new.items():
        assert_valid(name, data)
    with make_aggregator(config) as aggregator:
        links = {entry.link for entry in aggregator.entries(limit=5000)}
    assert len(links) == 2 * partners * posts
    items = json.loads((public / "feed.json").read_bytes())["items"]
    assert {item["url"] for item in items} == links


# -- the command line --------------------------------------------------------------


@pytest.mark.parametrize(
    "option", [["--no-publish"], ["--concurrency", "2"], ["--publish-delay", "30"]]
)
def test_worker_options_need_a_postgresql_store(project: Project, capsys, option: list[str]):
    status = main(["--config", str(project.config_path), "run", *option])
    assert status == 2
    assert "need a PostgreSQL store" in capsys.readouterr().err


def test_db_upgrade_creates_the_work_queue_once(project: Project, postgres_url: str, capsys):
    text = project.config_path.read_text(encoding="utf-8")
    project.config_path.write_text(f'{text}\n[storage]\nurl = "{postgres_url}"\n', "utf-8")
    assert main(["--config", str(project.config_path), "db", "upgrade"]) == 0
    assert "work queue created" in capsys.readouterr().out
    assert main(["--config", str(project.config_path), "db", "upgrade"]) == 0
    assert "work queue ready" in capsys.readouterr().out


def test_a_worker_without_the_queue_tables_says_to_run_db_upgrade(
    project: Project, postgres_url: str, capsys
):
    PostgreSQLStore.upgrade(postgres_url)  # the store's schema, not the queue's
    text = project.config_path.read_text(encoding="utf-8")
    project.config_path.write_text(f'{text}\n[storage]\nurl = "{postgres_url}"\n', "utf-8")
    assert main(["--config", str(project.config_path), "run"]) == 1
    error = capsys.readouterr().err
    assert "run 'copro-feeds db upgrade'" in error
    assert postgres_url not in error


def test_copro_feeds_run_is_a_worker_on_postgresql(
    project: Project, workers: Workers, postgres_server: PostgresServer
):
    feeds = SlowFeeds(project.server, count=3, delay=0.0)
    write_config(project, feeds, workers.url, "2s")
    log = (workers.logs / "cli.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "copro_feeds", "--config", str(project.config_path), "run",
         "--concurrency", "2", "--publish-delay", "0.5"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    workers.processes["cli"] = process
    wait_for(lambda: all(feeds.of(path) for path in feeds.paths), 90, "every source fetched")
    wait_for((project.public / "atom.xml").exists, 90, "the first publish")
    assert workers.stop("cli") == 0, workers.log("cli")
    text = workers.log("cli")
    assert "worker started: 3 source(s), 2 job(s) at a time, publishing 0.5 s after" in text
    assert workers.url not in text
    with make_aggregator(load_config(project.config_path)) as aggregator:
        tick = last_cycle(aggregator._store)  # what /healthz reads: the ticks are recorded
    assert tick is not None
    assert tick.tick_seconds == 2.0


def test_a_stalled_job_whose_queueing_lock_a_newer_job_holds_is_failed_not_retried(
    postgres_url: str, postgres_server: PostgresServer
):
    """procrastinate issues #1446 and #1543: retrying it would raise UniqueViolation."""
    _queue.upgrade_schema(postgres_url)
    postgres_server.psql(
        "WITH dead AS (INSERT INTO procrastinate_workers (last_heartbeat) "
        "VALUES (now() - interval '1 hour') RETURNING id) "
        "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args, "
        "status, worker_id) SELECT 'q', 'copro_feeds.publish', 'p', 'p', '{}', 'doing', id "
        "FROM dead; "
        "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args) "
        "VALUES ('q', 'copro_feeds.publish', 'p', 'p', '{}'); "
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id) "
        "SELECT 'q', 'copro_feeds.refresh', '{}', 'doing', id FROM procrastinate_workers",
        postgres_url,
    )

    async def recover() -> list[int]:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=postgres_url))
        async with app.open_async():
            return await _queue.retry_stalled(app, 30.0)

    retried = asyncio.run(recover())
    rows = postgres_server.psql(
        "SELECT task_name, status FROM procrastinate_jobs ORDER BY id", postgres_url
    ).split()
    assert rows == [
        "copro_feeds.publish|failed",  # the stalled one: the newer one does its work
        "copro_feeds.publish|todo",
        "copro_feeds.refresh|todo",  # retried
    ]
    assert len(retried) == 1
