"""The roundup's pure planning (copro_feeds._roundup_plan): periods, which posts, grouping,
titles."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from copro_feeds._roundup_plan import period_length, period_start, plan_roundups
from copro_feeds._types import EditorialMarks
from copro_feeds.config import DigestConfig, SourceConfig
from tests.factories import attribution, entry

WEEKLY = DigestConfig(enabled=True)  # Monday weeks
DAILY = DigestConfig(enabled=True, every="day")
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
NO_MARKS = EditorialMarks()
SCOPE = SourceConfig(key="scope", name="Scope", url="https://scope.example/feed/")
CFWR = SourceConfig(key="cfwr", name="Centre for Welfare Reform", url="https://cfwr.example/feed/")
SOURCES = (SCOPE, CFWR)


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def post(key: str, ident: str, published: datetime, **overrides) -> object:
    names = {"scope": "Scope", "cfwr": "Centre for Welfare Reform", "scn": "SCN"}
    values = {
        "id": ident,
        "attribution": attribution(key, names[key]),
        "title": f"Post {ident}",
        "link": f"https://{key}.example/{ident}/",
        "published": published,
        "updated": published,
    }
    values.update(overrides)
    return entry(**values)


def plan(entries, *, sources=SOURCES, digest=WEEKLY, marks=NO_MARKS, now=NOW):
    return plan_roundups(entries, sources, digest, marks, now)


def starts(feed) -> list[str]:
    return [roundup.start.date().isoformat() for roundup in feed.roundups]


@pytest.mark.parametrize(
    ("moment", "weekday", "expected"),
    [
        (at(4), 0, "2026-03-02"),  # Wednesday → the Monday before
        (at(2, 0), 0, "2026-03-02"),  # Monday midnight starts its own week
        (at(1, 23), 0, "2026-02-23"),  # Sunday night is still the week before
        (at(4), 2, "2026-03-04"),  # weeks starting on Wednesday
        (at(3), 2, "2026-02-25"),
        (at(8), 6, "2026-03-08"),  # Sunday weeks
        (at(7), 6, "2026-03-01"),
    ],
)
def test_a_week_starts_at_midnight_utc_on_its_weekday(moment, weekday, expected):
    digest = DigestConfig(enabled=True, weekday=weekday)
    start = period_start(moment, digest)
    assert start == datetime.fromisoformat(expected).replace(tzinfo=UTC)
    assert start.weekday() == weekday
    assert start <= moment < start + period_length(digest)


def test_a_day_period_is_the_utc_calendar_day():
    assert period_start(at(3, 23), DAILY) == datetime(2026, 3, 3, tzinfo=UTC)
    assert period_start(at(3, 0), DAILY) == datetime(2026, 3, 3, tzinfo=UTC)
    assert period_length(DAILY) == timedelta(days=1)
    assert period_length(WEEKLY) == timedelta(days=7)


def test_periods_are_in_utc_whatever_the_offset_of_the_moment():
    two_hours_ahead = timezone(timedelta(hours=2))
    moment = datetime(2026, 3, 9, 0, 30, tzinfo=two_hours_ahead)  # 8 March, 22:30 UTC
    assert period_start(moment, WEEKLY) == datetime(2026, 3, 2, tzinfo=UTC)
    assert period_start(moment, DAILY) == datetime(2026, 3, 8, tzinfo=UTC)


def test_a_post_exactly_at_a_boundary_belongs_to_the_period_it_starts():
    boundary = datetime(2026, 3, 9, tzinfo=UTC)
    before = boundary - timedelta(seconds=1)
    feed = plan([post("scope", "late", before), post("scope", "on", boundary)])
    assert starts(feed) == ["2026-03-09", "2026-03-02"]
    assert [p.id for p in feed.roundups[0].posts] == ["on"]
    assert [p.id for p in feed.roundups[1].posts] == ["late"]
    assert feed.roundups[0].end == boundary + timedelta(days=7)


def test_an_empty_period_has_no_roundup():
    feed = plan([post("scope", "a", at(3)), post("scope", "b", at(17, month=2))])
    assert starts(feed) == ["2026-03-02", "2026-02-16"]  # nothing for the week of 23 Feb


def test_the_current_period_waits_until_it_has_ended():
    entries = [post("scope", "now", at(17)), post("scope", "last-week", at(10))]
    assert starts(plan(entries)) == ["2026-03-09"]
    end_of_week = datetime(2026, 3, 23, tzinfo=UTC)
    assert starts(plan(entries, now=end_of_week - timedelta(microseconds=1))) == ["2026-03-09"]
    assert starts(plan(entries, now=end_of_week)) == ["2026-03-16", "2026-03-09"]


def test_daily_roundups_end_at_midnight():
    entries = [
        post("scope", "a", at(17, 9)),
        post("scope", "b", at(17, 23)),
        post("scope", "c", at(18, 1)),
    ]
    feed = plan(entries, digest=DAILY)
    assert starts(feed) == ["2026-03-17"]
    assert [p.id for p in feed.roundups[0].posts] == ["b", "a"]


def test_only_the_newest_periods_are_kept():
    entries = [post("scope", f"w{week}", at(2) - timedelta(weeks=week)) for week in range(6)]
    digest = DigestConfig(enabled=True, periods=3)
    assert starts(plan(entries, digest=digest)) == ["2026-03-02", "2026-02-23", "2026-02-16"]
    assert len(plan(entries).roundups) == 6


def test_the_plan_is_the_same_whatever_order_the_entries_come_in():
    entries = [
        post(key, f"{key}{n}", at(2 + n, 8 + n)) for key in ("scope", "cfwr") for n in range(9)
    ]
    shuffled = entries[:]
    random.Random(5).shuffle(shuffled)
    assert plan(shuffled) == plan(entries)
    assert len(plan(entries).roundups) == 2


def test_a_late_post_joins_its_period_instead_of_making_another():
    first = [post("scope", "a", at(3)), post("cfwr", "b", at(4))]
    before = plan(first).roundups
    late = post("cfwr", "late", at(5), updated=at(17))  # seen after the week ended
    after = plan([*first, late]).roundups
    assert len(before) == len(after) == 1
    assert (after[0].start, after[0].end, after[0].title) == (
        before[0].start,
        before[0].end,
        before[0].title,
    )
    assert before[0].updated == before[0].end  # no post changed after the period ended
    assert after[0].updated == at(17)  # the late post was edited after it
    assert [p.id for p in after[0].posts] == ["late", "b", "a"]


def test_title_uses_the_first_and_last_days_as_people_read_them():
    feed = plan([post("scope", "a", at(4))])
    assert feed.roundups[0].title == "Partners' posts, 2 March 2026 to 8 March 2026"
    daily = DigestConfig(enabled=True, every="day", title="Posts on {start} ({end})")
    assert plan([post("scope", "a", at(4))], digest=daily).roundups[0].title == (
        "Posts on 4 March 2026 (4 March 2026)"
    )
    assert feed.every == "week" and plan([], digest=daily).every == "day"


def test_grouped_by_partner_in_config_order_newest_first():
    entries = [
        post("scope", "s-old", at(2)),
        post("cfwr", "c-new", at(6)),
        post("scope", "s-new", at(5)),
    ]
    sections = plan(entries, sources=(CFWR, SCOPE)).roundups[0].sections
    assert [(s.heading, [e.id for e in s.entries]) for s in sections] == [
        ("Centre for Welfare Reform", ["c-new"]),
        ("Scope", ["s-new", "s-old"]),
    ]
    sections = plan(entries, sources=(SCOPE, CFWR)).roundups[0].sections
    assert [s.heading for s in sections] == ["Scope", "Centre for Welfare Reform"]


def test_grouped_by_tag_in_config_order_with_other_posts_last():
    sources = (
        SourceConfig(
            key="scope", name="Scope", url="https://s.example/", tags=("Disability", "Money")
        ),
        SourceConfig(key="cfwr", name="CfWR", url="https://c.example/", tags=("money",)),
        SourceConfig(key="scn", name="SCN", url="https://n.example/"),
    )
    entries = [post("scope", "s", at(3)), post("cfwr", "c", at(4)), post("scn", "n", at(5))]
    digest = DigestConfig(enabled=True, group_by="tag")
    sections = plan(entries, sources=sources, digest=digest).roundups[0].sections
    assert [(s.heading, [e.id for e in s.entries]) for s in sections] == [
        ("Disability", ["s"]),
        ("Money", ["c", "s"]),  # "money" is the same tag, first spelling kept
        ("Other posts", ["n"]),
    ]
    roundup = plan(entries, sources=sources, digest=digest).roundups[0]
    assert [p.id for p in roundup.posts] == ["n", "c", "s"]  # each post once


def test_no_other_posts_section_when_every_partner_has_a_tag():
    sources = (SourceConfig(key="scope", name="Scope", url="https://s.example/", tags=("a",)),)
    digest = DigestConfig(enabled=True, group_by="tag")
    sections = (
        plan([post("scope", "s", at(3))], sources=sources, digest=digest).roundups[0].sections
    )
    assert [s.heading for s in sections] == ["a"]


def test_hidden_posts_are_left_out_and_a_period_of_hidden_posts_has_no_roundup():
    entries = [
        post("scope", "shown", at(3)),
        post("scope", "hidden", at(4)),
        post("cfwr", "gone", at(10)),
    ]
    marks = EditorialMarks(hidden=frozenset({("scope", "hidden"), ("cfwr", "gone")}))
    feed = plan(entries, marks=marks)
    assert starts(feed) == ["2026-03-02"]
    assert [p.id for p in feed.roundups[0].posts] == ["shown"]
    assert [e.id for s in feed.roundups[0].sections for e in s.entries] == ["shown"]
    assert len(plan(entries).roundups) == 2


def test_the_same_posts_as_the_combined_feed_but_no_length_limit():
    scope = SourceConfig(key="scope", name="Scope", url="https://s.example/", exclude=("jobs",))
    entries = [
        post("scope", "kept", at(3)),
        post("scope", "filtered", at(3), title="Jobs at Scope"),
        post("cfwr", "disabled", at(3)),  # its source is not among the enabled ones
        post("scope", "copy", at(4), link="https://scope.example/shared/"),
        post("scope", "more", at(5)),
    ]
    twin = post("cfwr", "twin", at(4, 13), link="https://scope.example/shared/")
    feed = plan([*entries, twin], sources=(scope,))
    assert [p.id for p in feed.roundups[0].posts] == ["more", "copy", "kept"]
    both = plan([*entries, twin], sources=(scope, CFWR)).roundups[0]
    assert sorted(p.id for p in both.posts) == ["copy", "disabled", "kept", "more"]  # one "shared"
    many = [post("scope", f"p{n}", at(3) + timedelta(minutes=n)) for n in range(120)]
    assert len(plan(many).roundups[0].posts) == 120  # more than [output] max_entries


def test_a_roundup_needs_posts_and_utc_times():
    roundup = plan([post("scope", "a", at(3))]).roundups[0]
    with pytest.raises(ValueError, match="at least one post"):
        type(roundup)(start=roundup.start, end=roundup.end, title="t", posts=(), sections=())
    with pytest.raises(ValueError, match="UTC"):
        type(roundup)(
            start=roundup.start.replace(tzinfo=None),
            end=roundup.end,
            title="t",
            posts=roundup.posts,
            sections=(),
        )
    assert roundup.page == "digest/2026-03-02.html"
    assert roundup.last_day == datetime(2026, 3, 8, tzinfo=UTC)


def test_a_post_several_partners_carried_is_there_once_crediting_them_all():
    shared = "https://scope.example/shared/"
    entries = [post("scope", "own", at(3), link=shared), post("cfwr", "copy", at(4), link=shared)]
    roundup = plan(entries).roundups[0]
    (only,) = roundup.posts
    assert only.id == "own"  # the partner whose site the post is on
    assert [source.source_key for source in only.also_via] == ["cfwr"]
    assert [s.heading for s in roundup.sections] == ["Scope"]
