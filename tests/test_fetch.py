"""The fetcher against a real HTTP server on 127.0.0.1 (copro_feeds._fetch).

Tests that reach the server allow private networks; tests of the private-network guard
use a fake resolver, or literal loopback addresses, so nothing ever leaves 127.0.0.1.
"""

from __future__ import annotations

import functools
import gzip
import os
import resource
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import brotli
import pytest
import requests

from copro_feeds._fetch import Fetcher
from copro_feeds.config import FetchConfig
from copro_feeds.exceptions import (
    BlockedURLError,
    DeadlineExceededError,
    FetchError,
    GoneError,
    HTTPStatusError,
    ResponseTooLargeError,
)
from tests.feedserver import FeedServer

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
MiB = 1024 * 1024


def _settings(**overrides: object) -> FetchConfig:
    values: dict[str, object] = {"allow_private_networks": True, "timeout": 10.0}
    values.update(overrides)
    return FetchConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(_settings()) as fetcher:
        yield fetcher


@functools.cache
def _gzip_bomb() -> bytes:
    """1 GiB of zeros as 64 gzip members, about 1 MB on the wire."""
    return gzip.compress(bytes(16 * MiB)) * 64


@functools.cache
def _deflate_bomb() -> bytes:
    """64 MiB of zeros as one zlib stream, about 64 KB on the wire."""
    compressor = zlib.compressobj(9)
    return b"".join(compressor.compress(bytes(MiB)) for _ in range(64)) + compressor.flush()


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _raw(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    handler.wfile.write(data)
    handler.wfile.flush()


# --- success, conditional GET, compression ---------------------------------------------


def test_200_returns_body_headers_and_validators(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", FEED, headers={"X-Custom": "yes"})
    result = fetcher.fetch(feed_server.url("/feed"))
    assert result.status == 200
    assert result.body == FEED
    assert result.url == feed_server.url("/feed")
    assert result.headers["x-custom"] == "yes"
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert result.etag is not None and result.etag.startswith('"')
    assert result.last_modified is not None
    assert result.permanent_redirect is None


def test_request_headers_name_us_and_prefer_feeds(feed_server: FeedServer) -> None:
    feed_server.serve("/feed", FEED)
    with Fetcher(_settings(user_agent="settings-agent/1")) as fetcher:
        fetcher.fetch(feed_server.url("/feed"))
        fetcher.fetch(feed_server.url("/feed"), user_agent="source-agent/2")
    first, second = feed_server.requests
    assert first.headers["user-agent"] == "settings-agent/1"
    assert second.headers["user-agent"] == "source-agent/2"
    assert first.headers["accept"].startswith("application/atom+xml")
    assert "text/html;q=0.1" in first.headers["accept"]
    assert first.headers["accept-encoding"] == "gzip, deflate, br"
    assert "if-none-match" not in first.headers
    assert "if-modified-since" not in first.headers


def test_304_with_etag(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", FEED, last_modified=False)
    first = fetcher.fetch(feed_server.url("/feed"))
    second = fetcher.fetch(feed_server.url("/feed"), etag=first.etag)
    assert second.status == 304
    assert second.body == b""
    assert second.etag == first.etag
    assert feed_server.requests[-1].headers["if-none-match"] == first.etag


def test_connections_are_kept_alive_after_a_200_and_a_304(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/feed", FEED)
    feed_server.serve("/other", FEED)
    first = fetcher.fetch(feed_server.url("/feed"))
    assert fetcher.fetch(feed_server.url("/feed"), etag=first.etag).status == 304
    assert fetcher.fetch(feed_server.url("/other")).status == 200
    ports = [request.client_port for request in feed_server.requests]
    assert len(ports) == 3
    assert len(set(ports)) == 1  # one connection, reused


def test_an_error_status_closes_its_connection(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", FEED)
    with pytest.raises(HTTPStatusError):
        fetcher.fetch(feed_server.url("/missing"))
    fetcher.fetch(feed_server.url("/feed"))
    first, second = feed_server.requests
    assert first.client_port != second.client_port  # the unread error body was not reused


def test_304_with_last_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", FEED, etag=False)
    first = fetcher.fetch(feed_server.url("/feed"))
    assert first.etag is None
    second = fetcher.fetch(feed_server.url("/feed"), last_modified=first.last_modified)
    assert second.status == 304
    assert second.last_modified == first.last_modified
    assert feed_server.requests[-1].status == 304


def test_304_without_validators_keeps_the_ones_sent(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    def bare_304(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(304)
        handler.end_headers()

    feed_server.route("/feed", bare_304)
    result = fetcher.fetch(feed_server.url("/feed"), etag='"v1"', last_modified="Mon, 01 Jan 2024")
    assert (result.status, result.etag, result.last_modified) == (304, '"v1"', "Mon, 01 Jan 2024")


def test_changed_body_gets_200_despite_old_etag(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", FEED)
    old = fetcher.fetch(feed_server.url("/feed")).etag
    feed_server.serve("/feed", FEED + b"<!-- new -->")
    result = fetcher.fetch(feed_server.url("/feed"), etag=old)
    assert result.status == 200
    assert result.etag != old


def test_gzip_body_is_decompressed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", FEED, gzip=True)
    result = fetcher.fetch(feed_server.url("/feed"))
    assert result.body == FEED
    assert result.headers["content-encoding"] == "gzip"


def test_deflate_body_is_decompressed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", zlib.compress(FEED), headers={"Content-Encoding": "deflate"})
    assert fetcher.fetch(feed_server.url("/feed")).body == FEED


def test_concurrent_fetches_share_one_fetcher(feed_server: FeedServer, fetcher: Fetcher) -> None:
    for index in range(12):
        feed_server.serve(f"/feed{index}", FEED + str(index).encode())
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(fetcher.fetch, [feed_server.url(f"/feed{i}") for i in range(12)]))
    assert [result.body for result in results] == [FEED + str(i).encode() for i in range(12)]


# --- statuses and Retry-After ---------------------------------------------------------


def test_410_raises_gone(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", b"gone", status=410)
    with pytest.raises(GoneError) as caught:
        fetcher.fetch(feed_server.url("/feed"))
    assert caught.value.status == 410
    assert "410" in str(caught.value)
    assert feed_server.url("/feed") in str(caught.value)


@pytest.mark.parametrize("status", [404, 500, 403])
def test_other_statuses_raise_http_status_error(
    feed_server: FeedServer, fetcher: Fetcher, status: int
) -> None:
    feed_server.serve("/feed", b"nope", status=status)
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(feed_server.url("/feed"))
    assert not isinstance(caught.value, GoneError)
    assert caught.value.status == status
    assert caught.value.retry_after is None
    assert str(status) in str(caught.value)


def _http_date(delta: timedelta) -> str:
    """An HTTP-date ``delta`` from now: call it in the test, not in its parameters (those
    are computed at collection, and go stale when the run is slow)."""
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        ("120", 120, 120),
        ("5", 60, 60),
        ("999999999999", 86400, 86400),
        pytest.param(timedelta(hours=2), 7000, 7200, id="date-in-2-hours"),
        pytest.param(timedelta(days=30), 86400, 86400, id="date-in-30-days"),
        pytest.param(-timedelta(hours=1), 60, 60, id="date-1-hour-ago"),
    ],
)
def test_retry_after_is_parsed_and_clamped(
    feed_server: FeedServer,
    fetcher: Fetcher,
    status: int,
    retry_after: str | timedelta,
    low: int,
    high: int,
) -> None:
    """Delta-seconds, or an HTTP-date (``timedelta``: that far from the moment of the
    request), clamped to [60, 86400] seconds."""
    header = retry_after if isinstance(retry_after, str) else _http_date(retry_after)
    feed_server.serve("/feed", b"slow down", status=status, headers={"Retry-After": header})
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(feed_server.url("/feed"))
    assert caught.value.status == status
    assert caught.value.retry_after is not None
    assert low <= caught.value.retry_after <= high


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("garbage", ["soon", "-5", "1.5", "Mon, 99 Foo 2024"])
def test_unreadable_retry_after_is_none(
    feed_server: FeedServer, fetcher: Fetcher, status: int, garbage: str
) -> None:
    feed_server.serve("/feed", b"slow down", status=status, headers={"Retry-After": garbage})
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(feed_server.url("/feed"))
    assert caught.value.retry_after is None


# --- redirects ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirects_report_the_new_url(
    feed_server: FeedServer, fetcher: Fetcher, status: int
) -> None:
    feed_server.serve("/old", b"", status=status, headers={"Location": "/middle"})
    feed_server.serve("/middle", b"", status=status, headers={"Location": "/new"})
    feed_server.serve("/new", FEED)
    result = fetcher.fetch(feed_server.url("/old"))
    assert result.body == FEED
    assert result.url == feed_server.url("/new")
    assert result.permanent_redirect == feed_server.url("/new")


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirects_are_not_permanent(
    feed_server: FeedServer, fetcher: Fetcher, status: int
) -> None:
    feed_server.serve("/old", b"", status=status, headers={"Location": "/new"})
    feed_server.serve("/new", FEED)
    result = fetcher.fetch(feed_server.url("/old"))
    assert result.body == FEED
    assert result.permanent_redirect is None


def test_one_temporary_hop_makes_the_chain_temporary(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/a", b"", status=301, headers={"Location": "/b"})
    feed_server.serve("/b", b"", status=302, headers={"Location": "/c"})
    feed_server.serve("/c", FEED)
    assert fetcher.fetch(feed_server.url("/a")).permanent_redirect is None


def test_redirect_loop_is_refused(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/a", b"", status=302, headers={"Location": "/b"})
    feed_server.serve("/b", b"", status=302, headers={"Location": "/a"})
    with pytest.raises(BlockedURLError, match="redirect loop"):
        fetcher.fetch(feed_server.url("/a"))
    assert feed_server.hits("/a") == 1


def _chain(server: FeedServer, hops: int) -> None:
    for index in range(hops):
        server.serve(f"/hop{index}", b"", status=302, headers={"Location": f"/hop{index + 1}"})
    server.serve(f"/hop{hops}", FEED)


def test_seven_hops_are_too_many(feed_server: FeedServer, fetcher: Fetcher) -> None:
    _chain(feed_server, 7)
    with pytest.raises(BlockedURLError, match="too many redirects"):
        fetcher.fetch(feed_server.url("/hop0"))
    assert feed_server.hits("/hop6") == 0


def test_five_hops_are_followed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    _chain(feed_server, 5)
    assert fetcher.fetch(feed_server.url("/hop0")).body == FEED


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/feed", "data:text/xml,<rss/>"]
)
def test_redirect_to_other_schemes_is_refused(
    feed_server: FeedServer, fetcher: Fetcher, location: str
) -> None:
    feed_server.serve("/feed", b"", status=302, headers={"Location": location})
    with pytest.raises(BlockedURLError, match="only http"):
        fetcher.fetch(feed_server.url("/feed"))


@pytest.mark.parametrize("location", ["../dir/feed.xml", "feed.xml", "/dir/feed.xml?x=1"])
def test_relative_locations_resolve_against_the_current_url(
    feed_server: FeedServer, fetcher: Fetcher, location: str
) -> None:
    feed_server.serve("/dir/old", b"", status=301, headers={"Location": location})
    feed_server.serve("/dir/feed.xml", FEED)
    result = fetcher.fetch(feed_server.url("/dir/old"))
    assert result.body == FEED
    assert result.url.startswith(feed_server.url("/dir/feed.xml"))


def test_scheme_relative_location(feed_server: FeedServer, fetcher: Fetcher) -> None:
    netloc = feed_server.base_url.removeprefix("http:")
    feed_server.serve("/old", b"", status=308, headers={"Location": f"{netloc}/new"})
    feed_server.serve("/new", FEED)
    assert fetcher.fetch(feed_server.url("/old")).permanent_redirect == feed_server.url("/new")


def test_location_with_credentials_is_refused_and_redacted(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    location = feed_server.base_url.replace("://", "://admin:hunter2@") + "/new"
    feed_server.serve("/old", b"", status=302, headers={"Location": location})
    feed_server.serve("/new", FEED)
    with pytest.raises(BlockedURLError, match="credentials") as caught:
        fetcher.fetch(feed_server.url("/old"))
    assert "hunter2" not in str(caught.value)
    assert "admin" not in str(caught.value)
    assert feed_server.hits("/new") == 0


def test_credentials_in_the_url_never_reach_messages() -> None:
    with socket.socket() as probe:  # bound, not listening: refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with Fetcher(_settings()) as fetcher, pytest.raises(FetchError) as caught:
            fetcher.fetch(f"http://admin:hunter2@127.0.0.1:{port}/feed")
    assert "hunter2" not in str(caught.value)
    assert "***@127.0.0.1" in str(caught.value)


def test_redirect_body_is_never_read(feed_server: FeedServer, fetcher: Fetcher) -> None:
    bomb = _gzip_bomb()
    feed_server.serve(
        "/old",
        bomb,
        status=302,
        content_type="text/html",
        headers={"Location": "/new", "Content-Encoding": "gzip"},
    )
    feed_server.serve("/new", FEED)
    before = _peak_rss_mib()
    started = time.process_time()  # inflating the bomb would take seconds of CPU
    result = fetcher.fetch(feed_server.url("/old"))
    assert time.process_time() - started < 2
    assert _peak_rss_mib() - before < 100
    assert result.body == FEED


# --- size caps and compression bombs --------------------------------------------------


@functools.cache
def _brotli_bomb() -> bytes:
    """1 GiB of zeros as one brotli stream, a few hundred bytes on the wire."""
    return bytes(brotli.compress(bytes(1024 * MiB), quality=5))


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compression_bomb_hits_the_size_cap(feed_server: FeedServer, encoding: str) -> None:
    bomb = {"gzip": _gzip_bomb, "deflate": _deflate_bomb, "br": _brotli_bomb}[encoding]()
    feed_server.serve("/feed", bomb, headers={"Content-Encoding": encoding})
    before = _peak_rss_mib()
    with Fetcher(_settings(max_bytes=MiB)) as fetcher, pytest.raises(ResponseTooLargeError):
        fetcher.fetch(feed_server.url("/feed"))
    assert _peak_rss_mib() - before < 100


def test_body_just_under_the_cap_is_accepted(feed_server: FeedServer) -> None:
    feed_server.serve("/feed", b"x" * 1000, gzip=True)
    with Fetcher(_settings(max_bytes=1000)) as fetcher:
        assert len(fetcher.fetch(feed_server.url("/feed")).body) == 1000
    feed_server.serve("/feed", b"x" * 1001, gzip=True)
    with Fetcher(_settings(max_bytes=1000)) as fetcher, pytest.raises(ResponseTooLargeError):
        fetcher.fetch(feed_server.url("/feed"))


def test_huge_content_length_is_refused_without_reading(feed_server: FeedServer) -> None:
    def huge(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(10 * 1024**3))
        handler.end_headers()
        _raw(handler, b"x" * 1000)
        time.sleep(10)
        handler.close_connection = True

    feed_server.route("/feed", huge)
    started = time.monotonic()
    with Fetcher(_settings()) as fetcher, pytest.raises(ResponseTooLargeError, match="declares"):
        fetcher.fetch(feed_server.url("/feed"))
    assert time.monotonic() - started < 5  # reading the body would wait 10 s


def test_endless_chunked_body_hits_the_size_cap(feed_server: FeedServer) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"x" * 65536
        for _ in range(2000):
            _raw(handler, b"%x\r\n%s\r\n" % (len(chunk), chunk))

    feed_server.route("/feed", endless)
    with Fetcher(_settings(max_bytes=MiB)) as fetcher, pytest.raises(ResponseTooLargeError):
        fetcher.fetch(feed_server.url("/feed"))


# --- the whole-request deadline -------------------------------------------------------


def _trickle(handler: BaseHTTPRequestHandler, prefix: bytes) -> None:
    _raw(handler, prefix)
    for _ in range(40):
        time.sleep(0.5)
        _raw(handler, b"x")
    handler.close_connection = True


@pytest.mark.parametrize(
    "prefix",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",  # a trickling body
        b"HTTP/1.1 200 OK\r\nX-Slow: ",  # trickling headers
    ],
    ids=["body", "headers"],
)
def test_trickling_server_meets_the_deadline(feed_server: FeedServer, prefix: bytes) -> None:
    feed_server.route("/feed", lambda handler: _trickle(handler, prefix))
    started = time.monotonic()
    with Fetcher(_settings(timeout=3.0)) as fetcher, pytest.raises(DeadlineExceededError) as caught:
        fetcher.fetch(feed_server.url("/feed"))
    assert 2 <= time.monotonic() - started < 10  # the server would trickle for 20 s
    assert "3-second deadline" in str(caught.value)


def test_deadline_spans_redirect_hops(feed_server: FeedServer) -> None:
    chain = ["/start", "/hop1", "/hop2", "/hop3"]
    for here, there in zip(chain, [*chain[1:], "/end"], strict=True):
        feed_server.route(here, _redirect_after(1.5, there))
    feed_server.serve("/end", FEED)
    started = time.monotonic()
    with Fetcher(_settings(timeout=2.0)) as fetcher, pytest.raises(DeadlineExceededError):
        fetcher.fetch(feed_server.url("/start"))
    assert time.monotonic() - started < 5  # each hop is under 2 s; the four take 6 s
    assert feed_server.hits("/end") == 0


def test_waiting_for_a_busy_hosts_connection_does_not_use_up_the_deadline(
    feed_server: FeedServer,
) -> None:
    """Two feeds trickle on a host (its two connections busy until their deadline); a
    third feed on the same host waits for a connection, then has its whole deadline."""
    slow = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
    trickling = threading.Semaphore(0)

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        trickling.release()
        _trickle(handler, slow)

    def answer_in_half_a_second(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.5)
        _raw(handler, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(FEED), FEED))

    for path in ("/slow1", "/slow2"):
        feed_server.route(path, trickle)
    feed_server.route("/quick", answer_in_half_a_second)
    with Fetcher(_settings(timeout=2.0)) as fetcher, ThreadPoolExecutor(3) as pool:
        slow_fetches = [
            pool.submit(fetcher.fetch, feed_server.url(p)) for p in ("/slow1", "/slow2")
        ]
        for _ in range(2):  # both connections are taken
            assert trickling.acquire(timeout=10)
        started = time.monotonic()
        quick = pool.submit(fetcher.fetch, feed_server.url("/quick"))
        assert quick.result().body == FEED  # it waited for a connection, then succeeded
        assert time.monotonic() - started >= 1.5  # it really did wait behind the slow ones
        for future in slow_fetches:
            with pytest.raises(DeadlineExceededError):
                future.result()


def _redirect_after(delay: float, location: str) -> Callable[[BaseHTTPRequestHandler], None]:
    def handler(request: BaseHTTPRequestHandler) -> None:
        time.sleep(delay)
        request.send_response(302)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handler


# --- broken servers -------------------------------------------------------------------


def test_connection_refused() -> None:
    # Bound but not listening, and kept bound: connections are refused, and no other
    # test worker can start a server on the port meanwhile.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with (
            Fetcher(_settings()) as fetcher,
            pytest.raises(FetchError, match="refused") as caught,
        ):
            fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert type(caught.value) is FetchError
    assert caught.value.__cause__ is not None


def test_connection_reset(feed_server: FeedServer, fetcher: Fetcher) -> None:
    def reset(handler: BaseHTTPRequestHandler) -> None:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        os.close(handler.connection.detach())  # with SO_LINGER 0: an RST, not a FIN

    feed_server.route("/feed", reset)
    with pytest.raises(FetchError, match="reset"):
        fetcher.fetch(feed_server.url("/feed"))


def test_no_status_line(feed_server: FeedServer, fetcher: Fetcher) -> None:
    def garbage(handler: BaseHTTPRequestHandler) -> None:
        _raw(handler, b"this is not http\r\n\r\n")
        handler.close_connection = True

    feed_server.route("/feed", garbage)
    with pytest.raises(FetchError, match="status line"):
        fetcher.fetch(feed_server.url("/feed"))


def test_closed_without_response(feed_server: FeedServer, fetcher: Fetcher) -> None:
    def hang_up(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True

    feed_server.route("/feed", hang_up)
    with pytest.raises(FetchError, match="without sending a response"):
        fetcher.fetch(feed_server.url("/feed"))


def test_body_shorter_than_content_length(feed_server: FeedServer, fetcher: Fetcher) -> None:
    def short(handler: BaseHTTPRequestHandler) -> None:
        _raw(handler, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + FEED)
        handler.close_connection = True

    feed_server.route("/feed", short)
    with pytest.raises(FetchError, match="truncated"):
        fetcher.fetch(feed_server.url("/feed"))


def test_invalid_gzip(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="invalid compressed body"):
        fetcher.fetch(feed_server.url("/feed"))


@pytest.mark.parametrize(
    "headers",
    [b"X-Big: " + b"a" * 100_000 + b"\r\n", b"".join(b"X-%d: y\r\n" % i for i in range(200))],
    ids=["long-line", "too-many"],
)
def test_huge_headers(feed_server: FeedServer, fetcher: Fetcher, headers: bytes) -> None:
    def big(handler: BaseHTTPRequestHandler) -> None:
        _raw(handler, b"HTTP/1.1 200 OK\r\n" + headers + b"Content-Length: 0\r\n\r\n")
        handler.close_connection = True

    feed_server.route("/feed", big)
    with pytest.raises(FetchError, match="header") as caught:
        fetcher.fetch(feed_server.url("/feed"))
    assert len(str(caught.value)) < 200


def test_non_http_url_is_refused(fetcher: Fetcher) -> None:
    with pytest.raises(BlockedURLError, match="not an http"):
        fetcher.fetch("file:///etc/passwd")


def test_environment_proxy_is_ignored(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_server.serve("/feed", FEED)
    with FeedServer() as proxy:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.base_url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        with requests.Session() as naive:  # control: a default Session obeys the variable
            naive.get(feed_server.url("/feed"), timeout=5).close()
        assert len(proxy.requests) == 1
        with Fetcher(_settings()) as fetcher:
            result = fetcher.fetch(feed_server.url("/feed"))
        assert result.body == FEED
        assert len(proxy.requests) == 1
    assert feed_server.hits("/feed") == 1


def test_basic_auth_goes_to_the_feeds_origin_only(fetcher: Fetcher, feed_server: FeedServer):
    """A redirect to another host (here "localhost" for 127.0.0.1) loses the login."""
    other = feed_server.url("/elsewhere.xml").replace("127.0.0.1", "localhost")
    feed_server.serve("/feed.xml", b"", status=302, headers={"Location": "/moved.xml"})
    feed_server.serve("/moved.xml", b"", status=302, headers={"Location": other})
    feed_server.serve("/elsewhere.xml", FEED)
    response = fetcher.fetch(feed_server.url("/feed.xml"), auth=("alice", "secret"))
    assert response.body == FEED
    logins = {r.path: r.headers.get("authorization") for r in feed_server.requests}
    assert logins["/feed.xml"] == logins["/moved.xml"] == "Basic YWxpY2U6c2VjcmV0"
    assert logins["/elsewhere.xml"] is None
