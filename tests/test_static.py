"""The static-file app, over real HTTP (waitress on 127.0.0.1, port 0).

Requests go through ``http.client`` (or a raw socket) so nothing normalises ``..`` or
adds an ``Accept-Encoding`` the test did not ask for.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest

from copro_feeds._serve import Server
from copro_feeds._static import MEDIA_TYPES, make_app, media_type

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
