"""Serve the published folder over HTTP with waitress (the only module using it).

The files are answered by :func:`copro_feeds._static.make_app`. Slow and idle clients
cannot starve the others (see :class:`Limits`): the request line, headers and any body
must arrive within a deadline of the connection opening (or of the request's first byte
on a kept-alive connection), whether or not the client keeps trickling bytes; a
connection with nothing to do is closed after an idle timeout; and at the connection
limit a new connection takes the place of the one that has waited longest on its client
(for a request's bytes, or to read its answer; never one whose request is being
answered), so a crowd of slow connections cannot keep a quick client out. A port that
cannot be used is a :class:`ServeError` naming the address and the problem.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from wsgiref.types import WSGIApplication

from waitress import wasyncore  # type: ignore[import-untyped, unused-ignore]
from waitress.adjustments import Adjustments  # type: ignore[import-untyped, unused-ignore]
from waitress.channel import HTTPChannel  # type: ignore[import-untyped, unused-ignore]
from waitress.server import TcpWSGIServer  # type: ignore[import-untyped, unused-ignore]
from waitress.task import ThreadedTaskDispatcher  # type: ignore[import-untyped, unused-ignore]

from copro_feeds._static import make_app
from copro_feeds.exceptions import ServeError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """How the server shares itself out; the defaults suit a public feed server.

    ``request_seconds``: the request line, headers and any body must all arrive within
    this many seconds of the connection opening (the first request) or of the request's
    first byte (later requests on a kept-alive connection), however steadily they
    trickle. ``idle_seconds``: a connection with no request under way, or whose client
    reads nothing of its answer, is closed after this long. ``connections``: open
    connections per listening address; at the limit, a new connection takes the place of
    the one that has waited longest on its client (for a request, or to read its answer;
    never one whose request is being answered). ``threads``
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
        """Since when it has waited for its client: for the request's bytes, or for any
        progress (idle, or sending an answer the client is slow to read); None while a
        request is being answered, or when it is already closing."""
        if self.requests or self.will_close:
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
    slow clients (see :class:`Limits`). Without a ``directory``, ``app`` (a WSGI app of the
    caller's, such as the staff web app) answers every request instead. A request from
    ``trusted_proxy`` (a reverse proxy's address) has its ``X-Forwarded-For`` (last hop)
    and ``X-Forwarded-Proto`` believed; from anyone else, forwarded headers are dropped.
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        cache_seconds: int = 300,
        routes: Mapping[str, WSGIApplication] | None = None,
        limits: Limits | None = None,
        app: WSGIApplication | None = None,
        trusted_proxy: str | None = None,
    ) -> None:
        self.directory = directory
        self._trusted_proxy = trusted_proxy
        if directory is not None and app is None:
            self._app = make_app(directory, cache_seconds=cache_seconds, routes=routes)
        elif app is not None and directory is None:
            self._app = app
        else:
            raise ValueError("serve a directory or an app, not both or neither")
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
            if not 0 <= self._port <= 65535:  # the OS would silently wrap 70000 to 4464
                raise ValueError("a port is a number from 0 to 65535")
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
                trusted_proxy=self._trusted_proxy,
                trusted_proxy_headers="x-forwarded-for x-forwarded-proto"
                if self._trusted_proxy
                else "",
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
        for channel in list(self._map.values()):
            if isinstance(channel, HTTPChannel):
                channel.handle_close()  # its buffers too: a big answer's temporary file
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
    directory: Path | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    routes: Mapping[str, WSGIApplication] | None = None,
    app: WSGIApplication | None = None,
    limits: Limits | None = None,
    trusted_proxy: str | None = None,
) -> None:
    """Serve ``directory`` (or ``app``, see :class:`Server`) until SIGINT/SIGTERM (main
    thread) or ``stop`` is set.

    ``ready`` is called with the base URL once the socket listens (useful with port 0);
    ``routes`` answer their paths (see :func:`make_app`).
    """
    server = Server(
        directory,
        host=host,
        port=port,
        routes=routes,
        app=app,
        limits=limits,
        trusted_proxy=trusted_proxy,
    )
    url = server.bind()
    log.info("serving %s at %s", directory or "the staff web app", url)
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
