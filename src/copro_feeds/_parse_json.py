"""Bytes → :class:`ParsedFeed` for JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/).

The same transfer types as ``_parse`` (RSS and Atom through feedparser), so the same
normaliser sanitises, caps and credits the entries. Only the standard library's ``json``
reads the body; every field is checked for its type, and one of the wrong type is
skipped (counted in a warning), never a crash:

* the body must be a JSON object whose ``version`` is a ``https://jsonfeed.org/version/…``
  URL, else :class:`ParseError` ("not a feed: neither RSS/Atom nor JSON Feed");
* JSON that cannot be read (a syntax error, nesting too deep for the parser, an integer
  too long to convert, bytes that are no Unicode) is a :class:`ParseError` saying so;
* ``items`` that are not objects are skipped; only the first ``max_entries`` are kept;
* ``content_html`` is HTML; ``content_text``, then ``summary``, are plain text;
  ``url`` (else ``external_url``) is the link; ``authors`` (1.1), else ``author``
  (1.0), give the names; dates are RFC 3339 (a date without an offset is read as UTC);
  ``attachments`` (``url``, ``mime_type``, ``size_in_bytes``) are the enclosures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from copro_feeds._types import ParsedFeed, RawEnclosure, RawEntry
from copro_feeds.exceptions import ParseError

JSON_FEED_TYPES = frozenset({"application/feed+json", "application/json"})
_VERSION_PREFIX = "https://jsonfeed.org/version/"
_VERSIONS = {"1": "json10", "1.1": "json11"}
_NOT_A_FEED = "not a feed: neither RSS/Atom nor JSON Feed"
_LEADING = b" \t\r\n\xef\xbb\xbf"
_SURROGATE = re.compile("[\ud800-\udfff]")
_EARLIEST_YEAR = 1970
MAX_RAW_ENCLOSURES = 50  # the most enclosures read from one entry, here and in _parse
_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def looks_like_json(body: bytes, headers: Mapping[str, str]) -> bool:
    """True when the body is to be read as JSON: it starts with ``{`` or ``[``, or the
    Content-Type says JSON and it does not start with ``<``."""
    start = body.lstrip(_LEADING)[:1]
    if start in (b"{", b"["):
        return True
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in JSON_FEED_TYPES and start != b"<"


def parse_json_feed(body: bytes, *, max_entries: int) -> ParsedFeed:
    """Parse a JSON Feed document; keep at most ``max_entries`` items, in document order."""
    try:
        document = json.loads(body)
    except RecursionError as error:
        raise ParseError(f"{_NOT_A_FEED} (JSON nested too deeply)") from error
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, too long an integer
        raise ParseError(f"{_NOT_A_FEED} (unreadable JSON: {_short(error)})") from error
    if not isinstance(document, dict):
        kind = _JSON_KINDS.get(type(document), "value")
        raise ParseError(f"{_NOT_A_FEED} (a JSON {kind}, not an object)")
    version = document.get("version")
    if not isinstance(version, str) or not version.startswith(_VERSION_PREFIX):
        raise ParseError(f"{_NOT_A_FEED} (JSON without a jsonfeed.org version)")
    reader = _Reader()
    items = document.get("items")
    if not isinstance(items, list):
        items = []
        reader.skipped += "items" in document
    objects = [item for item in items if isinstance(item, dict)]
    reader.skipped += len(items) - len(objects)
    entries = tuple(reader.entry(item) for item in objects[:max_entries])
    warnings = []
    if len(objects) > max_entries:
        warnings.append(f"feed has more than {max_entries} entries; kept the first {max_entries}")
    feed_authors = reader.authors(document)
    title = reader.text(document, "title")
    link = reader.text(document, "home_page_url")
    language = reader.text(document, "language")
    if reader.skipped:
        warnings.append(
            f"JSON Feed: skipped {reader.skipped} field(s) or item(s) of the wrong type"
        )
    return ParsedFeed(
        version=_VERSIONS.get(version.removeprefix(_VERSION_PREFIX).strip("/"), "json"),
        title=title,
        link=link,
        author=feed_authors[0] if feed_authors else None,
        entries=entries,
        warnings=tuple(warnings),
        language=language,
    )


class _Reader:
    """Reads typed fields out of JSON objects, counting those of the wrong type."""

    def __init__(self) -> None:
        self.skipped = 0

    def entry(self, item: Mapping[str, object]) -> RawEntry:
        content, is_html = self._content(item)
        tags = item.get("tags")
        if tags is not None and not isinstance(tags, list):
            self.skipped += 1
            tags = []
        categories = tuple(_clean(tag) for tag in tags or () if isinstance(tag, str))
        return RawEntry(
            guid=self._id(item),
            guid_is_link=False,
            link=self.text(item, "url") or self.text(item, "external_url"),
            title=self.text(item, "title"),
            title_is_html=False,
            authors=self.authors(item),
            published=self.date(item, "date_published"),
            updated=self.date(item, "date_modified"),
            content=content,
            content_is_html=is_html,
            categories=tuple(category for category in categories if category),
            language=self.text(item, "language"),
            enclosures=self.attachments(item),
        )

    def attachments(self, item: Mapping[str, object]) -> tuple[RawEnclosure, ...]:
        """The item's ``attachments``, at most :data:`MAX_RAW_ENCLOSURES`."""
        found = item.get("attachments")
        if found is None:
            return ()
        if not isinstance(found, list):
            self.skipped += 1
            return ()
        enclosures = []
        for attachment in found[:MAX_RAW_ENCLOSURES]:
            if not isinstance(attachment, dict):
                self.skipped += 1
                continue
            size = attachment.get("size_in_bytes")
            if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
                self.skipped += 1
                size = None
            enclosures.append(
                RawEnclosure(
                    url=self.text(attachment, "url"),
                    type=self.text(attachment, "mime_type"),
                    length=size,
                )
            )
        return tuple(enclosures)

    def text(self, item: Mapping[str, object], key: str) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.skipped += 1
            return None
        return _clean(value) or None

    def date(self, item: Mapping[str, object], key: str) -> datetime | None:
        text = self.text(item, key)
        return _datetime(text) if text else None

    def authors(self, item: Mapping[str, object]) -> tuple[str, ...]:
        """The names of ``authors`` (1.1), else of ``author`` (1.0)."""
        found = item.get("authors")
        if found is not None and not isinstance(found, list):
            self.skipped += 1
            found = None
        if not found:
            single = item.get("author")
            found = [single] if single is not None else []
        names = []
        for author in found:
            if not isinstance(author, dict):
                self.skipped += 1
            elif name := self.text(author, "name"):
                names.append(name)
        return tuple(names)

    def _id(self, item: Mapping[str, object]) -> str | None:
        value = item.get("id")
        # The spec asks readers to take a number as its text; a bool is no id.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(item, "id")

    def _content(self, item: Mapping[str, object]) -> tuple[str | None, bool]:
        html = self.text(item, "content_html")
        if html:
            return html, True
        return self.text(item, "content_text") or self.text(item, "summary"), False


def _clean(value: str) -> str:
    """Stripped, with any lone surrogate (``"\\ud800"`` is valid JSON) replaced."""
    return _SURROGATE.sub("\ufffd", value).strip()


def _datetime(text: str) -> datetime | None:
    """An RFC 3339 date → aware UTC datetime; anything unreadable or before 1970 → None."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment if moment.year >= _EARLIEST_YEAR else None


def _short(error: BaseException) -> str:
    return str(error)[:200] or type(error).__name__
