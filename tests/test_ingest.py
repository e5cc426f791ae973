"""``_ingest``: a fetched body → the source's normalised entries (parse, normalise, one per
id). Its parts on their own: test_parse.py, test_normalise.py; hostile input:
test_fuzz.py, test_sanitise_catalogue.py."""

from __future__ import annotations

import pytest

from copro_feeds._ingest import homepage_for, ingest
from copro_feeds._similarity import shingle_hashes
from copro_feeds.exceptions import ParseError
from tests.factories import NOW, partner_facts

FEED_URL = "https://user:secret@partner.example/blog/feed.xml"
RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Partner blog</title><link>https://partner.example/blog/</link>
  <item><guid>tag:partner.example,2026:p1</guid><title>First</title><link>posts/1</link>
    <pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate><description>One</description></item>
  <item><guid>tag:partner.example,2026:p1</guid><title>First, again</title><link>posts/1</link>
    <pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate><description>Dup</description></item>
  <item><guid>tag:partner.example,2026:p2</guid><title>Undated</title><link>https://partner.example/2</link>
    <description>Two</description></item>
  <item><guid>tag:partner.example,2026:p3</guid><title>From the future</title><link>https://partner.example/3</link>
    <pubDate>Fri, 01 Jan 2100 10:00:00 GMT</pubDate><description>Three</description></item>
</channel></rss>
"""


@pytest.mark.parametrize(
    ("candidates", "homepage"),
    [
        (
            ("https://configured.example/", "https://feed-link.example/"),
            "https://configured.example/",
        ),
        ((None, "https://feed-link.example/", None), "https://feed-link.example/"),
        ((None, None, "https://u:p@stored.example/"), "https://stored.example/"),
        ((None, None, None), "https://partner.example/"),
    ],
)
def test_the_homepage_is_the_first_candidate_else_the_feeds_site(candidates, homepage):
    assert homepage_for(FEED_URL, *candidates) == homepage


def test_a_feed_becomes_entries_once_per_id_with_its_undated_ones_named():
    found = ingest(RSS, {}, FEED_URL, partner_facts(homepage=None), NOW)
    ids = [entry.id.removeprefix("tag:partner.example,2026:") for entry in found.entries]
    assert ids == ["p1", "p2", "p3"]
    assert found.undated_ids == {f"tag:partner.example,2026:p{n}" for n in (2, 3)}
    assert found.feed_link == "https://partner.example/blog/"
    assert found.well_formed
    assert found.complete
    first = found.entries[0]
    assert first.link == "https://partner.example/blog/posts/1"  # resolved, no credentials
    assert first.attribution.homepage == "https://partner.example/blog/"  # the feed's link
    assert first.attribution.feed_url == "https://partner.example/blog/feed.xml"
    assert first.attribution.name == "Partner"
    for entry in found.entries:
        assert "secret" not in repr(entry)


def test_the_configured_homepage_wins_and_tags_are_added():
    facts = partner_facts(homepage="https://partner.example/about/", tags=("news",))
    found = ingest(RSS, {}, FEED_URL, facts, NOW)
    assert {entry.attribution.homepage for entry in found.entries} == {
        "https://partner.example/about/"
    }
    assert all("news" in entry.categories for entry in found.entries)


def test_a_body_that_is_not_a_feed_is_a_parse_error():
    with pytest.raises(ParseError):
        ingest(b"<html><body>Not a feed</body></html>", {}, FEED_URL, partner_facts(), NOW)


def test_each_entry_comes_with_its_shingles_hashed_for_its_fingerprint():
    facts = partner_facts(homepage=None)
    found = ingest(RSS, {}, FEED_URL, facts, NOW)
    assert found.shingles is not None
    assert len(found.shingles) == len(found.entries)
    assert found.shingles == shingle_hashes(found.entries)
