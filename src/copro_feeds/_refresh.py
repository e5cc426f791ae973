"""Refreshing one source: fetch it (discovering its feed the first time), follow a move,
skip an unchanged body, parse and normalise it in a sandboxed worker (which also hashes
each entry's shingles), and fingerprint its entries for finding reposts (``_similarity``'s
MinHash, here in the main process).

Every expected failure becomes a value (:class:`Refresh` with an error), never an
exception, so that one bad source never stops the others. Thread-safe: the aggregator
refreshes many sources at once with one :class:`Refresher`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Generic, TypeVar

from copro_feeds import _due
from copro_feeds._credentials import source_credentials, source_headers
from copro_feeds._discover import advertised_feeds, common_feed_urls
from copro_feeds._fetch import Fetcher, redact, same_origin
from copro_feeds._ingest import Ingested, SourceFacts, ingest
from copro_feeds._parse import looks_like_html, parse_feed
from copro_feeds._sandbox import Sandbox
from copro_feeds._similarity import with_fingerprints
from copro_feeds._types import FetchResponse, SourceState
from copro_feeds.config import Config, FetchConfig, SourceConfig
from copro_feeds.exceptions import (
    BlockedURLError,
    ConfigError,
    DeadlineExceededError,
    FeedError,
    GoneError,
    HTTPStatusError,
    ParseError,
)
from copro_feeds.types import Entry, Outcome

log = logging.getLogger("copro_feeds")

T = TypeVar("T")
MAX_CANDIDATES = 10
"""The most feed URLs discovery tries for one page (advertised first, then usual paths)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Refresh:
    """What refreshing one source produced, before it is saved."""

    source: SourceConfig
    state: SourceState
    outcome: Outcome
    entries: tuple[Entry, ...] | None = None
    undated_ids: frozenset[str] = frozenset()
    well_formed: bool = True
    items: Mapping[str, str] | None = None  # to save with the entries (see Ingested)
    error: FeedError | None = None
    fetch_seconds: float | None = None
    parse_seconds: float | None = None


@dataclass(slots=True)
class _Timings:
    """Seconds spent fetching and parsing during one refresh (None: not done)."""

    fetch: float | None = None
    parse: float | None = None

    @contextmanager
    def fetching(self) -> Iterator[None]:
        """Count the block as fetching, less any parsing timed inside it (discovery)."""
        started = time.perf_counter()
        parsed = self.parse or 0.0
        try:
            yield
        finally:
            parsing = (self.parse or 0.0) - parsed
            self.fetch = (self.fetch or 0.0) + time.perf_counter() - started - parsing

    @contextmanager
    def parsing(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.parse = (self.parse or 0.0) + time.perf_counter() - started


class Refresher:
    """Refreshes sources with one fetcher and one sandbox (owned by the caller).

    ``known_items`` gives a source's known items (the store's): the posts of a fetched
    document that are stored and unchanged are then not parsed again. Without it, every
    document is read whole.
    """

    def __init__(
        self,
        config: Config,
        *,
        fetcher: Fetcher,
        sandbox: Sandbox,
        rng: random.Random,
        known_items: Callable[[str], Mapping[str, str]] | None = None,
    ) -> None:
        self.config = config
        self._fetcher = fetcher
        self._sandbox = sandbox
        self._rng = rng
        self._known_items = known_items

    def refresh(self, source: SourceConfig, state: SourceState, now: datetime) -> Refresh:
        """Fetch, parse and normalise one source; every expected failure becomes a value."""
        state = replace(state, last_attempt=now)
        timings = _Timings()
        try:
            refreshed = self._refresh_or_raise(source, state, now, timings)
        except FeedError as error:
            refreshed = self._failure(source, state, error, now)
        except Exception as error:  # a bug must not stop the other sources
            log.exception("%s: unexpected error", source.name)
            wrapped = FeedError(str(error) or type(error).__name__)
            wrapped.__cause__ = error
            refreshed = self._failure(source, state, wrapped, now)
        return replace(refreshed, fetch_seconds=timings.fetch, parse_seconds=timings.parse)

    def _refresh_or_raise(
        self, source: SourceConfig, state: SourceState, now: datetime, timings: _Timings
    ) -> Refresh:
        response, feed_url, ingested = self._fetch_feed(source, state, now, timings)
        state = self._follow_permanent_redirect(state, feed_url, response)
        interval = self.config.interval_of(source)
        succeeded = replace(
            state,
            last_success=now,
            last_error=None,
            failures=0,
            next_due=_due.next_due_after_success(now, interval, self._rng),
        )
        body_hash = hashlib.sha256(response.body).hexdigest() if response.status == 200 else None
        if response.status == 304 or (ingested is None and body_hash == state.body_hash):
            validators = replace(
                succeeded, etag=response.etag, last_modified=response.last_modified
            )
            return Refresh(source=source, state=validators, outcome=Outcome.NOT_MODIFIED)
        if ingested is None:
            ingested = self._ingest(source, state, response, feed_url, now, timings=timings)
        for warning in ingested.warnings:
            log.warning("%s: %s", source.name, warning)
        with timings.parsing():
            entries = with_fingerprints(ingested.entries, ingested.shingles)
        if ingested.complete:  # a document cut short is fetched whole next time
            succeeded = replace(
                succeeded,
                etag=response.etag,
                last_modified=response.last_modified,
                body_hash=body_hash,
            )
        return Refresh(
            source=source,
            state=replace(succeeded, homepage=ingested.feed_link or state.homepage),
            outcome=Outcome.UPDATED,
            entries=entries,
            undated_ids=ingested.undated_ids,
            well_formed=ingested.well_formed,
            items=ingested.items,
        )

    def _ingest(
        self,
        source: SourceConfig,
        state: SourceState,
        response: FetchResponse,
        feed_url: str,
        now: datetime,
        *,
        timings: _Timings,
    ) -> Ingested:
        """Parse and normalise a body in a sandboxed worker (memory and time limits)."""
        facts = SourceFacts(
            key=source.key,
            name=source.name,
            homepage=source.homepage,
            stored_homepage=state.homepage,
            tags=source.tags,
            excerpt_words=self.config.output.excerpt_words,
            max_entry_bytes=self.config.fetch.max_entry_bytes,
            max_entries=self.config.fetch.max_entries_per_feed,
            max_categories=self.config.fetch.max_categories_per_entry,
            max_authors=self.config.fetch.max_authors_per_entry,
        )
        headers = dict(response.headers)
        known = None if self._known_items is None else dict(self._known_items(source.key))
        with timings.parsing():
            return self._sandbox.call(
                partial(ingest, known=known), response.body, headers, feed_url, facts, now
            )

    def _fetch_feed(
        self, source: SourceConfig, state: SourceState, now: datetime, timings: _Timings
    ) -> tuple[FetchResponse, str, Ingested | None]:
        """Fetch the source's feed, discovering it from a homepage the first time.

        Returns the response, the feed URL it came from, and the ingested feed when
        discovery had to parse it already (else None).
        """
        url = state.effective_url
        agent = source.user_agent
        started = time.monotonic()
        auth = _credentials(source)
        extra = _headers(source)
        with timings.fetching():
            response = self._fetcher.fetch(
                url,
                etag=state.etag,
                last_modified=state.last_modified,
                user_agent=agent,
                auth=auth,
                extra_headers=extra,
                now=now,
            )
        if state.feed_url is not None or response.status == 304:
            return response, url, None
        try:
            return response, url, self._ingest(source, state, response, url, now, timings=timings)
        except ParseError:
            if not _is_html(response):
                raise

        def check(found: FetchResponse, candidate: str) -> Ingested:
            return self._ingest(source, state, found, candidate, now, timings=timings)

        probe: FeedProbe[Ingested] = FeedProbe(
            self._fetcher,
            self.config.fetch,
            response,
            agent,
            started,
            origin=url,
            auth=auth,
            extra_headers=extra,
        )
        with timings.fetching():  # the candidates' requests (their parsing is timed apart)
            for candidate, found, ingested in probe.feeds(check):
                log.info("%s: discovered the feed at %s", source.name, redact(candidate))
                return found, candidate, ingested
        raise probe.failure()

    def _follow_permanent_redirect(
        self, state: SourceState, feed_url: str, response: FetchResponse
    ) -> SourceState:
        """Move to a new URL only after several consistent permanent redirects."""
        if feed_url != state.feed_url:  # first success, or just discovered
            state = replace(state, feed_url=feed_url, redirect_url=None, redirect_hits=0)
        target = response.permanent_redirect
        if target is None:
            return replace(state, redirect_url=None, redirect_hits=0)
        hits = state.redirect_hits + 1 if state.redirect_url == target else 1
        if hits >= _due.PERMANENT_REDIRECT_HITS:
            log.info("%s moved permanently to %s", redact(state.effective_url), redact(target))
            return replace(state, feed_url=target, redirect_url=None, redirect_hits=0)
        return replace(state, redirect_url=target, redirect_hits=hits)

    def _failure(
        self, source: SourceConfig, state: SourceState, error: FeedError, now: datetime
    ) -> Refresh:
        message = str(error) or type(error).__name__
        failures = state.failures + 1
        if isinstance(error, GoneError):
            state = replace(state, gone=True, next_due=None)
        else:
            retry_after = error.retry_after if isinstance(error, HTTPStatusError) else None
            due = _due.next_due_after_failure(
                now, self.config.interval_of(source), failures, retry_after, self._rng
            )
            state = replace(state, next_due=due)
        state = replace(state, last_error=message, failures=failures)
        return Refresh(source=source, state=state, outcome=Outcome.ERROR, error=error)


def _credentials(source: SourceConfig) -> tuple[str, str] | None:
    """The source's login from its ``credentials_env`` variable; FeedError naming the
    variable (never its value) when it is missing or malformed."""
    try:
        return source_credentials(source, os.environ)
    except ConfigError as error:
        raise FeedError("; ".join(error.problems)) from None


def _headers(source: SourceConfig) -> dict[str, str]:
    """The source's own request headers, variables read; FeedError naming the variable
    (never its value) when one is missing or unsafe."""
    try:
        return source_headers(source, os.environ)
    except ConfigError as error:
        raise FeedError("; ".join(error.problems)) from None


def _is_html(response: FetchResponse) -> bool:
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in ("text/html", "application/xhtml+xml") or looks_like_html(response.body)


class FeedProbe(Generic[T]):
    """Tries the feed URLs a web page leads to, in order, within bounds.

    The candidates are the feeds the page advertises, then the usual feed paths (at most
    :data:`MAX_CANDIDATES` in all). Each is fetched within what is left of the source's
    ``[fetch] source_timeout`` (counted from ``started``, the page's own fetch) and
    checked by the caller's function; the refresh and ``copro-feeds discover`` share it.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        settings: FetchConfig,
        page: FetchResponse,
        user_agent: str | None,
        started: float,
        *,
        origin: str | None = None,
        auth: tuple[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """``auth`` (the source's login) and ``extra_headers`` (its own headers) are sent
        to candidates on the origin of ``origin`` (the source's URL) only."""
        self._fetcher = fetcher
        self._origin = origin
        self._auth = auth
        self._extra_headers = extra_headers
        self._settings = settings
        self._page = page
        self._agent = user_agent
        self._started = started
        advertised = advertised_feeds(page.body, page.url)
        everything = list(dict.fromkeys([*advertised, *common_feed_urls(page.url)]))
        self.candidates = everything[:MAX_CANDIDATES]
        self.advertised = frozenset(advertised) & frozenset(self.candidates)
        self._errors: list[tuple[str, FeedError]] = []
        self._tried = 0
        self._out_of_time = False

    def feeds(
        self, check: Callable[[FetchResponse, str], T]
    ) -> Iterator[tuple[str, FetchResponse, T]]:
        """Each candidate that ``check`` accepts, with its response and what it returned."""
        for candidate in self.candidates:
            remaining = self._settings.source_timeout - (time.monotonic() - self._started)
            if remaining <= 0:
                self._out_of_time = True
                return
            self._tried += 1
            own = self._origin is not None and same_origin(candidate, self._origin)
            try:
                found = self._fetcher.fetch(
                    candidate,
                    user_agent=self._agent,
                    timeout=min(remaining, self._settings.timeout),
                    auth=self._auth if own else None,
                    extra_headers=self._extra_headers if own else None,
                )
                result = check(found, candidate)
            except FeedError as error:
                log.debug("%s is not a feed: %s", redact(candidate), error)
                self._errors.append((candidate, error))
                continue
            yield candidate, found, result

    def failure(self) -> FeedError:
        """The error to report when no candidate was a feed, naming the likeliest cause."""
        page = redact(self._page.url)
        refused = [(url, e) for url, e in self._errors if isinstance(e, BlockedURLError)]
        if refused:
            url, refusal = refused[0]
            return BlockedURLError(
                f"{page} is a web page; its feed {redact(url)} was refused: {refusal}"
            )
        if self._out_of_time:
            return DeadlineExceededError(
                f"{page} is a web page; gave up looking for its feed after {self._tried} of "
                f"{len(self.candidates)} candidate URLs: the "
                f"{self._settings.source_timeout:g}-second [fetch] source_timeout was spent"
            )
        broken = [(url, e) for url, e in self._errors if url in self.advertised]
        if broken:
            url, problem = broken[0]
            return ParseError(
                f"{page} is a web page advertising {len(self.advertised)} feed(s), none usable: "
                f"{redact(url)}: {problem}"
            )
        return ParseError(
            f"{page} is a web page that links to no feed, and no usual feed path works"
        )


def discover_feeds(url: str, settings: FetchConfig | None = None) -> list[str]:
    """The feeds a refresh of ``url`` would find: ``[url]`` when it is itself a feed, else
    every feed the page advertises that works (the first is the one a refresh uses), else
    the first usual feed path that works; probed exactly as a refresh probes them.

    Raises FeedError when the page cannot be fetched, is neither a feed nor HTML, or leads
    to no feed (saying why, as a refresh would).
    """
    settings = settings or FetchConfig()
    sandbox = Sandbox(workers=1, memory_bytes=settings.parse_memory, seconds=settings.parse_timeout)
    with Fetcher(settings) as fetcher, sandbox:
        started = time.monotonic()
        response = fetcher.fetch(url)

        def check(found: FetchResponse, candidate: str) -> object:
            parse = partial(parse_feed, max_entries=1)
            return sandbox.call(parse, found.body, dict(found.headers), candidate)

        try:
            check(response, response.url)
        except ParseError:
            if not _is_html(response):
                raise
        else:
            return [response.url]
        probe: FeedProbe[object] = FeedProbe(fetcher, settings, response, None, started)
        found: list[str] = []
        for candidate, _, _ in probe.feeds(check):
            if candidate not in probe.advertised:
                return found or [candidate]
            found.append(candidate)
        if not found:
            raise probe.failure()
        return found
