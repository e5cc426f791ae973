"""``_publish/_prepare``: entries made safe to publish in every format, partners dated
(every output after it, with hostile text: tests/test_publish_crash.py, test_fuzz.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from copro_feeds._plan import (
    FeedContent,
    FeedInfo,
    RoundupFeed,
    RoundupSection,
)
from copro_feeds._publish._feedgen import UNTITLED
from copro_feeds._publish._prepare import (
    SourceDates,
    clean_attribution,
    clean_entry,
    clean_roundups,
    with_source_dates,
)
from tests.factories import NOW, attribution, entry
from tests.test_plan import roundup


def test_a_partner_is_cleaned_and_loses_its_credentials():
    source = attribution(
        name="  \x00 ",
        homepage=" https://user:pw@scope.example/a b ",
        feed_url="https://scope.example/feed/\ufffe",
    )
    cleaned = clean_attribution(source)
    assert cleaned.name == "scope"  # nothing left of the name: the source key
    assert cleaned.homepage == "https://scope.example/a%20b"
    assert cleaned.feed_url == "https://scope.example/feed/"


def test_an_entry_is_cleaned_for_every_format():
    dirty = entry(
        title=" \x07 ",
        link="javascript:alert(1)",
        authors=("Ann\x0b  Lee", " "),
        categories=("News\ud800", ""),
        excerpt="Hi\x00 there",
        content_html="<p>ok\x1f</p>",
    )
    cleaned = clean_entry(dirty)
    assert cleaned.title == UNTITLED
    assert cleaned.link is None
    assert cleaned.authors == ("Ann Lee",)
    assert cleaned.categories == ("News",)
    assert cleaned.excerpt == "Hi there"
    assert cleaned.content_html == "<p>ok</p>"
    assert clean_entry(cleaned) == cleaned  # idempotent


def test_only_absolute_web_links_are_kept():
    for link in ("https://scope.example/1", "HTTP://scope.example/2"):
        assert clean_entry(entry(link=link)).link == link
    for link in ("/relative", "mailto:a@scope.example", "https://", "http://[::1"):
        assert clean_entry(entry(link=link)).link is None, link


def test_every_roundup_text_and_every_credited_partner_is_cleaned():
    post = entry(title="\x01", also_via=(attribution("cee", "Cee\x02"),))
    dirty = roundup(
        title=" ",
        posts=(post,),
        sections=(RoundupSection(heading="\x03", entries=(post,)),),
    )
    (cleaned,) = clean_roundups(RoundupFeed(every="week", roundups=(dirty,))).roundups
    assert cleaned.title == UNTITLED
    assert cleaned.sections[0].heading == UNTITLED
    for published in (cleaned.posts[0], cleaned.sections[0].entries[0]):
        assert published.title == UNTITLED
        assert published.also_via[0].name == "Cee"


def test_each_partner_is_dated_by_its_newest_entry_in_any_feed():
    old = entry(id="old", updated=NOW - timedelta(days=3), published=NOW - timedelta(days=3))
    new = entry(id="new", updated=NOW, published=NOW)
    other = entry(id="x", attribution=attribution("cee", "Cee"), updated=NOW - timedelta(days=1))
    feeds = [
        FeedContent(info=FeedInfo(), entries=(old, other)),
        FeedContent(info=FeedInfo(folder="tags/news/"), entries=(new,)),
    ]
    dated = with_source_dates(feeds)
    assert [e.attribution.updated for e in dated[0].entries] == [NOW, NOW - timedelta(days=1)]
    assert dated[1].entries[0].attribution.updated == NOW
    assert replace(dated[0].entries[0], attribution=old.attribution) == old  # only the date


def test_feeds_dated_already_come_back_as_they_are():
    feeds = [FeedContent(info=FeedInfo(), entries=(entry(id="a"), entry(id="b", updated=NOW)))]
    dated = with_source_dates(feeds)
    assert dated[0] is not feeds[0]
    assert with_source_dates(dated)[0] is dated[0]


def test_dates_kept_between_calls_give_what_dating_afresh_gives():
    """SourceDates reuses last call's dated copy of an entry given again with the same date,
    and dates afresh an entry whose partner's newest date moved."""
    old = entry(id="old", updated=NOW - timedelta(days=3), published=NOW - timedelta(days=3))
    other = entry(id="x", attribution=attribution("cee", "Cee"), updated=NOW - timedelta(days=1))
    kept = SourceDates()
    first = [FeedContent(info=FeedInfo(), entries=(old, other))]
    once = kept.feeds(first)
    assert once == with_source_dates(first)
    newer = entry(id="new", updated=NOW, published=NOW)  # the partner's newest moves
    second = [FeedContent(info=FeedInfo(), entries=(newer, old, other))]
    twice = kept.feeds(second)
    assert twice == with_source_dates(second)
    assert [e.attribution.updated for e in twice[0].entries] == [NOW, NOW, other.updated]
    assert twice[0].entries[2] is once[0].entries[1]  # the same date: the same copy
    assert twice[0].entries[1] is not once[0].entries[0]  # dated again
