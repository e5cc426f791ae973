"""The archive's plan: the combined feed's posts by UTC calendar month, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._archive_plan import month_start, next_month, plan_archive
from copro_feeds._dedupe import find_posts
from copro_feeds._select import combined_selection, select
from copro_feeds._types import EditorialMarks
from copro_feeds.config import SourceConfig
from tests.factories import attribution, dated_post

SOURCES = (
    SourceConfig(key="scope", name="Scope", url="https://scope.example/feed/"),
    SourceConfig(key="cfwr", name="Cfwr", url="https://cfwr.example/feed/", exclude=("advert",)),
)
SCOPE, CFWR = attribution("scope", "Scope"), attribution("cfwr", "Cfwr")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NO_MARKS = EditorialMarks()


post = dated_post  # a post of SCOPE unless another partner is given


def on(month: int, day: int, year: int = 2026, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def keys(archive) -> list[str]:
    return [month.key for month in archive.months]


def test_posts_are_grouped_by_month_newest_first_and_only_ended_months_are_closed():
    posts = [
        post("a", on(1, 31)),
        post("b", on(3, 2)),
        post("c", on(1, 2)),
        post("d", on(2, 14)),
        post("e", on(3, 9)),
    ]
    archive = plan_archive(posts, SOURCES, NO_MARKS, NOW)
    assert keys(archive) == ["2026-03", "2026-02", "2026-01"]
    march, february, january = archive.months
    assert [p.id for p in march.entries] == ["e", "b"]
    assert [p.id for p in january.entries] == ["a", "c"]
    assert (march.closed, february.closed, january.closed) == (False, True, True)
    assert [month.key for month in archive.closed] == ["2026-02", "2026-01"]
    assert january.start == on(1, 1, hour=0) and january.end == on(2, 1, hour=0)
    assert january.folder == "archive/2026-01/"


def test_a_month_with_no_posts_has_no_archive():
    archive = plan_archive([post("a", on(1, 5)), post("b", on(3, 5))], SOURCES, NO_MARKS, NOW)
    assert keys(archive) == ["2026-03", "2026-01"]
    assert plan_archive([], SOURCES, NO_MARKS, NOW).months == ()


def test_a_month_is_closed_from_the_first_instant_of_the_next():
    posts = [post("a", on(2, 28, hour=23))]
    just_before = plan_archive(posts, SOURCES, NO_MARKS, on(3, 1, hour=0) - timedelta(seconds=1))
    at_midnight = plan_archive(posts, SOURCES, NO_MARKS, on(3, 1, hour=0))
    assert not just_before.months[0].closed
    assert at_midnight.months[0].closed


def test_the_month_is_the_utc_one_and_december_rolls_into_january():
    # 23:30 on 28 February at UTC-1 is 00:30 on 1 March in UTC.
    late = datetime(2026, 2, 28, 23, 30, tzinfo=timezone(timedelta(hours=-1)))
    assert month_start(late) == on(3, 1, hour=0)
    assert next_month(on(12, 1, year=2025, hour=0)) == on(1, 1, hour=0)
    archive = plan_archive([post("a", on(12, 31, year=2025, hour=23))], SOURCES, NO_MARKS, NOW)
    assert archive.months[0].key == "2025-12"
    assert archive.months[0].end == on(1, 1, hour=0)


def test_the_archive_keeps_every_post_of_the_combined_feed_without_its_limit():
    posts = [post(str(n), NOW - timedelta(days=n)) for n in range(1, 120)]
    archive = plan_archive(posts, SOURCES, NO_MARKS, NOW)
    archived = [p.id for month in archive.months for p in month.entries]
    assert archived == [p.id for p in combined_selection(posts, SOURCES, None)]
    assert len(archived) == 119


def test_hidden_filtered_and_unconfigured_posts_are_left_out_and_pins_are_ignored():
    posts = [
        post("kept", on(2, 3)),
        post("hidden", on(2, 4)),
        post("advert", on(2, 5), partner=CFWR, title="An advert"),
        post("gone", on(2, 6), partner=attribution("gone", "Gone")),
        post("pinned", on(1, 6)),
    ]
    marks = EditorialMarks(
        hidden=frozenset({("scope", "hidden")}), pinned={("scope", "pinned"): NOW}
    )
    archive = plan_archive(posts, SOURCES, marks, NOW)
    assert [[p.id for p in month.entries] for month in archive.months] == [["kept"], ["pinned"]]
    assert not archive.months[1].entries[0].pinned
    # the selection the feeds share (with their pins) gives the same archive: pins ignored
    shared = select(posts, SOURCES, marks=marks)
    assert shared.pins
    assert plan_archive(posts, SOURCES, marks, NOW, selection=shared) == archive


def test_a_post_carried_by_two_partners_is_archived_once_with_joint_credit():
    link = "https://scope.example/guide/"
    posts = [post("g", on(2, 3), link=link), post("g2", on(2, 4), partner=CFWR, link=link)]
    (month,) = plan_archive(posts, SOURCES, NO_MARKS, NOW).months
    (only,) = month.entries
    assert only.attribution.name == "Scope"
    assert [a.name for a in only.also_via] == ["Cfwr"]


@given(
    st.lists(
        st.datetimes(
            min_value=datetime(2020, 1, 1),
            max_value=datetime(2026, 3, 11),
            timezones=st.just(UTC),
        ),
        max_size=40,
    )
)
def test_every_post_is_in_exactly_the_month_it_was_published_in(moments):
    posts = [post(str(n), moment) for n, moment in enumerate(moments)]
    archive = plan_archive(posts, SOURCES, NO_MARKS, NOW)
    seen = [p.id for month in archive.months for p in month.entries]
    assert sorted(seen) == sorted(p.id for p in posts)
    starts = [month.start for month in archive.months]
    assert starts == sorted(set(starts), reverse=True)
    for month in archive.months:
        assert month.entries
        assert all(month.start <= p.published < month.end for p in month.entries)
        assert month.closed == (month.end <= NOW)


def test_the_archive_follows_repost_similarity_and_reuses_the_posts_it_is_given():
    """Two partners' copies of one article (identical fingerprints, other links): one post
    in the archive while reposts are looked for, two with ``repost_similarity = false``."""
    signature = tuple(range(128))
    copies = [
        post("a", on(2, 3), fingerprint=signature),
        post("b", on(2, 4), partner=CFWR, fingerprint=signature),
    ]
    merged = plan_archive(copies, SOURCES, NO_MARKS, NOW, reposts=0.6)
    assert [e.id for e in merged.months[0].entries] == ["a"]
    apart = plan_archive(copies, SOURCES, NO_MARKS, NOW, reposts=None)
    assert [e.id for e in apart.months[0].entries] == ["b", "a"]
    # posts found once by the caller are used as given (here: none merged)
    given_posts = find_posts(copies, reposts=None)
    reused = plan_archive(copies, SOURCES, NO_MARKS, NOW, reposts=0.6, posts=given_posts)
    assert [e.id for e in reused.months[0].entries] == ["b", "a"]
