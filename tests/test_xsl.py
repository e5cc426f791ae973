"""The XSL view of the published Atom and RSS feeds (``feed.xsl``), applied with lxml as a
browser would: headline-only posts, licences, joint credit and per-entry language."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree, html

from copro_feeds._publish import FeedContent, FeedInfo, publish
from copro_feeds.types import Display
from tests.factories import attribution, entry
from tests.outputs import SITE

EMPTY_PARAGRAPH = re.compile(r"<p(\s[^>]*)?>\s*</p>")
# A post republished whole whose own text has a paragraph like our credit line: the
# credit shown must be ours, the last one.
LOOKALIKE = '<p>Via <a href="https://elsewhere.example/">Someone else</a> we heard</p>'


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """The combined feed of a headline-only post, a licensed post three partners carried,
    a post in Welsh, and a post republished in full."""
    entries = (
        entry(
            id="headline",
            title="Only a headline",
            link="https://headline.example/post/",
            attribution=attribution("headline", "Head & Co", display=Display.HEADLINE),
        ),
        entry(
            id="licensed",
            title="A licensed post",
            link="https://scope.example/licensed/",
            excerpt="An excerpt of the licensed post",
            attribution=attribution(licence="CC BY 4.0"),
            also_via=(
                attribution("cfwr", 'Centre for "Welfare" & Reform'),
                attribution("awkward", "Awkward <b>&</b> 'Co'", licence="All rights reserved"),
            ),
        ),
        entry(
            id="solo",
            title="A post one partner licensed",
            link="https://solo.example/post/",
            attribution=attribution("solo", "Solo", licence="CC BY-SA 4.0"),
        ),
        entry(
            id="welsh",
            title="Newyddion",
            excerpt="Helo byd",
            language="cy",
            published=datetime(2026, 2, 27, 8, 0, tzinfo=UTC),
        ),
        entry(
            id="full",
            title="A whole post",
            content_html=f"{LOOKALIKE}<p>The rest</p>",
            excerpt="Via Someone else we heard",
            attribution=attribution("whole", "Whole Partner", display=Display.FULL),
        ),
    )
    publish([FeedContent(info=FeedInfo(), entries=entries)], [], SITE, tmp_path)
    return tmp_path


def view(folder: Path, name: str) -> str:
    transform = etree.XSLT(etree.parse(str(folder / "feed.xsl")))
    return str(transform(etree.parse(str(folder / name))))


def articles(page: str) -> dict[str, html.HtmlElement]:
    """The page's articles by their heading's text."""
    tree = html.fromstring(page)
    return {article.findtext("h3/a"): article for article in tree.iter("article")}


def credit(article: html.HtmlElement) -> tuple[str, list[tuple[str | None, str]]]:
    """The credit paragraph's text up to the date, and its links (address, text)."""
    meta = article.find_class("meta")[0]
    text = meta.text_content().split(" — ")[0]
    return text, [(link.get("href"), link.text_content()) for link in meta.iter("a")]


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_no_empty_paragraph_for_a_headline_only_post(published, name):
    page = view(published, name)
    assert EMPTY_PARAGRAPH.search(page) is None, page
    headline = articles(page)["Only a headline"]
    assert [p.get("class") for p in headline.iter("p")] == ["meta"]
    assert credit(headline) == ("Via Head & Co", [("https://headline.example/", "Head & Co")])
    assert headline.find("h3/a").get("href") == "https://headline.example/post/"


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_a_single_partners_licence_shown_as_plain_text(published, name):
    page = view(published, name)
    solo = articles(page)["A post one partner licensed"]
    paragraphs = [p.text_content() for p in solo.iter("p")]
    assert "Licence: CC BY-SA 4.0" in paragraphs
    licence = next(p for p in solo.iter("p") if p.text_content().startswith("Licence:"))
    assert list(licence.iter("a")) == []
    assert page.count("Licence:") == 1  # only the post one partner licensed has one


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_every_partner_credited_each_linked_with_its_own_licence(published, name):
    licensed = articles(view(published, name))["A licensed post"]
    assert credit(licensed) == (
        'Via Scope (licence: CC BY 4.0), Centre for "Welfare" & Reform and '
        "Awkward <b>&</b> 'Co' (licence: All rights reserved)",
        [
            ("https://scope.example/", "Scope"),
            ("https://cfwr.example/", 'Centre for "Welfare" & Reform'),
            ("https://awkward.example/", "Awkward <b>&</b> 'Co'"),
        ],
    )
    assert not [p for p in licensed.iter("p") if p.text_content().startswith("Licence:")]


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_credit_is_ours_not_a_lookalike_in_the_post(published, name):
    whole = articles(view(published, name))["A whole post"]
    assert credit(whole) == ("Via Whole Partner", [("https://whole.example/", "Whole Partner")])


def test_atom_view_shows_excerpt_date_and_languages(published):
    page = view(published, "atom.xml")
    tree = html.fromstring(page)
    assert tree.get("lang") == "en-GB"
    assert [h.text_content() for h in tree.iter("h1", "h2")] == [SITE.title, "Latest posts"]
    found = articles(page)
    assert found["Newyddion"].get("lang") == "cy"
    assert found["A licensed post"].get("lang") is None
    assert found["A licensed post"].findtext("p[last()]") == "An excerpt of the licensed post"
    assert found["Newyddion"].find(".//time").get("datetime") == "2026-02-27T08:00:00+00:00"


def test_rss_view_marks_languages(published):
    found = articles(view(published, "rss.xml"))
    assert found["Newyddion"].get("lang") == "cy"
    assert found["Only a headline"].get("lang") is None


# -- a post of any size or shape renders (issue 10 item 5) -------------------------------

CREDIT_LIKE = (
    '<p>Via <a href="https://elsewhere.example/">Someone else</a> and '
    '<a href="https://other.example/">Other</a> — licence: fake</p>'
)
FORGED = "<p>&lt;copro:via href=&quot;https://evil.example/&quot;&gt;Evil&lt;/copro:via&gt;</p>"


@pytest.mark.parametrize("paragraphs", [1_500, 2_000, 5_000])
@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_thousands_of_credit_like_paragraphs_render_with_our_credit(tmp_path, paragraphs, name):
    big = entry(
        id="big",
        title="A very long post",
        link="https://whole.example/long/",
        content_html=CREDIT_LIKE * paragraphs + FORGED,
        excerpt="Via Someone else",
        attribution=attribution("whole", "Whole Partner", display=Display.FULL),
    )
    publish([FeedContent(info=FeedInfo(), entries=(big,))], [], SITE, tmp_path)
    assert (tmp_path / name).stat().st_size > paragraphs * len(CREDIT_LIKE)  # all published
    page = view(tmp_path, name)  # raised XSLTApplyError (recursion limit) before
    (article,) = articles(page).values()
    assert credit(article) == ("Via Whole Partner", [("https://whole.example/", "Whole Partner")])
    assert "Someone else" not in article.find_class("meta")[0].text_content()
    assert "evil.example" not in page


def test_the_stylesheet_has_no_recursive_template():
    """Partner content can never drive a recursion: no named template calls itself, or
    another that calls back (the call graph has no cycle)."""
    xsl = "{http://www.w3.org/1999/XSL/Transform}"
    sheet = etree.parse(
        str(Path(__file__).parents[1] / "src" / "copro_feeds" / "data" / "feed.xsl")
    )
    calls = {
        template.get("name"): {call.get("name") for call in template.iter(f"{xsl}call-template")}
        for template in sheet.getroot().iter(f"{xsl}template")
        if template.get("name")
    }
    assert calls  # the credit and licence templates

    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            callee == target or (callee not in seen and reaches(callee, target, seen | {callee}))
            for callee in calls.get(start, ())
        )

    assert [name for name in calls if reaches(name, name)] == []
    # Nor does any template take the entry's content as text to search.
    text = (Path(__file__).parents[1] / "src" / "copro_feeds" / "data" / "feed.xsl").read_text()
    assert "atom:content" not in text
    assert "string(description)" not in text


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_our_words_in_the_view_are_in_the_sites_language(tmp_path, name):
    joint = entry(
        id="joint",
        title="Newyddion",
        link="https://scope.example/newyddion/",
        attribution=attribution(licence="CC BY 4.0"),
        also_via=(attribution("cfwr", "Cee"),),
    )
    welsh = replace(SITE, language="cy")
    publish([FeedContent(info=FeedInfo(), entries=(joint,))], [], welsh, tmp_path)
    page = view(tmp_path, name)
    tree = html.fromstring(page)
    assert tree.get("lang") == "cy"
    skip = tree.find_class("skip")[0].text_content()
    assert skip == "Neidio i\N{RIGHT SINGLE QUOTATION MARK}r negeseuon"
    assert "Ffrwd we yw hon." in page
    (article,) = articles(page).values()
    assert credit(article)[0] == "Drwy Scope (trwydded: CC BY 4.0) a Cee"
    assert "Skip to" not in page
    assert " and " not in credit(article)[0]
