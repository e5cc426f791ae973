"""Child processes for test_sqlite_crash.py: run with ``python -m tests.store.crash_helpers``.

Each mode does real work on a real SQLite file and may end itself with SIGKILL at a
chosen point (no clean-up, no ``finally``, no flush of anything but what is printed):

``aggregate CONFIG [--kill-at-commit N] [--kill-after-saved N] [--now ISO]``
    Run the aggregator once. ``--kill-at-commit N`` dies when the N-th ``save_fetch``
    issues the first ``COMMIT`` after writing entries (with the store as it should be:
    entries and validators written inside the transaction, not committed);
    ``--kill-after-saved N`` dies in the progress callback after the N-th source was
    committed, before anything is published.
``writer DB --sources S --entries E``
    Rewrite every source's E entries and its ETag, round after round, each source in one
    ``save_fetch``; prints ``ready`` once a first round is in, then writes until killed.
``hold DB SECONDS``
    Take the write lock (``BEGIN IMMEDIATE`` on a plain connection), print ``locked``,
    keep it SECONDS, commit.
``hammer DB NAME SAVES START_AT BUSY_TIMEOUT``
    Wait for the wall-clock time START_AT, open the store, save SAVES times to its own
    source and to a source shared with the other hammer; print a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from copro_feeds._fetch import Fetcher
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.config import load_config
from copro_feeds.core import Aggregator, make_sandbox
from copro_feeds.exceptions import StoreError
from copro_feeds.types import Attribution, Entry

ROUND_PUBLISHED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PADDING = "<p>" + "co-production " * 60 + "</p>"  # ~1 KB per entry: real-sized rows


def die() -> None:
    """End this process the hard way: no exit handlers, no rollback, no close."""
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def aggregate(config_path: Path, kill_at_commit: int, kill_after_saved: int, now: str) -> None:
    config = load_config(config_path)
    store = SQLiteStore.open(config.storage.path)
    saves = {"count": 0, "inside": False, "entries_written": False}
    real_save_fetch = store.save_fetch

    def save_fetch(state: Any, *args: Any, **options: Any) -> Any:
        saves["count"] += 1
        saves["inside"] = True
        saves["entries_written"] = False
        if saves["count"] == kill_at_commit:
            print(f"dying-in {state.key}", flush=True)
        try:
            return real_save_fetch(state, *args, **options)
        finally:
            saves["inside"] = False

    def on_statement(sql: str) -> None:
        if not saves["inside"] or saves["count"] != kill_at_commit:
            return
        if sql.startswith(("INSERT INTO entries", "UPDATE entries")):
            saves["entries_written"] = True
        elif sql == "COMMIT" and saves["entries_written"]:
            die()

    store.save_fetch = save_fetch  # type: ignore[method-assign]  # this process only
    store._connection.db.set_trace_callback(on_statement)
    store.sync_sources({source.key: source.url for source in config.sources})
    done = {"count": 0}

    def progress(result: Any) -> None:
        done["count"] += 1
        print(f"saved {result.source_key}", flush=True)
        if done["count"] == kill_after_saved:
            die()

    if now:
        moment = datetime.fromisoformat(now)
        aggregator = Aggregator(
            config,
            store=store,
            fetcher=Fetcher(config.fetch),
            sandbox=make_sandbox(config),
            clock=lambda: moment,
        )
    else:
        aggregator = Aggregator(
            config, store=store, fetcher=Fetcher(config.fetch), sandbox=make_sandbox(config)
        )
    with aggregator:
        aggregator.run_once(all_sources=True, progress=progress)
    print("finished", flush=True)


def round_entries(key: str, number: int, count: int) -> list[Entry]:
    """``count`` entries of source ``key``, each carrying the round ``number`` (title)."""
    attribution = Attribution(
        source_key=key,
        name=key,
        homepage=f"https://{key}.example/",
        feed_url=f"https://{key}.example/feed/",
    )
    published = ROUND_PUBLISHED + timedelta(minutes=number)
    return [
        Entry(
            id=f"{key}-{index}",
            attribution=attribution,
            title=f"round {number}",
            link=f"https://{key}.example/{index}/",
            authors=("Ann",),
            published=published,
            updated=published,
            content_html=f"<p>round {number} entry {index}</p>{PADDING}",
            excerpt=f"round {number}",
            categories=("News",),
        )
        for index in range(count)
    ]


def writer(path: Path, sources: int, entries: int) -> None:
    store = SQLiteStore.open(path)
    keys = [f"s{index}" for index in range(sources)]
    store.sync_sources({key: f"https://{key}.example/feed/" for key in keys})
    etags = [store.state(key).etag for key in keys]
    number = 1 + max((int(etag.strip('"').split("-")[1]) for etag in etags if etag), default=0)
    deadline = time.monotonic() + 30  # never outlive a parent that forgot to kill us
    ready = False
    while time.monotonic() < deadline:
        for key in keys:
            state = replace(store.state(key), etag=f'"round-{number}"')
            batch = round_entries(key, number, entries)
            store.save_fetch(state, batch, frozenset(), datetime.now(UTC))
        if not ready:
            print("ready", flush=True)
            ready = True
        number += 1


def hold(path: Path, seconds: float) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE meta SET value = value")  # a real write inside the held transaction
    print("locked", flush=True)
    time.sleep(seconds)
    db.execute("COMMIT")
    db.close()


def hammer(path: Path, name: str, saves: int, start_at: float, busy_timeout: float) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    store = SQLiteStore.open(path, busy_timeout=busy_timeout)
    own = f"own-{name}"
    store.sync_sources({"shared": "https://shared.example/", own: f"https://{own}.example/"})
    new_shared = 0
    errors: list[str] = []
    for number in range(saves):
        marker = f"{name}-{number}"
        try:
            state = replace(store.state(own), etag=f'"{marker}"')
            store.save_fetch(state, round_entries(own, number, 5), frozenset(), datetime.now(UTC))
            common = round_entries("shared", number, 1)[0]
            common = replace(common, title=marker)
            mine = replace(common, id=f"shared-{marker}", title=marker)
            state = replace(store.state("shared"), etag=f'"{marker}"')
            counts = store.save_fetch(state, [common, mine], frozenset(), datetime.now(UTC))
            new_shared += counts.new
        except StoreError as error:
            errors.append(str(error))
    store.close()
    print(json.dumps({"new_shared": new_shared, "errors": errors}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.store.crash_helpers")
    modes = parser.add_subparsers(dest="mode", required=True)
    run = modes.add_parser("aggregate")
    run.add_argument("config", type=Path)
    run.add_argument("--kill-at-commit", type=int, default=0)
    run.add_argument("--kill-after-saved", type=int, default=0)
    run.add_argument("--now", default="")
    write = modes.add_parser("writer")
    write.add_argument("db", type=Path)
    write.add_argument("--sources", type=int, default=5)
    write.add_argument("--entries", type=int, default=50)
    lock = modes.add_parser("hold")
    lock.add_argument("db", type=Path)
    lock.add_argument("seconds", type=float)
    both = modes.add_parser("hammer")
    both.add_argument("db", type=Path)
    both.add_argument("name")
    both.add_argument("saves", type=int)
    both.add_argument("start_at", type=float)
    both.add_argument("busy_timeout", type=float)
    args = parser.parse_args()
    if args.mode == "aggregate":
        aggregate(args.config, args.kill_at_commit, args.kill_after_saved, args.now)
    elif args.mode == "writer":
        writer(args.db, args.sources, args.entries)
    elif args.mode == "hold":
        hold(args.db, args.seconds)
    else:
        hammer(args.db, args.name, args.saves, args.start_at, args.busy_timeout)


if __name__ == "__main__":
    main()
