from __future__ import annotations

from urllib.parse import urljoin

import html5lib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._text import (
    _BASE,
    _CLEANER,
    _CLEANER_WITHOUT_CITE,
    _TEXT_ONLY,
    _UNSAFE_REFERENCE,
    ELLIPSIS,
    _absolute,
    _clean,
    _is_xml_safe,
    _url_scheme,
    _words,
    html_to_text,
    make_excerpt,
    sanitise_html,
    truncate_words,
    xml_safe,
)

# Payloads that feedparser's own sanitiser lets through (HTML-comment tricks, SVG, forms).
LIVE_MARKUP = [
    "<!--><script>alert(1)</script>-->",
    "<!-- --!><img src=x onerror=alert(1)>-->",
    "<!---><img src=x onerror=alert(1)>-->",
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<textarea><img src=x onerror=alert(1)></textarea>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    "<iframe src=https://evil.example/></iframe><object data=x></object><embed src=x>",
    '<base href="https://evil.example/">',
    '<a href="https://ok.example/" onclick="alert(1)" target="_blank">ok</a>',
]


def dangerous_parts(fragment: str) -> list[str]:
    """What a browser-like parser finds in a fragment that must never be published."""
    document = html5lib.parseFragment(fragment, namespaceHTMLElements=False)
    found = []
    for element in document.iter():
        tag = str(element.tag).lower()
        if tag in {"script", "iframe", "object", "embed", "style", "base", "form", "svg", "math"}:
            found.append(tag)
        for name, value in element.attrib.items():
            if name.lower().startswith("on") or name.lower() == "style":
                found.append(name)
            if name.lower() in {"href", "src", "action", "formaction", "xlink:href"}:
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else "relative"
                if scheme not in {"http", "https", "mailto"}:
                    found.append(f"{name}={value}")
    return found


@pytest.mark.parametrize("payload", LIVE_MARKUP)
def test_sanitiser_leaves_nothing_live(payload):
    cleaned = sanitise_html(payload)
    assert dangerous_parts(cleaned) == [], cleaned


def test_links_get_noopener():
    cleaned = sanitise_html('<a href="https://ok.example/" target="_blank">ok</a>')
    assert 'rel="noopener noreferrer"' in cleaned
    assert 'href="https://ok.example/"' in cleaned


def test_safe_markup_is_kept():
    fragment = '<p>Hello <strong>world</strong> <a href="https://a.example/x">link</a></p>'
    cleaned = sanitise_html(fragment)
    assert "<strong>world</strong>" in cleaned
    assert 'href="https://a.example/x"' in cleaned


@given(st.text())
def test_sanitiser_is_idempotent_and_never_raises(text):
    once = sanitise_html(text)
    assert sanitise_html(once) == once
    assert xml_safe(once) == once


def test_xml_safe_removes_controls_surrogates_and_nonchars():
    assert xml_safe("a\x00b\x08c\x0bd\ufffee\ud800f\tg\nh") == "abcdef\tg\nh"


def test_text_keeps_alt_text_and_drops_script():
    assert html_to_text(
        '<p>A <img alt="chart of costs" src="x.png"> B<script>x()</script></p>'
    ) == ("A chart of costs B")


def test_text_decodes_entities():
    assert html_to_text("<p>Fish &amp; chips &lt;3</p>") == "Fish & chips <3"


def test_truncate_words_cuts_at_a_word_boundary():
    assert truncate_words("one two three four", 2) == "one two" + ELLIPSIS
    assert truncate_words("one two, three", 2) == "one two" + ELLIPSIS
    assert truncate_words("one two", 2) == "one two"


def test_excerpt_of_a_long_post_reads_only_its_start():
    body = "<p>" + " ".join(f"word{i}" for i in range(100_000)) + "</p>"
    excerpt = make_excerpt(sanitise_html(body), 60)
    assert excerpt.endswith(ELLIPSIS)
    assert excerpt.split()[0] == "word0"
    assert len(excerpt.split()) == 60


def test_excerpt_cut_mid_tag_or_entity_stays_plain_text():
    body = "<p>" + "x " * 5000 + "<a href='https://a.example/'>link &amp; more</a></p>"
    excerpt = make_excerpt(sanitise_html(body), 10)
    assert "<" not in excerpt and "&amp;" not in excerpt
    assert len(excerpt.split()) == 10


@given(st.text(), st.integers(min_value=1, max_value=80))
def test_excerpt_never_exceeds_its_limit(text, words):
    excerpt = make_excerpt(sanitise_html(text), words)
    assert len(excerpt.split()) <= words


def test_inline_markup_adds_no_spaces_but_blocks_do():
    assert html_to_text("Fish &amp; <em>chips</em>: good") == "Fish & chips: good"
    assert html_to_text("<p>one</p><p>two</p><ul><li>a</li><li>b</li></ul>x<br>y") == (
        "one two a b x y"
    )


def test_excerpt_ends_alt_text_that_closes_its_block_as_a_sentence():
    html = sanitise_html('<figure><img alt="a table" src="t.png"></figure><p>Here is what</p>')
    assert make_excerpt(html, 60) == "a table. Here is what"
    assert make_excerpt(sanitise_html('<p>Tap <img alt="the &amp; key"> twice</p>'), 60) == (
        "Tap the & key twice"
    )
    assert make_excerpt(sanitise_html('<p>A <img alt=" " src="x.png">B</p>'), 60) == "A B"
    # Inside a sentence, or before a lower-case word, the alt text reads on.
    html = sanitise_html('<p>See <img alt="a chart"></p><p>then <img alt="Map!"></p><p>Go</p>')
    assert make_excerpt(html, 60) == "See a chart then Map! Go"


def test_a_heading_reads_on_as_before():
    html = sanitise_html("<h2>Our plans</h2><p>Here is what</p><h3>Why?</h3><p>Because</p>")
    assert make_excerpt(html, 60) == "Our plans Here is what Why? Because"
    assert make_excerpt(html, 2) == "Our plans…"
    assert html_to_text("<h1>Title</h1>") == "Title"


def test_alt_text_ends_a_sentence_only_where_its_block_ends():
    closing = sanitise_html('<p><a href="/k"><img alt="Kiev"></a></p><p>You have</p>')
    assert make_excerpt(closing, 60) == "Kiev. You have"
    in_a_list = sanitise_html('<ul><li><img alt="A map"></li><li>Roads</li></ul>')
    assert make_excerpt(in_a_list, 60) == "A map. Roads"
    # A caption or a line break in the same block, or a file name as alt text: as before.
    caption = sanitise_html('<div><img alt="A map"><p>The network</p></div>')
    assert make_excerpt(caption, 60) == "A map The network"
    line_break = sanitise_html('<p><img alt="Old baths"><br>Obviously</p>')
    assert make_excerpt(line_break, 60) == "Old baths Obviously"
    file_name = sanitise_html('<p><img alt="pinera-400x280.jpg"></p><p>A casi</p>')
    assert make_excerpt(file_name, 60) == "pinera-400x280.jpg A casi"


def test_marker_characters_in_the_text_are_not_read_as_markup():
    html = "<p>a &#1; &#x02; &#3 b \x02 c &#x30; &#49;</p><p>D</p>"
    assert html_to_text(html) == "a b c 0 1 D"


def test_excerpt_cut_inside_alt_text_needs_no_bracket():
    html = sanitise_html('<p>One two <img alt="three four five six"></p>')
    assert make_excerpt(html, 4) == "One two three four…"
    assert make_excerpt(sanitise_html("<p>An [open bracket</p>"), 4) == "An [open bracket"


def test_titles_keep_alt_text_plain():
    assert html_to_text('<img alt="Logo"> News') == "Logo News"


def test_every_block_keeps_words_apart():
    html = "<center>a</center>b<details><summary>c</summary>d</details><table><caption>e"
    assert html_to_text(sanitise_html(html + "</caption></table>f")) == "a b c d e f"


def test_excerpt_window_cut_inside_an_attribute_reads_on():
    # The first window ends at the ">" inside the alt text: its broken tag is dropped.
    body = '<p><img alt="a > ' + "b" * 3000 + '"> one two three four</p>'
    excerpt = make_excerpt(sanitise_html(body), 4)
    assert excerpt == "a > " + "b" * 3000 + " one…"


@given(
    st.sampled_from(["https://p.example/blog/x", "http://u:p@P.example:8080/a?b#c", "https://h"]),
    st.text(alphabet="/ab.?#;=%&:@ -", max_size=12),
)
def test_relative_links_resolve_as_urljoin_does(base, url):
    token = _BASE.set(base)
    try:
        found = _absolute(url)
    finally:
        _BASE.reset(token)
    joined = urljoin(base, url.strip())  # as it was resolved before the fast path
    assert found == (joined if _url_scheme(joined) in ("http", "https") else None)


@given(st.text(alphabet="<>/ab=\"' &;#1pimgalth2", max_size=80))
def test_the_excerpt_of_sanitised_html_needs_no_second_parse(fragment):
    """make_excerpt reads sanitised HTML without nh3; every window it may read gives the
    words nh3 would find."""
    safe = sanitise_html(fragment + '<h2>A</h2><img alt="B &amp; c"><p>D</p>')
    for cut in [i + 1 for i, char in enumerate(safe) if char == ">"]:
        assert _words(safe[:cut], sanitised=True) == _words(safe[:cut])


@given(st.text(st.characters(exclude_categories=()), max_size=40))
def test_xml_safe_drops_exactly_the_characters_xml_cannot_carry(text):
    expected = "".join(
        char
        for char in text
        if char in "\t\n\r"
        or ("\x20" <= char < "\x7f")
        or ("\xa0" <= char <= "\ud7ff")
        or ("\ue000" <= char <= "\ufffd")
        or char >= "\U00010000"
    )
    assert xml_safe(text) == expected
    assert xml_safe(text + "\u00a0é€") == expected + "\u00a0é€"


def test_xml_safety_is_checked_again_after_every_reference_that_needs_it():
    """sanitise_html checks its output again only when the input holds a numeric character
    reference the parser turns into a character XML cannot carry: every code point of the
    Basic Multilingual Plane, in decimal and hex, with and without ";", shows that such a
    reference is found exactly when the parser's output needs it."""
    missed, needless = [], []
    for code in [*range(0x10000), 0x10FFFF, 0x110000]:
        for reference in (f"&#{code};", f"&#x{code:x}", f"&#X{code:04X};", f"&#{code:07d}"):
            needed = not _is_xml_safe(_TEXT_ONLY.clean(reference))
            found = _UNSAFE_REFERENCE.search(reference) is not None
            (missed if needed and not found else needless if found and not needed else []).append(
                reference
            )
    assert (missed, needless) == ([], [])
    assert sanitise_html("<p>a&#1;b&#x9D;c&#65535;<a title='&#8;'>d</a></p>") == (
        '<p>abc<a title="" rel="noopener noreferrer">d</a></p>'
    )


@pytest.mark.parametrize(
    "markup",
    [
        '<q cite="javascript:alert(1)">x</q>',
        '<blockquote CITE="/talk">x</blockquote>',
        "<q/cite=vbscript:x>x</q>",
        '<ins a="1"cite="data:x">x</ins>',
        "<q cite>x</q><cite>A book</cite>",
    ],
)
def test_the_cite_filter_runs_wherever_there_is_a_cite_attribute(markup):
    assert _clean(markup) == _CLEANER.clean(markup) != _CLEANER_WITHOUT_CITE.clean(markup)
    cleaned = sanitise_html(markup, base="https://p.test/")
    assert "javascript" not in cleaned and "data:" not in cleaned and "vbscript" not in cleaned


def test_html_without_a_cite_attribute_needs_no_filter():
    markup = '<blockquote><p>Words cite="x"</p><cite>A Book</cite></blockquote><p>a</p>'
    assert _CLEANER_WITHOUT_CITE.clean(markup) == _CLEANER.clean(markup) == _clean(markup)
