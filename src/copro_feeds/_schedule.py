"""The daemon: APScheduler 3.x calls :meth:`Aggregator.run_once` on a timer.

This is the only module that uses APScheduler.

One interval job, the *tick*, runs often enough for the shortest source interval; each
tick refreshes only the sources that are due (their own interval, jittered, backed off
after failures). ``max_instances=1`` and ``coalesce=True`` mean a slow cycle is never
overlapped: APScheduler logs the skipped tick. SIGTERM and SIGINT let the current write
finish, start no new source, and exit 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from copro_feeds.core import Aggregator

log = logging.getLogger("copro_feeds")

MAX_TICK_SECONDS = 60.0
MISFIRE_GRACE_SECONDS = 300


def tick_seconds(aggregator: Aggregator) -> float:
    """How often to look for due sources: the shortest interval, at most a minute."""
    config = aggregator.config
    shortest = min((config.interval_of(s) for s in config.sources), default=MAX_TICK_SECONDS)
    return max(1.0, min(shortest, MAX_TICK_SECONDS))


def run_daemon(aggregator: Aggregator) -> None:
    """Refresh and publish on schedule until SIGTERM or SIGINT; returns after a clean stop."""
    executor = ThreadPoolExecutor(max_workers=1)
    scheduler = BlockingScheduler(
        executors={"default": executor},
        job_defaults={
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
        timezone="UTC",
    )
    stopping = threading.Event()

    def cycle() -> None:
        if stopping.is_set():
            return
        try:
            report = aggregator.run_once(tick_seconds=interval)
        except Exception:  # the daemon outlives any bug in one cycle
            log.exception("refresh cycle failed")
            return
        if report.results:
            log.info("cycle done: %s", report.summary())

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info(
            "received %s: finishing the current write, then stopping", signal.Signals(signum).name
        )
        stopping.set()
        aggregator.request_stop()
        scheduler.shutdown(wait=False)

    interval = tick_seconds(aggregator)
    scheduler.add_job(
        cycle, "interval", seconds=interval, id="tick", next_run_time=datetime.now(UTC)
    )
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info(
        "daemon started: %d source(s), checking for due sources every %.0f s",
        len(aggregator.config.sources),
        interval,
    )
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    # shutdown(wait=False) returned at once; wait for the cycle in flight to finish its write.
    executor.shutdown(wait=True)
    log.info("daemon stopped")
