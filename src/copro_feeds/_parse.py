"""Bytes + response headers → :class:`ParsedFeed`, through feedparser (the only module using it).

feedparser never fetches here: it is always handed ``io.BytesIO(body)``. Its own HTML
sanitiser is off (nh3 sanitises every fragment later, see ``_text``); its relative-URI
resolution stays on, with the feed's URL as the base.

The ``bozo`` policy:

* an empty body, or a document with no feed version and no entries (an HTML page, a
  Cloudflare challenge, a JSON error) is a :class:`ParseError` ("not a feed");
* a document that declares internal XML entities is refused before parsing
  (entity-expansion attacks);
* ill-formed XML that the lenient parser still recognises as RSS or Atom is kept, with
  a warning (a truncated feed gives fewer entries; stored entries are never deleted
  because a feed stopped listing them);
* a wrong or missing charset label, or a non-XML Content-Type, is only a warning.
"""

from __future__ import annotations

import calendar
import io
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from copro_feeds._types import ParsedFeed, RawEntry
from copro_feeds.exceptions import ParseError

_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)", re.IGNORECASE | re.DOTALL)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_EARLIEST_YEAR = 1970
_SURVIVABLE = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def parse_feed(
    body: bytes, headers: Mapping[str, str], url: str, *, max_entries: int
) -> ParsedFeed:
    """Parse a feed document; keep at most ``max_entries`` entries, in document order.

    ``headers`` are the response headers (lower-case names); ``url`` is where the body
    came from, used as the base for relative links. Raises ParseError when the body is
    not a usable feed.
    """
    if not body.strip():
        raise ParseError("empty response body: not a feed")
    _refuse_entity_declarations(body)
    request_headers = dict(headers)
    request_headers["content-location"] = urljoin(url, headers.get("content-location", ""))
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=request_headers,
        sanitize_html=False,
        resolve_relative_uris=True,
    )
    warnings = _check(result, body)
    feed = result.get("feed", {})
    entries = tuple(_raw_entry(entry) for entry in result.get("entries", [])[:max_entries])
    if len(result.get("entries", [])) > max_entries:
        warnings.append(f"feed has {len(result['entries'])} entries; kept the first {max_entries}")
    return ParsedFeed(
        version=result.get("version") or "unknown",
        title=_text_or_none(feed.get("title")),
        link=_text_or_none(feed.get("link")),
        author=_text_or_none(feed.get("author")),
        entries=entries,
        warnings=tuple(warnings),
    )


def looks_like_html(body: bytes) -> bool:
    """True when the body starts like an HTML page (used to try feed discovery)."""
    return bool(_HTML_START.match(body[:2048]))


def _refuse_entity_declarations(body: bytes) -> None:
    sample = body
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        sample = body.decode("utf-16", errors="replace").encode("utf-8")
    root = _ROOT_ELEMENT.search(sample)
    prolog = sample[: root.start()] if root else sample
    if b"<!ENTITY" in prolog:
        raise ParseError("feed declares XML entities in its DOCTYPE: refused for safety")


def _check(result: Any, body: bytes) -> list[str]:
    """Apply the bozo policy; return the survivable problems as warnings."""
    entries = result.get("entries", [])
    exception = result.get("bozo_exception") if result.get("bozo") else None
    if not result.get("version") and not entries:
        if looks_like_html(body):
            raise ParseError("the server sent an HTML page, not a feed")
        if exception is not None and not isinstance(exception, _SURVIVABLE):
            raise ParseError(f"not a feed: {_describe(exception)}")
        raise ParseError("not a feed: no RSS or Atom document found")
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
    content, content_is_html = _content(entry)
    return RawEntry(
        guid=_text_or_none(entry.get("id")),
        guid_is_link=bool(entry.get("guidislink")),
        link=_text_or_none(entry.get("link")),
        title=_text_or_none(entry.get("title")),
        title_is_html=title_detail.get("type") in _HTML_TYPES,
        authors=_authors(entry),
        published=_datetime(entry.get("published_parsed")),
        # dict.get: FeedParserDict.get maps a missing "updated" to "published", with a warning.
        updated=_datetime(dict.get(entry, "updated_parsed")),
        content=content,
        content_is_html=content_is_html,
        categories=tuple(
            term
            for tag in entry.get("tags") or []
            if (term := _text_or_none(tag.get("term") or tag.get("label")))
        ),
    )


def _content(entry: Any) -> tuple[str | None, bool]:
    """The richest body: HTML content first, then any content, then the summary."""
    candidates = list(entry.get("content") or [])
    if entry.get("summary_detail"):
        candidates.append(entry["summary_detail"])
    candidates.sort(key=lambda detail: detail.get("type") not in _HTML_TYPES)
    for detail in candidates:
        value = detail.get("value")
        if isinstance(value, str) and value.strip():
            return value, detail.get("type") in _HTML_TYPES
    return None, False


def _authors(entry: Any) -> tuple[str, ...]:
    names = [_text_or_none(author.get("name")) for author in entry.get("authors") or []]
    found = tuple(name for name in names if name)
    if found:
        return found
    single = _text_or_none(entry.get("author"))
    return (single,) if single else ()


def _datetime(value: time.struct_time | None) -> datetime | None:
    """feedparser's UTC struct_time → aware datetime; impossible dates → None."""
    if value is None:
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return moment if moment.year >= _EARLIEST_YEAR else None


def _text_or_none(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
