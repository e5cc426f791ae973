"""Workers benchmark: one SQLite process against one, two and three PostgreSQL workers.

Run: python benchmarks/workers.py --feeds 1000 [--workers 1 2 3] [--json out.json]
 or: python benchmarks/workers.py --claim 10000 100000   (the tick's transaction alone)

One corpus (benchmarks/corpus.py) is served by one local server (benchmarks/server.py) on
50 ports. Three rounds, as in benchmarks/run.py:

1. ``first`` — every feed is new (all 200);
2. ``unchanged`` — nothing changed (all 304);
3. ``changed`` — 10 % of the feeds have a new and an edited entry.

Contenders, each with a fresh store and the server reset:

- ``sqlite``: one process, ``Aggregator.run_once(all_sources=True)`` per round (fetch,
  parse, save and publish), as ``copro-feeds update --all`` does;
- ``workers-N``: N worker processes (``copro_feeds._queue.run_worker``, ``--concurrency``
  4 each) on one PostgreSQL 15 started here (tests/postgres_server.py) holding the queue,
  and the store named by ``--store``. A round starts when the benchmark makes every
  source due (``UPDATE copro_feeds_due SET next_due = now()``); it is timed from the first
  refresh job's start to the last refresh's or publish's end, read from procrastinate's
  job events (PostgreSQL's clock); the wait for the next tick (every 2 s here) is left out,
  and the *claim* reported: the tick that claims every due source and queues its jobs,
  in slices of at most 5,000 sources (one transaction each), and its longest slice.
  ``published_s`` is when the last publish of the round ended (publishes wait 2 s here
  after the change that queued them, 10 s by default).

CPU time is that of the contender's processes and their children (parser workers),
read from /proc; PostgreSQL's own CPU is not counted (it is reported separately).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import corpus
import psycopg
from run import _descendants, _process_cpu
from server import CorpusServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.postgres_server import PostgresServer  # noqa: E402

ROUNDS = ("first", "unchanged", "changed")
CHANGE = 0.1
CONCURRENCY = 4
TICK = 2.0  # seconds between ticks (by default the shortest interval, at most a minute)
_CLAIM = re.compile(
    r"(\d+) source\(s\) claimed and queued in (\d+) job\(s\) in ([\d.]+) s"
    r" \((\d+) transaction\(s\), the longest ([\d.]+) s\)"
)


def write_config(folder: Path, urls: list[str], store: str) -> Path:
    sources = "".join(
        f'[[sources]]\nname = "Partner {i}"\nurl = "{url}"\n' for i, url in enumerate(urls)
    )
    path = folder / "feeds.toml"
    path.write_text(
        '[site]\ntitle = "Benchmark"\nlink = "https://copro.test/"\n'
        'feed_url = "https://copro.test/atom.xml"\n'
        f'[output]\ndir = "{folder / "public"}"\n'
        f"[storage]\n{store}\n"
        '[fetch]\nallow_private_networks = true\nmax_workers = 8\ninterval = "1d"\n'
        f"{sources}",
        encoding="utf-8",
    )
    return path


def tree_cpu(pids: list[int]) -> float:
    return sum(_process_cpu(pid) for root in pids for pid in (root, *_descendants(root)))


def sqlite_rounds(server: CorpusServer, folder: Path) -> dict[str, Any]:
    from copro_feeds import load_config, make_aggregator  # noqa: PLC0415

    config = write_config(folder, server.urls(), f'path = "{folder / "store.sqlite"}"')
    results: dict[str, Any] = {}
    me = os.getpid()
    with make_aggregator(load_config(config)) as aggregator:
        for number, name in enumerate(ROUNDS, 1):
            if name == "changed":
                server.change(CHANGE, number)
            server.take_counts()
            cpu = os.times()
            before = tree_cpu([me]) - (cpu.children_user + cpu.children_system)
            started = time.perf_counter()
            report = aggregator.run_once(all_sources=True)
            wall = time.perf_counter() - started
            cpu = os.times()
            after = tree_cpu([me]) - (cpu.children_user + cpu.children_system)
            results[name] = {
                "wall_s": round(wall, 2),
                "cpu_s": round(after - before, 2),
                "feeds_per_s": round(server.size / wall, 1),
                "outcomes": dict(Counter(str(r.outcome) for r in report.results)),
                "server": server.take_counts(),
            }
            print(f"sqlite {name}: {results[name]}", flush=True)
    return results


def start_worker(config: Path, url: str, name: str, logs: Path) -> subprocess.Popen[bytes]:
    log = (logs / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(config), url, name],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


def postgres_clock_round(conn: psycopg.Connection[Any], since: Any) -> tuple[float, float, int]:
    """Seconds from the first refresh's start to the last refresh's end, and to the last
    publish's end, since ``since`` (PostgreSQL's clock); and the refresh jobs run."""
    row = conn.execute(
        "WITH e AS (SELECT e.type, e.at, j.task_name, j.id FROM procrastinate_events e"
        "  JOIN procrastinate_jobs j ON j.id = e.job_id WHERE e.at >= %s),"
        " first AS (SELECT min(at) AS at FROM e"
        "  WHERE type = 'started' AND task_name = 'copro_feeds.refresh')"
        " SELECT extract(epoch FROM max(e.at) FILTER (WHERE e.type IN ('succeeded', 'failed')"
        "   AND e.task_name = 'copro_feeds.refresh') - (SELECT at FROM first)),"
        " extract(epoch FROM max(e.at) FILTER (WHERE e.type IN ('succeeded', 'failed')"
        "   AND e.task_name = 'copro_feeds.publish') - (SELECT at FROM first)),"
        " count(DISTINCT e.id) FILTER (WHERE e.task_name = 'copro_feeds.refresh') FROM e",
        (since,),
    ).fetchone()
    assert row is not None
    return float(row[0]), float(row[1] or 0.0), int(row[2])


def log_tail(process: subprocess.Popen[bytes]) -> str:
    name = str(process.args[-1])  # type: ignore[index]
    config = Path(str(process.args[3]))  # type: ignore[index]
    return (config.parent / "logs" / f"{name}.log").read_text()[-3000:]


def wait_for_round(conn: psycopg.Connection[Any], processes: list[subprocess.Popen[bytes]]) -> None:
    while True:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"a worker died: {process.args}\n{log_tail(process)}")
        row = conn.execute(
            "SELECT (SELECT count(*) FROM copro_feeds_due"
            "         WHERE next_due < now() + interval '2 hours'),"
            "       (SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
            "         AND task_name IN ('copro_feeds.refresh', 'copro_feeds.publish'))"
        ).fetchone()
        assert row is not None
        if row == (0, 0):
            return
        time.sleep(0.5)


def worker_rounds(
    server: CorpusServer, folder: Path, postgres: PostgresServer, count: int, store: str
) -> dict[str, Any]:
    from copro_feeds import load_config  # noqa: PLC0415
    from copro_feeds._queue import upgrade_schema  # noqa: PLC0415
    from copro_feeds._store import upgrade_store  # noqa: PLC0415

    url = postgres.create_database("workers")
    upgrade_schema(url)
    storage = f'url = "{url}"' if store == "postgresql" else f'path = "{folder / "s.sqlite"}"'
    config = write_config(folder, server.urls(), storage)
    upgrade_store(load_config(config).storage)  # what `copro-feeds db upgrade` does
    logs = folder / "logs"
    logs.mkdir()
    with psycopg.connect(url, autocommit=True) as conn:  # registered, not due: rounds start them
        keys = [f"partner-{n}" for n in range(server.size)]
        conn.execute("INSERT INTO copro_feeds_due SELECT unnest(%s::text[]), 'infinity'", (keys,))
    processes = [start_worker(config, url, f"w{n}", logs) for n in range(1, count + 1)]
    results: dict[str, Any] = {}
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            wait_for_registered(conn, server.size)
            seen: dict[int, int] = {}
            for number, name in enumerate(ROUNDS, 1):
                if name == "changed":
                    server.change(CHANGE, number)
                server.take_counts()
                pids = [p.pid for p in processes]
                before = tree_cpu(pids)
                pg_before = postgres_cpu(postgres)
                since = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
                conn.execute("UPDATE copro_feeds_due SET next_due = now()")
                wait_for_round(conn, processes)
                wall, published, jobs = postgres_clock_round(conn, since)
                this_round = new_claims(logs, count, seen)
                results[name] = {
                    "wall_s": round(wall, 2),
                    "cpu_s": round(tree_cpu(pids) - before, 2),
                    "postgres_cpu_s": round(postgres_cpu(postgres) - pg_before, 2),
                    "feeds_per_s": round(server.size / wall, 1),
                    "published_s": round(published, 2),
                    "refresh_jobs": jobs,
                    "claim_s": max(c[2] for c in this_round),
                    "claim_longest_transaction_s": max(c[4] for c in this_round),
                    "claims": len(this_round),
                    "server": server.take_counts(),
                }
                print(f"workers-{count} {name}: {results[name]}", flush=True)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=600)
    return results


def new_claims(
    logs: Path, count: int, seen: dict[int, int]
) -> list[tuple[int, int, float, int, float]]:
    """The ticks' claims logged since the last call: sources, jobs, seconds, transactions
    (slices) and the longest transaction's seconds."""
    found = []
    for n in range(1, count + 1):
        claims = _CLAIM.findall((logs / f"w{n}.log").read_text())
        found += [
            (int(a), int(b), float(c), int(d), float(e))
            for a, b, c, d, e in claims[seen.get(n, 0) :]
        ]
        seen[n] = len(claims)
    return found


def wait_for_registered(conn: psycopg.Connection[Any], size: int) -> None:
    while True:
        row = conn.execute("SELECT count(*) FROM copro_feeds_due").fetchone()
        if row is not None and row[0] >= size:
            return
        time.sleep(0.5)


def postgres_cpu(postgres: PostgresServer) -> float:
    pid = int((postgres.data / "postmaster.pid").read_text().split()[0])
    return tree_cpu([pid])


def worker_main(config: str, url: str, name: str) -> None:
    from copro_feeds import load_config, make_aggregator  # noqa: PLC0415
    from copro_feeds._queue import WorkerSettings, run_worker  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format=f"%(created).3f {name} %(message)s")
    logging.getLogger("copro_feeds").setLevel(logging.WARNING)
    logging.getLogger("copro_feeds.queue").setLevel(logging.INFO)
    with make_aggregator(load_config(config)) as aggregator:
        run_worker(
            aggregator,
            url,
            WorkerSettings(
                concurrency=CONCURRENCY, name=name, tick_seconds=TICK, publish_delay=TICK
            ),
        )


def claim_only(sources: int, repeats: int = 3) -> dict[str, Any]:
    """Time the tick's claim alone: claim ``sources`` due sources and queue their jobs, in
    slices of ``_queue.CLAIM_SLICE`` (one transaction each); the whole and the longest slice."""
    import asyncio  # noqa: PLC0415
    from datetime import UTC, datetime  # noqa: PLC0415

    import procrastinate  # noqa: PLC0415

    from copro_feeds._queue import Claimed, claim_and_queue, upgrade_schema  # noqa: PLC0415

    keys = [f"partner-{n}" for n in range(sources)]
    with PostgresServer() as postgres:
        url = postgres.create_database("claim")
        upgrade_schema(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO copro_feeds_due SELECT unnest(%s::text[]), now()", (keys,))

        async def rounds() -> list[tuple[float, Claimed]]:
            connector = procrastinate.PsycopgConnector(conninfo=url)
            app = procrastinate.App(connector=connector)
            timings = []
            async with app.open_async():
                for _ in range(repeats):
                    async with connector.pool.connection() as conn:
                        await conn.execute("UPDATE copro_feeds_due SET next_due = now()")
                        await conn.execute("DELETE FROM procrastinate_jobs")
                    started = time.perf_counter()
                    claimed = await claim_and_queue(app, keys, datetime.now(UTC))
                    timings.append((time.perf_counter() - started, claimed))
            return timings

        timings = asyncio.run(rounds())
    result = {
        "sources": sources,
        "claim_s": [round(t, 2) for t, _ in timings],
        "longest_transaction_s": [round(c.longest, 2) for _, c in timings],
        "transactions": timings[0][1].slices,
        "claimed": len(timings[0][1].sources),
        "jobs": timings[0][1].jobs,
    }
    print(f"claim {result}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite process")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--claim", type=int, nargs="*", metavar="N", help="only time claiming N due sources"
    )
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(*args.worker)
        return
    if args.claim:
        claims = [claim_only(n) for n in args.claim]
        if args.json:
            args.json.write_text(json.dumps(claims, indent=1) + "\n", encoding="utf-8")
        return
    folder = corpus.build(args.feeds)
    results: dict[str, Any] = {
        "feeds": args.feeds,
        "cpus": os.cpu_count(),
        "concurrency": CONCURRENCY,
        "store": args.store,
    }
    with CorpusServer(folder) as server, PostgresServer() as postgres:
        if not args.no_sqlite:
            server.reset()
            with tempfile.TemporaryDirectory() as work:
                results["sqlite"] = sqlite_rounds(server, Path(work))
        for count in args.workers:
            server.reset()
            with tempfile.TemporaryDirectory() as work:
                results[f"workers-{count}"] = worker_rounds(
                    server, Path(work), postgres, count, args.store
                )
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
