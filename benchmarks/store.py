"""Store benchmark: the same work on SQLite and on PostgreSQL (issue 14).

Run by hand: python benchmarks/store.py [--sources 500] [--entries 20]
Starts its own PostgreSQL 15 (tests/postgres_server.py, PostgreSQL's durable defaults:
fsync on, and each commit waits for its WAL flush) on 127.0.0.1. Per backend, one
thread: the first save of every source (all entries new, each with a repost fingerprint,
one in ten with an enclosure, saved with the document's items), a second save with
nothing changed (the usual refresh), reading every source's known items (what an
incremental refresh reads first), reading every entry back (what a publish reads), and
``db copy`` of the SQLite file into an empty PostgreSQL database. Writes the figures as
JSON (benchmarks/results/store.json, or store-no-commit-wait.json).

SQLite commits in WAL with synchronous=NORMAL (no flush per commit); PostgreSQL's default
flushes the WAL at each commit: the ``--no-commit-wait`` run sets
synchronous_commit=off, the comparable setting (a power cut may lose the last commits,
never consistency).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.postgres_server import PostgresServer

from copro_feeds._similarity import PERMUTATIONS
from copro_feeds._store import Store, copy_store
from copro_feeds._store.postgresql import PostgreSQLStore
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.types import Attribution, Enclosure, Entry

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BODY = "<p>" + "co-production with people who use services " * 25 + "</p>"  # ~1 KB


def attribution(key: str) -> Attribution:
    return Attribution(
        source_key=key,
        name=key.title(),
        homepage=f"https://{key}.example/",
        feed_url=f"https://{key}.example/feed/",
    )


def entries_of(key: str, count: int) -> list[Entry]:
    return [
        Entry(
            id=f"https://{key}.example/?p={n}",
            attribution=attribution(key),
            title=f"Post {n} of {key}",
            link=f"https://{key}.example/blog/{n}/",
            authors=("A. Writer",),
            published=NOW - timedelta(hours=n),
            updated=NOW - timedelta(hours=n),
            content_html=BODY,
            excerpt="co-production with people who use services",
            categories=("co-production",),
            enclosures=(
                (
                    Enclosure(
                        url=f"https://{key}.example/{n}.mp3", type="audio/mpeg", length=24_000_000
                    ),
                )
                if n % 10 == 0
                else ()
            ),
            fingerprint=tuple((n * 2_654_435_761 + i) % 2**32 for i in range(PERMUTATIONS)),
        )
        for n in range(count)
    ]


def measure(store: Store, sources: int, per_source: int) -> dict[str, float]:
    keys = [f"s{n:05d}" for n in range(sources)]
    store.sync_sources({key: f"https://{key}.example/feed/" for key in keys})
    batches = {key: entries_of(key, per_source) for key in keys}
    items = {key: {f"{n:064x}": e.id for n, e in enumerate(batches[key])} for key in keys}
    figures = {}
    for name in ("first_save", "unchanged_save"):
        started = time.perf_counter()
        for key in keys:
            store.save_fetch(store.state(key), batches[key], frozenset(), NOW, items=items[key])
        seconds = time.perf_counter() - started
        figures[f"{name}_per_second"] = round(sources / seconds, 1)
    started = time.perf_counter()
    assert all(store.known_items(key) == items[key] for key in keys)
    figures["known_items_per_second"] = round(sources / (time.perf_counter() - started), 1)
    started = time.perf_counter()
    read = store.entries({key: attribution(key) for key in keys})
    figures["read_all_seconds"] = round(time.perf_counter() - started, 3)
    assert len(read) == sources * per_source
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--entries", type=int, default=20, help="entries per source")
    parser.add_argument("--no-commit-wait", action="store_true", help="synchronous_commit=off")
    args = parser.parse_args()
    results: dict[str, object] = {"sources": args.sources, "entries_per_source": args.entries}
    with tempfile.TemporaryDirectory() as folder, PostgresServer(durable=True) as server:
        if args.no_commit_wait:
            server.psql("ALTER SYSTEM SET synchronous_commit = off")
            server.psql("SELECT pg_reload_conf()")
        results["synchronous_commit"] = server.psql("SHOW synchronous_commit").strip()
        sqlite_path = Path(folder) / "bench.sqlite3"
        sqlite = SQLiteStore.open(sqlite_path)
        results["sqlite"] = measure(sqlite, args.sources, args.entries)
        sqlite.close()
        url = server.create_database("bench")
        PostgreSQLStore.upgrade(url)
        postgresql = PostgreSQLStore.open(url)
        results["postgresql"] = measure(postgresql, args.sources, args.entries)
        postgresql.close()
        target = server.create_database("copy")
        started = time.perf_counter()
        counts = copy_store(sqlite_path, target)
        seconds = time.perf_counter() - started
        results["db_copy"] = {
            "rows": sum(counts.values()),
            "seconds": round(seconds, 2),
            "rows_per_second": round(sum(counts.values()) / seconds),
        }
    print(json.dumps(results, indent=2))
    name = "store-no-commit-wait.json" if args.no_commit_wait else "store.json"
    out = Path(__file__).parent / "results" / name
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
