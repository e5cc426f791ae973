"""A feed document's items, found by byte range, so that posts already stored are not parsed
again (issue 13): pure, over bytes.

:func:`split_items` reads a document with expat (strict, no DTD, no entities: ``_parse``
has refused any entity declaration before this runs) and returns where each item lies,
and the document's *head*: everything outside the items, less whitespace between tags
and what changes with every new post and nothing else (the feed-level
``lastBuildDate``, ``pubDate``, ``atom:updated`` and ``dc:date``, RSS 1.0's list of
items). expat, not lxml: it gives the byte offset of every tag, so an item's bytes and
the reduced document are cut from the body exactly as the parser will read it.

Any doubt gives None, and the caller parses the whole document as before: not
well-formed, an entity declaration, an encoding expat cannot read, an item or entry
anywhere but where RSS 0.9x and 2.0, RSS 1.0 and 0.90 or Atom 1.0 and 0.3 put them, or
an empty ``<item/>``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from xml.parsers import expat

_ATOM = "http://www.w3.org/2005/Atom"
_ATOM03 = "http://purl.org/atom/ns#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS10 = "http://purl.org/rss/1.0/"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_DC = "http://purl.org/dc/elements/1.1/"
# expat names with namespace_separator=" ": "uri local", or "local" without a namespace.
_ITEM_PATHS = frozenset({
    ("rss", "channel", "item"),
    (f"{_RDF} RDF", f"{_RSS10} item"),
    (f"{_RDF} RDF", f"{_RSS090} item"),
    (f"{_ATOM} feed", f"{_ATOM} entry"),
    (f"{_ATOM03} feed", f"{_ATOM03} entry"),
})  # fmt: skip
_BETWEEN_TAGS = re.compile(rb">\s+<")
_ITEM_NAMES = frozenset({"item", "entry"})
_DEEPEST = max(map(len, _ITEM_PATHS))
# RSS 1.0's channel also lists its items' URIs (<items><rdf:Seq>): feedparser reads the
# items themselves, so that list changes with every post and nothing else.
_VOLATILE = frozenset({
    "lastBuildDate", "pubDate", f"{_ATOM} updated", f"{_DC} date", f"{_RSS10} items"
})  # fmt: skip
# The elements whose volatile children are left out of the head: channel and feed.
_CHANNELS = frozenset({
    ("rss", "channel"),
    (f"{_RDF} RDF", f"{_RSS10} channel"),
    (f"{_RDF} RDF", f"{_RSS090} channel"),
    (f"{_ATOM} feed",),
    (f"{_ATOM03} feed",),
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Items:
    """Where a document's items are: ``spans`` (start, end) in document order, and a
    digest of its ``head`` (what every item is read with)."""

    head: str
    spans: tuple[tuple[int, int], ...]


class _DoubtError(Exception):
    """The document is not one whose items can be cut out safely."""


def split_items(body: bytes) -> Items | None:
    """The items of ``body`` and a digest of its head; None on any doubt (see module)."""
    path: list[str] = []
    starts: list[int] = []
    items: list[tuple[int, int]] = []
    volatile: list[tuple[int, int]] = []
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    # Paths are compared only near the root (items are at depth 2 or 3), so that deeply
    # nested markup costs each element the same, not its depth.
    def on_start(name: str, _: object) -> None:
        path.append(name)
        starts.append(parser.CurrentByteIndex)
        if name.rsplit(" ", 1)[-1] in _ITEM_NAMES and (
            len(path) > _DEEPEST or tuple(path) not in _ITEM_PATHS
        ):
            raise _DoubtError

    def on_end(name: str) -> None:
        start = starts.pop()
        item = len(path) <= _DEEPEST and tuple(path) in _ITEM_PATHS
        path.pop()
        if item or (name in _VOLATILE and len(path) < _DEEPEST and tuple(path) in _CHANNELS):
            span = (start, _end_of_end_tag(body, start, parser.CurrentByteIndex))
            (items if item else volatile).append(span)

    def on_entity(*_: object) -> None:
        raise _DoubtError  # never expanded here (``_parse`` refuses them anyway)

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.EntityDeclHandler = on_entity
    parser.UnparsedEntityDeclHandler = on_entity
    try:
        parser.Parse(body, True)
    except (_DoubtError, expat.ExpatError, ValueError, LookupError):
        return None
    return Items(head=_head_digest(body, items, volatile), spans=tuple(items))


def _end_of_end_tag(body: bytes, start: int, at: int) -> int:
    """Where the end tag found at ``at`` ends; _DoubtError for an empty element (expat
    then points past it, at whatever comes next)."""
    name_end = start + 1
    while body[name_end : name_end + 1] not in (b"", b" ", b"\t", b"\r", b"\n", b">", b"/"):
        name_end += 1
    tag = b"</" + body[start + 1 : name_end]
    following = body[at + len(tag) : at + len(tag) + 1]
    if not body.startswith(tag, at) or following not in (b" ", b"\t", b"\r", b"\n", b">"):
        raise _DoubtError
    return body.index(b">", at) + 1


def _head_digest(body: bytes, *cut: list[tuple[int, int]]) -> str:
    """A digest of ``body`` outside the ``cut`` spans, less whitespace between tags (so
    that adding or removing an item, with its indentation, leaves it as it was)."""
    parts = []
    position = 0
    for start, end in sorted(span for spans in cut for span in spans):
        parts.append(body[position:start])
        position = end
    parts.append(body[position:])
    head = _BETWEEN_TAGS.sub(b"><", b"".join(parts).strip())
    return hashlib.blake2b(head, digest_size=16).hexdigest()


def item_digest(context: str, item: bytes) -> str:
    """The digest of one item's bytes, read with ``context`` (the head's digest and all
    else that normalising it depends on)."""
    return hashlib.blake2b(context.encode() + b"\0" + item, digest_size=16).hexdigest()


def without_spans(body: bytes, spans: list[tuple[int, int]]) -> bytes:
    """``body`` with the given spans (in document order, not overlapping) cut out."""
    parts = []
    position = 0
    for start, end in spans:
        parts.append(body[position:start])
        position = end
    parts.append(body[position:])
    return b"".join(parts)
