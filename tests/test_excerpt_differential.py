"""The excerpt against the one BeautifulSoup made before (issue 13), over real-world posts.

The old implementation lives on here only, as the reference. At least 99 % of the
excerpts are identical (1,463 of 1,474 at 25 words, 99.3 %; 1,461 at 60, 99.1 %), and
every difference is one of the two deliberate ones:

* words kept apart across blocks the old list missed (center, details, summary,
  caption …); none of these posts has one in its first 60 words;
* a full stop after alt text that ends its block, when a capitalised word follows and
  the alt text has no punctuation of its own ("A table. Here is what"), the run-on the
  issue asked to fix. That is every remaining difference: 11 posts at 25 words, 13 at
  60. Ten are the travel blog's posts that open with a linked photo in a paragraph of its
  own ("Kiev. You have tickets…", "Rio de Janeiro. Cable cars…", "Passport stamps. Even
  though…"), one a logo before a Russian paragraph ("SaveCase. Вы из тех…"), and two
  the partners' example post ("…around a table. Here is what…").

Left as they were, so identical: a heading before a paragraph ("Who would benefit Its
clear…": a full stop there changed three more posts, and the issue did not ask for it),
alt text followed by a caption in the same block (``<div><img><p>The global
network…</p></div>``) or by a line break and more text, and alt text that is a file
name or web address (``pinera-400x280.jpg``: a full stop after it reads as noise).

Alt text is no longer put in square brackets (the first answer to "a table Here is
what"): it changed about 4.5 % of these excerpts, including every image inside a
sentence, and screen readers may read the brackets out; the full stop fixes the run-on
where it happens and leaves the rest as it was.
"""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from copro_feeds._normalise import _content_html
from copro_feeds._text import (
    _BLOCK_TAG_NAMES,
    collapse_whitespace,
    html_to_text,
    make_excerpt,
    sanitise_html,
    truncate_words,
    xml_safe,
)
from copro_feeds._types import RawEntry
from tests.test_parse import FEED_URL, real_feeds

DATA = Path(__file__).parent / "data"
MAX_ENTRY_BYTES = 256 * 1024
WORDS = (25, 60)

# The block list of the BeautifulSoup excerpt, as it was.
OLD_BLOCKS = [
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p",
    "pre", "section", "table", "td", "th", "tr", "ul",
]  # fmt: skip


# Markers the sentence-ending reference puts in the text (private-use characters).
BLOCK, BLOCK_END, ALT_END = "\ue001", "\ue002", "\ue003"


def reference_text(html: str, *, blocks: list[str], sentences: bool = False) -> str:
    """The old ``html_to_text``; ``blocks`` and ``sentences`` (alt text that ends its
    block ends a sentence) switch the two changes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template"]):
        tag.decompose()
    for image in soup("img"):
        alt = image.get("alt")
        if isinstance(alt, str) and alt.strip():
            text = collapse_whitespace(alt)
            image.replace_with(f" {text} {ALT_END} " if sentences else f" {text} ")
        else:
            image.replace_with(" ")
    for block in soup(blocks):
        void = block.name in ("br", "hr")  # a line break ends no block
        block.insert_before(f" {BLOCK} " if sentences else " ")
        block.insert_after(f" {BLOCK if void else BLOCK_END} " if sentences else " ")
    words = xml_safe(soup.get_text()).split()
    return " ".join(end_sentences(words) if sentences else words)


def end_sentences(tokens: list[str]) -> list[str]:
    """The words between the markers, a full stop added where a block's closing alt text
    meets a capitalised word and has neither punctuation at its end nor a full stop in
    its last word (a file name or web address)."""
    words: list[str] = []
    ended = after_alt = False
    for token in tokens:
        if token == ALT_END:
            after_alt = True
        elif token == BLOCK_END:
            ended, after_alt = ended or after_alt, False
        elif token == BLOCK:
            after_alt = False
        else:
            last = words[-1] if words else "."
            if ended and token[0].isupper() and last[-1] not in "!?:;…" and "." not in last:
                words[-1] += "."
            ended = after_alt = False
            words.append(token)
    return words


def reference_excerpt(
    safe_html: str, max_words: int, *, blocks: list[str] = OLD_BLOCKS, sentences: bool = False
) -> str:
    """The old ``make_excerpt`` (a window grown four-fold from 2,048 characters), with
    alt text as plain words."""

    def text(html: str) -> str:
        return reference_text(html, blocks=blocks, sentences=sentences)

    limit = max(2048, max_words * 24)
    while limit < len(safe_html):
        window = safe_html[: safe_html.rfind(">", 0, limit) + 1]
        words = text(window).split()
        if len(words) > max_words:
            return truncate_words(" ".join(words), max_words)
        limit *= 4
    return truncate_words(text(safe_html), max_words)


def real_entries() -> list[RawEntry]:
    """Every entry of the golden feeds, the partners' feeds and feedparser's test suite."""
    return [raw for feed in real_feeds() for raw in feed.entries]


def real_posts() -> list[str]:
    """Sanitised content of every real entry that has some, as normalising makes it."""
    posts = (
        sanitise_html(_content_html(raw, MAX_ENTRY_BYTES), base=FEED_URL) for raw in real_entries()
    )
    return [post for post in posts if post.strip()]


def test_html_titles_read_as_before():
    """Titles keep plain alt text; the one title that differs holds a whole HTML page,
    whose <title> element's text nh3 drops (as it drops script and style)."""
    titles = [raw.title for raw in real_entries() if raw.title and raw.title_is_html]
    differ = [
        title for title in titles if html_to_text(title) != reference_text(title, blocks=OLD_BLOCKS)
    ]
    assert len(titles) > 100
    assert all("<title>" in title for title in differ), differ
    assert len(differ) <= 0.01 * len(titles)


def same_but_for_full_stops(old: str, new: str) -> bool:
    """True when ``new`` is ``old`` with full stops added at the end of some words."""
    before, after = old.split(), new.split()
    return len(before) == len(after) and all(
        b in (a, a + ".") for a, b in zip(before, after, strict=True)
    )


def kind_of_difference(post: str, words: int, new: str) -> str:
    for kind, blocks in (("", OLD_BLOCKS), ("blocks", sorted(_BLOCK_TAG_NAMES))):
        old = reference_excerpt(post, words, blocks=blocks)
        if old == new:
            return kind
        if reference_excerpt(post, words, blocks=blocks, sentences=True) == new:
            return f"{kind} full stops".strip()
    return "unexplained"


def test_alt_text_closing_its_block_ends_its_sentence():
    post = sanitise_html(
        '<h2>Our plans</h2><p>See <img alt="a table" src="t.png"> below.</p>'
        '<figure><img alt="A chart" src="c.png"></figure><p>Here is what</p><h3>Done!</h3>x'
        '<p><img alt="logo.jpg"></p><p>Then</p><div><img alt="A map"><p>Where</p></div>'
    )
    new = make_excerpt(post, 60)
    old = "Our plans See a table below. A chart Here is what Done! x logo.jpg Then A map Where"
    assert reference_excerpt(post, 60) == old
    assert new == (
        "Our plans See a table below. A chart. Here is what Done! x logo.jpg Then A map Where"
    )
    assert reference_excerpt(post, 60, sentences=True) == new
    assert kind_of_difference(post, 60, new) == "full stops"
    assert same_but_for_full_stops(reference_excerpt(post, 60), new)


def compare(words: int) -> tuple[int, Counter[str]]:
    """How many real posts there are, and how their excerpts compare to the old ones."""
    posts = real_posts()
    kinds: Counter[str] = Counter()
    unexplained = []
    for post in posts:
        new, old = make_excerpt(post, words), reference_excerpt(post, words)
        kind = "identical" if new == old else kind_of_difference(post, words, new)
        kinds[kind] += 1
        if kind == "unexplained":
            unexplained.append((post[:300], old, new))
        elif kind != "identical":
            assert same_but_for_full_stops(reference_excerpt(post, words, blocks=ALL), new)
    print(f"{len(posts)} posts, {words} words: {dict(kinds)}")
    assert unexplained == []
    return len(posts), kinds


ALL = sorted(_BLOCK_TAG_NAMES)


@pytest.mark.parametrize("words", WORDS)
def test_excerpt_matches_the_beautifulsoup_one_but_for_the_deliberate_changes(words):
    """At least 99 % identical; every other excerpt differs only by the full stops after
    alt text closing its block (11 of 1,474 posts at 25 words, 13 at 60: see the module's
    docstring)."""
    posts, kinds = compare(words)
    assert posts > 1000
    assert kinds["identical"] >= 0.99 * posts, kinds
