"""``_filter``: a source's include and exclude words, case-insensitive, over the title,
excerpt and categories (end to end through a run: tests/test_feed_rules.py)."""

from __future__ import annotations

import pytest

from copro_feeds._filter import FilterVerdict, filter_verdict, first_match, passes_filters
from tests.factories import entry

POST = entry(title="Robots at the Museum", excerpt="A day out.", categories=("Events",))


@pytest.mark.parametrize(
    ("words", "found"),
    [
        (["museum"], "museum"),  # title, another case
        (["DAY OUT"], "DAY OUT"),  # excerpt
        (["events"], "events"),  # a category
        (["sport", "robots"], "robots"),  # the first word that is found
        (["sport"], None),
        ([], None),
    ],
)
def test_first_match(words: list[str], found: str | None) -> None:
    assert first_match(POST, words) == found


def test_no_lists_keep_everything() -> None:
    assert passes_filters(POST, [], [])


def test_include_keeps_only_matching_entries() -> None:
    assert passes_filters(POST, ["robots", "sport"], [])
    assert not passes_filters(POST, ["sport"], [])


def test_exclude_wins_over_include() -> None:
    assert not passes_filters(POST, ["robots"], ["museum"])
    assert passes_filters(POST, ["robots"], ["sport"])


def test_the_verdict_names_the_deciding_words_and_agrees_with_passes_filters() -> None:
    cases = [([], []), (["robots"], []), (["sport"], []), (["robots"], ["events"]), ([], ["x"])]
    for include, exclude in cases:
        verdict = filter_verdict(POST, include, exclude)
        assert verdict.kept == passes_filters(POST, include, exclude), (include, exclude)
    assert filter_verdict(POST, ["sport", "robots"], ["events"]) == FilterVerdict(
        kept=False, included="robots", excluded="events"
    )
    assert filter_verdict(POST, ["sport"], []) == FilterVerdict(
        kept=False, included=None, excluded=None
    )
