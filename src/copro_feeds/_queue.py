"""Workers on PostgreSQL: procrastinate shares the refreshes and publishes between processes.

This is the only module that uses procrastinate (and, through procrastinate's connection
pool, psycopg 3). Any number of workers, on any number of machines, share one database:

- a periodic *tick* (procrastinate's cron, whose sixth field is seconds; procrastinate
  defers each periodic run once, whichever worker sees it first) claims the due sources
  with ``SELECT … FOR UPDATE SKIP LOCKED``, moves their ``next_due`` a lease ahead, and
  queues their *refresh* jobs **in the same transaction**: a source is never queued twice,
  and never while its job waits or runs (procrastinate's queueing locks alone cover only
  waiting jobs). It reads the due sources first, then claims them in slices of at most
  ``CLAIM_SLICE`` sources, one transaction each, so no transaction holds many thousands
  of row locks;
- a *refresh* job runs the one-source pipeline (:meth:`Aggregator.refresh_sources`: fetch,
  sandboxed parse, save in one transaction) for a batch of sources, then moves each
  source's ``next_due`` to the one the store computed (interval, jitter, back-off), and
  queues a *publish* when anything visible changed;
- a *publish* job renders the outputs, one at a time (procrastinate's ``lock``), at most
  one waiting (its ``queueing_lock``), only on workers that publish (``--no-publish``
  workers do not listen to its queue); it starts ``publish_delay`` seconds after the change
  that queued it, so that the changes of many refresh jobs are published together;
- a periodic *recovery* task retries the jobs of workers whose heartbeat stopped (killed,
  or their machine lost) after the stall timeout, and forgets finished jobs after a day.

Control tasks (tick, recovery) run at a higher priority than publishing, and publishing
above refreshes, so they never starve behind thousands of queued refreshes.

The claims live in a table of ours, ``copro_feeds_due`` (one row per source: its key and
``next_due``), beside procrastinate's tables: it is the queue's, not the store's, so the
workers need nothing of the store but the ``Store`` protocol. :func:`upgrade_schema`
creates both (``copro-feeds db upgrade``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import procrastinate
import procrastinate.schema
from procrastinate import exceptions as queue_errors
from procrastinate.jobs import Status
from procrastinate.types import JSONValue

from copro_feeds.config import Config, SourceConfig
from copro_feeds.core import Aggregator
from copro_feeds.exceptions import CoproFeedsError, StoreError

log = logging.getLogger("copro_feeds.queue")

CONTROL_PRIORITY = 100
PUBLISH_PRIORITY = 50
REFRESH_PRIORITY = 0
CONTROL_QUEUE = "copro_feeds_control"
REFRESH_QUEUE = "copro_feeds_refresh"
PUBLISH_QUEUE = "copro_feeds_publish"
PUBLISH_LOCK = "copro_feeds_publish"
REFRESH_TASK = "copro_feeds.refresh"
DEFAULT_STALL_TIMEOUT = 120.0
"""Seconds without a heartbeat after which a worker's jobs are retried elsewhere."""
CLAIM_LEASE = timedelta(hours=1)
"""How far a claim moves ``next_due``: only a job lost without a trace waits this long."""
MAX_BATCH = 50
"""At most this many sources per refresh job (large rounds are batched, small ones not)."""
JOBS_PER_ROUND = 100
CLAIM_SLICE = 5_000
"""At most this many sources are claimed (and their jobs queued) in one transaction: a tick
of 100,000 due sources holds row locks for 5,000 at a time, each slice well under a second."""
"""A round of more than this many sources is batched into about this many jobs."""
KEEP_FINISHED_HOURS = 24
DEFAULT_PUBLISH_DELAY = 10.0
"""A publish starts this long after the first change it follows, so that the changes of a
round's many refresh jobs are published together, not once per job."""

_TABLE = """
CREATE TABLE IF NOT EXISTS copro_feeds_due (
    source_key text PRIMARY KEY,
    next_due timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS copro_feeds_due_next ON copro_feeds_due (next_due);
CREATE TABLE IF NOT EXISTS copro_feeds_queue_schema (migration text NOT NULL);
"""
BASELINE_MIGRATION = "03.04.00_50"
"""The newest procrastinate migration of procrastinate 3.10 (the oldest release copro_feeds
supports): the queue schema of a database that records no version (created by copro_feeds
before it recorded them) is at least at this one."""
_REGISTER = """
INSERT INTO copro_feeds_due (source_key, next_due)
SELECT * FROM unnest(%(keys)s::text[], %(due)s::timestamptz[])
ON CONFLICT (source_key) DO NOTHING
"""
_DUE = """
SELECT source_key FROM copro_feeds_due
 WHERE next_due <= %(now)s AND source_key = ANY(%(keys)s)
 ORDER BY next_due
"""
_CLAIM = """
WITH due AS (
    SELECT source_key FROM copro_feeds_due
     WHERE next_due <= %(now)s AND source_key = ANY(%(keys)s)
     FOR UPDATE SKIP LOCKED
)
UPDATE copro_feeds_due AS d SET next_due = %(lease)s
  FROM due WHERE d.source_key = due.source_key
RETURNING d.source_key
"""
_RESCHEDULE = """
UPDATE copro_feeds_due AS d SET next_due = n.next_due
  FROM unnest(%(keys)s::text[], %(due)s::timestamptz[]) AS n(source_key, next_due)
 WHERE d.source_key = n.source_key
"""
_NEVER = datetime.max.replace(tzinfo=UTC)  # a gone source: never claimed again


@dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    """What a tick claimed: the sources, the refresh jobs queued for them, in how many
    transactions (slices), and the longest slice's seconds (how long it held row locks)."""

    sources: list[str]
    jobs: int
    slices: int
    longest: float


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSettings:
    """How one worker runs: jobs in flight, whether it publishes, the stall timeout."""

    concurrency: int = 4
    publish: bool = True
    stall_timeout: float = DEFAULT_STALL_TIMEOUT
    name: str | None = None
    tick_seconds: float | None = None
    """How often to claim due sources; default the shortest interval, at most a minute."""
    publish_delay: float = DEFAULT_PUBLISH_DELAY
    """Seconds a publish waits after the change that queued it, gathering later ones."""


def stall_timeout_for(config: Config, requested: float = DEFAULT_STALL_TIMEOUT) -> float:
    """The stall timeout to use: ``requested``, but never shorter than the fetch deadline."""
    return max(requested, config.fetch.timeout)


def tick_cron(seconds: float) -> str:
    """procrastinate's cron for every ``seconds`` (1 to 60); its sixth field is seconds."""
    every = max(1, min(60, math.floor(seconds)))
    return "* * * * *" if every == 60 else f"* * * * * */{every}"


def batches(keys: Sequence[str]) -> list[list[str]]:
    """Split a round's claimed sources into refresh jobs: one each when few, else batches."""
    size = max(1, min(MAX_BATCH, len(keys) // JOBS_PER_ROUND))
    return [list(keys[start : start + size]) for start in range(0, len(keys), size)]


def upgrade_schema(url: str) -> QueueUpgrade:
    """Create procrastinate's schema and the claims table if absent, or bring procrastinate's
    schema up to the installed release by applying its migrations not yet applied."""
    return asyncio.run(_upgrade(url))


@dataclass(frozen=True, slots=True)
class QueueUpgrade:
    """What :func:`upgrade_schema` did: created the queue, or applied these migrations."""

    created: bool
    applied: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for ``db upgrade``."""
        if self.created:
            return "created"
        if self.applied:
            names = ", ".join(self.applied)
            return f"migrated ({len(self.applied)} procrastinate migration(s): {names})"
        return "ready"


def queue_migrations() -> list[tuple[str, Path]]:
    """procrastinate's migrations, oldest first: each version (``03.04.00_50``) and its file."""
    folder = Path(procrastinate.schema.SchemaManager.get_migrations_path())
    return sorted((_version(path.name), path) for path in folder.glob("*.sql"))


def _version(name: str) -> str:
    """A migration's version from its file name: ``03.04.00_50`` of ``03.04.00_50_post_….sql``."""
    return "_".join(name.split("_", 2)[:2])


async def _upgrade(url: str) -> QueueUpgrade:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    newest = queue_migrations()[-1][0]
    async with app.open_async():
        pool = _pool(app)
        async with pool.connection() as conn:
            cursor = await conn.execute("SELECT to_regclass('procrastinate_jobs') AS jobs")
            row = await cursor.fetchone()
            created = row is not None and _column(row, "jobs") is None
        if created:
            await app.schema_manager.apply_schema_async()
            applied: list[str] = []
        else:
            applied = await _migrate(pool, await _queue_version(pool) or BASELINE_MIGRATION)
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(_TABLE)
            await conn.execute("DELETE FROM copro_feeds_queue_schema")
            await conn.execute(
                "INSERT INTO copro_feeds_queue_schema (migration) VALUES (%s)", (newest,)
            )
    return QueueUpgrade(created=created, applied=tuple(applied))


async def _queue_version(pool: Any) -> str | None:
    """The newest procrastinate migration applied, as recorded by :func:`upgrade_schema`."""
    async with pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT to_regclass('copro_feeds_queue_schema') IS NOT NULL AS recorded"
        )
        row = await cursor.fetchone()
        if row is None or not _column(row, "recorded"):
            return None
        cursor = await conn.execute("SELECT migration FROM copro_feeds_queue_schema")
        row = await cursor.fetchone()
    return None if row is None else str(_column(row, "migration"))


async def _migrate(pool: Any, applied: str) -> list[str]:
    """Apply procrastinate's migrations newer than ``applied``, oldest first, each in its
    own transaction (as procrastinate's docs say to, with every worker stopped)."""
    done = []
    for version, path in queue_migrations():
        if version <= applied:
            continue
        log.info("applying procrastinate's migration %s", path.name)
        async with pool.connection() as conn, conn.transaction():
            # Several statements and no parameters: psycopg sends it as one simple query.
            await conn.execute(path.read_text(encoding="utf-8"))
        done.append(version)
    return done


def _hang_up() -> None:
    """SIGHUP (a service manager's reload) must not end a worker, as it would by default."""
    log.warning("received SIGHUP: a worker reads its config only when it starts: restart it")


async def _check_schema(app: procrastinate.App) -> None:
    """StoreError saying to run ``db upgrade`` when the queue's tables are missing, or when
    procrastinate's schema is older than the installed procrastinate."""
    async with _pool(app).connection() as conn:
        cursor = await conn.execute(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL"
            " AND to_regclass('copro_feeds_due') IS NOT NULL AS ready"
        )
        row = await cursor.fetchone()
    if row is None or not _column(row, "ready"):
        raise StoreError(
            "the PostgreSQL database has no work queue yet: run 'copro-feeds db upgrade'"
        )
    applied = await _queue_version(_pool(app)) or BASELINE_MIGRATION
    if applied < queue_migrations()[-1][0]:
        raise StoreError(
            f"the work queue's schema is older than the installed procrastinate's ({applied}):"
            " stop every worker and run 'copro-feeds db upgrade'"
        )


def run_worker(aggregator: Aggregator, url: str, settings: WorkerSettings) -> None:
    """Work until SIGTERM or SIGINT: the current jobs finish, then it returns."""
    asyncio.run(_Worker(aggregator, url, settings).run())


class _Worker:
    """One worker process: the procrastinate app, its tasks, and the aggregator they use."""

    def __init__(self, aggregator: Aggregator, url: str, settings: WorkerSettings) -> None:
        self._aggregator = aggregator
        self._url = url
        stall = stall_timeout_for(aggregator.config, settings.stall_timeout)
        self._settings = replace(settings, stall_timeout=stall)
        self._sources: dict[str, SourceConfig] = {
            source.key: source for source in aggregator.config.active_sources
        }

    async def run(self) -> None:
        settings = self._settings
        # procrastinate logs every job at INFO: a line per source per round is too many.
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=self._url))
        self._define_tasks(app)
        queues = [CONTROL_QUEUE, REFRESH_QUEUE] + ([PUBLISH_QUEUE] if settings.publish else [])
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, _hang_up)
        async with app.open_async():
            await _check_schema(app)
            await self._register_sources(app)
            await self._tick(app, "start")  # the due sources now, not at the next tick
            log.info(
                "worker started: %d source(s), %d job(s) at a time%s, stall timeout %.0f s",
                len(self._sources),
                settings.concurrency,
                f", publishing {settings.publish_delay:g} s after a change"
                if settings.publish
                else ", not publishing",
                settings.stall_timeout,
            )
            await app.run_worker_async(
                queues=queues,
                name=settings.name or "copro-feeds",
                concurrency=settings.concurrency,
                update_heartbeat_interval=max(0.5, settings.stall_timeout / 4),
                stalled_worker_timeout=settings.stall_timeout,
                install_signal_handlers=True,
            )
        log.info("worker stopped")

    async def _register_sources(self, app: procrastinate.App) -> None:
        """Give every enabled source a claims row, due when the store says it is."""
        keys = list(self._sources)
        known = await asyncio.to_thread(self._aggregator.source_states)
        states = [known[key] for key in keys]
        now = datetime.now(UTC)
        due = [_NEVER if s.gone else (s.next_due or now) for s in states]
        async with _pool(app).connection() as conn, conn.transaction():
            await conn.execute(_REGISTER, {"keys": keys, "due": due})

    def _define_tasks(self, app: procrastinate.App) -> None:
        settings = self._settings

        @app.task(name="copro_feeds.publish", queue=PUBLISH_QUEUE, priority=PUBLISH_PRIORITY)
        async def publish() -> None:
            try:
                written = await asyncio.to_thread(self._aggregator.publish)
            except CoproFeedsError as error:  # stored entries are safe; the next change retries
                log.error("publishing failed: %s", error)
                return
            log.info("published: %d file(s) changed", len(written))

        async def queue_publish() -> None:
            try:
                await publish.configure(
                    lock=PUBLISH_LOCK,
                    queueing_lock=PUBLISH_LOCK,
                    schedule_at=datetime.now(UTC) + timedelta(seconds=settings.publish_delay),
                ).defer_async()
            except queue_errors.AlreadyEnqueued:
                log.debug("a publish is already waiting")

        @app.task(name=REFRESH_TASK, queue=REFRESH_QUEUE, priority=REFRESH_PRIORITY)
        async def refresh(keys: list[str]) -> None:
            sources = [self._sources[key] for key in keys if key in self._sources]
            report = await asyncio.to_thread(self._aggregator.refresh_sources, sources)
            for failure in report.failures:
                log.warning("failed: %s: %s", failure.name, failure.error)
            await self._reschedule(app, [source.key for source in sources])
            if report.changed:
                await queue_publish()

        @app.periodic(cron=tick_cron(self._tick_every), periodic_id="tick")
        @app.task(
            name="copro_feeds.tick",
            queueing_lock="copro_feeds_tick",
            queue=CONTROL_QUEUE,
            priority=CONTROL_PRIORITY,
        )
        async def tick(timestamp: int) -> None:
            await self._tick(app, f"tick {timestamp}")

        recovery_every = settings.stall_timeout / 4

        @app.periodic(cron=tick_cron(recovery_every), periodic_id="recover")
        @app.task(
            name="copro_feeds.recover",
            queueing_lock="copro_feeds_recover",
            queue=CONTROL_QUEUE,
            priority=CONTROL_PRIORITY,
        )
        async def recover(timestamp: int) -> None:
            del timestamp
            await retry_stalled(app, settings.stall_timeout)
            await app.job_manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS, include_failed=True)

    @property
    def _tick_every(self) -> float:
        return self._settings.tick_seconds or self._aggregator.shortest_interval()

    async def _tick(self, app: procrastinate.App, label: str) -> None:
        """Claim the due sources and queue their refreshes; record the tick for /healthz."""
        started = time.monotonic()
        claimed = await claim_and_queue(app, list(self._sources), datetime.now(UTC))
        took = time.monotonic() - started
        await asyncio.to_thread(self._aggregator.record_tick, self._tick_every, took)
        if claimed.sources:
            log.info(
                "%s: %d source(s) claimed and queued in %d job(s) in %.2f s"
                " (%d transaction(s), the longest %.2f s)",
                label,
                len(claimed.sources),
                claimed.jobs,
                took,
                claimed.slices,
                claimed.longest,
            )

    async def _reschedule(self, app: procrastinate.App, keys: list[str]) -> None:
        """Move each refreshed source's claim to the next due time the store computed."""
        if not keys:
            return
        try:
            states = await asyncio.to_thread(
                lambda: [self._aggregator.source_state(key) for key in keys]
            )
        except StoreError as error:  # the lease runs out and the source is claimed again
            log.error("could not read the refreshed sources' state: %s", error)
            return
        now = datetime.now(UTC)
        due = [_NEVER if s.gone else (s.next_due or now) for s in states]
        async with _pool(app).connection() as conn, conn.transaction():
            await conn.execute(_RESCHEDULE, {"keys": keys, "due": due})


async def claim_and_queue(
    app: procrastinate.App, keys: list[str], now: datetime, *, slice_size: int = CLAIM_SLICE
) -> Claimed:
    """Claim the sources among ``keys`` due at ``now`` and queue their refresh jobs.

    The due sources are read first (no lock), the longest-due first; then each slice of
    at most ``slice_size`` of them is claimed and its jobs queued in one transaction, so no
    transaction holds more than ``slice_size`` row locks. ``SKIP LOCKED`` (and due again
    at claim time) lets two ticks run at once without waiting for or claiming each other's
    sources; the claim moves ``next_due`` a lease ahead, so a source whose job is waiting
    or runs is not due, and the refresh moves it to the real next due time.
    """
    async with _pool(app).connection() as conn:
        cursor = await conn.execute(_DUE, {"now": now, "keys": keys})
        due = [_column(row, "source_key") for row in await cursor.fetchall()]
    claimed: list[str] = []
    jobs = slices = 0
    longest = 0.0
    for start in range(0, len(due), slice_size):
        started = time.monotonic()
        sources, queued = await _claim_slice(app, due[start : start + slice_size], now)
        longest = max(longest, time.monotonic() - started)
        claimed += sources
        jobs += queued
        slices += 1
    return Claimed(sources=claimed, jobs=jobs, slices=slices, longest=longest)


async def _claim_slice(
    app: procrastinate.App, keys: list[str], now: datetime
) -> tuple[list[str], int]:
    """One transaction: claim those of ``keys`` still due and free, queue their jobs; the
    sources claimed (in the order of ``keys``) and the number of jobs."""
    async with _pool(app).connection() as conn, conn.transaction():
        cursor = await conn.execute(_CLAIM, {"now": now, "keys": keys, "lease": now + CLAIM_LEASE})
        got = {_column(row, "source_key") for row in await cursor.fetchall()}
        claimed = [key for key in keys if key in got]
        jobs: list[dict[str, JSONValue]] = [
            {"keys": list[JSONValue](batch)} for batch in batches(claimed)
        ]
        if jobs:
            refresh = app.configure_task(
                REFRESH_TASK, queue=REFRESH_QUEUE, priority=REFRESH_PRIORITY, connection=conn
            )
            await refresh.batch_defer_async(*jobs)
    return claimed, len(jobs)


async def retry_stalled(app: procrastinate.App, stall_timeout: float) -> list[int]:
    """Queue again the jobs of workers silent for ``stall_timeout`` seconds; their ids.

    A stalled job whose queueing lock a newer waiting job holds cannot be queued again
    (procrastinate raises UniqueViolation, issues #1446 and #1543): that newer job does
    the same work, so the stalled one is marked failed instead.
    """
    manager = app.job_manager
    retried: list[int] = []
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stall_timeout):
        try:
            await manager.retry_job(job)
        except queue_errors.UniqueViolation:
            log.info("stalled job %s (%s): a newer one is queued", job.id, job.task_name)
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            continue
        log.warning("retrying stalled job %s (%s) of a silent worker", job.id, job.task_name)
        if job.id is not None:
            retried.append(job.id)
    return retried


def _pool(app: procrastinate.App) -> Any:
    """The psycopg connection pool of procrastinate's connector (ours is a PsycopgConnector)."""
    connector = app.connector
    assert isinstance(connector, procrastinate.PsycopgConnector)
    return connector.pool


def _column(row: Any, name: str) -> Any:
    """A column of a row, whichever row factory the pool uses (procrastinate's: dicts)."""
    return row[name] if isinstance(row, dict) else row[0]
