"""Pure: :class:`RawEntry` → :class:`Entry`.

Ids, UTC dates, canonical links, sanitised HTML, plain-text excerpts, language tags and
audio and video enclosures.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from copro_feeds._text import (
    collapse_whitespace,
    html_to_text,
    is_visible,
    make_excerpt,
    sanitise_html,
    truncate_words,
    xml_safe,
)
from copro_feeds._types import RawEnclosure, RawEntry
from copro_feeds._urls import without_credentials
from copro_feeds.types import Attribution, Enclosure, Entry

FUTURE_TOLERANCE = timedelta(days=1)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNTITLED = "Untitled post"
_TITLE_FROM_EXCERPT_WORDS = 10
# A title is read from its first 4,096 characters: BeautifulSoup is quadratic in nesting
# depth (200 KB of <div> took two minutes), and no real title is longer.
_MAX_TITLE_CHARS = 4096
# A language tag as BCP 47 spells it, loosely: letters, then subtags of letters and digits.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
MAX_ENCLOSURES = 5
"""The most audio and video enclosures kept per entry (the first ones, in feed order)."""
_MEDIA_TYPE = re.compile(r"(audio|video)/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_MAX_LENGTH = 2**53  # bytes: a length beyond any real file (and beyond JSON's exact integers)


@dataclass(frozen=True, slots=True, kw_only=True)
class NormaliseSettings:
    """What normalising one source's entries needs to know."""

    attribution: Attribution
    base_url: str
    tags: tuple[str, ...]
    excerpt_words: int
    max_entry_bytes: int
    max_categories: int = 50
    max_authors: int = 20
    fallback_author: str | None = None
    language: str | None = None  # the feed's, already a clean tag (see language_tag)


def canonical_link(url: str | None, base: str) -> str | None:
    """An absolute http(s) URL without fragment or ``utm_*`` parameters, else None.

    ``javascript:``, ``data:`` and other schemes give None; scheme and host are lower-cased.
    """
    if not url:
        return None
    try:
        parts = urlsplit(urljoin(base, xml_safe(url).strip()))
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        netloc += f":{port}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not key.lower().startswith("utm_")]
    query = urlencode(kept) if len(kept) < len(pairs) else parts.query
    return urlunsplit((parts.scheme, netloc, parts.path or "/", query, ""))


def language_tag(value: str | None) -> str | None:
    """A clean language tag in BCP 47's usual case (``cy``, ``en-GB``, ``zh-Hant-TW``), else None.

    Surrounding space is trimmed and ``_`` read as ``-`` (``en_GB``); anything else that is
    not letters and digits in subtags of at most 8 (``english``, ``en GB``, ``x;y``) is None.
    """
    text = (value or "").strip().replace("_", "-")
    if not _LANGUAGE_TAG.fullmatch(text):
        return None
    first, *rest = text.split("-")
    subtags = [first.lower()]
    for subtag in rest:
        if len(subtag) == 2 and subtag.isalpha():  # a region: GB
            subtags.append(subtag.upper())
        elif len(subtag) == 4 and subtag.isalpha():  # a script: Latn
            subtags.append(subtag.title())
        else:
            subtags.append(subtag.lower())
    return "-".join(subtags)


def entry_id(raw: RawEntry, link: str | None) -> str:
    """The partner's identifier: guid, else canonical link, else a hash of title and date."""
    guid = collapse_whitespace(xml_safe(raw.guid or ""))
    if guid and not _is_unsafe_url(guid):
        return guid
    if link:
        return link
    date = raw.published or raw.updated
    basis = f"{raw.title or ''}\n{date.isoformat() if date else ''}\n{raw.content or ''}"
    return "sha256:" + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_entry(raw: RawEntry, settings: NormaliseSettings, now: datetime) -> Entry:
    """Turn one parsed entry into an :class:`Entry`.

    Missing dates become ``now`` (the store keeps the first-seen time across runs);
    dates more than a day in the future are clamped to ``now``. The language is the
    entry's own when it is a valid tag, else the feed's (``settings.language``).
    """
    link = canonical_link(raw.link, settings.base_url)
    if link is None and raw.guid_is_link:
        link = canonical_link(raw.guid, settings.base_url)
    content_html = sanitise_html(
        _content_html(raw, settings.max_entry_bytes), base=raw.content_base or settings.base_url
    )
    excerpt = make_excerpt(content_html, settings.excerpt_words)
    published = _clamp(raw.published or raw.updated, now)
    updated = max(_clamp(raw.updated or raw.published, now), published)
    authors = raw.authors or ((settings.fallback_author,) if settings.fallback_author else ())
    # The feed's own categories and authors are capped (10,000 of each made publishing
    # quadratic); the source's configured tags always follow, so tag feeds stay whole.
    own_categories = merge_categories(raw.categories)[: settings.max_categories]
    return Entry(
        id=entry_id(raw, link),
        attribution=settings.attribution,
        title=_title(raw, excerpt),
        link=link,
        authors=_names(authors)[: settings.max_authors],
        published=published,
        updated=updated,
        content_html=content_html,
        excerpt=excerpt,
        categories=merge_categories(own_categories, settings.tags),
        language=language_tag(raw.language) or settings.language,
        enclosures=media_enclosures(raw.enclosures, settings.base_url),
    )


def media_enclosures(found: tuple[RawEnclosure, ...], base: str) -> tuple[Enclosure, ...]:
    """The audio and video enclosures worth republishing, at most :data:`MAX_ENCLOSURES`.

    Each needs an ``audio/…`` or ``video/…`` media type (its parameters dropped) and a URL
    that is http or https once made absolute; credentials in it are removed. A length
    that is not a whole number of bytes above zero is unknown (None). Repeated URLs count
    once.
    """
    kept: dict[str, Enclosure] = {}
    for raw in found:
        media_type = (raw.type or "").split(";")[0].strip().lower()
        url = _media_url(raw.url, base)
        if url is None or url in kept or not _MEDIA_TYPE.fullmatch(media_type):
            continue
        kept[url] = Enclosure(url=url, type=media_type, length=_length(raw.length))
        if len(kept) == MAX_ENCLOSURES:
            break
    return tuple(kept.values())


def _media_url(url: str | None, base: str) -> str | None:
    text = xml_safe(url or "").strip()
    if not text or any(character.isspace() for character in text):
        return None
    try:
        parts = urlsplit(urljoin(base, text))
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not host:
        return None
    return without_credentials(urlunsplit(parts))


def _length(value: str | int | None) -> int | None:
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit():
        return None
    length = int(text)
    return length if 0 < length < _MAX_LENGTH else None


def has_usable_date(raw: RawEntry, now: datetime) -> bool:
    """False when the entry has no date, or one too far in the future to believe: its
    published time is then ``now``, and the store keeps the time it was first seen."""
    return _believable(raw.published or raw.updated, now)


def is_settled(raw: RawEntry, now: datetime) -> bool:
    """True when a later ``now`` makes no difference to the entry: it has no date at all
    (it stays undated, and an undated entry's dates are never compared or replaced), or
    both the dates it takes are believable (neither is clamped, now or later). A date in
    the future is not settled: it is clamped to ``now`` until it comes."""
    if raw.published is None and raw.updated is None:
        return True
    return _believable(raw.published or raw.updated, now) and _believable(
        raw.updated or raw.published, now
    )


def merge_categories(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """Categories in order of first appearance, without case-insensitive repeats."""
    seen: set[str] = set()
    merged: list[str] = []
    for group in groups:
        for category in group:
            cleaned = collapse_whitespace(xml_safe(category))
            if is_visible(cleaned) and cleaned.casefold() not in seen:
                seen.add(cleaned.casefold())
                merged.append(cleaned)
    return tuple(merged)


def _names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Author names cleaned, without invisible ones or repeats, in order."""
    cleaned = (collapse_whitespace(xml_safe(name)) for name in names)
    return tuple(dict.fromkeys(name for name in cleaned if is_visible(name)))


def _content_html(raw: RawEntry, max_bytes: int) -> str:
    encoded = (raw.content or "").encode("utf-8", "surrogatepass")
    content = encoded[:max_bytes].decode("utf-8", "ignore")  # a cut character is dropped
    return content if raw.content_is_html else f"<p>{html.escape(content)}</p>"


def _title(raw: RawEntry, excerpt: str) -> str:
    title = (raw.title or "")[:_MAX_TITLE_CHARS]
    text = html_to_text(title) if raw.title_is_html else collapse_whitespace(xml_safe(title))
    if is_visible(text):  # a title of only zero-width characters is no title
        return text
    return truncate_words(excerpt, _TITLE_FROM_EXCERPT_WORDS) if is_visible(excerpt) else _UNTITLED


def _believable(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now + FUTURE_TOLERANCE


def _clamp(moment: datetime | None, now: datetime) -> datetime:
    return moment if moment is not None and _believable(moment, now) else now


def _is_unsafe_url(value: str) -> bool:
    scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
    return scheme in ("javascript", "data", "vbscript", "file")
