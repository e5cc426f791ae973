"""Editorial control: entry references, hide/unhide, pin/unpin and the audit log.

The end-to-end tests run the real ``copro-feeds`` command against the partner feeds on
127.0.0.1 and read the published files.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import feedparser
import pytest

import copro_feeds
from copro_feeds import AmbiguousEntryError, EditorialAction, EntryNotFoundError, EntryState
from copro_feeds._editorial import changes, every_copy, quote, ref_of, resolve, short_ref
from copro_feeds._publish._model import published_id
from copro_feeds.config import SiteConfig
from tests.conftest import RSS, Project
from tests.factories import attribution, entry
from tests.test_cli import cli

GUIDE_LINK = "https://scope.test/blog/cost-of-living-guide/"
# As Scope's feed writes it: with tracking parameters (and we add a fragment).
GUIDE_AS_WRITTEN = GUIDE_LINK + "?utm_source=rss&utm_medium=rss#comments"
GUIDE_REF = short_ref("scope", "https://scope.test/?p=101")
GUIDE_COPY_REF = short_ref("scottish-co-production-network", GUIDE_LINK)
BASIC_INCOME_REF = short_ref("centre-for-welfare-reform", "tag:cfwr.test,2026:library/basic-income")
PRICE_TAG_REF = short_ref("scope", "https://scope.test/?p=100")


def configure(
    project: Project,
    *,
    scope: str = "",
    cfwr: str = "",
    scottish: str = "",
    output: str = "",
    more: str = "",
) -> None:
    """The three partners of the ``project`` fixture, with extra keys for each."""
    url = project.server.url
    project.write_config(f"""
[[sources]]
name = "Scope"
url = "{url("/scope/feed/")}"
homepage = "https://scope.test/"
tags = ["disability"]
{scope}

[[sources]]
name = "Centre for Welfare Reform"
url = "{url("/cfwr/atom.xml")}"
{cfwr}

[[sources]]
name = "Scottish Co-production Network"
url = "{url("/scottish/rss.xml")}"
{scottish}
{more}
""")
    if output:
        text = project.config_path.read_text()
        project.config_path.write_text(
            text.replace("excerpt_words = 12", f"excerpt_words = 12\n{output}")
        )


def updated(project: Project) -> None:
    result = cli("update", cwd=project.root)
    assert result.returncode == 0, result.stderr


def outputs_mentioning(public: Path, text: str) -> set[str]:
    """The published feeds and pages (relative paths) whose text contains ``text``."""
    return {
        str(path.relative_to(public))
        for path in public.rglob("*")
        if path.suffix in (".xml", ".json", ".html") and text in path.read_text(encoding="utf-8")
    }


def atom_titles(project: Project) -> list[str]:
    parsed = feedparser.parse(io.BytesIO((project.public / "atom.xml").read_bytes()))
    assert not parsed.bozo
    return [item.title for item in parsed.entries]


# -- references (pure) ------------------------------------------------------------------

ORIGINAL = entry(id="https://scope.example/?p=1", link="https://scope.example/blog/post-1/")
COPY = entry(id="copy-1", attribution=attribution("other", "Other"), link=ORIGINAL.link)
SECOND = entry(id="post-2", link="https://scope.example/blog/post-2/", title="Second")
STORED = [ORIGINAL, COPY, SECOND]


def test_a_short_ref_is_the_source_key_and_the_start_of_the_published_id():
    site = SiteConfig(title="t", link="https://copro.test/")
    assert re.fullmatch(r"scope/[0-9a-f]{10}", ref_of(ORIGINAL))
    assert published_id(ORIGINAL, site).startswith(f"tag:copro.test,2026:{ref_of(ORIGINAL)}")


@pytest.mark.parametrize(
    "reference",
    [
        ref_of(SECOND),
        ref_of(SECOND)[: len("scope/") + 6],  # a unique prefix of 6 digits is enough
        ref_of(SECOND).upper().replace("SCOPE", "scope"),
        published_id(SECOND, SiteConfig(title="t", link="https://copro.test/")),
        "post-2",  # the partner's own id
        "  https://scope.example/blog/post-2/?utm_campaign=x#top ",
    ],
)
def test_every_kind_of_reference_names_the_entry(reference):
    assert resolve(reference, STORED) == [SECOND]


def test_a_link_names_every_copy_of_the_post():
    assert resolve("https://SCOPE.example/blog/post-1/?utm_source=feed", STORED) == [
        ORIGINAL,
        COPY,
    ]
    assert every_copy(STORED, resolve(ref_of(COPY), STORED)) == [ORIGINAL, COPY]


def test_an_unknown_reference_says_what_to_give():
    with pytest.raises(EntryNotFoundError, match=r"no stored entry matches 'nope': give its link"):
        resolve("nope", STORED)
    with pytest.raises(EntryNotFoundError, match="at least 6 of its hex digits"):
        resolve(ref_of(SECOND)[: len("scope/") + 3], STORED)


def test_a_reference_naming_two_posts_lists_them():
    clash = entry(id="post-2", attribution=attribution("other", "Other"), title="Not the same")
    with pytest.raises(AmbiguousEntryError, match="matches 2 different posts") as caught:
        resolve("post-2", [SECOND, clash])
    assert caught.value.candidates == (
        f"{ref_of(SECOND)} {quote('Second')}",
        f"{ref_of(clash)} {quote('Not the same')}",
    )
    assert isinstance(caught.value, EntryNotFoundError)


# -- end to end --------------------------------------------------------------------------


def test_hide_by_link_takes_every_copy_out_of_every_output(project):
    updated(project)
    before = outputs_mentioning(project.public, GUIDE_LINK)
    assert {"atom.xml", "rss.xml", "feed.json", "index.html"} <= before
    assert "sources/scottish-co-production-network/atom.xml" in before
    assert "tags/disability/atom.xml" in before
    result = cli(
        "hide", GUIDE_AS_WRITTEN, "--reason", "Scope asked us to", "--by", "ed", cwd=project.root
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        f"Hidden {quote('Via Scope: co-producing the cost of living guide')} from Scottish "
        f"Co-production Network ({GUIDE_COPY_REF}).",
        f"Hidden {quote('Co-producing the cost of living guide')} from Scope ({GUIDE_REF}).",
        "Reason: Scope asked us to",
    ]
    assert "the post is gone from every output" in result.stdout
    assert outputs_mentioning(project.public, GUIDE_LINK) == set()
    assert outputs_mentioning(project.public, "cost of living guide") == set()
    log = cli("log", cwd=project.root).stdout.splitlines()
    assert log[0].split()[:6] == ["time", "(UTC)", "action", "by", "ref", "title"]
    assert len(log) == 3
    assert [line.split()[1:4] for line in log[1:]] == [
        ["hide", "ed", GUIDE_COPY_REF],
        ["hide", "ed", GUIDE_REF],
    ]
    assert all(line.endswith("Scope asked us to") for line in log[1:])
    hidden = cli("entries", "--state", "hidden", cwd=project.root).stdout.splitlines()
    assert [line.split()[-1] for line in hidden[1:]] == ["guide", "guide"]
    again = cli("hide", GUIDE_REF, "--reason", "again", cwd=project.root)
    assert again.stdout.startswith(
        f"Nothing to do: {quote('Co-producing the cost of living guide')}"
    )
    assert len(cli("log", cwd=project.root).stdout.splitlines()) == 3

    back = cli("unhide", GUIDE_COPY_REF, "--reason", "corrected", cwd=project.root)
    assert back.returncode == 0, back.stderr
    assert (
        back.stdout.count("Unhidden \N{LEFT SINGLE QUOTATION MARK}") == 2
    )  # every copy, whichever copy was named
    assert outputs_mentioning(project.public, GUIDE_LINK) == before
    assert [line.split()[1] for line in cli("log", cwd=project.root).stdout.splitlines()[1:]] == [
        "hide",
        "hide",
        "unhide",
        "unhide",
    ]


def test_pin_puts_an_old_post_first_until_unpinned(project):
    updated(project)
    assert atom_titles(project)[0] == "Co-producing the cost of living guide"
    assert atom_titles(project)[-1] == "Basic income and disabled people"
    pinned = cli("pin", BASIC_INCOME_REF, "--reason", "our campaign", cwd=project.root)
    assert pinned.returncode == 0, pinned.stderr
    assert pinned.stdout.startswith(
        f"Pinned {quote('Basic income and disabled people')} from Centre for Welfare Reform "
        f"({BASIC_INCOME_REF})."
    )
    assert atom_titles(project)[0] == "Basic income and disabled people"
    feed = (project.public / "sources/centre-for-welfare-reform/atom.xml").read_text()
    assert feed.index("Basic income") < feed.index("Citizenship")
    cli("unpin", BASIC_INCOME_REF, cwd=project.root)
    assert atom_titles(project)[0] == "Co-producing the cost of living guide"
    assert atom_titles(project)[-1] == "Basic income and disabled people"


def test_pinned_posts_are_never_cut_by_max_entries(project):
    configure(project, output="max_entries = 2")
    updated(project)
    cli("pin", BASIC_INCOME_REF, cwd=project.root)
    assert atom_titles(project) == [
        "Basic income and disabled people",
        "Co-producing the cost of living guide",
    ]


def test_without_publishing_the_next_update_applies_it(project):
    """``--no-publish``: the daemon's next cycle (an update with nothing new) publishes."""
    updated(project)
    result = cli("hide", GUIDE_LINK, "--reason", "r", "--no-publish", cwd=project.root)
    assert "Not published yet (--no-publish)" in result.stdout
    assert GUIDE_LINK in (project.public / "atom.xml").read_text()
    update = cli("update", "--all", cwd=project.root)
    assert "entries: 0 new, 0 updated" in update.stdout
    assert GUIDE_LINK not in (project.public / "atom.xml").read_text()


def test_unknown_and_ambiguous_references_are_one_line_and_exit_1(project):
    copier = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Copier</title>
<link>https://copier.test/</link><description>d</description>
<item><title>Price tag, again</title><link>https://copier.test/price-tag</link>
<guid isPermaLink="false">https://scope.test/?p=100</guid>
<pubDate>Sat, 28 Feb 2026 12:00:00 +0000</pubDate><description>Copied.</description></item>
</channel></rss>"""
    project.server.serve("/copier/rss.xml", copier, content_type=RSS)
    configure(
        project,
        more=f'[[sources]]\nname = "Copier"\nurl = "{project.server.url("/copier/rss.xml")}"',
    )
    updated(project)
    unknown = cli("hide", "https://nowhere.test/post", "--reason", "r", cwd=project.root)
    assert unknown.returncode == 1
    assert unknown.stderr == (
        "copro-feeds: error: no stored entry matches 'https://nowhere.test/post': give its "
        "link, or its ref as `copro-feeds entries` shows it\n"
    )
    ambiguous = cli("explain", "https://scope.test/?p=100", cwd=project.root)
    assert ambiguous.returncode == 1
    assert ambiguous.stderr.count("\n") == 1
    assert "matches 2 different posts" in ambiguous.stderr
    assert f"{PRICE_TAG_REF} {quote('Disability Price Tag 2026')}" in ambiguous.stderr
    assert f"{short_ref('copier', 'https://scope.test/?p=100')} {quote('Price tag, again')}" in (
        ambiguous.stderr
    )
    assert cli("log", cwd=project.root).stdout == "no editorial actions yet\n"


def test_hide_needs_a_reason(project):
    updated(project)
    for args in (("hide", GUIDE_REF), ("hide", GUIDE_REF, "--reason", "  ")):
        result = cli(*args, cwd=project.root)
        assert result.returncode == 2
        assert "--reason" in result.stderr
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        with pytest.raises(ValueError, match="reason"):
            aggregator.hide(GUIDE_REF, " ")
        with pytest.raises(ValueError, match="reason"):  # the one entry point of all four
            aggregator.edit(EditorialAction.HIDE, GUIDE_REF, None)
        assert aggregator.audit_log() == []  # nothing was hidden


def test_the_library_acts_and_reports_the_same(project):
    updated(project)
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        [record] = aggregator.pin(PRICE_TAG_REF, by="lib")
        assert (record.action, record.ref, record.title, record.by, record.reason) == (
            EditorialAction.PIN,
            PRICE_TAG_REF,
            "Disability Price Tag 2026",
            "lib",
            None,
        )
        assert aggregator.entries()[0].pinned
        assert aggregator.entries()[0].title == "Disability Price Tag 2026"
        records = aggregator.hide(GUIDE_LINK, "takedown")
        assert {r.ref for r in records} == {GUIDE_REF, GUIDE_COPY_REF}
        assert GUIDE_LINK not in {e.link for e in aggregator.entries()}
        states = {p.ref: p.state for p in aggregator.stored_entries()}
        assert states[GUIDE_REF] is states[GUIDE_COPY_REF] is EntryState.HIDDEN
        assert states[PRICE_TAG_REF] is EntryState.PINNED
        assert aggregator.audit_log() == [record, *records]
        assert [p.ref for p in aggregator.find_entries(GUIDE_AS_WRITTEN)] == [
            GUIDE_COPY_REF,
            GUIDE_REF,
        ]
        assert aggregator.unpin(PRICE_TAG_REF)[0].action is EditorialAction.UNPIN
        assert aggregator.unpin(PRICE_TAG_REF) == []


@pytest.mark.parametrize(
    ("action", "hidden", "pinned", "expected"),
    [
        (EditorialAction.HIDE, False, True, True),
        (EditorialAction.HIDE, True, False, False),
        (EditorialAction.UNHIDE, True, False, True),
        (EditorialAction.UNHIDE, False, True, False),
        (EditorialAction.PIN, True, False, True),
        (EditorialAction.PIN, False, True, False),
        (EditorialAction.UNPIN, False, True, True),
        (EditorialAction.UNPIN, True, False, False),
    ],
)
def test_changes_says_which_actions_change_an_entry(action, hidden, pinned, expected):
    assert changes(action, hidden=hidden, pinned=pinned) is expected
