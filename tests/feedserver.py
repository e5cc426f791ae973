"""A real HTTP/1.1 server on 127.0.0.1 for tests: static feeds plus hostile routes.

``serve()`` publishes a static resource with an ETag (quoted sha1 of the body) and a
Last-Modified fixed when it is served, honouring If-None-Match / If-Modified-Since with
304 and, optionally, gzip. ``route()`` hands the raw request handler to the test for
anything hostile (trickling, garbage, resets). Every request is recorded.
"""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server received; ``status`` is 0 when the handler sent none.

    ``client_port`` tells connections apart: requests on one kept-alive connection share it.
    """

    method: str
    path: str
    headers: dict[str, str]
    status: int
    client_port: int = 0


@dataclass(frozen=True, slots=True)
class _Resource:
    body: bytes
    gzipped: bytes | None
    content_type: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server
    sent_status = 0
    recorded = False

    def do_GET(self) -> None:
        self.server.owner.dispatch(self)

    def do_HEAD(self) -> None:
        self.server.owner.dispatch(self)

    def send_response(self, code: int, message: str | None = None) -> None:
        self.sent_status = code
        self.server.owner.record(self)  # before any byte of the answer leaves
        super().send_response(code, message)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the recorded requests are the log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: FeedServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-exchange are normal here; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class FeedServer:
    """A threaded HTTP/1.1 keep-alive server on 127.0.0.1, on a free port."""

    def __init__(self) -> None:
        self._server = _Server(self)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._lock = threading.Lock()
        self._resources: dict[str, _Resource] = {}
        self._routes: dict[str, Handler] = {}
        self.requests: list[RecordedRequest] = []
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FeedServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def serve(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
        etag: bool = True,
        last_modified: bool = True,
        gzip: bool = False,
    ) -> None:
        """Publish a static resource at ``path`` (replacing any earlier one)."""
        resource = _Resource(
            body=body,
            gzipped=gzip_module.compress(body) if gzip else None,
            content_type=content_type,
            status=status,
            headers=dict(headers or {}),
            etag=f'"{hashlib.sha1(body).hexdigest()}"' if etag else None,
            last_modified=formatdate(time.time(), usegmt=True) if last_modified else None,
        )
        with self._lock:
            self._routes.pop(path, None)
            self._resources[path] = resource

    def route(self, path: str, handler: Handler) -> None:
        """Let ``handler`` answer requests for ``path`` however it likes."""
        with self._lock:
            self._resources.pop(path, None)
            self._routes[path] = handler

    def remove(self, path: str) -> None:
        """Forget ``path``: later requests get 404."""
        with self._lock:
            self._resources.pop(path, None)
            self._routes.pop(path, None)

    def hits(self, path: str) -> int:
        """How many requests asked for exactly ``path``."""
        with self._lock:
            return sum(1 for request in self.requests if request.path == path)

    def dispatch(self, handler: _RequestHandler) -> None:
        """Answer one request (called by the handler threads) and record it."""
        handler.recorded, handler.sent_status = False, 0  # one handler serves a keep-alive series
        with self._lock:
            paths = (handler.path, urlsplit(handler.path).path)
            route = next((self._routes[p] for p in paths if p in self._routes), None)
            resource = next((self._resources[p] for p in paths if p in self._resources), None)
        try:
            if route is not None:
                route(handler)
            elif resource is not None:
                _send_resource(handler, resource)
            else:
                _send_plain(handler, 404, b"not found\n")
        except OSError:  # the client went away: a normal end for hostile routes
            handler.close_connection = True
        finally:
            self.record(handler)

    def record(self, handler: _RequestHandler) -> None:
        """Record the request ``handler`` is answering, once (at its status line if any)."""
        if handler.recorded:
            return
        handler.recorded = True
        recorded = RecordedRequest(
            method=handler.command,
            path=handler.path,
            headers={name.lower(): value for name, value in handler.headers.items()},
            status=handler.sent_status,
            client_port=handler.client_address[1],
        )
        with self._lock:
            self.requests.append(recorded)


def _send_plain(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def _not_modified(handler: BaseHTTPRequestHandler, resource: _Resource) -> bool:
    if_none_match = handler.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return resource.etag is not None and ("*" in tags or resource.etag in tags)
    if_modified_since = handler.headers.get("If-Modified-Since")
    if if_modified_since is None or resource.last_modified is None:
        return False
    try:
        return parsedate_to_datetime(if_modified_since) >= parsedate_to_datetime(
            resource.last_modified
        )
    except (TypeError, ValueError):
        return False


def _send_resource(handler: BaseHTTPRequestHandler, resource: _Resource) -> None:
    not_modified = resource.status == 200 and _not_modified(handler, resource)
    accepts_gzip = "gzip" in handler.headers.get("Accept-Encoding", "")
    body = resource.gzipped if resource.gzipped is not None and accepts_gzip else resource.body
    handler.send_response(304 if not_modified else resource.status)
    if resource.etag is not None:
        handler.send_header("ETag", resource.etag)
    if resource.last_modified is not None:
        handler.send_header("Last-Modified", resource.last_modified)
    if not not_modified:
        handler.send_header("Content-Type", resource.content_type)
        handler.send_header("Content-Length", str(len(body)))
        if body is resource.gzipped:
            handler.send_header("Content-Encoding", "gzip")
    if resource.gzipped is not None:
        handler.send_header("Vary", "Accept-Encoding")
    for name, value in resource.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    if not not_modified and handler.command != "HEAD":
        handler.wfile.write(body)
