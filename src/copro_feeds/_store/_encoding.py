"""How stored values are written down, the same in every backend.

A backend stores times as :func:`format_time` text (or reads such text back from values
others wrote, like the health records in meta) and decides whether a fetched entry
changed by comparing :func:`content_hash` digests, so every backend counts new and
updated entries alike. An entry's enclosures are stored as :func:`encode_enclosures`
text and its fingerprint as :func:`pack_fingerprint` bytes in every backend, so
``db copy`` carries them over as they are.

Reading every stored entry is the first step of each publish, so the decoders of values
that repeat from row to row (an entry's published and updated times, the same authors and
categories, enclosures) keep their latest answers (:data:`_REMEMBERED` of each). Their
answers are immutable, so sharing one is safe. (A store keeps the entries its last read
decoded: see ``_known``.)
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct
import sys
from array import array
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime

from copro_feeds.types import Enclosure, Entry

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# How many answers each remembering decoder keeps: its latest, enough for the values that
# repeat within a read (a row's two times are next to each other; authors and categories
# are few).
_REMEMBERED = 4096


def format_time(moment: datetime) -> str:
    """Aware UTC datetime → the fixed-width text stored (sorts like the time)."""
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


@functools.lru_cache(maxsize=_REMEMBERED)
def parse_time(text: str) -> datetime:
    """Stored text → aware UTC datetime."""
    with suppress(ValueError):  # fast path (50x strptime): what format_time writes
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is UTC:
            return moment
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)  # or its error


def content_hash(entry: Entry, *, undated: bool) -> str:
    """A digest of what readers see of an entry; undated entries leave their dates out.

    Enclosures count only when there are some, so that an entry without any keeps the
    digest it had before enclosures were stored (it is not "edited" by an upgrade).
    """
    dates = [] if undated else [format_time(entry.published), format_time(entry.updated)]
    fields: list[object] = [entry.title, entry.link, list(entry.authors), entry.content_html,
              list(entry.categories), *dates]  # fmt: skip
    if entry.enclosures:
        fields.append([[e.url, e.type, e.length] for e in entry.enclosures])
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def encode_enclosures(enclosures: tuple[Enclosure, ...]) -> str | None:
    """Enclosures → the JSON text stored, ``[[url, type, length], …]`` (None when none)."""
    return json.dumps([[e.url, e.type, e.length] for e in enclosures]) if enclosures else None


def decode_enclosures(text: str | None) -> tuple[Enclosure, ...]:
    """Stored enclosures text (or None) → the enclosures."""
    return _decode_enclosures(text) if text else ()


@functools.lru_cache(maxsize=_REMEMBERED)
def _decode_enclosures(text: str) -> tuple[Enclosure, ...]:
    return tuple(
        Enclosure(url=url, type=media_type, length=length)
        for url, media_type, length in json.loads(text)
    )


@functools.lru_cache(maxsize=_REMEMBERED)
def decode_names(text: str) -> tuple[str, ...]:
    """A JSON list of names as stored (an entry's authors, its categories) → the names."""
    return tuple(json.loads(text))


def pack_fingerprint(fingerprint: Sequence[int]) -> bytes | None:
    """A fingerprint as little-endian 32-bit words (None when the entry has none)."""
    return struct.pack(f"<{len(fingerprint)}I", *fingerprint) if fingerprint else None


def unpack_fingerprint(blob: bytes | None) -> Sequence[int]:
    """Stored fingerprint bytes (or None) → the fingerprint, an ``array('I')``."""
    if not blob:
        return ()
    words = array("I", blob)  # 4-byte words (as in _similarity), in this machine's order
    if sys.byteorder == "big":
        words.byteswap()
    return words
