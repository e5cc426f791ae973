"""``explain``: why an entry is, or is not, in the combined feed, in plain words.

Against the partner feeds on 127.0.0.1 through the library and the real command, plus
pure cases the partner feeds do not contain (a tie on the publisher's site, a long post).
"""

from __future__ import annotations

from datetime import UTC, datetime

import copro_feeds
from copro_feeds import EntryState
from copro_feeds._editorial import quote, ref_of
from copro_feeds._explain import explain, take_survey
from copro_feeds._select import combined_selection
from copro_feeds._text import make_excerpt
from copro_feeds._types import EditorialMarks
from copro_feeds.config import SourceConfig
from tests.conftest import Project
from tests.factories import attribution, entry
from tests.test_cli import cli
from tests.test_editorial import (
    BASIC_INCOME_REF,
    GUIDE_COPY_REF,
    GUIDE_LINK,
    GUIDE_REF,
    PRICE_TAG_REF,
    configure,
    updated,
)

CLOCK = datetime(2026, 3, 5, 8, 15, tzinfo=UTC)


def explained(project: Project, ref: str) -> list[str]:
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config, clock=lambda: CLOCK) as aggregator:
        return list(aggregator.explain(ref).lines)


def test_a_published_entry(project):
    updated(project)
    feed = project.server.url("/scope/feed/")
    assert explained(project, PRICE_TAG_REF) == [
        f"{quote('Disability Price Tag 2026')} ({PRICE_TAG_REF}) is in the combined feed.",
        f"Source: Scope ({PRICE_TAG_REF}), from the feed {feed}, published 2026-02-27 12:00 UTC.",
        "Scope's filters: none set, so all its posts pass.",
        "No other partner's copy of this post was merged with it.",
        "Not hidden or pinned by an editor.",
        "It is number 4 of the 5 entries in the combined feed, which holds at most 50 "
        "([output] max_entries; pinned posts come first and are never cut).",
        "The excerpt is the first 12 of the post's 15 words, cut at a word boundary.",
    ]


def test_the_command_prints_the_same_sentences(project):
    updated(project)
    result = cli("explain", PRICE_TAG_REF, cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == explained(project, PRICE_TAG_REF)


def test_a_filtered_out_entry_names_the_word(project):
    configure(
        project,
        scope='exclude = ["price tag"]',
        scottish='include = ["gathering", "perth"]',
    )
    updated(project)
    price = explained(project, PRICE_TAG_REF)
    assert price[0] == (
        f"{quote('Disability Price Tag 2026')} ({PRICE_TAG_REF}) is not in the combined feed: "
        "its partner's filters leave it out."
    )
    assert (
        "Scope's filters: left out, the exclude word “price tag” is in its title, excerpt or "
        "categories." in price
    )
    assert not any(line.startswith("It is number") for line in price)
    copy = explained(project, GUIDE_COPY_REF)
    assert (
        "Scottish Co-production Network's filters: left out, none of the include words "
        "(“gathering”, “perth”) is in its title, excerpt or categories." in copy
    )
    gathering = explained(project, "https://scottish.test/news/gathering-2026")
    assert (
        "Scottish Co-production Network's filters: passed, the include word “gathering” is in "
        "its title, excerpt or categories." in gathering
    )
    # Scope's copy of the guide has no duplicate left to merge with.
    assert "No other partner's copy of this post was merged with it." in explained(
        project, GUIDE_REF
    )


def test_a_merged_duplicate_names_the_copy_used_and_why(project):
    updated(project)
    lines = explained(project, GUIDE_COPY_REF)
    assert lines[0] == (
        f"{quote('Via Scope: co-producing the cost of living guide')} ({GUIDE_COPY_REF}) is not "
        f"in the combined feed itself: it is merged into the copy from Scope ({GUIDE_REF}), "
        "which is."
    )
    assert lines[1] == f"The same post (the link {GUIDE_LINK}) came from 2 partners:"
    assert lines[2].startswith(f"  - Scope ({GUIDE_REF}), from the feed ")
    assert lines[3].startswith(f"  - Scottish Co-production Network ({GUIDE_COPY_REF}), ")
    assert (
        f"The 2 copies that passed their filters are merged into one entry, the copy from Scope "
        f"({GUIDE_REF}), because its link is on Scope's own site (scope.test). It credits the "
        "others too: also via Scottish Co-production Network." in lines
    )
    # The link names both copies: the one the feed shows is explained.
    by_link = explained(project, GUIDE_LINK)
    assert by_link[0].endswith(f"({GUIDE_REF}) is in the combined feed.")


def test_a_hidden_entry_says_who_when_and_why(project):
    updated(project)
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config, clock=lambda: CLOCK) as aggregator:
        aggregator.hide(GUIDE_REF, "Scope asked us to", by="ed")
    for ref in (GUIDE_REF, GUIDE_COPY_REF):
        lines = explained(project, ref)
        assert lines[0].endswith("is not in the combined feed: an editor hid it.")
        assert (
            "Hidden on 2026-03-05 08:15 UTC by ed, reason: “Scope asked us to”: it is left out "
            "of every output (combined, partner and tag feeds, web pages)." in lines
        )


def test_a_pinned_entry(project):
    updated(project)
    cli("pin", BASIC_INCOME_REF, "--reason", "campaign", "--by", "ed", cwd=project.root)
    lines = explained(project, BASIC_INCOME_REF)
    assert lines[0].endswith("is in the combined feed, pinned at the top.")
    assert any(
        line.startswith("Pinned on ")
        and line.endswith(
            " by ed, reason: “campaign”: it stays at the top of the feeds until unpinned."
        )
        for line in lines
    )
    assert any(line.startswith("It is number 1 of the 5 entries") for line in lines)


def test_an_entry_beyond_the_newest_n(project):
    configure(project, output="max_entries = 2")
    updated(project)
    lines = explained(project, BASIC_INCOME_REF)
    assert lines[0].endswith("is not in the combined feed: it is older than the newest 2 posts.")
    assert (
        "It is not among the newest 2 posts ([output] max_entries), so it has dropped out of "
        "the combined feed." in lines
    )


def test_an_entry_of_a_disabled_partner(project):
    updated(project)
    configure(project, cfwr="enabled = false")
    lines = explained(project, BASIC_INCOME_REF)
    assert lines[0].endswith("is not in the combined feed: its partner is disabled.")
    assert (
        "Centre for Welfare Reform is disabled (enabled = false in the config): none of its "
        "posts is used." in lines
    )


def test_how_the_excerpt_was_shortened(project):
    updated(project)
    assert explained(project, GUIDE_REF)[-1] == (
        "The excerpt is the first 12 of the post's 71 words, cut at a word boundary."
    )
    assert explained(project, GUIDE_COPY_REF)[-1] == "The excerpt is the whole post (10 words)."


def test_a_headline_only_partner(project):
    configure(project, scope='display = "headline"')
    updated(project)
    assert explained(project, PRICE_TAG_REF)[-1] == (
        'Only its title and the credit are republished (display = "headline").'
    )


# -- pure cases ----------------------------------------------------------------------------

SOURCES = [
    SourceConfig(key="a", name="Partner A", url="https://a.example/feed/"),
    SourceConfig(key="b", name="Partner B", url="https://b.example/feed/"),
]


def explain_among(entries, target):
    selection = combined_selection(entries, SOURCES, 50, marks=EditorialMarks())
    survey = take_survey(entries, SOURCES, selection, EditorialMarks(), 50)
    placed = next(p for p in survey.placed if p.entry == target)
    return explain(placed, survey, SOURCES, [])


def test_when_neither_copy_is_on_its_partners_site_the_first_published_wins():
    story = "https://news.example/story"
    early = entry(id="1", attribution=attribution("b", "Partner B"), link=story)
    late = entry(
        id="2",
        attribution=attribution("a", "Partner A"),
        link=story,
        published=datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
    )
    explanation = explain_among([late, early], late)
    assert explanation.entry.state is EntryState.MERGED
    assert explanation.entry.state_text == f"merged into {ref_of(early)}"
    assert [copy.entry for copy in explanation.copies] == [early, late]
    assert (
        f"The 2 copies that passed their filters are merged into one entry, the copy from "
        f"Partner B ({ref_of(early)}), because it was published first (2026-03-01 09:30 UTC). "
        "It credits the others too: also via Partner A." in explanation.lines
    )


def test_a_long_posts_excerpt_counts_with_thousands_separators():
    html = "<p>" + " ".join(f"word{n}" for n in range(1500)) + "</p>"
    long = entry(
        id="long", attribution=attribution("a", "Partner A"), content_html=html,
        excerpt=make_excerpt(html, 60),
    )  # fmt: skip
    explanation = explain_among([long], long)
    assert explanation.lines[-1] == (
        "The excerpt is the first 60 of the post's 1,500 words, cut at a word boundary."
    )
    assert explanation.text.endswith(explanation.lines[-1])
