"""Text and HTML: nh3 sanitising, plain text and excerpts, XML-safe text, page links (bs4).

nh3 is the last word on HTML: whatever feedparser did before, every fragment we store
or publish has passed through :func:`sanitise_html`.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
import warnings
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import nh3
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

ELLIPSIS = "…"
# Characters XML 1.0 forbids (C0 controls but tab/newline/return, surrogates, U+FFFE/U+FFFF),
# plus C1 controls and DEL, which are legal but never intended in feed text.
_NOT_XML_SAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")
# Enough HTML to find the first few hundred words of text without parsing a whole long post.
_EXCERPT_HTML_CHARS_PER_WORD = 24
_EXCERPT_HTML_MIN_CHARS = 2048

# Elements whose text is apart from the text around them: their tags become spaces.
_BLOCK_TAG_NAMES = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "legend", "li", "main", "menu",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})  # fmt: skip
# One attribute of a tag: its name, then a quoted or bare value, if any.
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")

_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_WEB_SCHEMES = frozenset({"http", "https"})
# URL attributes nh3 keeps but does not check against ``url_schemes`` (it checks href/src).
_UNCHECKED_URL_ATTRIBUTES = frozenset({"cite"})
_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")  # what browsers strip or skip in a scheme


def _url_scheme(url: str) -> str | None:
    """The lower-cased scheme a browser would see in ``url``, else None (relative)."""
    found = _URL_SCHEME.match(_URL_IGNORED.sub("", url))
    return found[1].lower() if found else None


# The base URL relative links in the fragment being sanitised resolve against (see
# sanitise_html); a context variable, so that threads sanitising at once never mix bases.
_BASE: ContextVar[str | None] = ContextVar("copro_feeds_html_base", default=None)


# A root-relative path (and query) that urljoin would only put after the base's origin:
# no dot segment, no empty query, no params or fragment, nothing it would re-encode.
_PLAIN_ROOT_PATH = re.compile(
    r"/(?!/)[A-Za-z0-9_~%/+,=:@!$&'()*.-]*(?:\?[A-Za-z0-9_~%/+,=:@!$&'()*?.-]+)?"
)


@functools.lru_cache(maxsize=64)
def _origin(base: str) -> str | None:
    """``scheme://netloc`` of an http(s) base URL, as urljoin writes it; else None."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in _WEB_SCHEMES else None


def _absolute(url: str) -> str | None:
    """nh3 ``url_relative`` hook: a relative URL resolved against the fragment's base, if
    it then is an http(s) URL; else None, and the attribute is dropped."""
    base = _BASE.get()
    if not base:
        return None
    url = url.strip()
    if _PLAIN_ROOT_PATH.fullmatch(url) and "/." not in url and (origin := _origin(base)):
        return origin + url  # urljoin's answer, without its cost (most relative links)
    try:
        joined = urljoin(base, url)
    except ValueError:
        return None
    return joined if _url_scheme(joined) in _WEB_SCHEMES else None


def _drop_unsafe_urls(element: str, attribute: str, value: str) -> str | None:
    """nh3 attribute filter: ``cite`` (on blockquote, q, ins, del) only as an http(s) URL,
    made absolute like ``href`` and ``src``."""
    del element  # the same rule on every element
    if attribute in _UNCHECKED_URL_ATTRIBUTES:
        scheme = _url_scheme(value)
        if scheme is None:
            return _absolute(value)
        if scheme not in _SAFE_SCHEMES:
            return None
    return value


# html5ever, under nh3, is quadratic in nesting depth (256 KiB of unclosed <ul> took 34 s),
# and re-creates every open formatting element in each new block: 35 KB of <b class=N>
# then <p>x</p> became 5.6 MB. Both are cut before nh3 parses (see _tame), and output
# still much larger than its input is replaced by its plain text.
_MAX_DEPTH = 256
_MAX_GROWTH = 4
_GROWTH_ALLOWANCE = 16 * 1024
_TAG = re.compile(r"""<(/?)([a-zA-Z][^\s/>]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
_FORMATTING_TAG = re.compile(
    r"""<(b|big|code|em|font|i|nobr|s|small|strike|strong|tt|u)(?=[\s/])"""
    r"""(?:[^>"']|"[^"]*"|'[^']*')*>""",
    re.IGNORECASE,
)
# Elements that never nest in their own kind: void, or closed by the next sibling's start.
_FLAT = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr", "a", "p", "li", "dt", "dd", "option", "optgroup", "tr",
    "td", "th", "thead", "tbody", "tfoot", "caption", "colgroup", "rb", "rt", "rtc", "rp",
})  # fmt: skip


def _tame(html: str) -> str:
    """``html`` with what makes an HTML5 parser slow or explosive removed; text is kept.

    Attributes on formatting elements (nh3 drops them anyway) go, so identical ones
    collapse under the parser's three-copies rule; start and end tags nested deeper than
    ``_MAX_DEPTH`` are dropped. Ordinary posts are unchanged; nh3 still sanitises it all.
    """
    html = _FORMATTING_TAG.sub(r"<\1>", html)
    if html.count("<") <= _MAX_DEPTH:
        return html
    depth = 0

    def keep_shallow(tag: re.Match[str]) -> str:
        nonlocal depth
        if tag[2].lower() in _FLAT or tag[0].endswith("/>"):
            return tag[0]
        if tag[1]:  # an end tag closes the deepest open element, as far as we can tell
            depth = max(depth - 1, 0)
            return tag[0] if depth < _MAX_DEPTH else ""
        depth += 1
        return tag[0] if depth <= _MAX_DEPTH else ""

    return _TAG.sub(keep_shallow, html)


_CLEANER_CONTENT_TAGS = frozenset({"script", "style", "template", "noscript", "textarea", "title"})
_CLEANER = nh3.Cleaner(
    tags=set(nh3.ALLOWED_TAGS),
    attribute_filter=_drop_unsafe_urls,
    clean_content_tags=set(_CLEANER_CONTENT_TAGS),
    url_schemes=set(_SAFE_SCHEMES),
    url_relative=_absolute,
    link_rel="noopener noreferrer",
    strip_comments=True,
)
# The same, without the attribute filter, tried first: the filter is a call into Python
# for every attribute (half a dozen a tag in WordPress markup), and it changes nothing but
# ``cite``. Only when the output holds a cite attribute is the post cleaned again with it.
_CLEANER_WITHOUT_CITE = nh3.Cleaner(
    tags=set(nh3.ALLOWED_TAGS),
    clean_content_tags=set(_CLEANER_CONTENT_TAGS),
    url_schemes=set(_SAFE_SCHEMES),
    url_relative=_absolute,
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags=_CLEANER_CONTENT_TAGS, attributes={})


def _clean(tamed: str) -> str:
    """``tamed`` cleaned by nh3, the ``cite`` filter applied where there is a cite attribute
    (the serialiser writes every attribute as ``␣name="value"``)."""
    cleaned = _CLEANER_WITHOUT_CITE.clean(tamed)
    return _CLEANER.clean(tamed) if ' cite="' in cleaned else cleaned


# A numeric character reference the HTML parser decodes into a character XML cannot carry
# (C0 controls but tab, newline and return; DEL; the five C1 controls the parser does not
# map to Windows-1252 characters; U+FFFE and U+FFFF). &#0;, surrogates and values beyond
# Unicode become U+FFFD. Without one, sanitised XML-safe input gives XML-safe output.
_UNSAFE_REFERENCE = re.compile(
    r"&#(?:[xX]0*(?:[1-8bcefBCEF]|1[0-9a-fA-F]|7[fF]|8[1dfDF]|9[0dD]|[fF]{3}[efEF])"
    r"(?![0-9a-fA-F])|0*(?:[1-8]|1[1-24-9]|2[0-9]|3[01]|127|129|14[134]|157|6553[45])(?![0-9]))"
)


# The same characters, as their UTF-8 bytes: the C0 controls and DEL (one byte each) are
# found by bytes.translate, the rest by the lead byte that starts them (bytes.find): both
# run in C, where the pattern above runs character by character (a tenth of the speed).
_C0_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_UNSAFE_AFTER = ((0xC2, 0x80, 0x9F), (0xED, 0xA0, 0xBF))  # C1 controls; surrogates


def _is_xml_safe(text: str) -> bool:
    if text.isascii():  # most text: only the C0 controls and DEL can be unsafe
        data = text.encode("ascii")
        return len(data.translate(None, _C0_BYTES)) == len(data)
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _C0_BYTES)) != len(data):
        return False
    for lead, low, high in _UNSAFE_AFTER:
        at = data.find(lead)
        while at >= 0:
            if low <= data[at + 1] <= high:
                return False
            at = data.find(lead, at + 1)
    return b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data  # U+FFFE, U+FFFF


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (controls, surrogates, U+FFFE)."""
    return text if _is_xml_safe(text) else _NOT_XML_SAFE.sub("", text)


# Characters that draw nothing, though Unicode does not class them as spaces or formats.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def is_visible(text: str) -> bool:
    """True when ``text`` draws at least one character (not only spaces, zero-width or
    format characters such as U+200B, U+FEFF and U+2060, combining marks or fillers)."""
    return any(
        char not in _BLANK_LETTERS
        and not char.isspace()
        and unicodedata.category(char) not in _INVISIBLE_CATEGORIES
        for char in text
    )


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace as single spaces, trimmed."""
    return _WHITESPACE.sub(" ", text).strip()


def sanitise_html(html: str, base: str | None = None) -> str:
    """Untrusted HTML → safe HTML: no script, style, SVG, MathML, forms, comments or ``on*``.

    Markup that would make the parser slow or its output explode is flattened first (see
    :func:`_tame`); output over ``_MAX_GROWTH`` times its input becomes plain text.
    Only http, https and mailto URLs survive (in ``href``, ``src`` and ``cite``); relative
    ones are resolved against ``base`` (the fragment's ``xml:base`` or document URL), or
    dropped without one; every link gets ``rel="noopener noreferrer"``. Idempotent.
    """
    tamed = _tame(xml_safe(html))
    token = _BASE.set(base)
    try:
        cleaned = _clean(tamed)
        if len(cleaned) > _MAX_GROWTH * len(tamed) + _GROWTH_ALLOWANCE:  # a parser bomb
            text = _TEXT_ONLY.clean(tamed).strip()  # escaped text: bs4 is quadratic here
            cleaned = _CLEANER.clean(f"<p>{text}</p>") if text else ""
    finally:
        _BASE.reset(token)
    # Again after nh3 when it may have decoded character references such as "&#1;" into
    # controls. A leading U+FEFF would be read as a byte order mark, and dropped, by the
    # next parse.
    if _UNSAFE_REFERENCE.search(tamed):
        cleaned = xml_safe(cleaned)
    return cleaned.lstrip("\ufeff")


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def rebase_headings(safe_html: str, top: int) -> str:
    """Sanitised HTML with its headings moved so the highest is ``h<top>``.

    Levels keep their order and gaps (h1, h3 with ``top=3`` become h3, h5), none goes
    below h6. Only whole tags are read (a ``<h1`` inside an attribute value is text), so
    the input must be sanitised HTML, where every ``<`` in text is escaped.
    """
    tags = [tag for tag in _TAG.finditer(safe_html) if tag[2].lower() in _HEADINGS]
    if not tags:
        return safe_html
    shift = top - min(int(tag[2][1]) for tag in tags)

    def move(tag: re.Match[str]) -> str:
        if tag[2].lower() not in _HEADINGS:
            return tag[0]
        level = min(int(tag[2][1]) + shift, len(_HEADINGS))
        return f"<{tag[1]}h{level}{tag[0][len(tag[1]) + 3 :]}"

    return _TAG.sub(move, safe_html)


# Markers put in place of tags before nh3 reads the text, read back as words: a block's
# start (or a line break), a block's end, the end of an image's alt text. Control
# characters, so no text can hold them (xml_safe drops raw ones, _CONTROL_REFERENCE their
# references). (Not \x1c-\x1f: str.split takes those for whitespace.)
_BLOCK = "\x01"
_BLOCK_END = "\x02"
_ALT_END = "\x03"
_MARKERS = frozenset({_BLOCK, _BLOCK_END, _ALT_END})
_CONTROL_REFERENCE = re.compile(r"&#(?:0*[1-3](?![0-9])|[xX]0*[1-3](?![0-9a-fA-F]));?")
_NOT_XML_SAFE_BUT_MARKERS = re.compile(
    "[\x00\x04-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)
# What already ends a sentence: no full stop is added after it.
_SENTENCE_END = tuple(".!?:;…")


def _image_text(tag: str) -> str:
    """An ``<img>`` tag as the text it stands for: its alt text (escaped again, as it goes
    back into HTML), spaced off, then an alt-end marker."""
    for attribute in _ATTRIBUTE.finditer(tag, len("<img")):
        if attribute[1].lower() == "alt":
            value = attribute[2] if attribute[2] is not None else attribute[3] or ""
            alt = collapse_whitespace(html.unescape(value))
            if alt:
                return f" {html.escape(alt)} {_ALT_END} "
            break
    return " "


_SPACED_BLOCK = f" {_BLOCK} "
_SPACED_BLOCK_END = f" {_BLOCK_END} "


def _as_text(tag: re.Match[str]) -> str:
    """A tag as the text it stands for: a block element's end tag as a block-end marker,
    its start tag (or a void ``<br>`` or ``<hr>``) as a block marker, an image as its alt
    text; any other tag as it is (nh3 drops it next)."""
    name = tag[2].lower()
    if name in _BLOCK_TAG_NAMES:
        return _SPACED_BLOCK_END if tag[1] else _SPACED_BLOCK
    return _image_text(tag[0]) if name == "img" else tag[0]


# The same for sanitised HTML (lower-case names, end tags without attributes), in passes
# with fixed replacements, which run in C, where one pass calling _as_text per tag ran in
# Python: images as their alt text, then block tags as markers, then every other tag
# dropped. None of the replacements holds a "<".
_QUOTED_TAG_REST = r"""(?:[^>"']|"[^"]*"|'[^']*')*>"""
_BLOCK_NAMES = "|".join(sorted(_BLOCK_TAG_NAMES, key=len, reverse=True))
_SANITISED_IMAGE = re.compile(r"<img(?=[\s/>])" + _QUOTED_TAG_REST)
_SANITISED_BLOCK_START = re.compile(rf"<(?:{_BLOCK_NAMES})(?=[\s/>])" + _QUOTED_TAG_REST)
_SANITISED_BLOCK_END = re.compile(rf"</(?:{_BLOCK_NAMES})>")


def _sanitised_as_text(markup: str) -> str:
    """:func:`_as_text` over sanitised HTML, where an inline tag is simply dropped."""
    text = _SANITISED_IMAGE.sub(lambda image: _image_text(image[0]), markup)
    text = _SANITISED_BLOCK_END.sub(f" {_BLOCK_END} ", text)
    text = _SANITISED_BLOCK_START.sub(f" {_BLOCK} ", text)
    return _TAG.sub("", text)


def _ends_a_sentence(word: str) -> bool:
    """True when no full stop is wanted after ``word``: it ends in punctuation, or holds a
    full stop already (a file name or web address given as alt text: ``logo.jpg``)."""
    return word.endswith(_SENTENCE_END) or "." in word


def _marked_text(markup: str) -> str:
    """The text of any HTML fragment, its character references not yet decoded: images
    as their alt text, block tags as markers (see :func:`_as_text`); then nh3, allowing
    no tag, drops the rest (and script or style with their content)."""
    markup = _CONTROL_REFERENCE.sub("", xml_safe(markup))
    return _TEXT_ONLY.clean(_TAG.sub(_as_text, markup))


def _decoded(text: str) -> str:
    """``text`` with its character references decoded, less what XML cannot carry (but
    the markers)."""
    return _NOT_XML_SAFE_BUT_MARKERS.sub("", html.unescape(text))


def _words(markup: str, *, sanitised: bool = False, limit: int | None = None) -> list[str]:
    """The words of an HTML fragment's plain text: images become their alt text, blocks are
    spaced off; then nh3, allowing no tag, drops the rest (and script or style with their
    content), and the character references are decoded.

    ``sanitised``: ``markup`` is :func:`sanitise_html`'s output (or its start, cut just
    after a ``>``): no script, style or comment, no control character, every ``<`` in
    text escaped. Its tags are then dropped here, without a second HTML parse; a ``<``
    left over can only open a tag the cut broke (inside an attribute), dropped too.

    Alt text that ends its block (the image is the last thing before the end tag of its
    paragraph, figure, list item …) is a sentence of its own: when a capitalised word
    follows and the alt text has no punctuation of its own, it gets a full stop ("A table.
    Here is what"). Alt text followed by a line break or a caption in the same block,
    and headings, read on as before.

    ``limit``: no more words are read once there are that many.
    """
    if sanitised:
        text = _sanitised_as_text(markup)
        broken = text.find("<")
        text = text if broken < 0 else text[:broken]
    else:
        text = _marked_text(markup)
    words: list[str] = []
    stop = alt_ended = False
    text = _decoded(text)
    for word in text.split():  # str.split: far faster than a \s+ regex
        if word in _MARKERS:
            stop = stop or (alt_ended and word == _BLOCK_END)
            alt_ended = word == _ALT_END
            continue
        if stop and words and word[0].isupper() and not _ends_a_sentence(words[-1]):
            words[-1] += "."
        stop = alt_ended = False
        words.append(word)
        if len(words) == limit:
            break
    return words


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, image alt text kept,
    words in separate blocks (paragraphs, headings, list items, cells …) kept apart, and
    alt text that ends its block ended as a sentence when a capitalised word follows."""
    return " ".join(_words(markup))


def html_to_rough_text(markup: str) -> str:
    """:func:`html_to_text` untidied, for callers that read only its runs of word
    characters (regex ``\\w+``, as shingles do): the same runs in the same order, but
    whitespace as it came, markers (control characters) between blocks and no full stop
    after alt text. It skips html_to_text's word-by-word pass, about half its cost."""
    return _decoded(_marked_text(markup))


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

    Its words are :func:`html_to_text`'s: images stand as their alt text, and an image
    closing its block ends a sentence, so that its alt text does not read as part of the
    next one ("A table. Here is what…"). Only the start of a long post is read: a window cut
    just after a tag, so it holds whole tags and whole words, grown four-fold until it
    holds more words than wanted, else the whole post.
    """
    limit = max(_EXCERPT_HTML_MIN_CHARS, max_words * _EXCERPT_HTML_CHARS_PER_WORD)
    while limit < len(safe_html):
        window = safe_html[: safe_html.rfind(">", 0, limit) + 1]
        words = _words(window, sanitised=True, limit=max_words + 1)
        if len(words) > max_words:
            return _with_ellipsis(words[:max_words])
        limit *= 4
    words = _words(safe_html, sanitised=True, limit=max_words + 1)
    return _with_ellipsis(words[:max_words]) if len(words) > max_words else " ".join(words)


@dataclass(frozen=True, slots=True)
class LinkTag:
    """A page's ``<link href>``: its ``rel`` values (lower case), ``type`` and ``href`` as
    written."""

    rels: frozenset[str]
    type: str
    href: str


def page_links(html: bytes | str) -> tuple[str | None, list[LinkTag]]:
    """The ``<base href>`` of an HTML page (None without one) and its ``<link href>`` tags,
    in order (for feed discovery)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    base_tag = soup.find("base", href=True)
    base = str(base_tag["href"]) if base_tag else None
    links = []
    for link in soup.find_all("link", href=True):
        rel = link.get("rel")
        values = rel if isinstance(rel, list) else str(rel or "").split()
        rels = frozenset(str(value).lower() for value in values)
        links.append(LinkTag(rels=rels, type=str(link.get("type") or ""), href=str(link["href"])))
    return base, links
