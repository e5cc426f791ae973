from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._normalise import (
    MAX_ENCLOSURES,
    NormaliseSettings,
    canonical_link,
    entry_id,
    media_enclosures,
    merge_categories,
    normalise_entry,
)
from copro_feeds._types import RawEnclosure
from copro_feeds.types import Enclosure
from tests.factories import NOW, attribution, raw_entry

SETTINGS = NormaliseSettings(
    attribution=attribution(),
    base_url="https://scope.example/feed/",
    tags=("disability", "news"),
    excerpt_words=5,
    max_entry_bytes=256 * 1024,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://A.Example/x?utm_source=rss&utm_medium=feed&id=3#top", "https://a.example/x?id=3"),
        ("/blog/post/", "https://scope.example/blog/post/"),
        ("HTTP://a.example:80/p", "http://a.example/p"),
        ("https://a.example:8443/p", "https://a.example:8443/p"),
        ("https://user:secret@a.example/p", "https://a.example/p"),
        ("https://a.example", "https://a.example/"),
        ("https://a.example/?b=2&a=1", "https://a.example/?b=2&a=1"),
        ("javascript:alert(1)", None),
        ("data:text/html,hi", None),
        ("mailto:a@b.example", None),
        ("", None),
        (None, None),
        ("http://[::1", None),
    ],
)
def test_canonical_link(url, expected):
    assert canonical_link(url, "https://scope.example/feed/") == expected


@given(st.text())
def test_canonical_link_is_idempotent(text):
    once = canonical_link(text, "https://scope.example/")
    if once is not None:
        assert canonical_link(once, "https://other.example/") == once


def test_id_prefers_guid_then_link_then_hash():
    assert entry_id(raw_entry(guid="abc"), "https://x.example/") == "abc"
    assert entry_id(raw_entry(guid=None), "https://x.example/") == "https://x.example/"
    hashed = entry_id(raw_entry(guid=None), None)
    assert hashed.startswith("sha256:")
    assert hashed == entry_id(raw_entry(guid=None), None)  # stable
    assert hashed != entry_id(raw_entry(guid=None, title="Other"), None)


def test_javascript_guid_is_not_an_id():
    assert entry_id(raw_entry(guid="javascript:alert(1)"), "https://x.example/") == (
        "https://x.example/"
    )


def test_normalised_entry():
    result = normalise_entry(
        raw_entry(content="<p>One two three four five six seven</p><script>x</script>"),
        SETTINGS,
        NOW,
    )
    assert result.id == "https://scope.example/?p=1"
    assert result.link == "https://scope.example/blog/post-1/"
    assert result.excerpt == "One two three four five…"
    assert "<script>" not in result.content_html
    assert result.categories == ("News", "disability")
    assert result.published == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert result.updated == result.published
    assert result.attribution.name == "Scope"


def test_missing_dates_become_now_and_future_dates_are_clamped():
    undated = normalise_entry(raw_entry(published=None, updated=None), SETTINGS, NOW)
    assert undated.published == NOW
    future = normalise_entry(raw_entry(published=NOW + timedelta(days=400)), SETTINGS, NOW)
    assert future.published == NOW
    soon = NOW + timedelta(hours=3)
    assert normalise_entry(raw_entry(published=soon), SETTINGS, NOW).published == soon


def test_html_title_becomes_plain_text_once():
    result = normalise_entry(
        raw_entry(title="Fish &amp; <b>chips</b> &lt;3", title_is_html=True), SETTINGS, NOW
    )
    assert result.title == "Fish & chips <3"
    plain = normalise_entry(raw_entry(title="AT&T <b> is text"), SETTINGS, NOW)
    assert plain.title == "AT&T <b> is text"


def test_missing_title_falls_back_to_excerpt():
    result = normalise_entry(raw_entry(title=None, content="<p>Words here</p>"), SETTINGS, NOW)
    assert result.title == "Words here"
    empty = normalise_entry(raw_entry(title=None, content=None), SETTINGS, NOW)
    assert empty.title == "Untitled post"


def test_plain_text_content_is_escaped():
    result = normalise_entry(
        raw_entry(content="<script>alert(1)</script> 1 < 2", content_is_html=False), SETTINGS, NOW
    )
    assert "<script>" not in result.content_html
    assert "&lt;script&gt;" in result.content_html
    assert result.excerpt.startswith("<script>alert(1)</script>")


def test_javascript_link_dropped_and_guid_link_used():
    result = normalise_entry(
        raw_entry(link="javascript:alert(1)", guid="https://scope.example/p/2", guid_is_link=True),
        SETTINGS,
        NOW,
    )
    assert result.link == "https://scope.example/p/2"
    bad = normalise_entry(
        raw_entry(link="javascript:alert(1)", guid="data:x", guid_is_link=True), SETTINGS, NOW
    )
    assert bad.link is None


def test_oversized_content_is_capped_before_sanitising():
    settings = NormaliseSettings(
        attribution=attribution(),
        base_url="https://s.example/",
        tags=(),
        excerpt_words=5,
        max_entry_bytes=1000,
    )
    result = normalise_entry(raw_entry(content="<p>" + "a " * 5_000_000 + "</p>"), settings, NOW)
    assert len(result.content_html) < 1100


def test_control_characters_are_removed():
    result = normalise_entry(
        raw_entry(title="Bad\x00 title\x0b", authors=("Ann\x07",), categories=("x\ufffe",)),
        SETTINGS,
        NOW,
    )
    assert result.title == "Bad title"
    assert result.authors == ("Ann",)
    assert result.categories[0] == "x"


def test_categories_merge_without_case_repeats():
    assert merge_categories(("News", "news", " Policy "), ("NEWS", "Care")) == (
        "News",
        "Policy",
        "Care",
    )


@given(
    st.one_of(st.none(), st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(UTC))),
    st.one_of(st.none(), st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(UTC))),
)
def test_dates_are_always_aware_utc_and_ordered(published, updated):
    result = normalise_entry(raw_entry(published=published, updated=updated), SETTINGS, NOW)
    for moment in (result.published, result.updated):
        assert moment.tzinfo is not None
        assert moment.utcoffset() == timedelta(0)
        assert moment <= NOW + timedelta(days=1)
    assert result.updated >= result.published


# -- issue 10 items 3 and 4: huge metadata, invisible titles ---------------------------


def test_categories_and_authors_are_capped_and_configured_tags_always_kept():
    raw = raw_entry(
        categories=tuple(f"topic {n}" for n in range(10_000)),
        authors=tuple(f"Author {n}" for n in range(10_000)),
    )
    settings = NormaliseSettings(
        attribution=attribution(),
        base_url="https://scope.example/feed/",
        tags=("disability",),
        excerpt_words=5,
        max_entry_bytes=1024,
        max_categories=50,
        max_authors=20,
    )
    entry = normalise_entry(raw, settings, NOW)
    assert entry.categories == (*(f"topic {n}" for n in range(50)), "disability")
    assert entry.authors == tuple(f"Author {n}" for n in range(20))


INVISIBLE = ["\u200b", "\u200c\u200d", "\u2060\ufeff", " \u200b \t\u200b ", "\u3164", "\u00ad"]


@pytest.mark.parametrize("title", INVISIBLE)
def test_a_title_of_only_invisible_characters_is_no_title(title):
    entry = normalise_entry(
        raw_entry(title=title, content="<p>Care in the community</p>"), SETTINGS, NOW
    )
    assert entry.title == "Care in the community"
    empty = normalise_entry(raw_entry(title=title, content=f"<p>{title}</p>"), SETTINGS, NOW)
    assert empty.title == "Untitled post"


@pytest.mark.parametrize("title", INVISIBLE)
def test_html_titles_of_invisible_characters_are_no_title_either(title):
    raw = raw_entry(title=f"<b>{title}</b>", title_is_html=True, content="<p>Hello there</p>")
    assert normalise_entry(raw, SETTINGS, NOW).title == "Hello there"


def test_invisible_authors_and_categories_are_dropped():
    raw = raw_entry(authors=("\u200b", "Ann", "\ufeff"), categories=("\u2060", "News"))
    entry = normalise_entry(raw, SETTINGS, NOW)
    assert entry.authors == ("Ann",)
    assert entry.categories == ("News", "disability")  # "news" repeats "News"


def test_titles_with_some_visible_text_are_kept_as_written():
    for title in ("\u200bCare\u200b", "é", "Co\u00adproduction"):
        assert normalise_entry(raw_entry(title=title), SETTINGS, NOW).title == title


def test_only_audio_and_video_over_http_are_kept_without_credentials_and_capped():
    found = (
        RawEnclosure(url="ep.mp3", type="audio/mpeg", length="24000000"),
        RawEnclosure(url="https://u:p@cdn.example/v.mp4", type="Video/MP4; codecs=avc1", length=3),
        RawEnclosure(url="javascript:alert(1)", type="audio/mpeg", length="1"),
        RawEnclosure(url="ftp://files.example/a.mp3", type="audio/mpeg", length="1"),
        RawEnclosure(url="https://scope.example/a.pdf", type="application/pdf", length="1"),
        RawEnclosure(url="https://scope.example/a b.mp3", type="audio/mpeg", length="1"),
        RawEnclosure(url="ep.mp3", type="audio/mpeg", length="5"),  # the same URL again
        RawEnclosure(url="https://scope.example/n.ogg", type="audio/ogg", length="0"),
        RawEnclosure(url="https://scope.example/m.ogg", type="audio/ogg", length="-4"),
    )
    kept = media_enclosures(found, "https://scope.example/feed/")
    assert kept == (
        Enclosure(url="https://scope.example/feed/ep.mp3", type="audio/mpeg", length=24_000_000),
        Enclosure(url="https://cdn.example/v.mp4", type="video/mp4", length=3),
        Enclosure(url="https://scope.example/n.ogg", type="audio/ogg", length=None),
        Enclosure(url="https://scope.example/m.ogg", type="audio/ogg", length=None),
    )
    many = tuple(
        RawEnclosure(url=f"https://scope.example/{n}.mp3", type="audio/mpeg") for n in range(20)
    )
    assert len(media_enclosures(many, "https://scope.example/")) == MAX_ENCLOSURES
