"""JSON Feed 1.0 and 1.1 sources: the parser, hostile JSON, and a partner end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import copro_feeds
from copro_feeds import Outcome
from copro_feeds._normalise import NormaliseSettings, normalise_entry
from copro_feeds._opml_import import read_opml
from copro_feeds._parse import parse_feed
from copro_feeds._parse_json import looks_like_json, parse_json_feed
from copro_feeds.exceptions import ParseError
from tests.factories import NOW, attribution

DATA = Path(__file__).parent / "data" / "jsonfeed"
FEED_URL = "https://partner.example/feed.json"
JSON_FEED = "application/feed+json"
V11 = "https://jsonfeed.org/version/1.1"
NOT_A_FEED = r"^not a feed: neither RSS/Atom nor JSON Feed"
SETTINGS = NormaliseSettings(
    attribution=attribution(),
    base_url=FEED_URL,
    tags=(),
    excerpt_words=25,
    max_entry_bytes=256 * 1024,
)


def parse(body: bytes, content_type: str = JSON_FEED, max_entries: int = 100):
    return parse_feed(body, {"content-type": content_type}, FEED_URL, max_entries=max_entries)


def feed(**fields: object) -> bytes:
    return json.dumps({"version": V11, **fields}).encode()


def test_version_1_1_maps_every_field():
    parsed = parse((DATA / "v11.json").read_bytes())
    assert parsed.version == "json11"
    assert (parsed.title, parsed.link, parsed.language) == (
        "Inclusion Lab",
        "https://inclusion.test/",
        "en-GB",
    )
    assert parsed.author == "Inclusion Lab team"
    assert parsed.warnings == ()
    first, second = parsed.entries
    assert first.guid == "https://inclusion.test/posts/2"
    assert first.link == "https://inclusion.test/posts/2"
    assert first.title == "Peer support that works"
    assert first.content_is_html and "<b>support</b>" in (first.content or "")
    assert first.authors == ("Jo Bloggs", "Sam Lee")
    assert first.categories == ("Peer support", "Mental health")
    assert first.language == "cy"
    assert first.published == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert first.updated == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert second.link == "https://elsewhere.test/report"  # external_url when no url
    assert not second.content_is_html
    assert second.title is None


def test_version_1_0_reads_author_and_numeric_id():
    parsed = parse((DATA / "v10.json").read_bytes(), content_type="application/json")
    assert parsed.version == "json10"
    assert parsed.author == "Old Style editors"
    first, second = parsed.entries
    assert first.guid == "42"
    assert first.authors == ("Ann Other",)
    assert first.published == datetime(2026, 1, 15, 13, 0, tzinfo=UTC)
    assert second.authors == ()  # the normaliser falls back to the feed's author


def test_entries_go_through_the_same_normaliser():
    parsed = parse((DATA / "v11.json").read_bytes())
    peer, note = (normalise_entry(raw, SETTINGS, NOW) for raw in parsed.entries)
    assert "script" not in peer.content_html and "alert" not in peer.content_html
    assert 'href="https://partner.example/groups"' in peer.content_html
    assert "&lt;not html&gt;" in note.content_html  # plain text is escaped, not parsed
    assert note.id == "note-1"


def test_limits_apply_as_for_xml():
    items = [
        {"id": str(n), "title": f"t{n}", "tags": [f"c{i}" for i in range(100)]} for n in range(7)
    ]
    parsed = parse(feed(items=items), max_entries=3)
    assert [raw.guid for raw in parsed.entries] == ["0", "1", "2"]
    assert any("more than 3 entries" in warning for warning in parsed.warnings)
    entry = normalise_entry(parsed.entries[0], SETTINGS, NOW)
    assert len(entry.categories) == 50  # max_categories
    huge = "<p>" + "word " * 100_000 + "</p>"
    capped = NormaliseSettings(
        attribution=attribution(), base_url=FEED_URL, tags=(), excerpt_words=5, max_entry_bytes=1000
    )
    raw = parse(feed(items=[{"id": "x", "content_html": huge}])).entries[0]
    assert len(normalise_entry(raw, capped, NOW).content_html.encode()) < 2000


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (
            b'{"version": "' + V11.encode() + b'", "items": [' + b"1" * 10_000 + b"]}",
            "unreadable JSON",
        ),
        (b"[1, 2, 3]", "a JSON array, not an object"),
        (b'"https://jsonfeed.org/version/1.1"', "a JSON string, not an object"),
        (b"null", "a JSON value, not an object"),
        (b"1" + b"0" * 400, "a JSON number, not an object"),
        (b"1e999999", "a JSON number, not an object"),
        (b'{"title": "no version"}', "without a jsonfeed.org version"),
        (b'{"version": 1.1}', "without a jsonfeed.org version"),
        (b'{"version": "https://example.com/version/1"}', "without a jsonfeed.org version"),
        (b'{"version": ', "unreadable JSON"),
        (b"{\xff\xfe}", "unreadable JSON"),
    ],
)
def test_hostile_json_is_a_clear_error(body, message):
    with pytest.raises(ParseError, match=NOT_A_FEED) as caught:
        parse(body)
    assert message in str(caught.value)


def test_neither_xml_nor_json_says_so():
    with pytest.raises(ParseError, match=NOT_A_FEED):
        parse(b"hello, world", content_type="text/plain")
    with pytest.raises(ParseError, match=NOT_A_FEED):
        parse(b"<?xml version='1.0'?><nothing/>", content_type="application/xml")


WRONG = [None, True, 3, 1e308, -1, [], {}, [1, {}], {"name": 5}, "", "\ud800"]


@pytest.mark.parametrize("value", WRONG, ids=repr)
def test_every_field_of_the_wrong_type_is_skipped(value):
    fields = (
        "id", "url", "external_url", "title", "content_html", "content_text", "summary",
        "date_published", "date_modified", "authors", "author", "tags", "language",
    )  # fmt: skip
    items = [{field: value} for field in fields] + [dict.fromkeys(fields, value), value]
    top = dict.fromkeys(("title", "home_page_url", "language", "authors", "author"), value)
    for body in (feed(items=items, **top), feed(items=value)):
        parsed = parse(body)
        for raw in parsed.entries:
            entry = normalise_entry(raw, SETTINGS, NOW)
            assert entry.id


def test_odd_but_valid_values():
    items = [
        {"id": "a", "date_published": "not a date", "date_modified": "9999-12-31T23:59:59-23:59"},
        {"id": "b", "date_published": "1969-12-31T23:00:00Z", "tags": ["ok", 5, None, " "]},
        {"id": "c", "date_published": "2026-03-01T10:00:00", "title": "\ud800 lone"},
        {"id": 10**30},
    ]
    a, b, c, d = parse(feed(items=items)).entries
    assert a.published is None and a.updated is None
    assert b.published is None and b.categories == ("ok",)
    assert c.published == datetime(2026, 3, 1, 10, tzinfo=UTC)  # no offset: read as UTC
    assert c.title == "\ufffd lone"
    assert d.guid == str(10**30)


def test_sniffing():
    assert looks_like_json(b'\xef\xbb\xbf  {"a": 1}', {})
    assert looks_like_json(b"null", {"content-type": "application/feed+json; charset=utf-8"})
    assert not looks_like_json(b"<rss/>", {"content-type": "application/json"})
    assert not looks_like_json(b"<rss/>", {})
    assert parse_json_feed((DATA / "v11.json").read_bytes(), max_entries=1).entries[0].guid


def test_a_json_feed_partner_end_to_end(project, feed_server):
    feed_server.serve("/lab/feed.json", (DATA / "v11.json").read_bytes(), content_type=JSON_FEED)
    feed_server.serve(
        "/old/feed.json", (DATA / "v10.json").read_bytes(), content_type="application/json"
    )
    project.write_config(
        f"""
[[sources]]
name = "Inclusion Lab"
url = "{feed_server.url("/lab/feed.json")}"

[[sources]]
name = "Old Style"
url = "{feed_server.url("/old/feed.json")}"
"""
    )
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
    assert report.count(Outcome.UPDATED) == 2, report.results
    accept = feed_server.requests[0].headers["accept"]
    assert "application/feed+json" in accept
    atom = (project.public / "atom.xml").read_text()
    rss = (project.public / "rss.xml").read_text()
    published = json.loads((project.public / "feed.json").read_text())
    for text in (atom, rss):
        assert "Peer support that works" in text and "Forty-two" in text
        assert "https://inclusion.test/" in text  # the credit links the partner's homepage
        assert "alert(1)" not in text
    titles = {item.get("title") for item in published["items"]}
    assert {"Peer support that works", "Forty-two"} <= titles
    lab = (project.public / "sources" / "inclusion-lab" / "feed.json").read_text()
    assert "Inclusion Lab" in lab and "Peer support that works" in lab
    # OPML 2.0: every subscription outline is type="rss", whatever the feed's format.
    opml = read_opml((project.public / "sources.opml").read_bytes(), "sources.opml")
    assert feed_server.url("/lab/feed.json") in {outline.xml_url for outline in opml}
    assert 'type="rss" text="Inclusion Lab"' in (project.public / "sources.opml").read_text()


@pytest.mark.parametrize(
    "body",
    [
        b'{"error": "rate limited"}',
        b'{"version": "https://jsonfeed.org/version/1.1", "items":' + b"[" * 500_000,
    ],
    ids=["error-object", "deep-nesting"],
)
def test_json_that_is_no_feed_fails_the_source_plainly(project, feed_server, body):
    feed_server.serve("/api/feed", body, content_type="application/json")
    project.write_config(f'[[sources]]\nname = "Api"\nurl = "{feed_server.url("/api/feed")}"\n')
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
    (result,) = report.results
    assert result.outcome is Outcome.ERROR
    assert "neither RSS/Atom nor JSON Feed" in str(result.error)
    assert "not well-formed" not in str(result.error)


def test_a_homepage_advertising_a_json_feed_is_discovered(project, feed_server):
    feed_server.serve("/lab/feed.json", (DATA / "v11.json").read_bytes(), content_type=JSON_FEED)
    home = (
        b'<!DOCTYPE html><html><head><link rel="alternate" type="application/feed+json"'
        b' href="/lab/feed.json"></head><body>Lab</body></html>'
    )
    feed_server.serve("/lab/", home, content_type="text/html; charset=utf-8")
    project.write_config(f'[[sources]]\nname = "Lab"\nurl = "{feed_server.url("/lab/")}"\n')
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
        entries = aggregator.entries()
    assert report.count(Outcome.UPDATED) == 1, report.results
    assert {entry.title for entry in entries} >= {"Peer support that works"}


def test_a_json_feed_over_max_bytes_fails_like_xml(project, feed_server):
    items = [{"id": str(n), "content_text": "words " * 100} for n in range(50)]
    feed_server.serve("/big/feed.json", feed(items=items), content_type=JSON_FEED)
    project.write_config(
        f'[[sources]]\nname = "Big"\nurl = "{feed_server.url("/big/feed.json")}"\n',
        extra="max_bytes = 4096",
    )
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        (result,) = aggregator.run_once().results
    assert result.outcome is Outcome.ERROR
    assert "4096-byte cap" in (result.error or "")


def test_attachments_are_enclosures():
    item = {
        "id": "1",
        "url": "https://partner.example/ep1",
        "content_text": "Episode one",
        "attachments": [
            {"url": "https://partner.example/ep1.mp3", "mime_type": "audio/mpeg",
             "size_in_bytes": 24000000},
            {"url": "https://partner.example/ep1.m4a", "mime_type": "audio/mp4",
             "size_in_bytes": "big"},
            "not an object",
        ],
    }  # fmt: skip
    parsed = parse(feed(items=[item]))
    [raw] = parsed.entries
    assert "skipped 2 field(s)" in parsed.warnings[0]
    kept = normalise_entry(raw, SETTINGS, NOW).enclosures
    assert [(e.url, e.type, e.length) for e in kept] == [
        ("https://partner.example/ep1.mp3", "audio/mpeg", 24_000_000),
        ("https://partner.example/ep1.m4a", "audio/mp4", None),
    ]
    [again] = parse(feed(items=[{**item, "attachments": {"url": "x"}}])).entries
    assert again.enclosures == ()
