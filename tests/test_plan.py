"""``_plan``: what the decider hands the publisher (feeds, roundups) and its rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from copro_feeds._plan import MAIN_FEED, FeedInfo, Roundup, RoundupSection, language_site
from copro_feeds.config import SiteConfig
from tests.factories import entry

SITE = SiteConfig(title="Partners' news", link="https://copro.example/", description="Posts")
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def test_a_feed_falls_back_to_the_site_for_its_title_and_description() -> None:
    assert MAIN_FEED.folder == ""
    assert MAIN_FEED.title_for(SITE) == "Partners' news"
    assert MAIN_FEED.description_for(SITE) == "Posts"
    tag = FeedInfo(folder="tags/robots/", title="Robots")
    assert tag.title_for(SITE) == "Robots"
    assert tag.description_for(SITE) == "Posts"
    bare = SiteConfig(title="Partners' news", link="https://copro.example/")
    assert tag.description_for(bare) == "Robots"  # no description anywhere: the title


def roundup(**overrides: object) -> Roundup:
    post = entry(published=MONDAY + timedelta(days=1), updated=MONDAY + timedelta(days=1))
    values: dict[str, object] = {
        "start": MONDAY,
        "end": MONDAY + timedelta(days=7),
        "title": "Week of 2 March 2026",
        "posts": (post,),
        "sections": (RoundupSection(heading="Scope", entries=(post,)),),
    }
    values.update(overrides)
    return Roundup(**values)  # type: ignore[arg-type]


def test_a_roundup_knows_its_page_last_day_and_update_time() -> None:
    week = roundup()
    assert week.page == "digest/2026-03-02.html"
    assert week.last_day == datetime(2026, 3, 8, tzinfo=UTC)
    assert week.updated == week.end  # no post is later than the period's end
    edited = entry(published=MONDAY, updated=MONDAY + timedelta(days=10))
    assert roundup(posts=(edited,)).updated == MONDAY + timedelta(days=10)


def test_a_roundup_needs_a_post_and_utc_bounds() -> None:
    with pytest.raises(ValueError, match="at least one post"):
        roundup(posts=())
    paris = timezone(timedelta(hours=1))
    with pytest.raises(ValueError, match="start must be an aware UTC datetime"):
        roundup(start=datetime(2026, 3, 2, tzinfo=paris))
    with pytest.raises(ValueError, match="end must be an aware UTC datetime"):
        roundup(end=datetime(2026, 3, 9))


def test_each_language_after_the_first_is_the_same_site_under_its_code() -> None:
    bilingual = SiteConfig(
        title="Newyddion",
        link="https://copro.example/",
        feed_url="https://copro.example/feeds/atom.xml",
        language="cy",
        languages=("cy", "en"),
    )
    assert language_site(bilingual, "cy") is bilingual
    english = language_site(bilingual, "en")
    assert (english.language, english.feed_url) == ("en", "https://copro.example/feeds/en/atom.xml")
    assert english.title == bilingual.title
    assert language_site(replace(bilingual, feed_url=None), "en").feed_url is None
