"""Round 1's parent work, without publishing: where the aggregator process spends its CPU.

Run: python benchmarks/parent.py --feeds 1000 [--workers 16] [--corpus heavy]

Serves the first ``--feeds`` feeds of the benchmark corpus (benchmarks/corpus.py) from
127.0.0.1, then, in a fresh spawned child, builds an aggregator on a new database and
refreshes every source once with ``refresh_sources`` (fetch, parse in the sandbox,
fingerprint, save; no publish). Prints, for that child: wall time; the CPU seconds of
the whole process (main thread, fetch threads and the saver, not the server); of its
main thread alone; and of its sandboxed parser workers. The parent's own work is the
process's CPU: the parse is the workers'. Writes JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import corpus
from server import CorpusServer


def child(urls: list[str], workers: int, connection: Connection) -> None:
    """Refresh every URL once on a fresh aggregator; send the measurements back."""
    import copro_feeds  # noqa: PLC0415 (imported in the child only)

    with tempfile.TemporaryDirectory(prefix="bench-parent-") as folder:
        sources = "".join(
            f'[[sources]]\nname = "Partner {i}"\nurl = "{url}"\n' for i, url in enumerate(urls)
        )
        path = Path(folder) / "feeds.toml"
        path.write_text(
            '[site]\ntitle = "Benchmark"\nlink = "https://copro.test/"\n'
            'feed_url = "https://copro.test/atom.xml"\n'
            f"[fetch]\nallow_private_networks = true\nmax_workers = {workers}\n{sources}"
        )
        aggregator = copro_feeds.make_aggregator(copro_feeds.load_config(path))
        own = resource.getrusage(resource.RUSAGE_SELF)
        main_started = time.thread_time()
        started = time.perf_counter()
        report = aggregator.refresh_sources(aggregator.config.active_sources)
        wall = time.perf_counter() - started
        main = time.thread_time() - main_started
        after = resource.getrusage(resource.RUSAGE_SELF)
        aggregator.close()  # reaps the parser workers: their CPU is then RUSAGE_CHILDREN's
        workers_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    connection.send(
        {
            "wall_s": round(wall, 2),
            "process_cpu_s": round(
                after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime, 2
            ),
            "main_thread_cpu_s": round(main, 2),
            "parser_workers_cpu_s": round(workers_cpu.ru_utime + workers_cpu.ru_stime, 2),
            "outcomes": dict(Counter(str(result.outcome) for result in report.results)),
            "new_entries": sum(result.new_entries for result in report.results),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", choices=corpus.STYLES, default="light")
    parser.add_argument("--workers", type=int, default=16, help="fetch threads")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = corpus.build(args.feeds, args.seed, args.corpus)
    context = multiprocessing.get_context("spawn")
    with CorpusServer(folder) as server:
        parent_end, child_end = context.Pipe()
        process = context.Process(target=child, args=(server.urls(), args.workers, child_end))
        process.start()
        child_end.close()
        result: dict[str, Any] = parent_end.recv()
        process.join()
    result.update(feeds=args.feeds, corpus=args.corpus, workers=args.workers)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
