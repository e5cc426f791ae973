"""A threaded HTTP server on 127.0.0.1 that serves a benchmark corpus like real blogs do.

Every feed has an ETag and a Last-Modified date; a matching ``If-None-Match`` (or, without
one, ``If-Modified-Since``) gets a 304; a client that accepts gzip gets the pre-compressed
body. Each response is written with one ``send`` and Nagle is off, so keep-alive
connections never stall on delayed ACKs. Controls between rounds:

* :meth:`CorpusServer.change` — change a fraction of the feeds (1-3 new posts on top of
  the old ones, chosen deterministically from the seed and the round);
* :attr:`CorpusServer.ignore_conditional` — answer 200 with the identical body even when
  the client's validators match;
* :attr:`CorpusServer.latency` — seconds to wait before each response.

The feeds are spread over several listening ports (``hosts``): clients that limit
connections per host (copro_feeds allows two) then see many hosts, as a hub of blogs does.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import corpus

_LAST_MODIFIED = format_datetime(corpus.EPOCH, usegmt=True)


@dataclass(frozen=True, slots=True)
class Document:
    """One feed as served: its body (plain and gzipped) and validators."""

    body: bytes
    gzipped: bytes
    etag: str
    last_modified: str
    content_type: str


def document(body: bytes, gzipped: bytes, content_type: str, last_modified: str) -> Document:
    """A served document; its ETag is a hash of the body."""
    etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
    return Document(body, gzipped, etag, last_modified, content_type)


class _Handler(BaseHTTPRequestHandler):
    """GET one feed; 304 when the validators match; gzip when accepted."""

    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True
    server: _PortServer

    def do_GET(self) -> None:
        owner = self.server.owner
        if owner.latency:
            time.sleep(owner.latency)
        found = owner.lookup(self.path)
        if found is None:
            self._respond(404, [("Content-Type", "text/plain")], b"not found\n")
            return
        validators = [("ETag", found.etag), ("Last-Modified", found.last_modified)]
        if not owner.ignore_conditional and self._matches(found):
            self._respond(304, validators, b"")
            return
        headers = [("Content-Type", found.content_type), *validators]
        body = found.body
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            headers.append(("Content-Encoding", "gzip"))
            body = found.gzipped
        self._respond(200, [*headers, ("Vary", "Accept-Encoding")], body)

    def _matches(self, found: Document) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return found.etag in [tag.strip() for tag in tags.split(",")] or tags.strip() == "*"
        return self.headers.get("If-Modified-Since") == found.last_modified

    def _respond(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """Status line, headers and body in one write."""
        lines = [f"HTTP/1.1 {status} {self.responses[status][0]}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + body)
        self.server.owner.count(status, len(body))

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: thousands of requests per round."""


class _PortServer(ThreadingHTTPServer):
    """One listening port of a :class:`CorpusServer`."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, owner: CorpusServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class CorpusServer:
    """Serves a built corpus folder on ``hosts`` ports of 127.0.0.1 (use as a context manager)."""

    def __init__(self, folder: Path, *, hosts: int = 50) -> None:
        counts = corpus.stats(folder)
        self.folder = folder
        self.seed = int(counts["seed"])
        self.style = str(counts["style"])
        self.size = int(counts["feeds"])
        self.latency = 0.0
        self.ignore_conditional = False
        self.statuses: Counter[int] = Counter()
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._ports = [_PortServer(self) for _ in range(max(1, min(hosts, self.size)))]
        self._threads: list[threading.Thread] = []
        self._generation = [0] * self.size
        kinds = corpus.kinds(folder)
        self._original = [self._load(index, kind) for index, kind in enumerate(kinds)]
        self._documents = list(self._original)

    def __enter__(self) -> CorpusServer:
        for port in self._ports:
            thread = threading.Thread(target=port.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for port in self._ports:
            port.shutdown()
            port.server_close()
        for thread in self._threads:
            thread.join()

    def _load(self, index: int, kind: str) -> Document:
        return document(
            (self.folder / f"{index}.xml").read_bytes(),
            (self.folder / f"{index}.xml.gz").read_bytes(),
            corpus.content_type(kind),
            _LAST_MODIFIED,
        )

    def urls(self) -> list[str]:
        """The URL of every feed, in corpus order (feed i is on port i mod hosts)."""
        return [self.url(index) for index in range(self.size)]

    def url(self, index: int) -> str:
        """The URL of feed ``index``."""
        port = self._ports[index % len(self._ports)].server_address[1]
        return f"http://127.0.0.1:{port}{corpus.feed_path(index)}"

    def lookup(self, path: str) -> Document | None:
        """The document served at ``path``, if any."""
        name = path.removeprefix("/feeds/").removesuffix(".xml")
        if not name.isdigit() or int(name) >= self.size:
            return None
        return self._documents[int(name)]

    def count(self, status: int, size: int) -> None:
        """Record one response."""
        with self._lock:
            self.statuses[status] += 1
            self.bytes_sent += size

    def take_counts(self) -> dict[str, int]:
        """Responses per status and bytes sent since the last call; reset them."""
        with self._lock:
            counts = {str(status): n for status, n in sorted(self.statuses.items())}
            counts["bytes"] = self.bytes_sent
            self.statuses.clear()
            self.bytes_sent = 0
        return counts

    def reset(self) -> None:
        """Serve the corpus as built: no changes, conditional requests honoured, no latency."""
        self._documents = list(self._original)
        self._generation = [0] * self.size
        self.ignore_conditional = False

    def change(self, fraction: float, round_number: int) -> list[int]:
        """Change ``fraction`` of the feeds (the same ones for the same round); return them.

        Each changed feed gets 1-3 new posts on top of its old ones (as many of the oldest
        drop off; the rest are unchanged), a new ETag and a new Last-Modified date.
        """
        rng = random.Random(f"{self.seed}:round:{round_number}")
        chosen = sorted(rng.sample(range(self.size), round(self.size * fraction)))
        modified = format_datetime(corpus.EPOCH + timedelta(hours=round_number), usegmt=True)
        for index in chosen:
            self._generation[index] += 1
            feed = corpus.changed_feed(
                corpus.make_feed(self.seed, index, self.style),
                self.seed,
                self._generation[index],
                self.style,
            )
            body = corpus.render(feed, "http://feeds.invalid" + corpus.feed_path(index))
            self._documents[index] = document(
                body, corpus.gzipped(body), corpus.content_type(feed.kind), modified
            )
        return chosen
