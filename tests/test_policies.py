"""Each partner's display policy (excerpt, headline, full) and licence, in all four formats:
Atom, RSS, JSON Feed and the HTML page, each output valid and read back."""

from __future__ import annotations

import itertools
import re

import pytest

from copro_feeds._text import rebase_headings, sanitise_html
from copro_feeds.types import Display
from tests.factories import attribution, entry
from tests.outputs import ATOM, CONTENT, DC, render_all, text_of

EXCERPT = "Hello and welcome to the guide"
BODY = (
    "<p>Hello and welcome to the guide.</p><h1>Part one</h1><p>The <b>whole</b> text, "
    'with <a href="https://scope.example/more">a link</a>.</p><h2>Part two</h2><p>The end.</p>'
)
SAFE_BODY = sanitise_html(BODY)  # as stored: links gain rel="noopener noreferrer"
HEADING = re.compile(r"^h([1-6])$")


def post(display: Display, licence: str | None = None, **overrides):
    values = {
        "attribution": attribution("scope", "Scope", display=display, licence=licence),
        "content_html": BODY,
        "excerpt": EXCERPT,
    }
    values.update(overrides)
    return entry(**values)


def test_excerpt_is_the_default_everywhere():
    out = render_all([post(Display.EXCERPT)])
    (atom,) = out.atom_parsed.entries
    assert atom.summary == EXCERPT
    assert f"<p>{EXCERPT}</p>" in atom.content[0].value
    assert "whole" not in atom.content[0].value
    (item,) = out.rss_items()
    assert item.findtext("description").startswith(f"<p>{EXCERPT}</p><p>Via ")
    (json_item,) = out.json["items"]
    assert json_item["summary"] == EXCERPT
    assert json_item["content_html"].startswith(f"<p>{EXCERPT}</p><p>Via ")
    (article,) = out.articles()
    assert text_of(article.find(".//p[@class='entry-excerpt']")) == EXCERPT
    assert article.find(".//div[@class='entry-content']") is None


def test_headline_shows_nothing_but_the_title_and_the_credit():
    out = render_all([post(Display.HEADLINE)])
    credit = (
        '<p>Via <a href="https://scope.example/">Scope</a> — '
        '<a href="https://scope.example/blog/post-1/">read the full post</a></p>'
    )
    (entry_element,) = out.atom_entries()
    assert entry_element.find(f"{ATOM}summary") is None
    assert entry_element.findtext(f"{ATOM}content") == credit
    assert entry_element.findtext(f"{ATOM}title") == "A post"
    (item,) = out.rss_items()
    assert item.findtext("description") == credit
    assert item.findtext(f"{CONTENT}encoded") == credit
    (json_item,) = out.json["items"]
    assert "summary" not in json_item and "content_text" not in json_item
    assert json_item["content_html"] == credit
    (article,) = out.articles()
    assert "Hello" not in text_of(article)
    assert article.find(".//p[@class='entry-excerpt']") is None
    assert article.find(".//div[@class='entry-content']") is None


def test_full_gives_the_whole_sanitised_post_then_the_credit():
    dirty = BODY + '<script>alert(1)</script><p onclick="x()">Tail</p>'
    out = render_all([post(Display.FULL, content_html=dirty)])
    (atom,) = out.atom_parsed.entries
    content = out.atom_entries()[0].findtext(f"{ATOM}content")
    assert content.startswith(SAFE_BODY) and "<p>Tail</p>" in content
    assert content.endswith("read the full post</a></p>")
    assert "script" not in content and "onclick" not in content
    assert atom.summary == EXCERPT  # the plain-text summary stays the excerpt
    (item,) = out.rss_items()
    assert item.findtext("description") == content
    (json_item,) = out.json["items"]
    assert json_item["content_html"] == content
    assert json_item["summary"] == EXCERPT
    (article,) = out.articles()
    body = article.find(".//div[@class='entry-content']")
    assert "The whole text, with a link." in text_of(body)
    assert body.find(".//b").text == "whole"
    assert article.find(".//p[@class='entry-excerpt']") is None
    assert not out.page.xpath("//script") and not out.page.xpath("//@onclick")


def test_full_posts_headings_sit_below_the_entry_title_on_the_page():
    out = render_all([post(Display.FULL), post(Display.EXCERPT, id="2")])
    levels = [
        int(match.group(1))
        for element in out.page.iter()
        if isinstance(element.tag, str) and (match := HEADING.match(element.tag))
    ]
    assert levels.count(1) == 1 and levels[0] == 1
    for previous, level in itertools.pairwise(levels):
        assert level <= previous + 1, levels
    body = out.articles()[0].find(".//div[@class='entry-content']")
    assert [(h.tag, h.text) for h in body.iter("h3", "h4")] == [
        ("h3", "Part one"),
        ("h4", "Part two"),
    ]
    # The feeds carry the partner's own headings.
    assert "<h1>Part one</h1>" in out.json["items"][0]["content_html"]


@pytest.mark.parametrize("display", list(Display))
def test_licence_is_in_the_credit_atom_rights_rss_json_and_the_page(display):
    out = render_all([post(display, "CC BY 4.0"), post(display, "CC BY 4.0", id="2", link=None)])
    credit = (
        'Via <a href="https://scope.example/">Scope</a> — licence: CC BY 4.0 — '
        '<a href="https://scope.example/blog/post-1/">read the full post</a></p>'
    )
    first, second = out.atom_entries()
    assert first.findtext(f"{ATOM}content").endswith(credit)
    assert second.findtext(f"{ATOM}content").endswith(
        '<p>Via <a href="https://scope.example/">Scope</a> — licence: CC BY 4.0</p>'
    )
    assert [e.findtext(f"{ATOM}rights") for e in out.atom_entries()] == ["CC BY 4.0"] * 2
    assert out.atom_parsed.entries[0].rights == "CC BY 4.0"
    for item in out.rss_items():
        assert item.findtext(f"{DC}rights") == "CC BY 4.0"
        assert "licence: CC BY 4.0" in item.findtext("description")
    for json_item in out.json["items"]:
        assert json_item["_copro"]["source"]["licence"] == "CC BY 4.0"
        assert "licence: CC BY 4.0" in json_item["content_html"]
    for article in out.articles():
        licence = article.find(".//p[@class='entry-licence']")
        assert text_of(licence) == "Licence: CC BY 4.0"


def test_no_licence_means_no_rights_anywhere():
    out = render_all([post(Display.EXCERPT)])
    assert out.atom_entries()[0].find(f"{ATOM}rights") is None
    assert out.rss_items()[0].find(f"{DC}rights") is None
    assert "licence" not in out.json["items"][0]["_copro"]["source"]
    assert "licence" not in out.json["items"][0]["content_html"]
    assert out.articles()[0].find(".//p[@class='entry-licence']") is None


def test_each_entry_follows_its_own_partners_policy():
    entries = [
        post(Display.HEADLINE, id="h"),
        entry(
            id="f",
            attribution=attribution("cfwr", "CfWR", display=Display.FULL, licence="CC BY-SA"),
            link="https://cfwr.example/f",
            content_html="<p>All of it</p>",
            excerpt="All of it",
        ),
        post(Display.EXCERPT, id="e", excerpt="Just a bit"),
    ]
    out = render_all(entries)
    contents = [item["content_html"] for item in out.json["items"]]
    assert contents[0].startswith("<p>Via ")
    assert contents[1].startswith("<p>All of it</p><p>Via ")
    assert contents[2].startswith("<p>Just a bit</p><p>Via ")
    assert [e.findtext(f"{ATOM}rights") for e in out.atom_entries()] == [None, "CC BY-SA", None]


@pytest.mark.parametrize(
    ("html", "rebased"),
    [
        ("<h1>A</h1><h2>B</h2><h4>C</h4>", "<h3>A</h3><h4>B</h4><h6>C</h6>"),
        ("<h1>A</h1><h5>B</h5><h6>C</h6>", "<h3>A</h3><h6>B</h6><h6>C</h6>"),  # none below h6
        ("<h5>A</h5><h6>B</h6>", "<h3>A</h3><h4>B</h4>"),  # the highest becomes h3
        ("<h3>A</h3>", "<h3>A</h3>"),
        ("<p>No headings</p>", "<p>No headings</p>"),
        ('<H2 lang="cy">A</H2>', '<h3 lang="cy">A</h3>'),
        # Only whole tags: text and attribute values that look like headings stay as they are.
        ('<h2 title="<h1>">x &lt;h1&gt;</h2>', '<h3 title="<h1>">x &lt;h1&gt;</h3>'),
        ("<header>A</header><hr><h2>B</h2>", "<header>A</header><hr><h3>B</h3>"),
    ],
)
def test_rebase_headings(html, rebased):
    assert rebase_headings(html, 3) == rebased
