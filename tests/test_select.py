"""What each feed holds: filters, one entry per post with joint credit, editors' hidden and
pinned posts, and the limit (see ``copro_feeds._select``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._select import combined_selection, plan_feeds, select
from copro_feeds._types import EditorialMarks
from copro_feeds.config import SiteConfig, SourceConfig
from tests.factories import attribution, entry

BASE = datetime(2026, 3, 1, tzinfo=UTC)
SITE = SiteConfig(title="Partners' news", link="https://copro.example/")
SCOPE, SCOTTISH, CFWR = attribution("scope"), attribution("scottish"), attribution("cfwr")
SOURCES = (
    SourceConfig(key="scope", name="Scope", url="https://scope.example/feed/", tags=("care",)),
    SourceConfig(key="scottish", name="SCN", url="https://scottish.example/feed/", tags=("care",)),
    SourceConfig(key="cfwr", name="CfWR", url="https://cfwr.example/feed/", exclude=("jobs",)),
)


def post(key: str, n: int, *, link: str | None = None, hours: int = 0, **overrides):
    """Entry ``<key>-<n>``, published ``hours`` after BASE, linked to its own page."""
    partner = {"scope": SCOPE, "scottish": SCOTTISH, "cfwr": CFWR}[key]
    moment = BASE + timedelta(hours=hours)
    return entry(
        id=f"{key}-{n}",
        attribution=partner,
        link=link or f"https://{key}.example/{n}",
        published=moment,
        updated=moment,
        **overrides,
    )


SHARED = "https://scope.example/shared"
ENTRIES = [
    post("scope", 1, hours=1),
    post("scope", 2, hours=5, link=SHARED),
    post("scottish", 1, hours=6, link=SHARED),  # a copy of scope-2
    post("scottish", 2, hours=3),
    post("cfwr", 1, hours=4),
    post("cfwr", 2, hours=9, title="We are hiring", categories=("Jobs",)),  # filtered out
]


def ids(entries) -> list[str]:
    return [e.id for e in entries]


NO_MARKS = EditorialMarks()


def feeds_by_folder(marks=NO_MARKS, limit=50, entries=ENTRIES):
    return {
        feed.info.folder: feed.entries
        for feed in plan_feeds(entries, SOURCES, SITE, limit, marks=marks)
    }


def test_without_marks_newest_first_one_per_post_filters_applied():
    assert ids(combined_selection(ENTRIES, SOURCES, None)) == [
        "scope-2",
        "cfwr-1",
        "scottish-2",
        "scope-1",
    ]
    assert ids(combined_selection(ENTRIES, SOURCES, 2)) == ["scope-2", "cfwr-1"]
    feeds = feeds_by_folder()
    assert ids(feeds[""]) == ids(combined_selection(ENTRIES, SOURCES, 50))
    assert ids(feeds["sources/scottish/"]) == ["scottish-1", "scottish-2"]
    assert ids(feeds["tags/care/"]) == ["scope-2", "scottish-2", "scope-1"]


def test_joint_credit_on_combined_and_tag_feeds_not_on_a_partners_own():
    feeds = feeds_by_folder()
    (shared,) = [e for e in feeds[""] if e.link == SHARED]
    assert shared.also_via == (SCOTTISH,)
    (tagged,) = [e for e in feeds["tags/care/"] if e.link == SHARED]
    assert tagged.also_via == (SCOTTISH,)
    assert all(e.also_via == () for e in feeds["sources/scottish/"])
    assert all(e.also_via == () for e in feeds["sources/scope/"])


def test_hiding_one_copy_takes_the_post_down_from_every_feed():
    marks = EditorialMarks(hidden=frozenset({("scottish", "scottish-1")}))
    feeds = feeds_by_folder(marks)
    for folder, entries in feeds.items():
        assert SHARED not in {e.link for e in entries}, folder
    assert ids(feeds["sources/scope/"]) == ["scope-1"]  # the winner's own feed too
    assert ids(feeds["sources/scottish/"]) == ["scottish-2"]
    assert ids(combined_selection(ENTRIES, SOURCES, None, marks=marks)) == [
        "cfwr-1",
        "scottish-2",
        "scope-1",
    ]


def test_hiding_a_filtered_entry_or_an_unknown_key_changes_nothing_else():
    marks = EditorialMarks(hidden=frozenset({("cfwr", "cfwr-2"), ("nobody", "x")}))
    assert feeds_by_folder(marks) == feeds_by_folder()


def test_pinned_posts_come_first_latest_pin_first_and_are_marked():
    marks = EditorialMarks(
        pinned={
            ("scope", "scope-1"): BASE + timedelta(days=1),
            ("scottish", "scottish-1"): BASE + timedelta(days=2),  # pins the shared post
        }
    )
    selected = combined_selection(ENTRIES, SOURCES, None, marks=marks)
    assert ids(selected) == ["scope-2", "scope-1", "cfwr-1", "scottish-2"]
    assert [e.pinned for e in selected] == [True, True, False, False]
    assert selected[0].also_via == (SCOTTISH,)  # a pin does not change the winner
    feeds = feeds_by_folder(marks)
    assert ids(feeds["tags/care/"]) == ["scope-2", "scope-1", "scottish-2"]
    assert ids(feeds["sources/scope/"]) == ["scope-2", "scope-1"]
    assert ids(feeds["sources/scottish/"]) == ["scottish-1", "scottish-2"]
    assert [e.pinned for e in feeds["sources/scottish/"]] == [True, False]
    assert not any(e.pinned for e in feeds["sources/cfwr/"])


def test_feeds_planned_from_a_selection_found_before_are_the_same():
    marks = EditorialMarks(
        hidden=frozenset({("cfwr", "cfwr-1")}), pinned={("scottish", "scottish-2"): BASE}
    )
    selection = select(ENTRIES, SOURCES, marks=marks)
    assert plan_feeds(ENTRIES, SOURCES, SITE, 2, selection=selection) == plan_feeds(
        ENTRIES, SOURCES, SITE, 2, marks=marks
    )
    assert combined_selection(ENTRIES, SOURCES, 2, selection=selection) == combined_selection(
        ENTRIES, SOURCES, 2, marks=marks
    )
    assert ids(combined_selection(ENTRIES, SOURCES, 2, selection=selection)) == [
        "scottish-2",
        "scope-2",
    ]


def test_pins_count_toward_the_limit_but_are_never_cut():
    marks = EditorialMarks(
        pinned={("scope", "scope-1"): BASE, ("scottish", "scottish-2"): BASE + timedelta(1)}
    )
    assert ids(combined_selection(ENTRIES, SOURCES, 3, marks=marks)) == [
        "scottish-2",
        "scope-1",
        "scope-2",
    ]
    assert ids(combined_selection(ENTRIES, SOURCES, 1, marks=marks)) == ["scottish-2", "scope-1"]
    feeds = feeds_by_folder(marks, limit=1)
    assert ids(feeds[""]) == ["scottish-2", "scope-1"]
    assert ids(feeds["sources/scope/"]) == ["scope-1"]
    assert ids(feeds["sources/cfwr/"]) == ["cfwr-1"]


def test_a_hidden_post_stays_hidden_even_when_pinned():
    marks = EditorialMarks(
        hidden=frozenset({("scope", "scope-2")}), pinned={("scottish", "scottish-1"): BASE}
    )
    selected = combined_selection(ENTRIES, SOURCES, None, marks=marks)
    assert SHARED not in {e.link for e in selected}
    assert not any(e.pinned for e in selected)


def test_pinning_a_filtered_out_entry_does_not_publish_it():
    marks = EditorialMarks(pinned={("cfwr", "cfwr-2"): BASE})
    assert "cfwr-2" not in ids(combined_selection(ENTRIES, SOURCES, None, marks=marks))


entry_strategy = st.builds(
    lambda i, link, key, hours: post(
        key, i, link=f"https://scope.example/{link}" if link is not None else None, hours=hours
    ),
    st.integers(0, 15),
    st.one_of(st.none(), st.integers(0, 4)),
    st.sampled_from(["scope", "scottish", "cfwr"]),
    st.integers(0, 100),
)


@given(
    st.lists(entry_strategy, max_size=25, unique_by=lambda e: (e.source_key, e.id)),
    st.randoms(),
    st.integers(1, 30),
    st.data(),
)
def test_selection_is_order_independent_and_honours_every_mark(entries, rng, limit, data):
    keys = sorted({(e.source_key, e.id) for e in entries})
    hidden = data.draw(st.frozensets(st.sampled_from(keys)) if keys else st.just(frozenset()))
    pinned_keys = data.draw(st.lists(st.sampled_from(keys), unique=True) if keys else st.just([]))
    marks = EditorialMarks(
        hidden=hidden,
        pinned={key: BASE + timedelta(minutes=i) for i, key in enumerate(pinned_keys)},
    )
    selected = combined_selection(entries, SOURCES, limit, marks=marks)
    shuffled = list(entries)
    rng.shuffle(shuffled)
    assert combined_selection(shuffled, SOURCES, limit, marks=marks) == selected
    hidden_links = {e.link for e in entries if (e.source_key, e.id) in hidden}
    pinned_links = {e.link for e in entries if (e.source_key, e.id) in marks.pinned} - hidden_links
    links = [e.link for e in selected]
    assert len(links) == len(set(links))  # one per post (every entry here has a link)
    assert not hidden_links & set(links)
    visible = combined_selection(entries, SOURCES, None, marks=marks)
    pinned_visible = [e for e in visible if e.link in pinned_links]
    assert [e.pinned for e in visible] == [e.link in pinned_links for e in visible]
    assert selected[: len(pinned_visible)] == pinned_visible  # pinned first, none cut
    assert len(selected) == max(limit, len(pinned_visible)) or selected == visible


def test_a_feed_per_site_language_holds_the_posts_in_it_and_the_combined_keeps_all():
    bilingual = replace(SITE, language="cy", languages=("cy", "en"))
    posts = [
        post("scope", 1, hours=1, language="cy"),
        post("scope", 2, hours=2, language="en-GB"),
        post("scottish", 1, hours=3, language="CY"),
        post("scottish", 2, hours=4),  # no language: neither (the detector runs before)
        post("cfwr", 1, hours=5, language="fr"),
    ]
    planned = {feed.info.folder: feed for feed in plan_feeds(posts, SOURCES, bilingual, 50)}
    assert ids(planned["lang/cy/"].entries) == ["scottish-1", "scope-1"]
    assert ids(planned["lang/en/"].entries) == ["scope-2"]
    assert len(planned[""].entries) == 5
    welsh = planned["lang/cy/"].info
    assert welsh.title == "Partners' news (Cymraeg)"  # in the site's language, Welsh
    assert ("Negeseuon (Saesneg)", "lang/en/") in planned[""].info.related
    assert not {folder for folder in feeds_by_folder() if folder.startswith("lang/")}
