"""The ``entries`` table: saving a fetched feed's entries and reading them back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Container, Mapping, Sequence
from datetime import datetime
from typing import Any

from copro_feeds._store._encoding import (
    decode_enclosures,
    decode_names,
    encode_enclosures,
    format_time,
    pack_fingerprint,
    parse_time,
    unpack_fingerprint,
)
from copro_feeds._store._known import KnownEntries, Row
from copro_feeds._store._saving import StoredCopy, plan_save
from copro_feeds._store.protocol import SaveCounts
from copro_feeds._store.sqlite._connection import Connection
from copro_feeds.types import Attribution, Entry

_ENTRY_COLUMNS = (
    "source_key", "id", "link", "title", "authors", "published", "updated",
    "content_html", "excerpt", "categories", "content_hash", "first_seen", "last_changed",
    "language", "enclosures", "fingerprint",
)  # fmt: skip
_INSERT_ENTRY = (
    f"INSERT INTO entries ({', '.join(_ENTRY_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + c for c in _ENTRY_COLUMNS)})"
)
_UPDATE_ENTRY = (
    "UPDATE entries SET "  # noqa: S608
    + ", ".join(
        f"{c} = :{c}" for c in _ENTRY_COLUMNS if c not in ("source_key", "id", "first_seen")
    )
    + " WHERE source_key = :source_key AND id = :id"
)
_UPDATE_LANGUAGE = (
    "UPDATE entries SET language = :language WHERE source_key = :source_key AND id = :id"
)
_UPDATE_FINGERPRINT = (
    "UPDATE entries SET fingerprint = :fingerprint WHERE source_key = :source_key AND id = :id"
)
_READ_COLUMNS = (
    "source_key, id, title, link, authors, published, updated, excerpt, categories, language, "
    "enclosures, fingerprint"
)


def save(
    db: sqlite3.Connection,
    source_key: str,
    entries: Sequence[Entry],
    undated_ids: frozenset[str],
    now: datetime,
    *,
    well_formed: bool,
) -> tuple[SaveCounts, bool]:
    """Add new entries and update edited ones of one source, inside a transaction.

    Returns the counts and whether anything stored changed (a new language alone, or a
    first fingerprint, is saved without counting as an edit, but is a change). The rules are
    :meth:`Store.save_fetch <copro_feeds._store.Store.save_fetch>`'s.
    """
    stamp = format_time(now)
    stored = {
        row[0]: StoredCopy(
            digest=row[1], published=row[2], language=row[3], fingerprinted=not row[4]
        )
        for row in db.execute(
            "SELECT id, content_hash, published, language, fingerprint IS NULL "
            "FROM entries WHERE source_key = ?",
            (source_key,),
        )
    }
    plan = plan_save(
        entries,
        undated_ids,
        stored,
        well_formed=well_formed,
        row=lambda entry, digest: _entry_row(entry, digest, stamp),
        stored_length=lambda entry_id: _stored_length(db, source_key, entry_id),
    )
    for sql, rows in ((_INSERT_ENTRY, plan.inserts), (_UPDATE_ENTRY, plan.updates),
                      (_UPDATE_LANGUAGE, plan.relabels),
                      (_UPDATE_FINGERPRINT, plan.fingerprints)):  # fmt: skip
        if rows:  # one statement prepared once per kind, not once per row
            db.executemany(sql, rows)
    return plan.counts, plan.changed


def read(
    connection: Connection,
    attributions: Mapping[str, Attribution],
    content: Container[str] | None,
    known: KnownEntries,
) -> list[Entry]:
    """Every stored entry of the given sources, newest first (see ``Store.entries``);
    a row read last time gives the entry ``known`` decoded then."""
    if not attributions:
        return []
    keys = list(attributions)
    marks = ", ".join("?" for _ in keys)
    wanted = keys if content is None else [key for key in keys if key in content]
    body = (
        f"CASE WHEN source_key IN ({', '.join('?' for _ in wanted)}) THEN content_html ELSE '' END"
        if wanted
        else "''"
    )
    rows = connection.read_values(
        f"SELECT {_READ_COLUMNS}, {body} AS content_html FROM entries "  # noqa: S608
        f"WHERE source_key IN ({marks}) ORDER BY published DESC, source_key, id",
        [*wanted, *keys],
    )
    return known.entries(rows, attributions, _entry_from_row)


def counts(connection: Connection) -> dict[str, int]:
    """Number of stored entries per source key."""
    rows = connection.read("SELECT source_key, COUNT(*) FROM entries GROUP BY source_key")
    return {row[0]: row[1] for row in rows}


def _entry_row(entry: Entry, digest: str, stamp: str) -> dict[str, Any]:
    return {
        "source_key": entry.source_key,
        "id": entry.id,
        "link": entry.link,
        "title": entry.title,
        "authors": json.dumps(list(entry.authors), ensure_ascii=False),
        "published": format_time(entry.published),
        "updated": format_time(entry.updated),
        "content_html": entry.content_html,
        "excerpt": entry.excerpt,
        "categories": json.dumps(list(entry.categories), ensure_ascii=False),
        "content_hash": digest,
        "first_seen": stamp,
        "last_changed": stamp,
        "language": entry.language,
        "enclosures": encode_enclosures(entry.enclosures),
        "fingerprint": pack_fingerprint(entry.fingerprint),
    }


def _entry_from_row(row: Row, attribution: Attribution) -> Entry:
    # by place, in _READ_COLUMNS' order then content_html: faster than by name
    _, entry_id, title, link, authors, published, updated, excerpt, categories, language, \
        enclosures, fingerprint, content_html = row  # fmt: skip
    return Entry(
        id=entry_id,
        attribution=attribution,
        title=title,
        link=link,
        authors=decode_names(authors),
        published=parse_time(published),
        updated=parse_time(updated),
        content_html=content_html,
        excerpt=excerpt,
        categories=decode_names(categories),
        language=language,
        enclosures=decode_enclosures(enclosures),
        fingerprint=unpack_fingerprint(fingerprint),
    )


def _stored_length(db: sqlite3.Connection, source_key: str, entry_id: str) -> int:
    """The length of a stored entry's content (read only for the few edited entries of a
    broken document, not on every save)."""
    (stored,) = db.execute(
        "SELECT length(content_html) FROM entries WHERE source_key = ? AND id = ?",
        (source_key, entry_id),
    ).fetchone()
    return int(stored)
