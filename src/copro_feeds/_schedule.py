"""The daemon: APScheduler 3.x calls :meth:`Aggregator.run_once` on a timer.

This is the only module that uses APScheduler.

One interval job, the *tick*, runs often enough for the shortest source interval; each
tick refreshes only the sources that are due (their own interval, jittered, backed off
after failures). ``max_instances=1`` and ``coalesce=True`` mean a slow cycle is never
overlapped: APScheduler logs the skipped tick. SIGTERM and SIGINT let the current write
finish, start no new source, and exit 0.

The daemon follows its config file: each tick first looks at the file's modification
time, and SIGHUP reloads it at once. A new version is validated before it is used; a
bad one is logged once and the running configuration kept. When the shortest interval
changes, so does the tick.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from copro_feeds._watch import ConfigWatcher, watch_config
from copro_feeds.core import Aggregator
from copro_feeds.exceptions import ConfigError

log = logging.getLogger("copro_feeds")

MAX_TICK_SECONDS = 60.0
MISFIRE_GRACE_SECONDS = 300


def tick_seconds(aggregator: Aggregator) -> float:
    """How often to look for due sources: the shortest enabled interval, at most a minute."""
    config = aggregator.config
    intervals = (config.interval_of(source) for source in config.active_sources)
    shortest = min(intervals, default=MAX_TICK_SECONDS)
    return max(1.0, min(shortest, MAX_TICK_SECONDS))


def run_daemon(aggregator: Aggregator) -> None:
    """Refresh and publish on schedule until SIGTERM or SIGINT; returns after a clean stop.

    SIGHUP reloads the config file now; an edited file is reloaded on the next tick anyway.
    """
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
    daemon = _Daemon(aggregator, scheduler, executor, watch_config(aggregator.config))
    daemon.run()


class _Daemon:
    """The tick, the signal handlers and the config watch around one aggregator."""

    def __init__(
        self,
        aggregator: Aggregator,
        scheduler: BlockingScheduler,
        executor: ThreadPoolExecutor,
        watcher: ConfigWatcher,
    ) -> None:
        self._aggregator = aggregator
        self._scheduler = scheduler
        self._executor = executor
        self._watcher = watcher
        self._interval = tick_seconds(aggregator)
        self._stopping = threading.Event()
        self._reload_requested = threading.Event()

    def run(self) -> None:
        self._scheduler.add_job(
            self._cycle,
            "interval",
            seconds=self._interval,
            id="tick",
            next_run_time=datetime.now(UTC),
        )
        handlers = {
            signal.SIGTERM: self._stop,
            signal.SIGINT: self._stop,
            signal.SIGHUP: self._hang_up,
        }
        previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
        log.info(
            "daemon started: %d source(s), checking for due sources every %.0f s",
            len(self._aggregator.config.sources),
            self._interval,
        )
        try:
            self._scheduler.start()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        # shutdown(wait=False) returned at once; wait for the cycle in flight to finish its write.
        self._executor.shutdown(wait=True)
        log.info("daemon stopped")

    def _cycle(self) -> None:
        """Follow the config file, then refresh what is due; again at once after a SIGHUP
        that came during the cycle (the tick it brought forward was skipped)."""
        while not self._stopping.is_set():
            try:
                self._follow_config()
                report = self._aggregator.run_once(tick_seconds=self._interval)
            except Exception:  # the daemon outlives any bug in one cycle
                log.exception("refresh cycle failed")
                return
            for failure in report.failures:
                log.warning("failed: %s: %s", failure.name, failure.error)
            if report.results:
                log.info("cycle done: %s", report.summary())
            if not self._reload_requested.is_set():
                return

    def _follow_config(self) -> None:
        """Take an edited (or, after SIGHUP, the same) config file if it is valid."""
        forced = self._reload_requested.is_set()
        self._reload_requested.clear()
        try:
            config = self._watcher.poll(force=forced)
            if config is None:
                return
            self._aggregator.reconfigure(config)
        except ConfigError as error:
            log.error("%s\nkeeping the running configuration", error)
            return
        log.info(
            "configuration reloaded from %s: %d source(s), %d enabled",
            config.path,
            len(config.sources),
            len(config.active_sources),
        )
        interval = tick_seconds(self._aggregator)
        if interval != self._interval:
            self._interval = interval
            self._scheduler.reschedule_job("tick", trigger="interval", seconds=interval)
            log.info("checking for due sources every %.0f s", interval)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info(
            "received %s: finishing the current write, then stopping", signal.Signals(signum).name
        )
        self._stopping.set()
        self._aggregator.request_stop()
        self._scheduler.shutdown(wait=False)

    def _hang_up(self, _signum: int, _frame: FrameType | None) -> None:
        self._reload_requested.set()
        # Bring the tick forward from another thread: this handler interrupts the main
        # thread, which may be inside the scheduler, holding its job store.
        threading.Thread(target=self._tick_now, name="copro-sighup", daemon=True).start()

    def _tick_now(self) -> None:
        try:
            self._scheduler.modify_job("tick", next_run_time=datetime.now(UTC))
        except (JobLookupError, SchedulerNotRunningError):  # stopping already
            return
        log.info("received SIGHUP: reloading the configuration")
