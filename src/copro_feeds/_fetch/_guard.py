"""Where a fetch may connect, checked twice: the host's addresses before connecting, and
the peer of the socket actually connected (which catches DNS rebinding).

The guarded urllib3 connection and pool classes also hand each socket to the running
fetch's :class:`~copro_feeds._fetch._deadline.Watchdog` and start its clock when the
fetch gets a connection. What the fetch running on this thread needs (its watchdog, and
whether private addresses are refused) is set with :func:`watched`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

from copro_feeds._address import is_public_address, parse_address
from copro_feeds._fetch._deadline import Watchdog
from copro_feeds._fetch._redirects import redact
from copro_feeds.exceptions import BlockedURLError, FetchError

Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port)`` → the IP addresses the host resolves to."""

PRIVATE_HINT = " (to fetch feeds on your own network, set [fetch] allow_private_networks = true)"
_local = threading.local()  # the watchdog and guard setting of the fetch running on this thread


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with :func:`socket.getaddrinfo` (the default resolver)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def check_host(url: str, resolver: Resolver, *, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and, unless ``allow_private``, hosts with any non-public
    address."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise BlockedURLError(f"{redact(url)} is not a valid URL") from error
    if parts.scheme not in ("http", "https") or not host:
        raise BlockedURLError(f"{redact(url)} is not an http(s) URL")
    if allow_private:
        return
    if parse_address(host) is not None:
        addresses: Sequence[str] = [host]
    else:
        port = port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError) as error:
            raise FetchError(f"could not resolve the host of {redact(url)}") from error
        if not addresses:
            raise FetchError(f"could not resolve the host of {redact(url)}")
    for address in addresses:
        if not is_public_address(address):
            raise BlockedURLError(
                f"refused {redact(url)}: {host} resolves to {address}, "
                f"which is not a public address{PRIVATE_HINT}"
            )


@contextmanager
def watched(watchdog: Watchdog, *, guard: bool) -> Iterator[None]:
    """Within this block, this thread's connections report to ``watchdog``, and (when
    ``guard``) refuse a peer that is not public."""
    _local.watchdog = watchdog
    _local.guard = guard
    try:
        yield
    finally:
        _local.watchdog = None


def _on_connect(connection: HTTPConnection) -> None:
    """Refuse a socket whose peer is not public (catches DNS rebinding) when guarded."""
    if not getattr(_local, "guard", False) or connection.sock is None:
        return
    peer = str(connection.sock.getpeername()[0])
    if not is_public_address(peer):
        raise BlockedURLError(
            f"refused to talk to {connection.host}: the connection went to {peer}, "
            f"which is not a public address{PRIVATE_HINT}"
        )


def _before_response(connection: HTTPConnection) -> None:
    """Hand the socket of this exchange to the running fetch's watchdog."""
    watchdog: Watchdog | None = getattr(_local, "watchdog", None)
    if watchdog is not None and connection.sock is not None:
        watchdog.watch(connection.sock)


class _GuardedHTTPConnection(HTTPConnection):
    """Checks the peer on connect and hands the socket to the watchdog per exchange."""

    def connect(self) -> None:
        super().connect()
        _on_connect(self)

    def getresponse(self) -> urllib3.HTTPResponse:  # type: ignore[override]  # as urllib3's
        _before_response(self)
        return super().getresponse()


class _GuardedHTTPSConnection(_GuardedHTTPConnection, HTTPSConnection):
    """The same checks, after the TLS handshake."""


def _got_connection() -> None:
    """The running fetch has a connection: its deadline starts now."""
    watchdog: Watchdog | None = getattr(_local, "watchdog", None)
    if watchdog is not None:
        watchdog.start()


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection

    def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
        connection = super()._get_conn(timeout)
        _got_connection()
        return connection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection

    def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
        connection = super()._get_conn(timeout)
        _got_connection()
        return connection


# Connection pools kept: one per host, for the most recently used hosts. requests' default
# (10) made a hub of feeds on a few dozen hosts open a new connection for nearly every feed
# (500 fetches over 50 hosts: 500 connects); idle sockets are cheap next to that.
_POOLED_HOSTS = 128


class Adapter(HTTPAdapter):
    """No retries, two blocking connections per host, our guarded connection classes."""

    def __init__(self) -> None:
        super().__init__(
            pool_connections=_POOLED_HOSTS, max_retries=0, pool_maxsize=2, pool_block=True
        )

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


class Session(requests.Session):
    """A Session that never follows (or reads the body of) a redirect itself."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None
