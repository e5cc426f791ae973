"""The Aggregator end to end, against real partner feeds on a local HTTP server."""

from __future__ import annotations

import gzip
import io
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

import copro_feeds
from copro_feeds import Aggregator, Outcome
from copro_feeds._fetch import Fetcher
from copro_feeds._health import last_cycle
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.core import make_sandbox
from tests.conftest import PARTNERS, RSS, Project, partner_sources


def run(project, **kwargs):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        return aggregator.run_once(**kwargs), aggregator.entries(), aggregator.status()


def snapshot(folder):
    """Every file under ``folder`` with its bytes and modification time."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def by_name(report):
    return {result.name: result for result in report.results}


def row_count(project) -> int:
    db = sqlite3.connect(project.root / "copro_feeds.sqlite3")
    try:
        return db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    finally:
        db.close()


def test_first_run_stores_dedupes_and_publishes(project):
    report, entries, _ = run(project)
    assert report.count(Outcome.UPDATED) == 3, report.results
    assert report.new_entries == 6
    assert row_count(project) == 6
    # The Scottish network's repost of Scope's guide appears once, credited to Scope.
    guide = [e for e in entries if e.link == "https://scope.test/blog/cost-of-living-guide/"]
    assert len(guide) == 1
    assert guide[0].attribution.name == "Scope"
    assert len(entries) == 5
    assert [e.published for e in entries] == sorted((e.published for e in entries), reverse=True)
    atom = (project.public / "atom.xml").read_bytes()
    parsed = feedparser.parse(io.BytesIO(atom))
    assert not parsed.bozo
    assert len(parsed.entries) == 5
    assert parsed.entries[0].link == "https://scope.test/blog/cost-of-living-guide/"
    assert 'Via <a href="https://scope.test/">Scope</a>' in parsed.entries[0].content[0].value
    assert "<script" not in atom.decode()
    written = {str(Path(p).relative_to(project.public)) for p in report.files_written}
    expected = {
        "atom.xml",
        "rss.xml",
        "feed.json",
        "index.html",
        "sources.opml",
        "via.opml",
        "feed.xsl",
        "style.css",
    }
    for folder in (
        "sources/scope/",
        "sources/centre-for-welfare-reform/",
        "sources/scottish-co-production-network/",
        "tags/disability/",
        "archive/2026-02/",  # the posts' months, both over by the real clock: archived
        "archive/2026-03/",
    ):
        expected |= {folder + name for name in ("atom.xml", "rss.xml", "feed.json", "index.html")}
    assert written == expected | {"archive/index.html"}


def test_normalised_details_from_the_three_formats(project):
    _, entries, _ = run(project)
    by_title = {e.title: e for e in entries}
    guide = by_title["Co-producing the cost of living guide"]
    assert guide.authors == ("Amira Khan",)
    assert guide.categories == ("Co-production", "Cost of living", "disability")
    assert guide.excerpt.endswith("…") and len(guide.excerpt.split()) == 12
    assert "alert" not in guide.content_html
    assert 'src="http://127.0.0.1' in guide.content_html  # relative image made absolute
    paper = by_title["Citizenship & support: a new paper"]
    # Relative link, no xml:base: resolved against the URL the feed was fetched from.
    assert paper.link == project.server.url("/library/citizenship-and-support")
    assert paper.published == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    basic = by_title["Basic income and disabled people"]
    assert "onclick" not in basic.content_html
    assert basic.authors == ("Centre for Welfare Reform",)  # the feed's author
    gathering = by_title["Co-production Gathering 2026"]
    assert gathering.categories == ("Events",)
    assert gathering.attribution.homepage == "https://scottish.test/"  # the feed's own link


def test_second_run_is_all_304_with_no_new_rows_and_identical_output(project):
    run(project)
    before = snapshot(project.public)
    report, _, _ = run(project, all_sources=True)
    assert report.count(Outcome.NOT_MODIFIED) == 3, report.results
    assert report.new_entries == report.updated_entries == 0
    assert report.files_written == ()
    assert row_count(project) == 6
    after = snapshot(project.public)
    assert after == before
    conditional = [r for r in project.server.requests if r.path == "/scope/feed/"][-1]
    assert conditional.headers.get("if-none-match")
    assert conditional.status == 304


def test_edited_post_is_updated_not_doubled_and_new_post_added(project):
    run(project)
    project.server.serve(
        "/scope/feed/", (PARTNERS / "scope-v2.rss.xml").read_bytes(), content_type=RSS
    )
    report, entries, _ = run(project, all_sources=True)
    scope = by_name(report)["Scope"]
    assert (scope.outcome, scope.new_entries, scope.updated_entries) == (Outcome.UPDATED, 1, 1)
    assert row_count(project) == 7
    assert entries[0].title == "Hidden costs of care: what carers told us"
    guide = [e for e in entries if e.link == "https://scope.test/blog/cost-of-living-guide/"]
    assert len(guide) == 1 and "UPDATED" in guide[0].content_html


def test_due_sources_wait_for_their_interval(project):
    run(project)
    report, _, status = run(project)
    assert report.results == ()
    for source in status:
        assert source.next_due > datetime.now(UTC) + timedelta(minutes=25)


def test_identical_body_with_new_etag_is_not_parsed_or_republished(project, feed_server):
    body = (PARTNERS / "scope.rss.xml").read_bytes()
    counter = iter(range(1000))

    def ignores_validators(handler):
        payload = body
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("ETag", f'"v{next(counter)}"')
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    feed_server.route("/scope/feed/", ignores_validators)
    run(project)
    mtime = (project.public / "atom.xml").stat().st_mtime_ns
    report, _, _ = run(project, all_sources=True)
    assert by_name(report)["Scope"].outcome is Outcome.NOT_MODIFIED
    assert report.files_written == ()
    assert (project.public / "atom.xml").stat().st_mtime_ns == mtime


def test_gzip_is_accepted(project, feed_server):
    feed_server.serve(
        "/scope/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS, gzip=True
    )
    report, _, _ = run(project)
    assert by_name(report)["Scope"].new_entries == 2
    request = next(r for r in feed_server.requests if r.path == "/scope/feed/")
    assert "gzip" in request.headers["accept-encoding"]


@pytest.mark.parametrize(
    ("status", "body", "content_type", "message"),
    [
        (
            200,
            b"<!DOCTYPE html><html><body>Just a moment...</body></html>",
            "text/html",
            "HTML page",
        ),
        (200, b"", RSS, "empty"),
        (404, b"not found", "text/plain", "404"),
        (500, b"oops", "text/plain", "500"),
    ],
)
def test_broken_source_fails_alone(project, feed_server, status, body, content_type, message):
    run(project)  # a first good run: the feed URL is known, entries stored
    published = (project.public / "atom.xml").read_bytes()
    feed_server.serve("/cfwr/atom.xml", body, status=status, content_type=content_type)
    report, entries, statuses = run(project, all_sources=True)
    failed = by_name(report)["Centre for Welfare Reform"]
    assert failed.outcome is Outcome.ERROR
    assert message in failed.error
    assert by_name(report)["Scope"].outcome is Outcome.NOT_MODIFIED
    assert row_count(project) == 6  # nothing lost
    assert (project.public / "atom.xml").read_bytes() == published
    state = {s.name: s for s in statuses}["Centre for Welfare Reform"]
    assert state.failures == 1 and message in state.last_error
    assert state.next_due > datetime.now(UTC) + timedelta(minutes=20)
    assert any(e.attribution.name == "Centre for Welfare Reform" for e in entries)


def test_gone_source_stops_polling(project, feed_server):
    feed_server.serve("/cfwr/atom.xml", b"gone", status=410, content_type="text/plain")
    report, _, statuses = run(project)
    assert "410" in by_name(report)["Centre for Welfare Reform"].error
    assert {s.name: s for s in statuses}["Centre for Welfare Reform"].gone
    hits = feed_server.hits("/cfwr/atom.xml")
    report, _, _ = run(project, all_sources=True)
    assert "gone" in by_name(report)["Centre for Welfare Reform"].error
    assert feed_server.hits("/cfwr/atom.xml") == hits
    # A new URL in the config starts polling again.
    project.config_path.write_text(
        project.config_path.read_text().replace("/cfwr/atom.xml", "/cfwr/new.xml")
    )
    feed_server.serve("/cfwr/new.xml", (PARTNERS / "cfwr.atom.xml").read_bytes())
    report, _, _ = run(project, all_sources=True)
    assert by_name(report)["Centre for Welfare Reform"].outcome is Outcome.UPDATED


def test_retry_after_is_honoured(project, feed_server):
    feed_server.serve(
        "/cfwr/atom.xml",
        b"slow down",
        status=429,
        content_type="text/plain",
        headers={"Retry-After": "7200"},
    )
    report, _, statuses = run(project)
    assert "429" in by_name(report)["Centre for Welfare Reform"].error
    state = {s.name: s for s in statuses}["Centre for Welfare Reform"]
    assert state.next_due >= datetime.now(UTC) + timedelta(seconds=7100)


def test_slow_source_hits_the_deadline_and_others_carry_on(project, feed_server):
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for _ in range(40):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.5)

    feed_server.route("/cfwr/atom.xml", trickle)
    project.write_config(partner_sources(feed_server), extra="")
    started = time.monotonic()
    report, _, _ = run(project)
    assert time.monotonic() - started < 15  # the 5 s deadline, not the 20 s trickle
    assert by_name(report)["Centre for Welfare Reform"].outcome is Outcome.ERROR
    assert by_name(report)["Scope"].outcome is Outcome.UPDATED


def test_homepage_discovery_is_remembered(project, feed_server):
    page = b"""<!DOCTYPE html><html><head><title>Scope</title>
    <link rel="alternate" type="application/rss+xml" title="Scope feed" href="/scope/feed/">
    </head><body>Home</body></html>"""
    feed_server.serve("/scope/", page, content_type="text/html; charset=utf-8")
    project.config_path.write_text(
        project.config_path.read_text().replace("/scope/feed/", "/scope/")
    )
    report, _, statuses = run(project)
    assert by_name(report)["Scope"].new_entries == 2
    assert {s.name: s for s in statuses}["Scope"].feed_url == feed_server.url("/scope/feed/")
    run(project, all_sources=True)
    assert feed_server.hits("/scope/") == 1


def test_discovery_falls_back_to_common_paths(project, feed_server):
    feed_server.serve(
        "/", b"<html><body>No feed links here</body></html>", content_type="text/html"
    )
    feed_server.serve("/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    project.write_config(f'[[sources]]\nname = "Scope"\nurl = "{feed_server.url("/")}"\n')
    report, _, statuses = run(project)
    assert by_name(report)["Scope"].new_entries == 2
    assert statuses[0].feed_url == feed_server.url("/feed/")


def test_permanent_redirect_moves_the_stored_url_after_three_hits(project, feed_server):
    def moved(handler):
        handler.send_response(301)
        handler.send_header("Location", "/cfwr/moved.xml")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    feed_server.route("/cfwr/atom.xml", moved)
    feed_server.serve("/cfwr/moved.xml", (PARTNERS / "cfwr.atom.xml").read_bytes())
    old, new = feed_server.url("/cfwr/atom.xml"), feed_server.url("/cfwr/moved.xml")
    for expected in (old, old, new):
        report, _, statuses = run(project, all_sources=True)
        assert by_name(report)["Centre for Welfare Reform"].outcome is not Outcome.ERROR
        assert {s.name: s for s in statuses}["Centre for Welfare Reform"].feed_url == expected
    hits = feed_server.hits("/cfwr/atom.xml")
    run(project, all_sources=True)
    assert feed_server.hits("/cfwr/atom.xml") == hits  # now fetched at its new address


def test_filters_apply_at_publish(project):
    project.write_config(
        partner_sources(project.server)
        .replace('tags = ["disability"]', 'tags = ["disability"]\nexclude = ["price tag"]')
        .replace(
            'url = "' + project.server.url("/scottish/rss.xml") + '"',
            'url = "' + project.server.url("/scottish/rss.xml") + '"\ninclude = ["gathering"]',
        )
    )
    _, entries, _ = run(project)
    titles = {e.title for e in entries}
    assert "Disability Price Tag 2026" not in titles
    assert "Co-production Gathering 2026" in titles
    assert row_count(project) == 6  # filtered entries are still stored


def test_private_network_refused_unless_allowed(project):
    project.config_path.write_text(
        project.config_path.read_text().replace(
            "allow_private_networks = true", "allow_private_networks = false"
        )
    )
    report, _, _ = run(project)
    assert report.count(Outcome.ERROR) == 3
    assert all("127.0.0.1" in r.error for r in report.results)
    assert project.server.requests == []


def test_publish_output_is_valid_and_stable(project):
    run(project)
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        assert aggregator.publish() == []  # same state: nothing rewritten
    rss = etree.fromstring((project.public / "rss.xml").read_bytes())
    guids = [g.text for g in rss.iter("guid")]
    assert len(guids) == len(set(guids)) == 5


def test_gzip_bomb_from_a_partner_is_capped(project, feed_server):
    bomb = gzip.compress(b"<rss>" + b" " * (64 * 1024 * 1024), compresslevel=9)

    def send_bomb(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        handler.wfile.write(bomb)

    feed_server.route("/cfwr/atom.xml", send_bomb)
    project.write_config(partner_sources(feed_server), extra="max_bytes = 1048576")
    report, _, _ = run(project)
    assert "1048576" in by_name(report)["Centre for Welfare Reform"].error or "large" in (
        by_name(report)["Centre for Welfare Reform"].error
    )
    assert by_name(report)["Scope"].outcome is Outcome.UPDATED


def test_sources_are_fetched_concurrently_with_two_connections_per_host(tmp_path, feed_server):
    body = (PARTNERS / "scope.rss.xml").read_bytes()
    lock = threading.Lock()
    active = {"now": 0, "most": 0}

    def slow(handler):
        with lock:
            active["now"] += 1
            active["most"] = max(active["most"], active["now"])
        time.sleep(0.4)
        with lock:
            active["now"] -= 1
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    sources = ""
    for i in range(6):
        feed_server.route(f"/p{i}/feed", slow)
        sources += f'[[sources]]\nname = "Partner {i}"\nurl = "{feed_server.url(f"/p{i}/feed")}"\n'
    project = Project(root=tmp_path, server=feed_server)
    project.write_config(sources)
    report, _, _ = run(project)
    assert report.count(Outcome.UPDATED) == 6
    assert active["most"] == 2  # concurrent, but never more than two connections to one host


class _BrokenFetcher:
    """Stands in for a bug: no real server can make the fetcher raise a non-FeedError."""

    def __init__(self, real, broken_url):
        self.real, self.broken_url = real, broken_url

    def fetch(self, url, **kwargs):
        if url == self.broken_url:
            raise RuntimeError("a bug in one source's path")
        return self.real.fetch(url, **kwargs)

    def close(self):
        self.real.close()


def test_an_unexpected_exception_in_one_source_does_not_stop_the_run(project):
    config = copro_feeds.load_config(project.config_path)
    broken = _BrokenFetcher(Fetcher(config.fetch), project.server.url("/cfwr/atom.xml"))
    store = SQLiteStore.open(config.storage.path)
    store.sync_sources({source.key: source.url for source in config.sources})
    aggregator = Aggregator(config, store=store, fetcher=broken, sandbox=make_sandbox(config))
    with aggregator:
        report = aggregator.run_once()
    assert by_name(report)["Centre for Welfare Reform"].error == "a bug in one source's path"
    assert report.count(Outcome.UPDATED) == 2
    assert (project.public / "atom.xml").exists()


def test_a_feed_that_parses_too_long_fails_alone(project, feed_server):
    """Parsing runs in worker processes with a time limit: the slow one is killed."""
    nested = b"<div>" * 100_000 + b"x" + b"</div>" * 100_000
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>deep</title>"
        b"<description>" + nested + b"</description></item></channel></rss>"
    )
    feed_server.serve("/cfwr/atom.xml", body, content_type=RSS)
    project.write_config(partner_sources(feed_server), extra="parse_timeout = 0.5")
    started = time.monotonic()
    report, entries, _ = run(project)
    assert time.monotonic() - started < 20  # margin for a loaded machine
    failed = by_name(report)["Centre for Welfare Reform"]
    assert failed.outcome is Outcome.ERROR
    assert "took longer than 0.5" in failed.error
    assert by_name(report)["Scope"].outcome is Outcome.UPDATED
    assert len(entries) == 3  # Scope's two and the Scottish gathering (the repost merged)


@pytest.mark.parametrize("content_type", ["text/plain", "text/html; charset=utf-8", ""])
def test_a_feed_with_a_wrong_content_type_is_still_read(project, feed_server, content_type):
    feed_server.serve(
        "/scope/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=content_type
    )
    report, _, _ = run(project)
    assert by_name(report)["Scope"].outcome is Outcome.UPDATED
    assert by_name(report)["Scope"].new_entries == 2


def test_a_stop_request_ends_one_run_only(project):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        aggregator.request_stop()
        stopped = aggregator.run_once()
        assert stopped.results == ()  # no source was started
        assert aggregator.run_once().count(Outcome.UPDATED) == 3


def test_a_disabled_source_is_not_fetched_and_leaves_every_output(project):
    run(project)
    assert (project.public / "sources/scope/atom.xml").exists()
    hits = project.server.hits("/scope/feed/")
    text = project.config_path.read_text()
    project.config_path.write_text(
        text.replace('tags = ["disability"]', 'tags = ["disability"]\nenabled = false')
    )
    report, entries, statuses = run(project, all_sources=True)
    assert "Scope" not in by_name(report)  # not fetched
    assert project.server.hits("/scope/feed/") == hits
    assert all(entry.attribution.name != "Scope" for entry in entries)
    published = feedparser.parse(io.BytesIO((project.public / "atom.xml").read_bytes()))
    credited = {entry.source.title for entry in published.entries}
    assert "Scope" not in credited and "Centre for Welfare Reform" in credited
    assert not (project.public / "sources/scope").exists()
    assert row_count(project) == 6  # kept in the store for the record
    assert {s.name: s.enabled for s in statuses}["Scope"] is False


def _future_feed(*, extra_item: bool, edited: bool) -> bytes:
    future = (
        "<item><guid>future</guid><title>Our plans</title><link>https://p.test/plans</link>"
        "<pubDate>Fri, 01 Jan 2100 09:00:00 +0000</pubDate>"
        f"<description>{'Edited plans.' if edited else 'Plans.'}</description></item>"
    )
    other = (
        "<item><guid>other</guid><title>Other</title><link>https://p.test/other</link>"
        "<pubDate>Mon, 02 Mar 2026 09:00:00 +0000</pubDate><description>x</description></item>"
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>P</title>'
        f"<link>https://p.test/</link>{future}{other if extra_item else ''}</channel></rss>"
    ).encode()


def test_a_post_dated_in_the_future_keeps_the_time_it_was_first_seen(project, feed_server):
    """Issue 11 item 13: clamped to 'now' once, never again when its feed changes."""
    feed_server.serve("/p.xml", _future_feed(extra_item=False, edited=False), content_type=RSS)
    project.write_config(f'[[sources]]\nname = "P"\nurl = "{feed_server.url("/p.xml")}"\n')
    config = copro_feeds.load_config(project.config_path)
    first_seen = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)

    def run_at(moment):
        with copro_feeds.make_aggregator(config, clock=lambda: moment) as aggregator:
            report = aggregator.run_once(all_sources=True)
            return report, {e.title: e for e in aggregator.entries()}

    report, entries = run_at(first_seen)
    assert entries["Our plans"].published == first_seen
    # The feed changes (a new post) twice, later: the future post neither moves nor
    # counts as updated.
    feed_server.serve("/p.xml", _future_feed(extra_item=True, edited=False), content_type=RSS)
    report, entries = run_at(first_seen + timedelta(days=1))
    assert (report.new_entries, report.updated_entries) == (1, 0)
    assert entries["Our plans"].published == first_seen
    # Its own edit counts once, and still keeps its first-seen time.
    feed_server.serve("/p.xml", _future_feed(extra_item=True, edited=True), content_type=RSS)
    report, entries = run_at(first_seen + timedelta(days=2))
    assert (report.new_entries, report.updated_entries) == (0, 1)
    assert entries["Our plans"].published == first_seen


# -- taking a new configuration (the daemon's reload) ---------------------------------


def test_reconfigure_adds_removes_and_disables_sources(project, feed_server):
    feed_server.serve("/extra/feed", (PARTNERS / "scope-v2.rss.xml").read_bytes(), content_type=RSS)
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        assert len(aggregator.run_once().results) == 3
        assert aggregator.due_sources() == []
        # Scope disabled, the Scottish network removed, Extra added.
        project.write_config(f"""
[[sources]]
name = "Scope"
url = "{feed_server.url("/scope/feed/")}"
enabled = false

[[sources]]
name = "Centre for Welfare Reform"
url = "{feed_server.url("/cfwr/atom.xml")}"

[[sources]]
name = "Extra"
url = "{feed_server.url("/extra/feed")}"
""")
        new = copro_feeds.load_config(project.config_path)
        aggregator.reconfigure(new)
        assert aggregator.config is new
        assert [s.key for s in aggregator.due_sources()] == ["extra"]  # added: due at once
        hits = {path: feed_server.hits(path) for path in ("/scope/feed/", "/scottish/rss.xml")}
        report = aggregator.run_once()
        assert [result.name for result in report.results] == ["Extra"]
        report = aggregator.run_once(all_sources=True)
        assert sorted(result.name for result in report.results) == [
            "Centre for Welfare Reform",
            "Extra",
        ]
        assert {path: feed_server.hits(path) for path in hits} == hits  # never fetched again
        statuses = {status.name: status for status in aggregator.status()}
    assert set(statuses) == {"Scope", "Centre for Welfare Reform", "Extra"}
    assert not statuses["Scope"].enabled
    assert statuses["Scope"].entries == 2  # a disabled source's entries are kept
    opml = (project.public / "sources.opml").read_text()
    assert "Extra" in opml
    assert "Scope" not in opml
    assert "Scottish" not in opml


def test_reconfigure_refuses_another_database_and_keeps_the_running_config(project):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        project.write_config(partner_sources(project.server), extra='[storage]\npath = "other.db"')
        with pytest.raises(copro_feeds.ConfigError, match=r"storage\.path: .*restart"):
            aggregator.reconfigure(copro_feeds.load_config(project.config_path))
        assert aggregator.config is config
        assert len(aggregator.run_once().results) == 3
    assert not (project.root / "other.db").exists()


def test_reconfigure_applies_new_fetch_settings(project, feed_server):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        aggregator.run_once()
        project.write_config(partner_sources(feed_server), extra='user_agent = "reloaded-agent/1"')
        aggregator.reconfigure(copro_feeds.load_config(project.config_path))
        aggregator.run_once(only={"scope"})
    agents = [r.headers["user-agent"] for r in feed_server.requests if r.path == "/scope/feed/"]
    assert len(agents) == 2
    assert agents[0].startswith("copro_feeds/")
    assert agents[1] == "reloaded-agent/1"


def test_run_once_only_refreshes_the_named_sources_due_or_not(project, feed_server):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        aggregator.run_once()
        report = aggregator.run_once(only={"scope", "centre-for-welfare-reform"})
    assert sorted(result.name for result in report.results) == [
        "Centre for Welfare Reform",
        "Scope",
    ]
    assert feed_server.hits("/scottish/rss.xml") == 1
    assert feed_server.hits("/scope/feed/") == 2


def test_results_carry_the_typed_error(project, feed_server):
    """Issue 12: a library user branches on the error's type, not on its text."""
    feed_server.serve("/cfwr/atom.xml", b"gone", status=410, content_type="text/plain")
    feed_server.serve("/scottish/rss.xml", b"busy", status=429, headers={"Retry-After": "120"})
    feed_server.serve("/scope/feed/", b"<html><body>not a feed</body></html>", content_type=RSS)
    report, _, _ = run(project)
    results = by_name(report)
    gone = results["Centre for Welfare Reform"].exception
    assert isinstance(gone, copro_feeds.GoneError)
    assert gone.status == 410
    busy = results["Scottish Co-production Network"].exception
    assert type(busy) is copro_feeds.HTTPStatusError
    assert (busy.status, busy.retry_after) == (429, 120.0)
    assert isinstance(results["Scope"].exception, copro_feeds.ParseError)
    for result in report.results:
        assert result.error == str(result.exception)  # the text, as the CLI prints it
    # A source already marked gone is not fetched, and says so with the same type.
    report, _, _ = run(project, all_sources=True)
    assert isinstance(by_name(report)["Centre for Welfare Reform"].exception, copro_feeds.GoneError)


def test_a_bug_in_one_source_is_a_feed_error_caused_by_it(project):
    config = copro_feeds.load_config(project.config_path)
    broken = _BrokenFetcher(Fetcher(config.fetch), project.server.url("/cfwr/atom.xml"))
    store = SQLiteStore.open(config.storage.path)
    store.sync_sources({source.key: source.url for source in config.sources})
    with Aggregator(config, store=store, fetcher=broken, sandbox=make_sandbox(config)) as agg:
        report = agg.run_once()
    failure = by_name(report)["Centre for Welfare Reform"].exception
    assert type(failure) is copro_feeds.FeedError
    assert isinstance(failure.__cause__, RuntimeError)


def test_refresh_sources_refreshes_those_sources_due_or_not_and_publishes_nothing(project):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        scope = config.named("Scope")
        assert scope is not None
        report = aggregator.refresh_sources([scope])
        assert [r.source_key for r in report.results] == [scope.key]
        assert report.changed
        assert not project.public.exists()  # nothing published
        state = aggregator.source_state(scope.key)
        assert aggregator.source_states()[scope.key] == state
        assert state.next_due is not None
        assert state.next_due > datetime.now(UTC) + timedelta(minutes=25)
        again = aggregator.refresh_sources([scope])  # not due, refreshed all the same
        assert [r.outcome for r in again.results] == [Outcome.NOT_MODIFIED]
    assert project.server.hits("/scope/feed/") == 2


def test_record_tick_is_what_healthz_reads(project):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        aggregator.record_tick(5.0, 0.25)
        record = last_cycle(aggregator._store)
    assert record is not None
    assert (record.tick_seconds, record.seconds) == (5.0, 0.25)
    assert record.finished > datetime.now(UTC) - timedelta(minutes=1)
