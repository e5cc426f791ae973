"""The staff web app behind waitress, as ``copro-feeds serve`` serves the feeds.

The session secret comes from ``$COPRO_FEEDS_ADMIN_SECRET`` when set, else from the store,
where the first start generates it: no set-up beyond ``copro-feeds user add``.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from wsgiref.types import WSGIApplication

from copro_feeds._admin._app import make_app
from copro_feeds._refresh import discover_feeds
from copro_feeds._serve import Server, serve
from copro_feeds._store import Store, open_store
from copro_feeds.config import Config
from copro_feeds.core import make_aggregator, utc_now

LOCAL_PROXY = "127.0.0.1"  # a reverse proxy here is believed about the client and https
SECRET_ENV = "COPRO_FEEDS_ADMIN_SECRET"  # noqa: S105 (a variable's name, not a secret)


def session_secret(store: Store, environ: Mapping[str, str]) -> str:
    """``$COPRO_FEEDS_ADMIN_SECRET``, else the store's (made on first use)."""
    return environ.get(SECRET_ENV) or store.session_secret(secrets.token_urlsafe(48))


@contextmanager
def admin_app(config: Config) -> Iterator[WSGIApplication]:
    """The app over its own store connections, closed when the block ends."""
    with make_aggregator(config) as aggregator:
        store = open_store(config.storage)
        try:
            yield make_app(
                aggregator,
                store,
                secret=session_secret(store, os.environ),
                clock=utc_now,
                discover=discover_feeds,
            )
        finally:
            store.close()


@contextmanager
def admin_server(config: Config, *, host: str, port: int) -> Iterator[Server]:
    """A :class:`Server` of the app (``start`` it), for ``run --admin``."""
    with admin_app(config) as app:
        yield Server(app=app, host=host, port=port, trusted_proxy=LOCAL_PROXY)


def serve_admin(
    config: Config,
    *,
    host: str,
    port: int,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve the app until SIGINT/SIGTERM (or ``stop``), as ``copro-feeds admin`` does."""
    with admin_app(config) as app:
        serve(
            None, app=app, host=host, port=port, ready=ready, stop=stop, trusted_proxy=LOCAL_PROXY
        )
