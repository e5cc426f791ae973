"""HTTP fetching: the only module that imports requests and urllib3.

One :class:`Fetcher` owns one ``requests.Session`` and is shared by the worker threads.
It follows redirects itself, one hop at a time, never reading a redirect's body; keeps a
whole-request deadline with a watchdog that shuts the sockets of a late fetch down; caps
the body after decompression; refuses private addresses both before connecting and on
the socket actually connected; and turns every failure into a
:class:`~copro_feeds.exceptions.FetchError` subclass whose text names the (redacted) URL.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

from copro_feeds._address import is_public_address, parse_address
from copro_feeds._decode import BodyDecoder, DecodeError
from copro_feeds._types import FetchResponse
from copro_feeds.config import FetchConfig
from copro_feeds.exceptions import (
    BlockedURLError,
    DeadlineExceededError,
    FetchError,
    GoneError,
    HTTPStatusError,
    ResponseTooLargeError,
)

Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port)`` → the IP addresses the host resolves to."""

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.1, */*;q=0.1"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_CHUNK = 64 * 1024
RETRY_AFTER_MIN = 60.0
RETRY_AFTER_MAX = 86400.0
_DEFAULT_PORTS = {"http": 80, "https": 443}
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:)?//[^/?#]*@")
_NETWORK_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)

PRIVATE_HINT = " (to fetch feeds on your own network, set [fetch] allow_private_networks = true)"
_local = threading.local()  # the watchdog and guard setting of the fetch running on this thread


def redact(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``, safe for messages and logs."""
    return _USERINFO.sub(r"\1//***@", url)


def same_origin(first: str, second: str) -> bool:
    """True when both URLs have the same scheme, host and port (default ports filled in)."""
    try:
        one, two = urlsplit(first), urlsplit(second)
        ports = (
            one.port or _DEFAULT_PORTS.get(one.scheme.lower()),
            two.port or _DEFAULT_PORTS.get(two.scheme.lower()),
        )
    except ValueError:
        return False
    return (
        one.scheme.lower() == two.scheme.lower()
        and one.hostname == two.hostname
        and ports[0] == ports[1]
    )


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with :func:`socket.getaddrinfo` (the default resolver)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After (delta-seconds or HTTP-date) → seconds in [60, 86400]; None if unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        seconds = float(text)
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, RETRY_AFTER_MIN), RETRY_AFTER_MAX)


def redirect_target(current: str, location: str) -> str:
    """The absolute URL a redirect from ``current`` to ``location`` leads to, if allowed.

    Raises BlockedURLError for non-http(s) targets, credentials in the URL and
    https→http downgrades.
    """
    target = urljoin(current, location.strip())
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https"):
        shown = f"a {parts.scheme}: URL" if parts.scheme else "an unusable URL"
        raise BlockedURLError(f"{redact(current)} redirected to {shown}; only http(s) is followed")
    if "@" in parts.netloc:
        raise BlockedURLError(
            f"{redact(current)} redirected to {redact(target)}, which carries credentials"
        )
    if urlsplit(current).scheme == "https" and parts.scheme == "http":
        raise BlockedURLError(f"{redact(current)} redirected from https down to {redact(target)}")
    return target


class _Timekeeper:
    """One daemon thread that fires each watchdog when its deadline passes.

    Cheaper than a timer thread per fetch (starting a thread cost a fifth of a 304).
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, watchdog: _Watchdog) -> None:
        """Fire ``watchdog`` at its deadline unless it has finished by then."""
        with self._condition:
            heapq.heappush(self._heap, (watchdog.expires, next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="copro-fetch-deadlines", daemon=True
                )
                self._thread.start()
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                due = self._next_due()
            due.fire()

    def _next_due(self) -> _Watchdog:
        """Wait for the earliest unfinished watchdog whose deadline has passed."""
        while True:
            while self._heap and self._heap[0][2].finished:
                heapq.heappop(self._heap)
            now = time.monotonic()
            if self._heap and self._heap[0][0] <= now:
                return heapq.heappop(self._heap)[2]
            self._condition.wait(self._heap[0][0] - now if self._heap else None)


class _Watchdog:
    """Shuts down the sockets of one fetch when its whole-request deadline passes.

    The clock starts when the fetch first gets a connection (:meth:`start`), not while
    it waits for one of its host's pooled connections: sources on a busy host must not
    use up their deadline in the queue.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = float("inf")
        self.finished = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._fired = False
        self._started = False

    def __enter__(self) -> _Watchdog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self.finished = True
            self._sockets.clear()

    def start(self) -> None:
        """Start the clock (once: later calls, e.g. on a redirect's hop, change nothing)."""
        with self._lock:
            if self._started:
                return
            self._started = True
            self.expires = time.monotonic() + self.seconds
        _TIMEKEEPER.schedule(self)

    @property
    def expired(self) -> bool:
        """True once the deadline has passed (the sockets are then shut down)."""
        return self._fired or self.remaining() <= 0

    def remaining(self) -> float:
        """Seconds left before the deadline (all of them while the clock has not started)."""
        return min(self.expires - time.monotonic(), self.seconds)

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (at once if it has already passed)."""
        with self._lock:
            if not self._fired:
                self._sockets.append(sock)
                return
        _shutdown(sock)

    def fire(self) -> None:
        """The deadline passed: shut every socket of this fetch down."""
        with self._lock:
            if self.finished:
                return
            self._fired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)


_TIMEKEEPER = _Timekeeper()


def _shutdown(sock: socket.socket) -> None:
    """Wake any thread blocked on ``sock``; it then sees end-of-file."""
    with contextlib.suppress(OSError):  # already closed: nothing is blocked on it
        sock.shutdown(socket.SHUT_RDWR)


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
    watchdog: _Watchdog | None = getattr(_local, "watchdog", None)
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
    watchdog: _Watchdog | None = getattr(_local, "watchdog", None)
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


class _Adapter(HTTPAdapter):
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


class _Session(requests.Session):
    """A Session that never follows (or reads the body of) a redirect itself."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None


class Fetcher:
    """Fetches feeds politely and defensively; thread-safe, one per aggregator."""

    def __init__(self, settings: FetchConfig, *, resolver: Resolver | None = None) -> None:
        self._settings = settings
        self._resolver = resolver or system_resolver
        self._session = _Session()
        self._session.trust_env = False
        self._session.headers.clear()
        self._session.headers.update({"Accept": ACCEPT, "Accept-Encoding": "gzip, deflate, br"})
        adapter = _Adapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self._session.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        user_agent: str | None = None,
        timeout: float | None = None,
        auth: tuple[str, str] | None = None,
        now: datetime | None = None,
    ) -> FetchResponse:
        """GET ``url`` (conditionally when validators are given), following redirects.

        ``timeout`` shortens the whole-request deadline below ``[fetch] timeout``.
        ``auth`` (user, password) is sent as HTTP Basic auth to ``url``'s origin only: a
        redirect to another scheme, host or port goes there without it. ``now`` (the run's
        time) is what a Retry-After date is counted from; the clock when not given.
        Returns a 200 or 304 :class:`FetchResponse`; raises FetchError subclasses only.
        """
        headers = {"User-Agent": user_agent or self._settings.user_agent}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seconds = (
            self._settings.timeout if timeout is None else min(timeout, self._settings.timeout)
        )
        with _Watchdog(seconds) as watchdog:
            _local.watchdog = watchdog
            _local.guard = not self._settings.allow_private_networks
            try:
                result = self._follow(url, headers, watchdog, auth, now or datetime.now(UTC))
            finally:
                _local.watchdog = None
        if watchdog.expired and result.status == 200:  # the body may have been cut short
            raise _deadline(url, watchdog)
        return result

    def ping_hub(self, hub: str, topic: str) -> None:
        """Tell a WebSub hub that ``topic`` changed (form POST ``hub.mode=publish``).

        Raises FetchError subclasses when the hub cannot be reached or does not answer 2xx.
        """
        form = {"hub.mode": "publish", "hub.url": topic}
        headers = {"User-Agent": self._settings.user_agent}
        with _Watchdog(self._settings.timeout) as watchdog:
            _local.watchdog = watchdog
            _local.guard = not self._settings.allow_private_networks
            try:
                self._check_host(hub)
                timeout = (self._settings.connect_timeout, self._settings.read_timeout)
                with self._session.post(
                    hub, data=form, headers=headers, allow_redirects=False, timeout=timeout
                ) as response:
                    if not 200 <= response.status_code < 300:
                        raise _status_error(response, hub, datetime.now(UTC))
            except _NETWORK_ERRORS as error:
                raise _translate(error, hub, watchdog) from error
            finally:
                _local.watchdog = None

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        watchdog: _Watchdog,
        auth: tuple[str, str] | None,
        now: datetime,
    ) -> FetchResponse:
        """Send ``url`` and each redirect target in turn; return the final response."""
        visited = {url}
        current, hops, permanent = url, 0, True
        while True:
            if watchdog.expired:
                raise _deadline(current, watchdog)
            self._check_host(current)
            response = self._send(
                current, headers, watchdog, auth if same_origin(current, url) else None
            )
            location = response.headers.get("location")
            if response.status_code not in _REDIRECTS or location is None:
                moved = current if hops and permanent else None
                return self._finish(response, current, headers, watchdog, moved=moved, now=now)
            response.close()  # without reading the body
            target = redirect_target(current, location)
            hops += 1
            if target in visited:
                raise BlockedURLError(
                    f"redirect loop: {redact(current)} leads back to {redact(target)}"
                )
            if hops > self._settings.max_redirects:
                limit = self._settings.max_redirects
                raise BlockedURLError(f"too many redirects from {redact(url)} (more than {limit})")
            permanent = permanent and response.status_code in _PERMANENT
            visited.add(target)
            current = target

    def _check_host(self, url: str) -> None:
        """Refuse non-http(s) URLs and, when guarded, hosts with any non-public address."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError as error:
            raise BlockedURLError(f"{redact(url)} is not a valid URL") from error
        if parts.scheme not in ("http", "https") or not host:
            raise BlockedURLError(f"{redact(url)} is not an http(s) URL")
        if self._settings.allow_private_networks:
            return
        if parse_address(host) is not None:
            addresses: Sequence[str] = [host]
        else:
            port = port or (443 if parts.scheme == "https" else 80)
            try:
                addresses = self._resolver(host, port)
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

    def _send(
        self,
        url: str,
        headers: dict[str, str],
        watchdog: _Watchdog,
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        """One GET without following redirects; the body is left unread."""
        remaining = max(watchdog.remaining(), 0.001)
        timeout = (
            min(self._settings.connect_timeout, remaining),
            min(self._settings.read_timeout, remaining),
        )
        try:
            return self._session.get(
                url,
                headers=headers,
                allow_redirects=False,
                stream=True,
                timeout=timeout,
                auth=auth,
            )
        except _NETWORK_ERRORS as error:
            raise _translate(error, url, watchdog) from error

    def _finish(
        self,
        response: requests.Response,
        url: str,
        sent: dict[str, str],
        watchdog: _Watchdog,
        *,
        moved: str | None,
        now: datetime,
    ) -> FetchResponse:
        """Turn the final response into a FetchResponse or a status error."""
        with response:
            status = response.status_code
            if 200 <= status < 300:
                try:
                    body = _read_body(response, url, self._settings.max_bytes)
                except _NETWORK_ERRORS as error:
                    raise _translate(error, url, watchdog) from error
            elif status == 304:
                body = b""
            else:
                raise _status_error(response, url, now)
            # Read to the end (a 304 has no body): the connection goes back to the pool
            # for the next feed on this host, instead of being closed with the response.
            response.raw.release_conn()
        headers = {name.lower(): value for name, value in response.headers.items()}
        if status == 304:
            etag = headers.get("etag", sent.get("If-None-Match"))
            last_modified = headers.get("last-modified", sent.get("If-Modified-Since"))
        else:
            etag, last_modified = headers.get("etag"), headers.get("last-modified")
        return FetchResponse(
            url=url,
            status=304 if status == 304 else 200,
            body=body,
            headers=headers,
            etag=etag,
            last_modified=last_modified,
            permanent_redirect=moved,
        )


def _read_body(response: requests.Response, url: str, limit: int) -> bytes:
    """The decoded body, refused as soon as it passes ``limit`` bytes (before or after
    decoding), or when its compressed stream stops before its end."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLargeError(
            f"{redact(url)} declares {int(declared)} bytes, over the {limit}-byte cap"
        )
    decoder = BodyDecoder(response.headers.get("content-encoding", ""), limit)
    chunks: list[bytes] = []
    received = total = 0
    try:
        for raw in response.raw.stream(_CHUNK, decode_content=False):
            received += len(raw)
            chunk = decoder.feed(raw)
            total += len(chunk)
            if total > limit or received > limit:
                raise ResponseTooLargeError(f"{redact(url)} sent more than the {limit}-byte cap")
            chunks.append(chunk)
        decoder.finish()
    except DecodeError as error:
        raise FetchError(f"{redact(url)} sent an invalid compressed body: {error}") from error
    return b"".join(chunks)


def _status_error(response: requests.Response, url: str, now: datetime) -> HTTPStatusError:
    """The error for a status we cannot use (410 → GoneError)."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("retry-after"), now)
    where = redact(url)
    if status == 410:
        return GoneError(f"{where} is gone (HTTP 410)", status=status, retry_after=retry_after)
    reason = f" {response.reason}" if response.reason else ""
    return HTTPStatusError(
        f"{where} answered HTTP {status}{reason}", status=status, retry_after=retry_after
    )


def _deadline(url: str, watchdog: _Watchdog) -> DeadlineExceededError:
    return DeadlineExceededError(
        f"fetching {redact(url)} took longer than the {watchdog.seconds:g}-second deadline"
    )


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and everything it wraps (causes, contexts, urllib3 reasons, args)."""
    found: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop(0)
        if current in found:
            continue
        found.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(current.args)
        pending.extend(item for item in linked if isinstance(item, BaseException))
    return found


_PROBLEMS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (
        (urllib3.exceptions.NameResolutionError, socket.gaierror),
        "could not resolve the host of {url}",
    ),
    (ConnectionRefusedError, "the connection to {url} was refused"),
    (http.client.RemoteDisconnected, "{url} closed the connection without sending a response"),
    (ConnectionResetError, "the connection to {url} was reset"),
    (
        (TimeoutError, urllib3.exceptions.ReadTimeoutError, requests.Timeout),
        "{url} timed out (no data within the socket timeout)",
    ),
    (
        (http.client.IncompleteRead, urllib3.exceptions.IncompleteRead),
        "the body from {url} was truncated (shorter than announced)",
    ),
    (http.client.LineTooLong, "{url} sent a status or header line that is too long"),
    (http.client.BadStatusLine, "{url} did not send a valid HTTP status line"),
    (http.client.HTTPException, "{url} sent a malformed response ({detail})"),
    (requests.exceptions.SSLError, "the TLS handshake with {url} failed"),
)


def _translate(error: BaseException, url: str, watchdog: _Watchdog) -> FetchError:
    """Our exception for a requests/urllib3/socket error (the caller chains ``from``)."""
    if watchdog.expired:
        return _deadline(url, watchdog)
    causes = _causes(error)
    for kinds, message in _PROBLEMS:
        found = next((cause for cause in causes if isinstance(cause, kinds)), None)
        if found is not None:
            return FetchError(message.format(url=redact(url), detail=str(found)[:80]))
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
        return BlockedURLError(f"{redact(url)} is not a usable http(s) URL")
    return FetchError(f"fetching {redact(url)} failed ({type(causes[-1]).__name__})")
