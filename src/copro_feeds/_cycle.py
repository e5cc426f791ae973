"""One run's refresh and save: the chosen sources fetched concurrently, each saved.

A :class:`Cycle` refreshes the sources it is given on a bounded thread pool (the fetcher
allows at most two connections per host), saves each source's entries with its state in
one transaction as it arrives, saves the sources that brought no entries together, and
returns one :class:`~copro_feeds.types.SourceResult` per source, errors included.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import datetime

from copro_feeds._fetch import Fetcher
from copro_feeds._refresh import Refresh, Refresher
from copro_feeds._sandbox import Sandbox
from copro_feeds._store import Store
from copro_feeds._types import SourceState
from copro_feeds.config import Config, SourceConfig
from copro_feeds.exceptions import CoproFeedsError, GoneError, StoreError
from copro_feeds.types import Outcome, SourceResult

log = logging.getLogger("copro_feeds")

ProgressCallback = Callable[[SourceResult], None]


class Cycle:
    """Refreshes and saves sources for one run (built per run, like the Refresher)."""

    def __init__(
        self,
        config: Config,
        *,
        store: Store,
        fetcher: Fetcher,
        sandbox: Sandbox,
        rng: random.Random,
        stop: threading.Event,
    ) -> None:
        self._config = config
        self._store = store
        self._fetcher = fetcher
        self._sandbox = sandbox
        self._rng = rng
        self._stop = stop

    def run(
        self,
        chosen: list[SourceConfig],
        states: dict[str, SourceState],
        now: datetime,
        progress: ProgressCallback | None,
    ) -> list[SourceResult]:
        """Refresh and save ``chosen`` (gone sources are reported, not fetched).

        No new source starts once ``stop`` is set; ``progress`` hears of each source as
        it is saved.
        """
        results = [_gone_result(s) for s in chosen if states[s.key].gone]
        todo = [s for s in chosen if not states[s.key].gone]
        state_only: list[Refresh] = []  # 304s and errors: saved together below
        for refresh in self._refresh_all(todo, states, now):
            if refresh.entries is None:
                state_only.append(refresh)
                result = _result(refresh)
            else:
                result = self._save(refresh, now)
                results.append(result)
            if progress is not None:
                progress(result)
        results.extend(self._save_states(state_only))
        return results

    def _refresh_all(
        self, sources: list[SourceConfig], states: dict[str, SourceState], now: datetime
    ) -> Iterator[Refresh]:
        if not sources:
            return
        refresher = Refresher(
            self._config,
            fetcher=self._fetcher,
            sandbox=self._sandbox,
            rng=self._rng,
            known_items=self._store.known_items,
        )
        workers = min(self._config.fetch.max_workers, len(sources))
        with ThreadPoolExecutor(workers, thread_name_prefix="copro-fetch") as pool:
            futures: set[Future[Refresh]] = set()
            for source in sources:
                if self._stop.is_set():
                    break
                futures.add(pool.submit(refresher.refresh, source, states[source.key], now))
            for future in as_completed(futures):
                # Let go of each result once handled: holding every source's entries
                # until the last one arrived made the first refresh's memory peak.
                futures.discard(future)
                if self._stop.is_set():
                    for pending in futures:
                        pending.cancel()
                if future.cancelled():
                    continue
                yield future.result()

    def _save(self, refresh: Refresh, now: datetime) -> SourceResult:
        """Save a source's entries with its state, in one transaction."""
        assert refresh.entries is not None
        try:
            counts = self._store.save_fetch(
                refresh.state,
                refresh.entries,
                refresh.undated_ids,
                now,
                well_formed=refresh.well_formed,
                items=refresh.items,
            )
        except StoreError as failure:  # nothing of this source was saved: it is refetched
            return _logged(_result(refresh, store_error=failure))
        return _logged(_result(refresh, new=counts.new, updated=counts.updated))

    def _save_states(self, refreshes: list[Refresh]) -> list[SourceResult]:
        """Save the sources that brought no entries in one transaction.

        Losing these to a crash costs nothing lasting: a 304 changed no validator, and a
        failure is simply tried again sooner.
        """
        try:
            self._store.save_states([refresh.state for refresh in refreshes])
        except StoreError as failure:
            return [_logged(_result(r, store_error=failure)) for r in refreshes]
        return [_logged(_result(refresh)) for refresh in refreshes]


def _result(
    refresh: Refresh, *, new: int = 0, updated: int = 0, store_error: StoreError | None = None
) -> SourceResult:
    error: CoproFeedsError | None = store_error or refresh.error
    text = f"could not save: {store_error}" if store_error else _message(refresh.error)
    return SourceResult(
        source_key=refresh.source.key,
        name=refresh.source.name,
        outcome=Outcome.ERROR if store_error else refresh.outcome,
        new_entries=new,
        updated_entries=updated,
        error=text,
        exception=error,
        fetch_seconds=refresh.fetch_seconds,
        parse_seconds=refresh.parse_seconds,
    )


def _logged(result: SourceResult) -> SourceResult:
    """Log one line for a source that succeeded, and return the result.

    A failure is not logged here: it is in the report, and the caller says it once
    (``update`` lists it, the daemon logs it).
    """
    if not result.error:
        log.info(
            "%s: %s (%d new, %d updated)",
            result.name,
            result.outcome,
            result.new_entries,
            result.updated_entries,
        )
    return result


def _gone_result(source: SourceConfig) -> SourceResult:
    gone = GoneError(
        "the feed is gone (410): change its url in the config to poll it again", status=410
    )
    return SourceResult(
        source_key=source.key,
        name=source.name,
        outcome=Outcome.ERROR,
        error=str(gone),
        exception=gone,
    )


def _message(error: CoproFeedsError | None) -> str | None:
    return None if error is None else str(error) or type(error).__name__
