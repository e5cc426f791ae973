"""Where a fetch may connect (copro_feeds._fetch._guard), through the fetcher against a
real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from copro_feeds._address import is_public_address
from copro_feeds._fetch import Fetcher, _guard
from copro_feeds.config import FetchConfig
from copro_feeds.exceptions import BlockedURLError, FetchError
from tests.feedserver import FeedServer

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def _fake_resolver(answers: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        return answers[host]

    return resolve


def _guarded(answers: dict[str, list[str]] | None = None) -> Fetcher:
    resolver = _fake_resolver(answers) if answers is not None else None
    return Fetcher(FetchConfig(timeout=5.0), resolver=resolver)


# --- the private-network guard --------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "127.1",
        "0x7f.0.0.1",
        "2130706433",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "[fc00::1]",
        "[fe80::1]",
        "224.0.0.1",
        "100.64.0.1",
        "169.254.169.254",
    ],
)
def test_guard_refuses_private_hosts(feed_server: FeedServer, host: str) -> None:
    port = feed_server.base_url.rsplit(":", 1)[1]
    with _guarded() as fetcher, pytest.raises(BlockedURLError, match="not a public address"):
        fetcher.fetch(f"http://{host}:{port}/feed")
    assert feed_server.requests == []


@pytest.mark.parametrize(
    "answers",
    [["169.254.169.254"], ["93.184.216.34", "10.0.0.7"], ["::1"], ["64:ff9b::a9fe:a9fe"]],
)
def test_guard_refuses_names_resolving_to_private_addresses(answers: list[str]) -> None:
    with _guarded({"feeds.example": answers}) as fetcher, pytest.raises(BlockedURLError) as caught:
        fetcher.fetch("http://feeds.example/rss")
    message = str(caught.value)
    assert "feeds.example" in message
    assert any(answer in message for answer in answers if answer != "93.184.216.34")


def test_guard_reports_resolution_failure() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with Fetcher(FetchConfig(), resolver=failing) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("http://nowhere.example/rss")
    assert not isinstance(caught.value, BlockedURLError)
    assert "could not resolve" in str(caught.value)


@pytest.fixture
def server_counts_as_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the guard treat 127.0.0.1 (the test server) as public, and nothing else."""
    monkeypatch.setattr(
        _guard, "is_public_address", lambda ip: ip == "127.0.0.1" or is_public_address(ip)
    )


@pytest.mark.usefixtures("server_counts_as_public")
def test_guard_allows_public_addresses(feed_server: FeedServer) -> None:
    feed_server.serve("/feed", FEED)
    with _guarded() as fetcher:
        assert fetcher.fetch(feed_server.url("/feed")).body == FEED


@pytest.mark.usefixtures("server_counts_as_public")
def test_guard_checks_every_redirect_hop(feed_server: FeedServer) -> None:
    location = "http://metadata.internal/latest/meta-data/"
    feed_server.serve("/feed", b"", status=302, headers={"Location": location})
    with (
        _guarded({"metadata.internal": ["169.254.169.254"]}) as fetcher,
        pytest.raises(BlockedURLError) as caught,
    ):
        fetcher.fetch(feed_server.url("/feed"))
    assert "metadata.internal" in str(caught.value)
    assert "169.254.169.254" in str(caught.value)
    assert feed_server.hits("/feed") == 1


def test_dns_rebinding_is_caught_on_the_socket(feed_server: FeedServer) -> None:
    port = feed_server.base_url.rsplit(":", 1)[1]
    feed_server.serve("/feed", FEED)
    # The pre-flight resolver says "public"; the real connection goes to 127.0.0.1.
    with (
        _guarded({"localhost": ["93.184.216.34"]}) as fetcher,
        pytest.raises(BlockedURLError, match=r"127\.0\.0\.1") as caught,
    ):
        fetcher.fetch(f"http://localhost:{port}/feed")
    assert "not a public address" in str(caught.value)
    assert feed_server.requests == []


def test_check_host_refuses_what_is_not_http() -> None:
    with pytest.raises(BlockedURLError, match="not an http"):
        _guard.check_host("ftp://example.org/", _guard.system_resolver, allow_private=True)
    with pytest.raises(BlockedURLError, match="not a valid URL"):
        _guard.check_host("http://[bad/", _guard.system_resolver, allow_private=True)


def test_check_host_asks_no_resolver_when_private_networks_are_allowed() -> None:
    def unused(host: str, port: int) -> list[str]:
        raise AssertionError("resolved")

    _guard.check_host("http://intranet.example/feed", unused, allow_private=True)


def test_check_host_passes_the_default_port_to_the_resolver() -> None:
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["93.184.216.34"]

    _guard.check_host("https://feeds.example/rss", resolve, allow_private=False)
    _guard.check_host("http://feeds.example:8080/rss", resolve, allow_private=False)
    assert asked == [("feeds.example", 443), ("feeds.example", 8080)]


def test_an_empty_answer_is_a_resolution_failure() -> None:
    with pytest.raises(FetchError, match="could not resolve"):
        _guard.check_host("http://feeds.example/", lambda host, port: [], allow_private=False)
