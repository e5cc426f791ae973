"""A copro-feeds worker for the tests, as its own process (to be killed or stopped).

``python -m tests.worker_child CONFIG QUEUE_URL [--no-publish] [--stall-timeout S]
[--concurrency N]`` runs :func:`copro_feeds._queue.run_worker` on the config's store with
the queue in the PostgreSQL database at QUEUE_URL, logging to stderr, until SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from copro_feeds._queue import WorkerSettings, run_worker
from copro_feeds.config import load_config
from copro_feeds.core import make_aggregator


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", type=Path)
    parser.add_argument("url")
    parser.add_argument("--no-publish", action="store_true")
    parser.add_argument("--stall-timeout", type=float, default=120.0)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--name", default="worker")
    parser.add_argument("--tick", type=float, default=1.0)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format=f"{args.name} %(name)s %(message)s"
    )
    settings = WorkerSettings(
        concurrency=args.concurrency,
        publish=not args.no_publish,
        stall_timeout=args.stall_timeout,
        name=args.name,
        tick_seconds=args.tick,
        publish_delay=0.5,
    )
    with make_aggregator(load_config(args.config)) as aggregator:
        run_worker(aggregator, args.url, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
