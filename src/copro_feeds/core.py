"""The :class:`Aggregator` facade: refresh due sources, store, select and publish.

The aggregator owns no loop: :meth:`Aggregator.run_once` decides which sources are due,
refreshes them concurrently (a bounded thread pool; the fetcher allows at most two
connections per host), saves each source's entries and state in one transaction, and
publishes when anything visible changed. The daemon only calls it on a timer.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from copro_feeds import _due, _publishing
from copro_feeds._cycle import Cycle, ProgressCallback
from copro_feeds._dedupe import RepostIndex
from copro_feeds._editorial import entry_key, every_copy, resolve
from copro_feeds._explain import Survey, explain, take_survey
from copro_feeds._fetch import Fetcher
from copro_feeds._health import CycleRecord
from copro_feeds._plan import Roundup
from copro_feeds._roundup_plan import current_roundup
from copro_feeds._sandbox import Sandbox
from copro_feeds._select import combined_selection
from copro_feeds._status import attributions, source_statuses, source_urls
from copro_feeds._store import Store, open_store
from copro_feeds._types import SourceState
from copro_feeds.config import Config, SourceConfig
from copro_feeds.exceptions import ConfigError, PublishError
from copro_feeds.types import (
    Attribution,
    AuditRecord,
    EditorialAction,
    Entry,
    EntryState,
    Explanation,
    RunReport,
    SourceStatus,
    StoredEntry,
)

log = logging.getLogger("copro_feeds")

Clock = Callable[[], datetime]
RunObserver = Callable[[RunReport], None]
PARSE_WORKERS = max(1, min(2, os.cpu_count() or 1))  # feedparser is CPU-bound: one per core


def utc_now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


class Aggregator:
    """Refreshes the configured sources into the store and publishes the combined feed.

    Use :func:`make_aggregator` to build one, as a context manager so that the database
    and HTTP connections are closed. Whoever builds one directly first gives the store a
    row per source (``store.sync_sources``), as the factory does.
    """

    def __init__(
        self,
        config: Config,
        *,
        store: Store,
        fetcher: Fetcher,
        sandbox: Sandbox,
        renderers: Sandbox | None = None,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._store = store
        self._fetcher = fetcher
        self._sandbox = sandbox
        self._renderers = renderers  # None: every publish renders in this process
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not cryptography)
        self._reposts = RepostIndex()  # kept between publishes: only new posts are compared
        self._dates = _publishing.source_dates()  # kept between publishes: dated posts
        self._run_lock = threading.Lock()
        self._stop = threading.Event()
        self._observers: list[RunObserver] = []

    def __enter__(self) -> Aggregator:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database and the HTTP connections, and stop the worker processes."""
        self._fetcher.close()
        self._sandbox.close()
        if self._renderers is not None:
            self._renderers.close()
        self._store.close()

    def reconfigure(self, config: Config) -> None:
        """Take a new configuration; the next :meth:`run_once` follows it.

        Waits for a run in progress to finish. An added source gets a store row and is
        due at once; a removed or disabled one is no longer fetched (its stored entries
        stay). Changed ``[fetch]`` settings get a new HTTP session and parser workers.
        Raises ConfigError, keeping the running configuration, when ``config`` names
        another database: ``[storage]`` takes effect only when the store is opened.
        """
        if _database(config) != _database(self.config):
            key = "storage.path" if config.storage.url == self.config.storage.url else "storage.url"
            raise ConfigError(
                str(config.path),
                [
                    f"{key}: the database cannot change while running "
                    f"({self.config.storage.shown} → {config.storage.shown}): restart to use it"
                ],
            )
        with self._run_lock:
            self._store.sync_sources(source_urls(config))
            old = self.config.fetch
            new = config.fetch
            if replace(old, interval=new.interval, max_workers=new.max_workers) != new:
                self._fetcher.close()
                self._sandbox.close()
                self._fetcher = Fetcher(new)
                self._sandbox = make_sandbox(config)
            self.config = config

    def request_stop(self) -> None:
        """Ask a running :meth:`run_once` to start no more sources (those in flight finish).

        The request is used up when that run returns: a later :meth:`run_once` runs fully.
        """
        self._stop.set()

    def add_observer(self, observer: RunObserver) -> None:
        """Call ``observer`` with every :meth:`run_once`'s report, as the run returns.

        It runs in the thread that ran the cycle; what it raises is logged, not raised.
        (The metrics of ``copro-feeds run --serve`` are counted this way.)
        """
        self._observers.append(observer)

    # -- refreshing --------------------------------------------------------------

    def due_sources(self, now: datetime | None = None) -> list[SourceConfig]:
        """The sources due for a refresh at ``now`` (gone sources never are)."""
        moment = now or self._clock()
        states = self._store.states()
        return [s for s in self.config.active_sources if _due.is_due(states[s.key], moment)]

    def run_once(
        self,
        *,
        all_sources: bool = False,
        only: Collection[str] | None = None,
        progress: ProgressCallback | None = None,
        tick_seconds: float | None = None,
    ) -> RunReport:
        """Refresh the due sources (or every source), store, and publish if anything changed.

        ``only`` refreshes the enabled sources with these keys, due or not, instead.
        Never raises for a failing source: each source's result, error included, is in
        the returned report. Sources marked gone are reported as errors and not fetched.

        The store records when the run finished, how long it took, and ``tick_seconds``,
        how often the caller runs one (default: the shortest interval of the enabled
        sources, the most a scheduled ``update`` should wait): ``/healthz`` fails after
        two ticks (or two runs' lengths, if longer) without a run.
        """
        tick = tick_seconds if tick_seconds is not None else self.shortest_interval()
        with self._run_lock:
            now = self._clock()  # the run's one reading of the clock, passed down
            started = time.monotonic()
            try:
                report = self._run_locked(
                    now, started, all_sources=all_sources, only=only, progress=progress
                )
            finally:
                self._stop.clear()
            seconds = time.monotonic() - started
            finished = now + timedelta(seconds=seconds)
            _publishing.record(
                self._store, CycleRecord(finished=finished, tick_seconds=tick, seconds=seconds)
            )
        for observer in self._observers:
            try:
                observer(report)
            except Exception:  # an observer's bug must not fail the run
                log.exception("run observer %r failed", observer)
        return report

    def refresh_sources(self, sources: Collection[SourceConfig]) -> RunReport:
        """Refresh and save ``sources`` now, due or not; publish nothing.

        For a caller that decides what is due and when to publish itself (the PostgreSQL
        workers of ``_queue``): each source's entries and state are saved in one
        transaction, as in :meth:`run_once`, and only these sources' states are read.
        Safe to call from several threads at once. Never raises for a failing source.
        """
        now = self._clock()
        states = {source.key: self._store.state(source.key) for source in sources}
        return RunReport(results=tuple(self._cycle().run(list(sources), states, now, None)))

    def record_tick(self, tick_seconds: float, seconds: float) -> None:
        """Record for ``/healthz`` that a scheduler tick finished just now, as
        :meth:`run_once` does for its run (the workers' tick, which only claims sources)."""
        record = CycleRecord(finished=self._clock(), tick_seconds=tick_seconds, seconds=seconds)
        _publishing.record(self._store, record)

    def source_state(self, key: str) -> SourceState:
        """What the store remembers about the source ``key`` (its next due time …)."""
        return self._store.state(key)

    def source_states(self) -> dict[str, SourceState]:
        """What the store remembers about every source, by key (one read of the store)."""
        return self._store.states()

    def shortest_interval(self) -> float:
        """The shortest refresh interval of the enabled sources, in seconds."""
        config = self.config
        return min(
            (config.interval_of(source) for source in config.active_sources),
            default=config.fetch.interval,
        )

    def _cycle(self) -> Cycle:
        """One refresh of some sources with this aggregator's store, fetcher and sandbox."""
        return Cycle(
            self.config,
            store=self._store,
            fetcher=self._fetcher,
            sandbox=self._sandbox,
            rng=self._rng,
            stop=self._stop,
        )

    def _run_locked(
        self,
        now: datetime,
        since: float,
        *,
        all_sources: bool,
        only: Collection[str] | None,
        progress: ProgressCallback | None,
    ) -> RunReport:
        states = self._store.states()
        if only is not None:
            chosen = [s for s in self.config.active_sources if s.key in only]
        else:
            chosen = [
                source
                for source in self.config.active_sources
                if all_sources or _due.is_due(states[source.key], now)
            ]
        results = self._cycle().run(chosen, states, now, progress)
        report = RunReport(results=tuple(results))
        try:
            written = self._publish_if_needed(now, since, force=False, changed=report.changed)
        except PublishError as error:  # stored entries are safe; retried next cycle
            log.error("publishing failed (will retry next cycle): %s", error)
            return replace(report, publish_error=str(error))
        self._ping_hub(written)
        return replace(report, files_written=tuple(str(path) for path in written))

    # -- reading and publishing --------------------------------------------------

    def entries(self, limit: int | None = None) -> list[Entry]:
        """The combined feed's entries: filtered, deduplicated, at most ``limit``.

        Pinned posts first (``pinned=True``), then the newest; hidden posts are left out.
        ``limit`` defaults to ``[output] max_entries`` (pinned posts are never cut).
        """
        stored = self._store.entries(self._attributions())
        limit = limit or self.config.output.max_entries
        marks = self._store.editorial()
        reposts = self.config.output.repost_similarity
        return combined_selection(
            stored, self.config.active_sources, limit, marks=marks, reposts=reposts
        )

    def _attributions(self, *, disabled: bool = False) -> dict[str, Attribution]:
        """Each active source's attribution by key (the disabled ones' too if asked)."""
        return attributions(self.config, self._store, disabled=disabled)

    def publish(self) -> list[Path]:
        """Render every output from the store now; return the files that changed."""
        written = self._publish_if_needed(self._clock(), time.monotonic(), force=True, changed=True)
        self._ping_hub(written)
        return written

    def _publish_if_needed(
        self, now: datetime, since: float, *, force: bool, changed: bool
    ) -> list[Path]:
        return _publishing.publish_if_needed(
            self.config,
            self._store,
            now,
            since=since,
            force=force,
            changed=changed,
            reposts=self._reposts,
            dates=self._dates,
            renderers=self._renderers,
        )

    def _ping_hub(self, written: list[Path]) -> None:
        """Tell the WebSub hub which feeds changed; keep failed pings for the next cycle."""
        _publishing.ping_hub(self.config, self._store, self._fetcher, written)

    def status(self) -> list[SourceStatus]:
        """Each configured source's stored state and entry count."""
        return source_statuses(self.config, self._store)

    # -- editorial control -------------------------------------------------------

    def stored_entries(
        self,
        source: str | None = None,
        state: EntryState | None = None,
        limit: int | None = None,
    ) -> list[StoredEntry]:
        """Every stored entry of the configured sources, newest first, with its state.

        ``source`` keeps one partner's entries (by key; ``KeyError`` if not configured),
        ``state`` the entries in that state; ``limit`` caps the list.
        """
        if source is not None and source not in {s.key for s in self.config.sources}:
            raise KeyError(source)
        chosen = [
            placed
            for placed in self._survey().placed
            if source in (None, placed.entry.source_key) and state in (None, placed.state)
        ]
        return chosen if limit is None else chosen[:limit]

    def find_entries(self, ref: str) -> list[StoredEntry]:
        """The stored entries ``ref`` names, newest first.

        ``ref`` is an entry's link (naming every copy of the post), its ``ref`` from
        :meth:`stored_entries` (or a unique prefix of 6 hex digits or more), its id in our
        feeds, or the partner's own id. Raises EntryNotFoundError, or AmbiguousEntryError
        when it names several posts.
        """
        survey = self._survey()
        matched = resolve(ref, [placed.entry for placed in survey.placed])
        return [survey.by_key[entry_key(entry)] for entry in matched]

    def hide(self, ref: str, reason: str, *, by: str | None = None) -> list[AuditRecord]:
        """Take a post down: every copy of the post ``ref`` names leaves every output.

        ``reason`` is required (``ValueError`` if blank) and kept in the audit log with
        ``by``. Returns the records logged: none when the post was already hidden. The
        outputs change at the next publish (:meth:`publish`, or the next
        :meth:`run_once`).
        """
        return self.edit(EditorialAction.HIDE, ref, reason, by=by)

    def unhide(
        self, ref: str, reason: str | None = None, *, by: str | None = None
    ) -> list[AuditRecord]:
        """Undo :meth:`hide` for the post ``ref`` names; returns the records logged."""
        return self.edit(EditorialAction.UNHIDE, ref, reason, by=by)

    def pin(
        self, ref: str, reason: str | None = None, *, by: str | None = None
    ) -> list[AuditRecord]:
        """Keep the post ``ref`` names at the top of the feeds (latest pin first).

        A pinned post is never cut by ``[output] max_entries``. Returns the records logged.
        """
        return self.edit(EditorialAction.PIN, ref, reason, by=by)

    def unpin(
        self, ref: str, reason: str | None = None, *, by: str | None = None
    ) -> list[AuditRecord]:
        """Undo :meth:`pin` for the post ``ref`` names; returns the records logged."""
        return self.edit(EditorialAction.UNPIN, ref, reason, by=by)

    def edit(
        self,
        action: EditorialAction,
        ref: str,
        reason: str | None = None,
        *,
        by: str | None = None,
    ) -> list[AuditRecord]:
        """Apply ``action`` to every stored copy of the post ``ref`` names, as
        :meth:`hide`, :meth:`unhide`, :meth:`pin` and :meth:`unpin` do (hiding needs a
        ``reason``: ``ValueError`` if blank); returns the records logged."""
        if action is EditorialAction.HIDE and not (reason or "").strip():
            raise ValueError("hiding an entry needs a reason")
        stored = self._store.entries(self._attributions(disabled=True))
        copies = every_copy(stored, resolve(ref, stored))
        reason = (reason or "").strip() or None
        return self._store.edit(action, copies, reason=reason, by=by, now=self._clock())

    def audit_log(self) -> list[AuditRecord]:
        """Every hide, unhide, pin and unpin, oldest first."""
        return self._store.audit_log()

    def roundup_preview(self) -> Roundup | None:
        """The current period's roundup as it stands now (``[digest]``'s settings, whether
        or not roundups are published); None while the period has no posts."""
        stored = self._store.entries(self._attributions())
        return current_roundup(
            stored,
            self.config.active_sources,
            self.config.digest,
            self._store.editorial(),
            self._clock(),
            reposts=self.config.output.repost_similarity,
            language=self.config.site.language,
        )

    def explain(self, ref: str) -> Explanation:
        """Why the entry ``ref`` names is, or is not, in the combined feed.

        For a link naming several copies, the copy the feed shows (or would) is explained.
        Raises like :meth:`find_entries`.
        """
        survey = self._survey()
        matched = {entry_key(e) for e in resolve(ref, [p.entry for p in survey.placed])}
        copies = survey.copies(survey.by_key[next(iter(matched))].entry)
        target = next(copy for copy in copies if entry_key(copy.entry) in matched)
        return explain(target, survey, self.config.sources, self._store.audit_log())

    def _survey(self) -> Survey:
        """Every stored entry placed, from the selection the publisher makes."""
        stored = self._store.entries(self._attributions(disabled=True))
        active = self.config.active_sources
        keys = {source.key for source in active}
        limit = self.config.output.max_entries
        marks = self._store.editorial()
        live = [entry for entry in stored if entry.source_key in keys]
        reposts = self.config.output.repost_similarity
        selection = combined_selection(live, active, limit, marks=marks, reposts=reposts)
        return take_survey(stored, self.config.sources, selection, marks, limit, reposts=reposts)


def _database(config: Config) -> str:
    """Which database ``config`` names (the file resolved, or the URL)."""
    storage = config.storage
    return str(storage.path.resolve()) if storage.url is None else storage.url


def make_sandbox(config: Config) -> Sandbox:
    """The parser workers for ``config`` (started lazily, on the first parse)."""
    fetch = config.fetch
    return Sandbox(
        workers=PARSE_WORKERS, memory_bytes=fetch.parse_memory, seconds=fetch.parse_timeout
    )


def make_aggregator(config: Config, *, clock: Clock = utc_now) -> Aggregator:
    """Open the store and the HTTP session for ``config`` and return an :class:`Aggregator`."""
    store = open_store(config.storage)
    try:
        store.sync_sources(source_urls(config))
        return Aggregator(
            config,
            store=store,
            fetcher=Fetcher(config.fetch),
            sandbox=make_sandbox(config),
            renderers=_publishing.render_workers(),
            clock=clock,
        )
    except BaseException:
        store.close()
        raise
