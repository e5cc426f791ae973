"""Bytes + response headers → :class:`ParsedFeed`, through feedparser (the only module using it).

A body that starts like JSON (``{`` or ``[``, or a JSON Content-Type on a body that
does not start with ``<``) goes to ``_parse_json`` (JSON Feed 1.0 and 1.1) instead.

feedparser never fetches here: it is always handed ``io.BytesIO(body)``. Its own HTML
sanitiser is off (nh3 sanitises every fragment later, see ``_text``); its relative-URI
resolution stays on, with the feed's URL as the base.

The ``bozo`` policy:

* an empty body, or a document with no feed version and no entries (an HTML page, a
  Cloudflare challenge) is a :class:`ParseError` ("not a feed: neither RSS/Atom nor
  JSON Feed");
* a document that declares any XML entity (internal, external ``SYSTEM``, parameter)
  is refused before parsing (entity expansion, XXE), judged on the UTF-8 text
  feedparser will read, by expat and by feedparser's own DOCTYPE rewrite; an external
  DTD, ``xml-stylesheet`` or XInclude alone is allowed and never fetched (expat's
  external entities are off; nothing else resolves them);
* a byte order mark wins over the charset label and the XML declaration;
  character references to characters XML cannot hold (``&#0;``, ``&#xD800;``) are
  dropped; entries after the first ``max_entries`` are cut from the bytes before
  parsing (with a warning);
* any other exception inside feedparser is a :class:`ParseError` ("parser failed");
* ill-formed XML that the lenient parser still recognises as RSS or Atom is kept, with
  a warning, and marked not ``well_formed`` (the store then never lets it replace a
  stored entry with a shorter copy); a document that also stops before its root
  element's end tag is not ``complete`` (cut short: its validators are not kept), and
  its last entry is dropped when that entry's end tag is missing too (stored entries
  are never deleted because a feed stopped listing them);
* a wrong or missing charset label, or a non-XML Content-Type, is only a warning.
"""

from __future__ import annotations

import calendar
import contextlib
import io
import itertools
import re
import time
from collections.abc import Container, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin
from xml.parsers import expat

import feedparser
import feedparser.encodings
import feedparser.sanitizer

from copro_feeds._items import item_digest, split_items, without_spans
from copro_feeds._parse_json import MAX_RAW_ENCLOSURES, looks_like_json, parse_json_feed
from copro_feeds._types import ParsedFeed, RawEnclosure, RawEntry
from copro_feeds.exceptions import ParseError

_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]")
# The end of an entry: its end tag, or a whole self-closing <item/>.
_ENTRY_CLOSE = re.compile(
    rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>|<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\b[^<>]*/>"
)
_ROOT_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_TAIL_WINDOW = 64 * 1024
# Character references that may name a character XML cannot hold: 1-2 or 4-8 hex digits,
# 1-2 or 5-10 decimal ones (every 3-digit hex and 3-4 digit decimal one is allowed, and
# those, "&#8217;" and the like, are most of a WordPress feed's: no call for each).
_BAD_CHARACTER_REFERENCE = re.compile(
    rb"&#(?:[xX]0*([0-9a-fA-F]{1,2}|[0-9a-fA-F]{4,8})|0*([0-9]{1,2}|[0-9]{5,10}));"
)
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_XML_DECLARATION_ENCODING = re.compile(r"""^(<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)", re.IGNORECASE | re.DOTALL)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_EARLIEST_YEAR = 1970
_ISO_DATE = re.compile(r"^\s*(\d+)-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_NOT_A_FEED = "not a feed: neither RSS/Atom nor JSON Feed"
_SURVIVABLE = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    *,
    max_entries: int,
    items_context: str | None = None,
    skip: Container[str] = frozenset(),
) -> ParsedFeed:
    """Parse a feed document; keep at most ``max_entries`` entries, in document order.

    ``headers`` are the response headers (lower-case names); ``url`` is where the body
    came from, used as the base for relative links. Raises ParseError when the body is
    not a usable feed.

    With ``items_context`` (a digest of all else the entries depend on), each item's
    digest is worked out (see ``_items``) and given with its entry; the items whose
    digest is in ``skip`` are cut out before feedparser reads the document, and named in
    ``skipped``. On any doubt the whole document is read, as without them.
    """
    if not body.strip():
        raise ParseError("empty response body: not a feed")
    if looks_like_json(body, headers):
        return parse_json_feed(body, max_entries=max_entries)
    body, headers = _honour_bom(body, headers)
    _refuse_entity_declarations(body, headers)
    body, dropped = _drop_extra_entries(body, max_entries)
    body = _BAD_CHARACTER_REFERENCE.sub(_drop_if_not_xml_char, body)
    request_headers = dict(headers)
    request_headers["content-location"] = urljoin(url, headers.get("content-location", ""))
    split = split_items(body) if items_context is not None and not dropped else None
    every: list[str] = []
    if split is not None:
        context = f"{items_context}\0{split.head}"
        every = [item_digest(context, body[start:end]) for start, end in split.spans]
    read, result, digests = body, None, every
    skipped = frozenset(digest for digest in every if digest in skip)
    if split is not None and skipped:
        cut = [span for span, digest in zip(split.spans, every, strict=True) if digest in skip]
        read = without_spans(body, cut)
        result = _feedparser(read, request_headers)
        digests = [digest for digest in every if digest not in skip]
        if not _well_formed(result) or len(result.get("entries", [])) != len(digests):
            read, result, digests, skipped = body, None, every, frozenset()  # in doubt: whole
    if result is None:
        result = _feedparser(body, request_headers)
    warnings = _check(result, read)
    feed = result.get("feed", {})
    found = result.get("entries", [])
    well_formed = _well_formed(result)
    complete = well_formed or _root_is_closed(body)
    if not complete:
        warnings.append(
            "the document stops before its end (cut short?): only what was complete is read"
        )
        if found and _last_entry_is_open(body):
            found = found[:-1]
    entries = tuple(_raw_entry(entry) for entry in found[:max_entries])
    if dropped or len(found) > max_entries:
        warnings.append(f"feed has more than {max_entries} entries; kept the first {max_entries}")
    known = split is not None and well_formed and len(digests) == len(entries) == len(found)
    return ParsedFeed(
        well_formed=well_formed,
        complete=complete,
        version=result.get("version") or "unknown",
        title=_text_or_none(feed.get("title")),
        link=_text_or_none(feed.get("link")),
        author=_text_or_none(feed.get("author")),
        entries=entries,
        warnings=tuple(warnings),
        language=_text_or_none(feed.get("language")),
        entry_digests=tuple(digests) if known else None,
        skipped=skipped,
    )


def _feedparser(body: bytes, headers: Mapping[str, str]) -> Any:
    """feedparser's result for ``body``, never fetching; ParseError if it fails."""
    try:
        return feedparser.parse(
            io.BytesIO(body),
            response_headers=dict(headers),
            sanitize_html=False,
            resolve_relative_uris=False,  # _text resolves them while sanitising
        )
    except Exception as error:  # feedparser bugs on hostile input must fail this feed only
        raise ParseError(f"parser failed: {type(error).__name__}: {error}") from error


def _well_formed(result: Any) -> bool:
    return not result.get("bozo") or isinstance(result.get("bozo_exception"), _SURVIVABLE)


def looks_like_html(body: bytes) -> bool:
    """True when the body starts like an HTML page (used to try feed discovery)."""
    return bool(_HTML_START.match(body[:2048]))


def _honour_bom(body: bytes, headers: Mapping[str, str]) -> tuple[bytes, Mapping[str, str]]:
    """A byte order mark wins over the charset label and the XML declaration.

    feedparser lets a declared ``encoding="utf-8"`` override a UTF-16 BOM and then
    fails; a BOM cannot lie, so the body is re-encoded as UTF-8 without it, its
    declaration and the Content-Type charset saying so.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, errors="replace")
            text = _XML_DECLARATION_ENCODING.sub(r"\1utf-8\2", text, count=1)
            content_type = headers.get("content-type", "application/xml").split(";")[0]
            fixed = {**headers, "content-type": f"{content_type}; charset=utf-8"}
            return text.encode("utf-8"), fixed
    return body, headers


def _drop_if_not_xml_char(match: re.Match[bytes]) -> bytes:
    """``&#0;``, ``&#xD800;``, ``&#xFFFE;`` … name characters XML cannot hold: drop them."""
    hex_digits, decimal = match[1], match[2]
    code = int(hex_digits, 16) if hex_digits else int(decimal)
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
    return match[0] if allowed or 0x10000 <= code <= 0x10FFFF else b""


def _refuse_entity_declarations(body: bytes, headers: Mapping[str, str]) -> None:
    """Refuse any ENTITY declaration either of feedparser's parsers would act on.

    The check runs on the document as feedparser will see it: converted to UTF-8 by
    feedparser's own encoding detection (so UTF-16 or UTF-32 without a BOM, or a
    charset given only in the HTTP header, cannot hide a declaration). Two readers look:
    expat, exactly as the strict parser would read the prolog (stopping at the root
    element), and feedparser's own DOCTYPE rewrite, whose extracted entities the lenient
    parser would expand. An external DTD alone is allowed: it is never fetched.
    """
    try:
        data = feedparser.encodings.convert_to_utf8(dict(headers), body, {"bozo": False})
    except MemoryError:  # the sandbox reports it as such
        raise
    except Exception as error:  # e.g. a NUL or stray byte in the declared encoding name
        raise ParseError(f"unreadable XML declaration: {type(error).__name__}: {error}") from error
    _, _, lenient_entities = feedparser.sanitizer.replace_doctype(data)
    root = _ROOT_NAME.search(data)
    prolog = data[: root.start()] if root else data
    if lenient_entities or _ENTITY_DECLARATION.search(prolog) or _expat_declares_entities(data):
        raise ParseError("feed declares XML entities in its DOCTYPE: refused for safety")


class _RootReachedError(Exception):
    """Raised from expat's first start-element callback: the prolog is over."""


def _expat_declares_entities(data: bytes) -> bool:
    """True when expat sees an entity declaration (general, parameter or external)."""
    found: list[str] = []
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def on_entity(name: str, *_: object) -> None:
        found.append(name)

    def on_start(*_: object) -> None:
        raise _RootReachedError

    parser.EntityDeclHandler = on_entity
    parser.UnparsedEntityDeclHandler = on_entity
    parser.StartElementHandler = on_start
    with contextlib.suppress(_RootReachedError, expat.ExpatError):
        parser.Parse(data, True)
    return bool(found)


def _drop_extra_entries(body: bytes, max_entries: int) -> tuple[bytes, bool]:
    """Cut the entries after the first ``max_entries`` out of the bytes, before parsing.

    feedparser builds every entry (200,000 items took 37 s and 400 MB), so a feed with
    more start tags than wanted keeps its head up to the next entry's start and its
    tail after the last entry's end, whether an end tag or a self-closing ``<item/>``
    (``</channel></rss>``, ``</feed>``): still well-formed when the original was. Only
    ASCII-compatible encodings are cut.
    """
    starts = _ENTRY_START.finditer(body)
    cut = next(itertools.islice(starts, max_entries, None), None)
    if cut is None:
        return body, False
    end = _last_match_end(_ENTRY_CLOSE, body, cut.start())
    tail = body[end:] if end is not None else b""
    return body[: cut.start()] + tail, True


def _last_match_end(pattern: re.Pattern[bytes], body: bytes, start: int) -> int | None:
    """Where the last match of ``pattern`` in ``body[start:]`` ends, or None.

    Looks in a window at the end first, widening it only when that finds nothing: the
    last entry is normally a few bytes from the end, however many entries come before.
    """
    window = _TAIL_WINDOW
    while True:
        low = max(start, len(body) - window)
        last = None
        for last in pattern.finditer(body, low):  # noqa: B007 - only the last one is wanted
            pass
        if last is not None:
            return last.end()
        if low == start:
            return None
        window *= 4


def _root_is_closed(body: bytes) -> bool:
    """True when the document ends with its root element's end tag (then comments or PIs)."""
    root = _ROOT_NAME.search(body)  # the first name after "<": not "<?xml", "<!--", "<!DOCTYPE"
    if root is None:
        return False
    closing = re.compile(
        rb"</\s*" + re.escape(root[1]) + rb"\s*>(?:\s|<!--.*?-->|<\?.*?\?>)*\Z", re.DOTALL
    )
    return closing.search(body, max(0, len(body) - _TAIL_WINDOW)) is not None


def _last_entry_is_open(body: bytes) -> bool:
    """True when the document's last entry starts after the last entry end."""
    start = _last_match_end(_ENTRY_START, body, 0)
    end = _last_match_end(_ENTRY_CLOSE, body, 0)
    return start is not None and (end is None or start > end)


def _check(result: Any, body: bytes) -> list[str]:
    """Apply the bozo policy; return the survivable problems as warnings."""
    entries = result.get("entries", [])
    exception = result.get("bozo_exception") if result.get("bozo") else None
    if not result.get("version") and not entries:
        if looks_like_html(body):
            raise ParseError("the server sent an HTML page, not a feed")
        if exception is not None and not isinstance(exception, _SURVIVABLE):
            raise ParseError(f"{_NOT_A_FEED} ({_describe(exception)})")
        raise ParseError(_NOT_A_FEED)
    if exception is None:
        return []
    if isinstance(exception, _SURVIVABLE):
        return [_describe(exception)]
    return [f"feed is not well-formed XML, read leniently: {_describe(exception)}"]


def _describe(exception: BaseException) -> str:
    message = str(exception).strip() or type(exception).__name__
    line = getattr(exception, "getLineNumber", None)
    return f"line {line()}: {message}" if callable(line) else message


def _raw_entry(entry: Any) -> RawEntry:
    title_detail = entry.get("title_detail") or {}
    content, content_is_html, content_language, content_base = _content(entry)
    return RawEntry(
        guid=_text_or_none(entry.get("id")),
        guid_is_link=bool(entry.get("guidislink")),
        link=_text_or_none(entry.get("link")),
        title=_text_or_none(entry.get("title")),
        title_is_html=title_detail.get("type") in _HTML_TYPES,
        authors=_authors(entry),
        published=_datetime(entry.get("published_parsed"), entry.get("published")),
        # dict.get: FeedParserDict.get maps a missing "updated" to "published", with a warning.
        updated=_datetime(dict.get(entry, "updated_parsed"), dict.get(entry, "updated")),
        content=content,
        content_is_html=content_is_html,
        content_base=content_base,
        categories=tuple(
            term
            for tag in entry.get("tags") or []
            if (term := _text_or_none(tag.get("term") or tag.get("label")))
        ),
        language=_text_or_none(entry.get("language"))
        or content_language
        or _text_or_none(title_detail.get("language")),
        enclosures=_enclosures(entry),
    )


def _enclosures(entry: Any) -> tuple[RawEnclosure, ...]:
    """RSS ``<enclosure>`` and Atom ``link rel="enclosure"`` (feedparser gathers both),
    at most :data:`MAX_RAW_ENCLOSURES`; the normaliser checks and caps them further."""
    found = entry.get("enclosures") or []
    return tuple(
        RawEnclosure(
            url=_text_or_none(enclosure.get("href") or enclosure.get("url")),
            type=_text_or_none(enclosure.get("type")),
            length=_text_or_none(enclosure.get("length")),
        )
        for enclosure in found[:MAX_RAW_ENCLOSURES]
        if hasattr(enclosure, "get")
    )


def _content(entry: Any) -> tuple[str | None, bool, str | None, str | None]:
    """The richest body (HTML content first, then any content, then the summary): its
    text, whether it is HTML, its ``xml:lang`` (inherited from the feed's, if any), and
    the base URL its relative links resolve against (``xml:base``, else the feed's URL)."""
    candidates = list(entry.get("content") or [])
    if entry.get("summary_detail"):
        candidates.append(entry["summary_detail"])
    candidates.sort(key=lambda detail: detail.get("type") not in _HTML_TYPES)
    for detail in candidates:
        value = detail.get("value")
        if isinstance(value, str) and value.strip():
            language = _text_or_none(detail.get("language"))
            base = _text_or_none(detail.get("base"))
            return value, detail.get("type") in _HTML_TYPES, language, base
    return None, False, None, None


def _authors(entry: Any) -> tuple[str, ...]:
    names = [_text_or_none(author.get("name")) for author in entry.get("authors") or []]
    found = tuple(name for name in names if name)
    if found:
        return found
    single = _text_or_none(entry.get("author"))
    return (single,) if single else ()


def _impossible_iso_date(text: str) -> bool:
    """True for an ISO 8601 date feedparser would roll over instead of refusing.

    It reads ``2026-02-31`` as 3 March, ``25:61`` as the next day and the year ``10000``
    as 2010: the fields are checked here as written.
    """
    match = _ISO_DATE.match(text)
    if match is None:
        return False
    year, month, day, hour, minute, second = match.groups()
    if len(year) > 4:
        return True
    try:
        datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            min(int(second or 0), 59),
        )  # fmt: skip  (a leap second is real)
    except ValueError:
        return True
    return False


def _datetime(value: time.struct_time | None, text: object = None) -> datetime | None:
    """feedparser's UTC struct_time → aware datetime; impossible dates → None.

    feedparser reads a negative year (``-0001-01-01``) as 2000, and rolls impossible ISO
    dates over (see :func:`_impossible_iso_date`): those are refused.
    """
    if value is None:
        return None
    if isinstance(text, str) and (text.strip().startswith("-") or _impossible_iso_date(text)):
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return moment if moment.year >= _EARLIEST_YEAR else None


def _text_or_none(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
