"""Serve the published folder over HTTP with waitress (the only module using it).

A small, strict static-file WSGI app: GET and HEAD only; correct feed media types;
``ETag`` (a digest of the bytes) and ``Last-Modified`` with ``304`` answers; gzip for
text when the client accepts it; no directory listings, no hidden or temporary files
(any segment starting with ``.``, so ``.copro-tmp-*`` too) and nothing outside the
folder, whatever the path, its percent-encoding or a symlink says.

Slow and idle clients cannot starve the others (see :class:`Limits`): the request line,
headers and any body must arrive within a deadline of the connection opening (or of the
request's first byte on a kept-alive connection), whether or not the client keeps
trickling bytes; a connection with nothing to do is closed after an idle timeout; and
at the connection limit a new connection takes the place of the one that has waited
longest for its request (idle or incomplete; never one being answered), so a crowd of
slow connections cannot keep a quick client out. Other paths (``/healthz``,
``/metrics``) can be routed to WSGI apps of the caller's (``routes``).
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import logging
import os
import re
import signal
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path, PurePath
from types import FrameType
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from waitress import wasyncore  # type: ignore[import-untyped, unused-ignore]
from waitress.adjustments import Adjustments  # type: ignore[import-untyped, unused-ignore]
from waitress.channel import HTTPChannel  # type: ignore[import-untyped, unused-ignore]
from waitress.server import TcpWSGIServer  # type: ignore[import-untyped, unused-ignore]
from waitress.task import ThreadedTaskDispatcher  # type: ignore[import-untyped, unused-ignore]

from copro_feeds.exceptions import ServeError

log = logging.getLogger(__name__)

MEDIA_TYPES: dict[str, str] = {
    # Exact file names first, then suffixes; anything else is application/octet-stream.
    "atom.xml": "application/atom+xml; charset=utf-8",
    "rss.xml": "application/rss+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    "digest.xml": "application/atom+xml; charset=utf-8",  # the roundup feed is Atom too
    ".xml": "application/xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
DEFAULT_MEDIA_TYPE = "application/octet-stream"
INDEX = "index.html"
_ALLOW = "GET, HEAD"
# The store (copro_feeds.sqlite3 by default) and its journals are never served, by name
# or by content, even if someone points storage.path into the published folder.
_PRIVATE_SUFFIXES = (".sqlite", ".sqlite3", ".db", "-wal", "-shm", "-journal")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|00)", re.IGNORECASE)
_ETAG = re.compile(r'(?:W/)?"([^"]*)"')


def media_type(name: str) -> str:
    """The ``Content-Type`` for a file called ``name`` (see :data:`MEDIA_TYPES`)."""
    name = name.lower()
    if name in MEDIA_TYPES:
        return MEDIA_TYPES[name]
    return MEDIA_TYPES.get(PurePath(name).suffix, DEFAULT_MEDIA_TYPE)


def _is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or "xml" in content_type or "json" in content_type


def _accepts_gzip(header: str) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (explicitly, or by ``*``) with q > 0."""
    qualities: dict[str, float] = {}
    for item in header.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            qualities[coding.lower()] = quality
    for coding in ("gzip", "x-gzip", "*"):
        if coding in qualities:
            return qualities[coding] > 0
    return False


def _etag_matches(header: str, etag: str) -> bool:
    """``If-None-Match`` with the weak comparison: ``*``, one tag, or a list."""
    if header.strip() == "*":
        return True
    return etag in _ETAG.findall(header)


def _not_modified_since(header: str, mtime: float) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and int(mtime) <= since.timestamp()


def _segments(environ: WSGIEnvironment) -> list[str] | int:
    """The request path's segments, or the status refusing it (400 or 404)."""
    raw = str(environ.get("REQUEST_URI", "")).split("?", 1)[0]
    path = str(environ.get("PATH_INFO", ""))
    if _ENCODED_SEPARATOR.search(raw) or "\\" in path or "\x00" in path:
        return 400
    segments = path.split("/")
    if segments[-1] == "":
        segments[-1] = INDEX
    # Empty segments (//), ".", "..", hidden and temporary files are never served.
    if segments[0] != "" or any(not part or part.startswith(".") for part in segments[1:]):
        return 404
    return segments[1:]


def _find(root: Path, environ: WSGIEnvironment) -> Path | int:
    """The regular file the request names, inside ``root`` once symlinks are resolved."""
    segments = _segments(environ)
    if isinstance(segments, int):
        return segments
    try:
        target = root.joinpath(*segments).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return 404
    inside = target.is_relative_to(root) and not any(
        part.startswith(".") for part in target.relative_to(root).parts
    )
    private = target.name.lower().endswith(_PRIVATE_SUFFIXES)
    return target if inside and not private and target.is_file() else 404


def _read(path: Path) -> tuple[bytes, os.stat_result] | None:
    """Bytes and status through one descriptor; None unless a regular, non-SQLite file."""
    try:
        with path.open("rb") as file:
            info = os.fstat(file.fileno())
            body = file.read() if stat.S_ISREG(info.st_mode) else None
    except OSError:
        return None
    if body is None or body.startswith(_SQLITE_MAGIC):
        return None
    return body, info


def _not_modified(environ: WSGIEnvironment, etag: str, mtime: float) -> bool:
    """If-None-Match decides when present; otherwise If-Modified-Since."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return _etag_matches(str(if_none_match), etag)
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    return if_modified_since is not None and _not_modified_since(str(if_modified_since), mtime)


def _error(start_response: StartResponse, status: int) -> list[bytes]:
    reason = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
    body = f"{status} {reason}\n".encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
    ]
    if status == 405:
        headers.append(("Allow", _ALLOW))
    start_response(f"{status} {reason}", headers)
    return [body]


def make_app(
    directory: Path,
    *,
    cache_seconds: int = 300,
    routes: Mapping[str, WSGIApplication] | None = None,
) -> WSGIApplication:
    """A WSGI app serving the files under ``directory`` (see the module docstring).

    ``routes`` maps exact paths (``/healthz``) to WSGI apps that answer them instead.
    """
    root = directory.resolve(strict=True)
    cache_control = f"public, max-age={cache_seconds}"
    routed = dict(routes or {})

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        route = routed.get(str(environ.get("PATH_INFO", "")))
        if route is not None:
            return route(environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        target = _find(root, environ) if method in ("GET", "HEAD") else 405
        loaded = _read(target) if isinstance(target, Path) else None
        if not isinstance(target, Path) or loaded is None:
            return _error(start_response, target if isinstance(target, int) else 404)
        body, info = loaded
        content_type = media_type(target.name)
        etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        headers = [
            ("Cache-Control", cache_control),
            ("X-Content-Type-Options", "nosniff"),
            ("Last-Modified", formatdate(info.st_mtime, usegmt=True)),
        ]
        compress = _is_text(content_type) and _accepts_gzip(
            str(environ.get("HTTP_ACCEPT_ENCODING", ""))
        )
        if _is_text(content_type):
            headers.append(("Vary", "Accept-Encoding"))
        if compress:
            etag += "-gzip"
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("ETag", f'"{etag}"'))
        if _not_modified(environ, etag, info.st_mtime):
            start_response("304 Not Modified", headers)
            return []
        if compress:
            body = gzip.compress(body, mtime=0)
        headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [body]

    def logged(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The app, with one access-log line per request: method, path, status."""

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            method = environ.get("REQUEST_METHOD")
            log.info("%s %s %s", method, environ.get("PATH_INFO"), status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return logged


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """How the server shares itself out; the defaults suit a public feed server.

    ``request_seconds``: the request line, headers and any body must all arrive within
    this many seconds of the connection opening (the first request) or of the request's
    first byte (later requests on a kept-alive connection), however steadily they
    trickle. ``idle_seconds``: a connection with no request under way, or whose client
    reads nothing of its answer, is closed after this long. ``connections``: open
    connections per listening address; at the limit, a new connection takes the place of
    the one waiting longest for its request (never one being answered). ``threads``
    answer requests; ``header_bytes`` and ``body_bytes`` cap a request (431 and 413).
    """

    connections: int = 200
    request_seconds: float = 10.0
    idle_seconds: float = 30.0
    threads: int = 4
    header_bytes: int = 32 * 1024
    body_bytes: int = 64 * 1024  # only GET and HEAD are answered: no body is needed


class _Channel(HTTPChannel):  # type: ignore[misc]
    """A waitress connection that remembers when the request it awaits began."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The first request's clock starts at accept: silence counts against it too.
        self.request_began: float | None = self.creation_time

    def received(self, data: bytes) -> bool:
        if self.request is None and self.request_began is None:
            self.request_began = time.time()  # a new request's first byte
        result: bool = super().received(data)
        if self.request is None:  # every byte so far made whole requests
            self.request_began = None
        return result

    def waiting_since(self) -> float | None:
        """Since when it has waited for its client, or None while being answered."""
        if self.requests or self.total_outbufs_len or self.will_close:
            return None
        return self.request_began if self.request_began is not None else self.last_activity


class _Listener(TcpWSGIServer):  # type: ignore[misc]
    """A waitress listening socket with a request deadline and a fair connection limit."""

    channel_class = _Channel
    next_channel_cleanup: float = 0.0

    def __init__(self, *args: Any, request_seconds: float, **kwargs: Any) -> None:
        self.request_seconds = request_seconds
        super().__init__(*args, **kwargs)

    def maintenance(self, now: float) -> None:
        """waitress closes idle connections; this closes those past the request deadline."""
        super().maintenance(now)
        cutoff = now - self.request_seconds
        for channel in list(self.active_channels.values()):
            began = channel.request_began
            if not channel.requests and began is not None and began < cutoff:
                log.debug("closing %s: no whole request within the deadline", channel.addr)
                channel.will_close = True

    def _longest_waiting(self) -> _Channel | None:
        waiting = [
            (since, channel)
            for channel in self.active_channels.values()
            if (since := channel.waiting_since()) is not None
        ]
        return min(waiting, key=lambda pair: pair[0])[1] if waiting else None

    def readable(self) -> bool:
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        full = len(self.active_channels) >= self.adj.connection_limit
        # At the limit, accept only when some connection can give up its place.
        return bool(self.accepting) and (not full or self._longest_waiting() is not None)

    def handle_accept(self) -> None:
        if len(self.active_channels) >= self.adj.connection_limit:
            victim = self._longest_waiting()
            if victim is None:
                return  # every connection is being answered: the new one waits in the backlog
            log.debug("connection limit reached: closing %s, the longest waiting", victim.addr)
            victim.handle_close()
        super().handle_accept()


class Server:
    """waitress serving ``directory``, on a thread (:meth:`start`) or in the caller (:meth:`run`).

    Port 0 picks a free port; :meth:`bind` (called by :meth:`start`) returns the base URL.
    :meth:`stop` is safe from any thread or a signal handler. ``routes`` and
    ``cache_seconds`` are passed to :func:`make_app`; ``limits`` protect the server from
    slow clients (see :class:`Limits`).
    """

    def __init__(
        self,
        directory: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        cache_seconds: int = 300,
        routes: Mapping[str, WSGIApplication] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.directory = directory
        self._app = make_app(directory, cache_seconds=cache_seconds, routes=routes)
        self._host = host
        self._port = port
        self._limits = limits or Limits()
        self._map: dict[int, Any] = {}
        self._listeners: list[_Listener] = []
        self._dispatcher: Any = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def bind(self) -> str:
        """Open the listening socket and return ``http://host:port/``.

        Raises ServeError, naming the address and the problem, when it cannot listen.
        """
        limits = self._limits
        self._dispatcher = ThreadedTaskDispatcher()
        self._dispatcher.set_thread_count(limits.threads)
        try:
            adjustments = Adjustments(
                host=self._host,
                port=self._port,
                ident="copro-feeds",
                threads=limits.threads,
                connection_limit=limits.connections,
                channel_timeout=limits.idle_seconds,
                cleanup_interval=1,  # how often the deadlines are checked
                max_request_header_size=limits.header_bytes,
                max_request_body_size=limits.body_bytes,
                asyncore_use_poll=True,
            )
            adjustments.channel_timeout = limits.idle_seconds  # waitress would make it an int
            for sockinfo in adjustments.listen:
                self._listeners.append(
                    _Listener(
                        self._app,
                        map=self._map,
                        dispatcher=self._dispatcher,
                        adj=adjustments,
                        sockinfo=sockinfo,
                        request_seconds=limits.request_seconds,
                    )
                )
        except (OSError, ValueError) as error:
            self.close()
            raise ServeError(_cannot_listen(self._host, self._port, error)) from error
        except BaseException:
            self.close()
            raise
        first = self._listeners[0]
        host, port = first.effective_host, first.effective_port
        host = f"[{host}]" if ":" in str(host) else host
        self.base_url = f"http://{host}:{port}/"
        return self.base_url

    def run(self, *, until: threading.Event | None = None) -> None:
        """Answer requests until :meth:`stop` (or ``until`` is set), then close every socket."""
        if not self._listeners:
            self.bind()
        try:
            while not self._stopping.is_set() and not (until is not None and until.is_set()):
                wasyncore.loop(timeout=0.1, map=self._map, use_poll=True, count=1)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker threads and close every socket (what :meth:`run` ends with)."""
        if self._dispatcher is not None:
            self._dispatcher.shutdown()
        wasyncore.close_all(self._map)

    def start(self) -> str:
        """Bind, serve on a daemon thread and return the base URL."""
        url = self.bind()
        self._thread = threading.Thread(target=self.run, name="copro-feeds-serve", daemon=True)
        self._thread.start()
        return url

    def stop(self) -> None:
        """Ask the loop to finish; wait for the thread if :meth:`start` made one."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)


_LISTEN_PROBLEMS = {
    errno.EADDRINUSE: "the address is already in use (is another server running there?)",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
    errno.EADDRNOTAVAIL: "this machine has no such address",
}


def _cannot_listen(host: str, port: int, error: Exception) -> str:
    if isinstance(error, socket.gaierror):
        problem = f"cannot resolve the host name ({error.strerror})"
    elif isinstance(error, OSError):
        problem = _LISTEN_PROBLEMS.get(error.errno or 0, error.strerror or str(error))
    else:
        problem = str(error)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"cannot listen on {address}: {problem}"


def serve(
    directory: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    routes: Mapping[str, WSGIApplication] | None = None,
) -> None:
    """Serve ``directory`` until SIGINT/SIGTERM (main thread) or ``stop`` is set.

    ``ready`` is called with the base URL once the socket listens (useful with port 0);
    ``routes`` answer their paths (see :func:`make_app`).
    """
    server = Server(directory, host=host, port=port, routes=routes)
    url = server.bind()
    log.info("serving %s at %s", directory, url)
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():

        def handle(signum: int, frame: FrameType | None) -> None:
            server.stop()

        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, handle)
    try:
        if ready is not None:
            ready(url)
    except BaseException:
        server.close()
        raise
    try:
        server.run(until=stop)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
