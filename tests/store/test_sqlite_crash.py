"""The store under crashes, locks, a full disk and damaged files.

Every test uses a real SQLite file; crashes are real SIGKILLs of real child processes
(tests/store/crash_helpers.py), never mocks.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

import copro_feeds
from copro_feeds import Outcome
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.exceptions import StoreError
from tests.conftest import ATOM, PARTNERS, RDF, RSS, Project, partner_sources
from tests.factories import NOW, attribution, entry

ROOT = Path(__file__).parent.parent.parent
FIXED_NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def helper(*args: object) -> subprocess.Popen[str]:
    """Start ``python -m tests.store.crash_helpers ARGS`` from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_helpers", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str, str]:
    out, err = child.communicate(timeout=timeout)
    return child.returncode, out, err


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def integrity(path: Path) -> str:
    db = raw(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def aggregator_for(project: Project, clock: datetime | None = None) -> copro_feeds.Aggregator:
    config = copro_feeds.load_config(project.config_path)
    if clock is None:
        return copro_feeds.make_aggregator(config)
    return copro_feeds.make_aggregator(config, clock=lambda: clock)


def published(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def new_project(root: Path, server) -> Project:
    root.mkdir()
    project = Project(root=root, server=server)
    project.write_config(partner_sources(server))
    return project


# -- 1. a crash between fetching and committing --------------------------------


@pytest.mark.parametrize("kill_at", [1, 3])
def test_crash_before_commit_loses_nothing_and_refetches_in_full(project, kill_at):
    db_path = project.root / "copro_feeds.sqlite3"
    child = helper("aggregate", project.config_path, "--kill-at-commit", kill_at)
    code, out, err = finish(child)
    assert code == -signal.SIGKILL, (out, err)
    assert "finished" not in out
    dying = out.split("dying-in ")[1].split()[0]
    time.sleep(0.3)  # let the server finish recording what the dead child asked for
    fetched_by_child = len(project.server.requests)
    assert fetched_by_child >= kill_at  # the dying source's feed was downloaded

    # After the crash: a sound file, and each source all-or-nothing.
    assert integrity(db_path) == "ok"
    db = raw(db_path)
    etags = dict(db.execute("SELECT key, etag FROM sources").fetchall())
    counts = dict(db.execute("SELECT source_key, COUNT(*) FROM entries GROUP BY source_key"))
    db.close()
    assert etags[dying] is None and dying not in counts  # validators died with the entries
    committed = {key for key, etag in etags.items() if etag is not None}
    assert committed == set(counts)
    assert len(committed) == kill_at - 1

    # The next real run downloads the lost source again (200, no If-None-Match).
    with aggregator_for(project) as aggregator:
        report = aggregator.run_once()
        assert {r.source_key for r in report.results} == set(etags) - committed
        assert all(r.outcome is Outcome.UPDATED for r in report.results), report.results
        status = {s.source_key: s.entries for s in aggregator.status()}
    again = project.server.requests[fetched_by_child:]
    assert len(again) == 3 - len(committed)
    for request in again:
        assert request.status == 200
        assert "if-none-match" not in request.headers
        assert "if-modified-since" not in request.headers
    assert sum(status.values()) == 6  # everything the three partners publish
    assert all(status.values())

    # And from then on the validators work: every source answers 304.
    with aggregator_for(project) as aggregator:
        report = aggregator.run_once(all_sources=True)
    assert report.count(Outcome.NOT_MODIFIED) == 3
    assert [r.status for r in project.server.requests[-3:]] == [304, 304, 304]


# -- 2. SIGKILL at random moments of a stream of transactions --------------------


def test_twenty_random_kills_leave_every_source_all_old_or_all_new(tmp_path):
    path = tmp_path / "kills.sqlite3"
    sources, per_source = 5, 50
    rng = random.Random(20260303)
    rounds_seen: list[dict[str, int]] = []
    for _ in range(20):
        child = helper("writer", path, "--sources", sources, "--entries", per_source)
        assert child.stdout is not None
        ready = child.stdout.readline()
        assert ready == "ready\n", child.communicate()[1]
        time.sleep(rng.uniform(0.02, 0.15))
        child.send_signal(signal.SIGKILL)
        code, _, err = finish(child)
        assert code == -signal.SIGKILL, err

        assert integrity(path) == "ok"
        db = raw(path)
        rounds: dict[str, int] = {}
        for key, etag in db.execute("SELECT key, etag FROM sources ORDER BY key"):
            titles = db.execute(
                "SELECT DISTINCT title FROM entries WHERE source_key = ?", (key,)
            ).fetchall()
            count = db.execute(
                "SELECT COUNT(*) FROM entries WHERE source_key = ?", (key,)
            ).fetchone()[0]
            assert len(titles) == 1, (key, titles)  # one round's entries, never a mix
            number = int(titles[0][0].removeprefix("round "))
            assert etag == f'"round-{number}"'  # the validators of that same round
            assert count == per_source
            rounds[key] = number
        db.close()
        assert len(rounds) == sources
        rounds_seen.append(rounds)
        SQLiteStore.open(path).close()  # the store itself opens the crashed file cleanly

    newest = [max(r.values()) for r in rounds_seen]
    assert all(a < b for a, b in itertools.pairwise(newest))  # work went on
    # Some kills landed between two sources of one round: the kills were spread out.
    assert any(len(set(r.values())) > 1 for r in rounds_seen)


# -- 3. a crash after committing, before publishing ----------------------------


def run_fixed(project: Project, **kwargs) -> copro_feeds.RunReport:
    with aggregator_for(project, FIXED_NOW) as aggregator:
        return aggregator.run_once(**kwargs)


def crash_after_saving_everything(project: Project) -> None:
    child = helper(
        "aggregate",
        project.config_path,
        "--kill-after-saved",
        3,
        "--now",
        FIXED_NOW.isoformat(),
    )
    code, out, err = finish(child)
    assert code == -signal.SIGKILL, (out, err)
    assert out.count("saved ") == 3


def test_crash_before_first_publish_is_repaired_by_the_next_run(tmp_path, feed_server):
    control = new_project(tmp_path / "control", feed_server)
    crashed = new_project(tmp_path / "crashed", feed_server)
    project_feeds(feed_server)
    run_fixed(control)

    crash_after_saving_everything(crashed)
    assert not crashed.public.exists() or published(crashed.public) == {}
    report = run_fixed(crashed)  # nothing is due: it only publishes
    assert report.results == ()
    assert len(report.files_written) > 10
    assert published(crashed.public) == published(control.public)


def test_crash_before_publishing_a_refresh_then_publish_matches(tmp_path, feed_server):
    control = new_project(tmp_path / "control", feed_server)
    crashed = new_project(tmp_path / "crashed", feed_server)
    project_feeds(feed_server)
    run_fixed(control)
    run_fixed(crashed)
    before = published(crashed.public)
    assert before == published(control.public)

    feed_server.serve(
        "/scope/feed/", (PARTNERS / "scope-v2.rss.xml").read_bytes(), content_type=RSS
    )
    run_fixed(control, all_sources=True)
    crash_after_saving_everything(crashed)
    assert published(crashed.public) == before  # the crash came before any file was touched
    assert published(control.public) != before

    with aggregator_for(crashed, FIXED_NOW) as aggregator:
        aggregator.publish()
    assert published(crashed.public) == published(control.public)


def test_crash_before_publishing_a_refresh_then_next_run_matches(tmp_path, feed_server):
    control = new_project(tmp_path / "control", feed_server)
    crashed = new_project(tmp_path / "crashed", feed_server)
    project_feeds(feed_server)
    run_fixed(control)
    run_fixed(crashed)
    feed_server.serve(
        "/scope/feed/", (PARTNERS / "scope-v2.rss.xml").read_bytes(), content_type=RSS
    )
    run_fixed(control, all_sources=True)
    crash_after_saving_everything(crashed)

    run_fixed(crashed)  # the next scheduled run: nothing is due
    assert published(crashed.public) == published(control.public)


def project_feeds(server) -> None:
    """Serve the three partner feeds (as the ``project`` fixture does) on ``server``."""
    server.serve("/scope/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    server.serve("/cfwr/atom.xml", (PARTNERS / "cfwr.atom.xml").read_bytes(), content_type=ATOM)
    server.serve("/scottish/rss.xml", (PARTNERS / "scottish.rdf").read_bytes(), content_type=RDF)


# -- 4. a write lock held by another process -----------------------------------


def opened(path: Path, **options) -> SQLiteStore:
    store = SQLiteStore.open(path, **options)
    store.sync_sources({"scope": "https://scope.example/"})
    return store


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    child = helper("hold", path, seconds)
    assert child.stdout is not None
    assert child.stdout.readline() == "locked\n", child.communicate()[1]
    return child


def test_lock_held_past_the_busy_timeout_is_a_clear_error(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = opened(path, busy_timeout=0.5)
    child = hold_lock(path, 20.0)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as caught:
            store.save_fetch(replace(store.state("scope"), etag='"x"'), [entry()], frozenset(), NOW)
        waited = time.monotonic() - started
        assert 0.45 <= waited < 10  # gave up after the timeout, long before the release
        message = str(caught.value)
        assert "database is locked" in message
        assert "busy timeout of 0.5 s" in message
        assert re.search(r"waited \d+\.\d+ s", message)
        assert str(path) in message
        # Reads do not wait for the writer (WAL), and nothing was half-saved.
        started = time.monotonic()
        assert store.state("scope").etag is None
        assert store.entry_counts() == {}
        assert time.monotonic() - started < 5  # not waiting for the 20 s hold
    finally:
        child.kill()
        finish(child)
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)  # usable afterwards
    assert store.entry_counts() == {"scope": 1}
    store.close()


def test_lock_released_within_the_busy_timeout_is_waited_for(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = opened(path, busy_timeout=30)
    child = hold_lock(path, 1.0)
    started = time.monotonic()
    store.save_fetch(replace(store.state("scope"), etag='"y"'), [entry()], frozenset(), NOW)
    waited = time.monotonic() - started
    assert finish(child)[0] == 0
    assert 0.3 <= waited < 20  # waited for the release, well inside the busy timeout
    assert store.state("scope").etag == '"y"'
    store.close()


def test_a_deferred_read_then_write_fails_at_once_where_the_store_waits(tmp_path):
    """Why the store begins IMMEDIATE: SQLite's busy timeout does not help a deferred one."""
    path = tmp_path / "db.sqlite3"
    opened(path).close()
    reader = sqlite3.connect(path, timeout=30, isolation_level=None)
    writer = sqlite3.connect(path, timeout=30, isolation_level=None)
    reader.execute("BEGIN")  # deferred
    reader.execute("SELECT COUNT(*) FROM entries").fetchone()
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE meta SET value = value")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        reader.execute("UPDATE sources SET failures = 1")
    assert time.monotonic() - started < 10  # not the 30 s busy timeout
    reader.execute("ROLLBACK")
    writer.execute("COMMIT")
    reader.close()
    writer.close()


# -- 5. a full disk ------------------------------------------------------------


def test_full_database_reports_the_cause_and_saves_nothing(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = opened(path)
    store.save_fetch(replace(store.state("scope"), etag='"v1"'), [entry()], frozenset(), NOW)
    store.close()
    db = raw(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()

    store = opened(path, max_pages=pages + 4)
    big = [entry(id=f"big-{n}", content_html="<p>" + "x" * 4000 + f"{n}</p>") for n in range(50)]
    with pytest.raises(StoreError) as caught:
        store.save_fetch(replace(store.state("scope"), etag='"big"'), big, frozenset(), NOW)
    message = str(caught.value)
    assert "database or disk is full" in message
    assert "rollback" not in message.lower()
    assert getattr(caught.value, "__notes__", []) == []  # no failed second ROLLBACK
    assert caught.value.__cause__.sqlite_errorname == "SQLITE_FULL"
    # Nothing of that save is stored: neither entries nor validators.
    assert store.entry_counts() == {"scope": 1}
    assert store.state("scope").etag == '"v1"'
    # The same connection goes on working: a smaller save fits.
    counts = store.save_fetch(
        replace(store.state("scope"), etag='"v2"'), [entry(), entry(id="small")], frozenset(), NOW
    )
    assert (counts.new, counts.updated) == (1, 0)
    assert store.state("scope").etag == '"v2"'
    store.close()
    assert integrity(path) == "ok"
    db = raw(path)
    assert db.execute("PRAGMA page_count").fetchone()[0] <= pages + 4
    db.close()


def test_max_pages_is_off_by_default(tmp_path):
    store = opened(tmp_path / "db.sqlite3")
    assert store._connection.db.execute("PRAGMA max_page_count").fetchone()[0] > 1_000_000
    store.close()


# -- 6. damaged database files ---------------------------------------------------


def real_database(path: Path, entries: int = 300) -> int:
    """A real store file with ``entries`` entries; returns its page size."""
    store = opened(path)
    batch = [entry(id=f"e{n}", content_html="<p>" + "y" * 500 + "</p>") for n in range(entries)]
    store.save_fetch(replace(store.state("scope"), etag='"v"'), batch, frozenset(), NOW)
    store.close()
    db = raw(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return page_size


def assert_refused_untouched(path: Path) -> str:
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        SQLiteStore.open(path)
    assert path.read_bytes() == before
    assert str(path) in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_valid_header_with_garbage_pages_is_refused_and_untouched(tmp_path, journal):
    path = tmp_path / "garbage.sqlite3"
    page_size = real_database(path)
    if journal == "delete":  # as if an older copy in rollback-journal mode
        db = raw(path)
        db.execute("PRAGMA journal_mode = DELETE")
        db.close()
    data = bytearray(path.read_bytes())
    noise = random.Random(6).randbytes(len(data) - page_size)
    data[page_size:] = noise  # page 1 (header and schema) intact, the rest garbage
    path.write_bytes(bytes(data))
    db = raw(path)
    assert db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0  # header valid
    db.close()
    message = assert_refused_untouched(path)
    assert "damaged" in message or "malformed" in message


def test_truncated_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "truncated.sqlite3"
    page_size = real_database(path)
    data = path.read_bytes()
    pages = len(data) // page_size
    assert pages > 10
    path.write_bytes(data[: page_size * (pages // 2)])
    message = assert_refused_untouched(path)
    assert "damaged" in message or "malformed" in message


def test_not_a_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)
    message = assert_refused_untouched(path)
    assert "not a database" in message or "damaged" in message or "malformed" in message


# -- 7. two processes writing at once ------------------------------------------


def test_two_processes_write_the_same_database_at_once(tmp_path):
    path = tmp_path / "shared.sqlite3"  # not created yet: both create it at once
    saves = 150
    start_at = time.time() + 1.5
    children = [helper("hammer", path, name, saves, start_at, 5) for name in ("a", "b")]
    summaries = []
    for child in children:
        code, out, err = finish(child)
        assert code == 0, err
        summaries.append(json.loads(out))
    assert [s["errors"] for s in summaries] == [[], []]  # no "database is locked"
    assert integrity(path) == "ok"

    store = SQLiteStore.open(path)
    states = store.states()
    attributions = {key: attribution(key) for key in states}
    stored = store.entries(attributions)
    store.close()
    by_source: dict[str, list] = {}
    for item in stored:
        by_source.setdefault(item.source_key, []).append(item)
    # Each process's own source ends at its last save, entries and ETag alike.
    for name in ("a", "b"):
        own = by_source[f"own-{name}"]
        assert {e.title for e in own} == {f"round {saves - 1}"} and len(own) == 5
        assert states[f"own-{name}"].etag == f'"{name}-{saves - 1}"'
    # The shared source: every insert counted once across both processes (no lost or
    # doubled read-then-write), and its ETag names the save that wrote the common entry.
    shared = {e.id: e for e in by_source["shared"]}
    assert len(shared) == 1 + 2 * saves
    assert sum(s["new_shared"] for s in summaries) == len(shared)
    assert states["shared"].etag == f'"{shared["shared-0"].title}"'
    assert states["shared"].etag in {f'"a-{saves - 1}"', f'"b-{saves - 1}"'}
