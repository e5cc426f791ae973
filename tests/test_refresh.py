"""``_refresh``: finding a partner's feed from its homepage: bounded, explained, and the
same for ``update`` and ``copro-feeds discover`` (issue 10 items 11 and 13, issue 11 items
10-11). Which links a page advertises, on its own: tests/test_discover.py."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

import copro_feeds
from copro_feeds._address import is_public_address
from copro_feeds._fetch import Fetcher, _guard
from copro_feeds._refresh import MAX_CANDIDATES, discover_feeds
from copro_feeds.config import FetchConfig
from copro_feeds.exceptions import BlockedURLError, DeadlineExceededError, ParseError
from copro_feeds.types import Outcome
from tests.conftest import PARTNERS, RSS, Project
from tests.feedserver import FeedServer


def page(*feeds: str) -> bytes:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="{feed}">' for feed in feeds
    )
    return f"<!DOCTYPE html><html><head>{links}</head><body>Home</body></html>".encode()


def one_source(project: Project, url: str, *, extra: str = "") -> None:
    project.write_config(f'[[sources]]\nname = "Partner"\nurl = "{url}"\n', extra=extra)


def run(project: Project) -> copro_feeds.RunReport:
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        return aggregator.run_once(all_sources=True)


def trickle(handler: BaseHTTPRequestHandler) -> None:
    """A feed that sends a byte every half second, for ever (until the client gives up)."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<rss")
    handler.wfile.flush()
    for _ in range(600):
        time.sleep(0.5)
        handler.wfile.write(b" ")
        handler.wfile.flush()


def test_thirty_trickling_feeds_cost_one_source_budget_not_thirty_deadlines(
    project: Project,
) -> None:
    server = project.server
    feeds = [f"/trickle/{n}.xml" for n in range(30)]
    for path in feeds:
        server.route(path, trickle)
    server.serve("/home", page(*feeds), content_type="text/html")
    one_source(project, server.url("/home"), extra="source_timeout = 3")
    started = time.monotonic()
    report = run(project)
    elapsed = time.monotonic() - started
    (result,) = report.results
    assert result.outcome is Outcome.ERROR
    assert isinstance(result.error, str)
    assert "source_timeout" in result.error
    assert "gave up" in result.error
    # Two candidates at most can start within 3 s of trickling at timeout = 5 s each; the
    # unbounded loop took 30 x 5 s. Generous room for a loaded machine.
    assert elapsed < 30
    assert sum(server.hits(path) for path in feeds) <= 2


def test_no_more_than_max_candidates_are_tried(project: Project) -> None:
    server = project.server
    feeds = [f"/missing/{n}.xml" for n in range(30)]  # every one a 404
    server.serve("/home", page(*feeds), content_type="text/html")
    one_source(project, server.url("/home"))
    (result,) = run(project).results
    assert result.outcome is Outcome.ERROR
    asked = [r.path for r in server.requests if r.path != "/home"]
    assert len(asked) == MAX_CANDIDATES
    assert asked == feeds[:MAX_CANDIDATES]  # advertised first, in the page's order
    assert "advertising 10 feed(s), none usable" in (result.error or "")
    assert "HTTP 404" in (result.error or "")


@pytest.fixture
def server_counts_as_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the guard treat 127.0.0.1 (the test server) as public, and nothing else."""
    monkeypatch.setattr(
        _guard, "is_public_address", lambda ip: ip == "127.0.0.1" or is_public_address(ip)
    )


@pytest.mark.usefixtures("server_counts_as_public")
@pytest.mark.parametrize("private", ["http://10.0.0.7/feed", "http://127.0.0.2:{port}/feed"])
def test_a_feed_refused_as_private_is_named_with_the_way_out(
    feed_server: FeedServer, private: str
) -> None:
    feed = private.format(port=feed_server.base_url.rsplit(":", 1)[1])
    feed_server.serve("/home", page(feed), content_type="text/html")
    with pytest.raises(BlockedURLError) as caught:
        discover_feeds(feed_server.url("/home"), FetchConfig())
    message = str(caught.value)
    assert "was refused" in message
    assert feed.split("/")[2].split(":")[0] in message
    assert "allow_private_networks = true" in message
    assert "links to no feed" not in message


@pytest.mark.usefixtures("server_counts_as_public")
def test_update_reports_the_refusal_too(project: Project) -> None:
    project.server.serve("/home", page("http://10.0.0.7/feed"), content_type="text/html")
    project.write_config(f'[[sources]]\nname = "Partner"\nurl = "{project.server.url("/home")}"\n')
    text = project.config_path.read_text().replace("allow_private_networks = true", "")
    project.config_path.write_text(text)
    (result,) = run(project).results
    assert "was refused" in (result.error or "")
    assert "allow_private_networks" in (result.error or "")


def test_refusing_a_private_address_says_how_to_allow_it(feed_server: FeedServer) -> None:
    with Fetcher(FetchConfig()) as fetcher, pytest.raises(BlockedURLError) as caught:
        fetcher.fetch(feed_server.url("/feed"))
    assert "[fetch] allow_private_networks = true" in str(caught.value)


def test_discover_finds_the_usual_path_update_finds(project: Project) -> None:
    server = project.server
    server.serve("/", b"<html><body>No feed links</body></html>", content_type="text/html")
    server.serve("/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    settings = FetchConfig(allow_private_networks=True)
    assert discover_feeds(server.url("/"), settings) == [server.url("/feed/")]
    one_source(project, server.url("/"))
    run(project)
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        (status,) = aggregator.status()
    assert status.feed_url == server.url("/feed/")


def test_discover_lists_the_working_advertised_feeds_in_order(project: Project) -> None:
    server = project.server
    server.serve("/a.xml", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    server.serve("/b.xml", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    server.serve("/home", page("/broken.xml", "/a.xml", "/b.xml"), content_type="text/html")
    server.serve("/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    settings = FetchConfig(allow_private_networks=True)
    found = discover_feeds(server.url("/home"), settings)
    assert found == [server.url("/a.xml"), server.url("/b.xml")]  # not /feed/: never reached


def test_discover_says_why_when_nothing_is_found(feed_server: FeedServer) -> None:
    feed_server.serve("/", b"<html><body>Nothing</body></html>", content_type="text/html")
    settings = FetchConfig(allow_private_networks=True)
    with pytest.raises(ParseError, match="links to no feed, and no usual feed path works"):
        discover_feeds(feed_server.url("/"), settings)


def test_the_source_budget_counts_from_the_page_fetch(feed_server: FeedServer) -> None:
    feed_server.route("/slow.xml", trickle)
    feed_server.serve("/home", page("/slow.xml", "/other.xml"), content_type="text/html")
    # A budget with room for a loaded machine to fetch the page, far below the fetch timeout.
    settings = FetchConfig(allow_private_networks=True, timeout=60, source_timeout=5)
    started = time.monotonic()
    with pytest.raises(DeadlineExceededError, match="1 of 9 candidate URLs"):
        discover_feeds(feed_server.url("/home"), settings)
    assert time.monotonic() - started < 50  # the 60 s fetch timeout was cut to the budget
