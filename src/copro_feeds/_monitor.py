"""``GET /healthz`` and ``GET /metrics`` for ``copro-feeds serve`` and ``run --serve``.

Both read the store afresh at each request, through a connection of their own, so a
``serve`` beside a separate daemon (or beside cron's ``update``) reports what that
process did. ``/healthz`` answers 200 when the last cycle finished within two tick
intervals and the last publish succeeded, else 503; its small JSON body says why.
``/metrics`` is the Prometheus text format (see :mod:`copro_feeds._metrics`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from types import TracebackType
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from copro_feeds._health import Health, assess, last_cycle, last_publish
from copro_feeds._metrics import CONTENT_TYPE, Metrics, StoreFacts
from copro_feeds._status import source_statuses
from copro_feeds._store import Store, open_store
from copro_feeds.config import Config
from copro_feeds.core import Clock, utc_now
from copro_feeds.exceptions import StoreError
from copro_feeds.types import RunReport

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


class Monitor:
    """The two endpoints over one store connection; close it when done (or use ``with``)."""

    def __init__(self, config: Config, store: Store, *, count_runs: bool, clock: Clock) -> None:
        self.config = config
        self._store = store
        self._clock = clock
        self._metrics = Metrics(self._facts, count_runs=count_runs)

    def __enter__(self) -> Monitor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the store connection."""
        self._store.close()

    @property
    def routes(self) -> dict[str, WSGIApplication]:
        """The WSGI apps by path, for :class:`copro_feeds._serve.Server` ``routes``."""
        return {HEALTH_PATH: self._health_app, METRICS_PATH: self._metrics_app}

    def observe(self, report: RunReport) -> None:
        """Count a run of this process (an :meth:`Aggregator.add_observer` callback)."""
        if self._metrics.runs is not None:
            self._metrics.runs.observe(report)

    def health(self) -> Health:
        """The verdict now, from the store (StoreError if it cannot be read)."""
        return assess(last_cycle(self._store), last_publish(self._store), self._clock())

    def _facts(self) -> StoreFacts:
        sources = tuple(source_statuses(self.config, self._store))
        return StoreFacts(sources=sources, health=self.health())

    def _health_app(self, environ: WSGIEnvironment, start: StartResponse) -> Iterable[bytes]:
        try:
            health = self.health()
        except StoreError as error:
            body = {"status": "failing", "problems": [f"cannot read the store: {error}"]}
            return _answer(environ, start, 503, "application/json", _json(body))
        status = 200 if health.healthy else 503
        return _answer(environ, start, status, "application/json", _json(health.as_json()))

    def _metrics_app(self, environ: WSGIEnvironment, start: StartResponse) -> Iterable[bytes]:
        try:
            body = self._metrics.render()
        except StoreError as error:
            text = f"cannot read the store: {error}\n".encode()
            return _answer(environ, start, 503, "text/plain; charset=utf-8", text)
        return _answer(environ, start, 200, CONTENT_TYPE, body)


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2) + "\n").encode()


_REASONS = {200: "OK", 405: "Method Not Allowed", 503: "Service Unavailable"}


def _answer(
    environ: WSGIEnvironment, start: StartResponse, status: int, content_type: str, body: bytes
) -> list[bytes]:
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    headers = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]
    if method not in ("GET", "HEAD"):
        status, content_type, body = 405, "text/plain; charset=utf-8", b"405 Method Not Allowed\n"
        headers.append(("Allow", "GET, HEAD"))
    headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    start(f"{status} {_REASONS[status]}", headers)
    return [] if method == "HEAD" else [body]


def open_monitor(config: Config, *, count_runs: bool, clock: Clock = utc_now) -> Monitor:
    """A :class:`Monitor` on its own connection to ``config``'s store.

    ``count_runs``: this process runs the cycles (``run --serve``) and counts them
    through :meth:`Monitor.observe`; a standalone ``serve`` shows the store's metrics only.
    """
    return Monitor(config, open_store(config.storage), count_runs=count_runs, clock=clock)
