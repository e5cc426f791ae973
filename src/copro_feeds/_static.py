"""The published folder as a WSGI app: a small, strict static-file server.

GET and HEAD only; correct feed media types; ``ETag`` (a digest of the bytes) and
``Last-Modified`` with ``304`` answers; gzip for text when the client accepts it; no
directory listings, no hidden or temporary files (any segment starting with ``.``, so
``.copro-tmp-*`` too) and nothing outside the folder, whatever the path, its
percent-encoding or a symlink says. Other paths (``/healthz``, ``/metrics``) can be routed
to WSGI apps of the caller's (``routes``). Plain WSGI: :mod:`copro_feeds._serve` runs it
with waitress.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterable, Mapping
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path, PurePath
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

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
