"""The XSL view of the published Atom and RSS feeds (``feed.xsl``), applied with lxml as a
browser would: headline-only posts, licences, joint credit and per-entry language."""

from __future__ import annotations

import re
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
                attribution("awkward", "Awkward <b>&</b> 'Co'"),
            ),
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
def test_licence_shown_as_plain_text(published, name):
    page = view(published, name)
    licensed = articles(page)["A licensed post"]
    paragraphs = [p.text_content() for p in licensed.iter("p")]
    assert "Licence: CC BY 4.0" in paragraphs
    licence = next(p for p in licensed.iter("p") if p.text_content().startswith("Licence:"))
    assert list(licence.iter("a")) == []
    assert page.count("Licence:") == 1  # only the licensed post has one


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_every_partner_credited_each_linked(published, name):
    licensed = articles(view(published, name))["A licensed post"]
    assert credit(licensed) == (
        "Via Scope, Centre for \"Welfare\" & Reform and Awkward <b>&</b> 'Co'",
        [
            ("https://scope.example/", "Scope"),
            ("https://cfwr.example/", 'Centre for "Welfare" & Reform'),
            ("https://awkward.example/", "Awkward <b>&</b> 'Co'"),
        ],
    )


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_credit_is_the_last_via_paragraph(published, name):
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
