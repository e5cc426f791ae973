"""Text and HTML cleaning: nh3 sanitising, plain text and excerpts (BeautifulSoup), XML-safe text.

nh3 is the last word on HTML: whatever feedparser did before, every fragment we store
or publish has passed through :func:`sanitise_html`.
"""

from __future__ import annotations

import re
import warnings

import nh3
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

ELLIPSIS = "…"
# Characters XML 1.0 forbids (C0 controls but tab/newline/return, surrogates, U+FFFE/U+FFFF),
# plus C1 controls and DEL, which are legal but never intended in feed text.
_NOT_XML_SAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")
# Enough HTML to find the first few hundred words of text without parsing a whole long post.
_EXCERPT_HTML_CHARS_PER_WORD = 64
_EXCERPT_HTML_MIN_CHARS = 8192

_BLOCK_TAGS = [
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p",
    "pre", "section", "table", "td", "th", "tr", "ul",
]  # fmt: skip

_CLEANER = nh3.Cleaner(
    tags=set(nh3.ALLOWED_TAGS),
    clean_content_tags={"script", "style", "template", "noscript", "textarea", "title"},
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (controls, surrogates, U+FFFE)."""
    return _NOT_XML_SAFE.sub("", text)


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace as single spaces, trimmed."""
    return _WHITESPACE.sub(" ", text).strip()


def sanitise_html(html: str) -> str:
    """Untrusted HTML → safe HTML: no script, style, SVG, MathML, forms, comments or ``on*``.

    Only http, https and mailto URLs survive, relative ones are dropped (feedparser has
    already made the legitimate ones absolute), and every link gets
    ``rel="noopener noreferrer"``. Idempotent.
    """
    return _CLEANER.clean(xml_safe(html))


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, image alt text kept."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template"]):
        tag.decompose()
    for image in soup("img"):
        alt = image.get("alt")
        image.replace_with(f" {alt} " if isinstance(alt, str) and alt.strip() else " ")
    for block in soup(_BLOCK_TAGS):  # words in separate blocks must not run together
        block.insert_before(" ")
        block.insert_after(" ")
    return collapse_whitespace(xml_safe(soup.get_text()))


def _with_ellipsis(words: list[str]) -> str:
    return " ".join(words).rstrip(",;:.-–— ") + ELLIPSIS  # noqa: RUF001 (dashes meant)


def truncate_words(text: str, max_words: int) -> str:
    """At most ``max_words`` words, cut at a word boundary, with "…" when shortened."""
    words = text.split()
    if len(words) <= max_words:
        return " ".join(words)
    return _with_ellipsis(words[:max_words])


def make_excerpt(safe_html: str, max_words: int) -> str:
    """A plain-text excerpt of at most ``max_words`` words from sanitised HTML.

    Only the first part of a long post is read: enough characters for the words wanted.
    """
    limit = max(_EXCERPT_HTML_MIN_CHARS, max_words * _EXCERPT_HTML_CHARS_PER_WORD)
    words = html_to_text(safe_html[:limit]).split()
    if len(safe_html) > limit:
        words = words[:-1]  # the cut may have split the last word
        if len(words) <= max_words:
            return _with_ellipsis(words)
    return truncate_words(" ".join(words), max_words)
