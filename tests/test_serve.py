"""The static server: real HTTP against waitress on 127.0.0.1, port 0.

Requests go through ``http.client`` (or a raw socket) so nothing normalises ``..`` or
adds an ``Accept-Encoding`` the test did not ask for.
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest

from copro_feeds._serve import MEDIA_TYPES, Limits, Server, make_app, media_type, serve
from copro_feeds.exceptions import ServeError

DOCS = Path(__file__).resolve().parent.parent / "docs"
SECRET = "TOP-SECRET-7f3a9c"
ATOM = b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
ATOM += b"<title>Partners</title>" * 50 + b"</feed>\n"

FILES = {
    "index.html": b"<!doctype html><title>Home</title>",
    "atom.xml": ATOM,
    "rss.xml": b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
    "feed.json": b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
    "sitemap.xml": b"<urlset/>",
    "digest.xml": b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Roundup</title></feed>',
    "digest/index.html": b"<title>Roundups</title>",
    "sources.opml": b'<opml version="2.0"/>',
    "feed.xsl": b"<xsl:stylesheet/>",
    "style.css": b"body { color: black }",
    "logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "icon.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    "notes.bin": b"\x00\x01\x02",
    "sources/scope/atom.xml": b"<feed>scope</feed>",
    "sources/scope/rss.xml": b"<rss>scope</rss>",
    "sources/scope/feed.json": b'{"items": ["scope"]}',
    "sources/index.html": b"<title>All sources</title>",
    "tags/news/atom.xml": b"<feed>news</feed>",
    "sub/page.html": b"<p>page</p>",
    ".hidden": SECRET.encode(),
    ".copro-tmp-abc": SECRET.encode(),
    "sources/scope/.copro-tmp-xyz": SECRET.encode(),
    ".git/config": SECRET.encode(),
    "copro_feeds.sqlite3": SECRET.encode(),
    "archive.bak": b"SQLite format 3\x00" + SECRET.encode(),
}


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes


def fetch(
    base: str, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> Reply:
    """One request exactly as written: no path normalisation, no implicit Accept-Encoding."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def raw(base: str, request: bytes) -> bytes:
    """Send raw bytes and read the whole answer (the request must ask to close)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_text(SECRET)
    public = tmp_path / "public"
    for name, content in FILES.items():
        path = public / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (public / "empty").mkdir()
    (public / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (public / "sub" / "leak.html").symlink_to(tmp_path / "secret.txt")
    (public / "outside").symlink_to(tmp_path, target_is_directory=True)
    (public / "hidden-link").symlink_to(public / ".hidden")
    (public / "atom-link.xml").symlink_to(public / "atom.xml")
    return public


@pytest.fixture
def base(site: Path) -> Iterator[str]:
    server = Server(site)
    url = server.start()
    yield url
    server.stop()


# --- media types -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/feed.json", "application/feed+json; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/digest.xml", "application/atom+xml; charset=utf-8"),
        ("/digest/index.html", "text/html; charset=utf-8"),
        ("/sources.opml", "text/x-opml; charset=utf-8"),
        ("/feed.xsl", "text/xsl; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/logo.png", "image/png"),
        ("/icon.svg", "image/svg+xml"),
        ("/notes.bin", "application/octet-stream"),
        ("/sources/scope/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/sources/scope/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/sources/scope/feed.json", "application/feed+json; charset=utf-8"),
        ("/tags/news/atom.xml", "application/atom+xml; charset=utf-8"),
    ],
)
def test_media_types(base, site, path, expected):
    reply = fetch(base, path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == expected
    assert reply.body == (site / path.lstrip("/")).read_bytes()
    assert reply.headers["Content-Length"] == str(len(reply.body))


def test_every_published_file_is_served_with_its_documented_media_type():
    """docs/outputs.md's table is the promise: each file named there gets its media type."""
    table = (DOCS / "outputs.md").read_text(encoding="utf-8").split("## ", 1)[0]
    rows = re.findall(r"^\| (.+) \| .+ \| (.+) \|$", table, flags=re.MULTILINE)
    documented: dict[str, str] = {}
    for paths, kind in rows[1:]:  # the header row first
        for path in re.findall(r"`([^`]+)`", paths):
            name = PurePosixPath(path).name
            # "as above": the same file name was given its type in an earlier row
            documented[name] = documented[name] if kind == "as above" else kind.strip("`")
    assert {"atom.xml", "rss.xml", "feed.json", "digest.xml", "sources.opml"} <= set(documented)
    for name, kind in documented.items():
        assert media_type(name).split(";")[0] == kind, name


def test_media_type_table_and_lookup():
    assert MEDIA_TYPES["atom.xml"].startswith("application/atom+xml")
    assert media_type("ATOM.XML") == "application/atom+xml; charset=utf-8"
    assert media_type("other.json") == "application/octet-stream"
    assert media_type("README") == "application/octet-stream"


# --- common headers, methods --------------------------------------------------------------


def test_cache_control_and_nosniff(base):
    for path in ("/atom.xml", "/logo.png", "/missing.xml"):
        reply = fetch(base, path)
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert fetch(base, "/atom.xml").headers["Cache-Control"] == "public, max-age=300"


def test_cache_seconds_is_configurable(site):
    server = Server(site, cache_seconds=42)
    url = server.start()
    try:
        assert fetch(url, "/rss.xml").headers["Cache-Control"] == "public, max-age=42"
    finally:
        server.stop()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(base, method):
    reply = fetch(base, "/atom.xml", method=method)
    assert reply.status == 405
    assert reply.headers["Allow"] == "GET, HEAD"
    assert ATOM not in reply.body


def test_head_sends_headers_without_body(base):
    get = fetch(base, "/atom.xml")
    head = fetch(base, "/atom.xml", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"):
        assert head.headers[name] == get.headers[name]
    # On the wire, too: nothing follows the headers.
    answer = raw(base, b"HEAD /atom.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head_part, _, rest = answer.partition(b"\r\n\r\n")
    assert head_part.startswith(b"HTTP/1.1 200")
    assert f"Content-Length: {len(ATOM)}".encode() in head_part
    assert rest == b""


# --- index and directories ---------------------------------------------------------------


def test_root_serves_index(base):
    reply = fetch(base, "/")
    assert reply.status == 200
    assert reply.body == FILES["index.html"]
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"


def test_trailing_slash_maps_to_index(base):
    assert fetch(base, "/sources/").body == FILES["sources/index.html"]


def test_root_without_index_is_404(site):
    (site / "index.html").unlink()
    server = Server(site)
    url = server.start()
    try:
        reply = fetch(url, "/")
        assert reply.status == 404
        assert b"atom.xml" not in reply.body
    finally:
        server.stop()


@pytest.mark.parametrize("path", ["/sub/", "/sub", "/empty/", "/empty", "/tags/", "/nope.xml"])
def test_directories_are_never_listed(base, path):
    reply = fetch(base, path)
    assert reply.status == 404
    assert b"page.html" not in reply.body
    assert b"news" not in reply.body


# --- ETag, Last-Modified, 304 -----------------------------------------------------------


def test_etag_and_last_modified(base, site):
    reply = fetch(base, "/atom.xml")
    etag = reply.headers["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert len(etag) > 10
    modified = time.gmtime((site / "atom.xml").stat().st_mtime)
    assert reply.headers["Last-Modified"] == time.strftime("%a, %d %b %Y %H:%M:%S GMT", modified)
    assert fetch(base, "/rss.xml").headers["ETag"] != etag


@pytest.mark.parametrize(
    "header",
    ["{etag}", '"nope", {etag}', '"a",{etag} , "b"', "*", "W/{etag}", 'W/"x", W/{etag}'],
)
def test_if_none_match_gives_304(base, header):
    etag = fetch(base, "/atom.xml").headers["ETag"]
    reply = fetch(base, "/atom.xml", headers={"If-None-Match": header.format(etag=etag)})
    assert reply.status == 304
    assert reply.body == b""
    assert reply.headers["ETag"] == etag
    assert reply.headers["Cache-Control"] == "public, max-age=300"


def test_if_none_match_mismatch_gives_200(base):
    reply = fetch(base, "/atom.xml", headers={"If-None-Match": '"other", W/"stale"'})
    assert reply.status == 200
    assert reply.body == ATOM


def test_if_modified_since(base):
    last_modified = fetch(base, "/atom.xml").headers["Last-Modified"]
    assert fetch(base, "/atom.xml", headers={"If-Modified-Since": last_modified}).status == 304
    old = "Sat, 01 Jan 2000 00:00:00 GMT"
    assert fetch(base, "/atom.xml", headers={"If-Modified-Since": old}).status == 200
    garbage = fetch(base, "/atom.xml", headers={"If-Modified-Since": "yesterday"})
    assert garbage.status == 200


def test_if_none_match_wins_over_if_modified_since(base):
    last_modified = fetch(base, "/atom.xml").headers["Last-Modified"]
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    assert fetch(base, "/atom.xml", headers=headers).status == 200


def test_atomic_replace_changes_etag(base, site):
    target = site / "atom.xml"
    before = target.stat()
    old_etag = fetch(base, "/atom.xml").headers["ETag"]
    temp = site / ".copro-tmp-atom"
    temp.write_bytes(ATOM.replace(b"Partners", b"Partnerz"))  # same size
    os.utime(temp, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime
    os.replace(temp, target)
    reply = fetch(base, "/atom.xml", headers={"If-None-Match": old_etag})
    assert reply.status == 200
    assert b"Partnerz" in reply.body
    assert reply.headers["ETag"] != old_etag


# --- gzip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br", "br;q=1, gzip;q=0.5", "*"])
def test_gzip_when_accepted(base, accept):
    plain = fetch(base, "/atom.xml")
    reply = fetch(base, "/atom.xml", headers={"Accept-Encoding": accept})
    assert reply.status == 200
    assert reply.headers["Content-Encoding"] == "gzip"
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(reply.body) == ATOM
    assert len(reply.body) < len(ATOM)
    assert reply.headers["Content-Length"] == str(len(reply.body))
    assert reply.headers["ETag"] != plain.headers["ETag"]
    assert reply.headers["ETag"].endswith('-gzip"')


@pytest.mark.parametrize("accept", [None, "gzip;q=0", "identity", "br", "*;q=0", "gzip;q=0, *"])
def test_no_gzip_unless_accepted(base, accept):
    headers = {} if accept is None else {"Accept-Encoding": accept}
    reply = fetch(base, "/atom.xml", headers=headers)
    assert reply.status == 200
    assert "Content-Encoding" not in reply.headers
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert reply.body == ATOM


def test_binary_files_are_not_gzipped(base):
    reply = fetch(base, "/logo.png", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in reply.headers
    assert reply.body == FILES["logo.png"]


def test_gzip_variant_revalidates(base):
    gzip_etag = fetch(base, "/atom.xml", headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    headers = {"Accept-Encoding": "gzip", "If-None-Match": gzip_etag}
    assert fetch(base, "/atom.xml", headers=headers).status == 304
    # The same tag does not validate the identity representation.
    assert fetch(base, "/atom.xml", headers={"If-None-Match": gzip_etag}).status == 200


# --- security ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../etc/passwd",
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/sub/..%5c..%5csecret.txt",
        "/sub/..\\..\\secret.txt",
        "//etc/passwd",
        "//secret.txt",
        "/%2fetc/passwd",
        "/secret.txt%00.xml",
        "/leak.txt",
        "/sub/leak.html",
        "/outside/secret.txt",
        "/outside/",
        "/./atom.xml",
    ],
)
def test_no_escape_from_the_folder(base, path):
    reply = fetch(base, path)
    assert reply.status in (400, 404)
    assert SECRET.encode() not in reply.body


@pytest.mark.parametrize(
    "target", [b"../secret.txt", b"/..//../secret.txt", b"http://x/../secret.txt", b"*"]
)
def test_raw_request_targets_never_escape(base, target):
    answer = raw(base, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert not answer.startswith(b"HTTP/1.1 200")
    assert SECRET.encode() not in answer


def test_encoded_separators_are_bad_requests(base):
    assert fetch(base, "/sub%2fpage.html").status == 400
    assert fetch(base, "/sub%5Cpage.html").status == 400
    assert fetch(base, "/sub/page.html").status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/.hidden",
        "/.copro-tmp-abc",
        "/sources/scope/.copro-tmp-xyz",
        "/.git/config",
        "/%2ehidden",
        "/hidden-link",
        "/copro_feeds.sqlite3",
        "/archive.bak",
    ],
)
def test_hidden_temporary_and_database_files_are_404(base, path):
    reply = fetch(base, path)
    assert reply.status == 404
    assert SECRET.encode() not in reply.body


def test_symlink_inside_the_folder_is_served(base):
    reply = fetch(base, "/atom-link.xml")
    assert reply.status == 200
    assert reply.body == ATOM


def test_make_app_is_plain_wsgi(site):
    app = make_app(site)
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/feed.json", "REQUEST_URI": "/feed.json"}
    body = b"".join(
        app(environ, lambda status, headers, exc_info=None: seen.append((status, headers)))
    )
    assert seen[0][0] == "200 OK"
    assert body == FILES["feed.json"]


# --- running it -------------------------------------------------------------------------------


def test_server_stop_closes_the_port(site):
    server = Server(site)
    url = server.start()
    assert fetch(url, "/rss.xml").status == 200
    server.stop()
    parts = urlsplit(url)
    with pytest.raises(OSError), socket.create_connection((parts.hostname, parts.port), 1):
        pass


def test_port_in_use_raises_and_leaves_nothing_running(site, base):
    before = threading.active_count()
    port = urlsplit(base).port
    with pytest.raises(
        ServeError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: the address is already in use"
    ):
        Server(site, port=port or 0).start()
    assert threading.active_count() == before
    assert fetch(base, "/rss.xml").status == 200


def test_serve_in_a_thread_with_ready_and_stop(site, caplog):
    caplog.set_level(logging.INFO, logger="copro_feeds")
    urls: list[str] = []
    ready = threading.Event()
    stop = threading.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=serve, args=(site,), kwargs={"port": 0, "ready": on_ready, "stop": stop}
    )
    thread.start()
    try:
        assert ready.wait(5)
        assert urls[0].startswith("http://127.0.0.1:")
        assert not urls[0].endswith(":0/")
        assert fetch(urls[0], "/atom.xml").body == ATOM
        assert f"serving {site} at {urls[0]}" in caplog.text
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_serve_stops_on_sigterm(site):
    code = (
        "import sys\nfrom pathlib import Path\nfrom copro_feeds._serve import serve\n"
        "serve(Path(sys.argv[1]), port=0, ready=lambda url: print(url, flush=True))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(site)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert fetch(url, "/rss.xml").body == FILES["rss.xml"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# --- slow and idle clients -----------------------------------------------------------------


class Tricklers:
    """Real sockets that each send a request line, then one header line every ``every`` s,
    never finishing the request (a "slowloris" client)."""

    def __init__(self, url: str, count: int, every: float = 1.0) -> None:
        parts = urlsplit(url)
        self.sockets = [
            socket.create_connection((parts.hostname, parts.port), timeout=5) for _ in range(count)
        ]
        self.every = every
        self.sent_lines = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle)
        for sock in self.sockets:
            sock.sendall(b"GET /atom.xml HTTP/1.1\r\n")
        self._thread.start()

    def _trickle(self) -> None:
        line = 0
        while not self._stop.wait(self.every):
            line += 1
            for sock in self.sockets:
                try:
                    sock.sendall(f"X-Slow-{line}: 1\r\n".encode())
                    self.sent_lines += 1
                except OSError:  # closed by the server: that is the point
                    continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for sock in self.sockets:
            sock.close()


def timed_fetch(url: str, path: str) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = fetch(url, path)
    return reply, time.monotonic() - started


def closed_by_server(sock: socket.socket, within: float) -> float | None:
    """Seconds until the server closes ``sock`` (reading whatever it sends), or None."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < within:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
    return None


def test_slow_clients_cannot_starve_a_quick_one(site):
    """Issue 10 item 8: 250 connections trickling a header line a second (more than the
    default connection limit of 200, from the same address as the quick client) used to
    stop the server answering anyone. With the default limits a quick client is answered
    at once, again and again, while the tricklers keep at it."""
    server = Server(site)  # the defaults, as `copro-feeds serve` uses them
    url = server.start()
    listener = server._listeners[0]
    tricklers = Tricklers(url, count=250)
    try:
        deadline = time.monotonic() + 30
        while len(listener.active_channels) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(listener.active_channels) == 200  # the attack fills every slot
        timings = []
        for _ in range(5):
            reply, seconds = timed_fetch(url, "/atom.xml")
            assert reply.status == 200
            assert reply.body == ATOM
            timings.append(seconds)
            time.sleep(0.5)
        assert tricklers.sent_lines > 0  # they were still trickling all along
        assert max(timings) < 3.0, timings  # typically a few milliseconds
    finally:
        tricklers.close()
        server.stop()


def test_a_trickled_request_is_cut_at_the_deadline(site):
    server = Server(site, limits=Limits(request_seconds=1.0))
    url = server.start()
    tricklers = Tricklers(url, count=3, every=0.2)
    try:
        for sock in tricklers.sockets:
            closed = closed_by_server(sock, within=10)
            assert closed is not None  # closed though it never stopped sending
        assert tricklers.sent_lines >= 3
        assert fetch(url, "/rss.xml").status == 200
    finally:
        tricklers.close()
        server.stop()


def test_a_silent_connection_is_closed_at_the_request_deadline(site):
    server = Server(site, limits=Limits(request_seconds=1.0, idle_seconds=60))
    url = server.start()
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            closed = closed_by_server(sock, within=10)
            assert closed is not None
            assert closed >= 0.9
    finally:
        server.stop()


def test_kept_alive_connection_idles_then_closes(site):
    """The deadline runs per request (from its first byte); idleness has its own limit."""
    server = Server(site, limits=Limits(request_seconds=1.0, idle_seconds=3.0))
    url = server.start()
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.request("GET", "/rss.xml")
        assert conn.getresponse().read() == FILES["rss.xml"]
        time.sleep(1.8)  # longer than the request deadline, shorter than the idle limit
        conn.request("GET", "/atom.xml")
        assert conn.getresponse().read() == ATOM
        assert conn.sock is not None
        closed = closed_by_server(conn.sock, within=15)
        assert closed is not None
        assert closed >= 2.5
    finally:
        conn.close()
        server.stop()


def test_connections_being_answered_keep_their_place(site):
    """At the limit a newcomer waits (in the backlog) rather than cut off an answer."""
    release = threading.Event()

    def slow(environ, start_response):
        release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
        return [b"done"]

    server = Server(site, routes={"/slow": slow}, limits=Limits(connections=2))
    url = server.start()
    results: list[Reply] = []
    slow_clients = [
        threading.Thread(target=lambda: results.append(fetch(url, "/slow"))) for _ in range(2)
    ]
    for thread in slow_clients:
        thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(server._listeners[0].active_channels) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        quick: list[tuple[Reply, float]] = []
        newcomer = threading.Thread(target=lambda: quick.append(timed_fetch(url, "/rss.xml")))
        newcomer.start()
        time.sleep(1.0)
        assert quick == []  # not accepted while both places are being answered
        release.set()
        newcomer.join(10)
        for thread in slow_clients:
            thread.join(10)
        assert [reply.body for reply in results] == [b"done", b"done"]
        assert quick[0][0].status == 200
    finally:
        release.set()
        server.stop()


def test_routes_answer_their_paths(site):
    def hello(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"hi"]

    server = Server(site, routes={"/hello": hello})
    url = server.start()
    try:
        assert fetch(url, "/hello").body == b"hi"
        assert fetch(url, "/hello/").status == 404
        assert fetch(url, "/atom.xml").body == ATOM
    finally:
        server.stop()
