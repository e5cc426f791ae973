"""The ``entries`` table: saving a fetched feed's entries and reading them back."""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from copro_feeds._store._encoding import (
    decode_enclosures,
    encode_enclosures,
    pack_fingerprint,
    unpack_fingerprint,
)
from copro_feeds._store._known import KnownEntries, Row
from copro_feeds._store._saving import StoredCopy, plan_save
from copro_feeds._store.postgresql._connection import Connection, Db
from copro_feeds._store.protocol import SaveCounts
from copro_feeds.types import Attribution, Entry

_ENTRY_COLUMNS = (
    "source_key", "id", "link", "title", "authors", "published", "updated",
    "content_html", "excerpt", "categories", "content_hash", "first_seen", "last_changed",
    "language", "enclosures", "fingerprint",
)  # fmt: skip
_INSERT_ENTRY = (
    f"INSERT INTO entries ({', '.join(_ENTRY_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(f'%({c})s' for c in _ENTRY_COLUMNS)})"
)
_UPDATE_ENTRY = (
    "UPDATE entries SET "  # noqa: S608
    + ", ".join(
        f"{c} = %({c})s" for c in _ENTRY_COLUMNS if c not in ("source_key", "id", "first_seen")
    )
    + " WHERE source_key = %(source_key)s AND id = %(id)s"
)
_UPDATE_LANGUAGE = (
    "UPDATE entries SET language = %(language)s WHERE source_key = %(source_key)s AND id = %(id)s"
)
_UPDATE_FINGERPRINT = (
    "UPDATE entries SET fingerprint = %(fingerprint)s "
    "WHERE source_key = %(source_key)s AND id = %(id)s"
)
_READ_COLUMNS = (
    "source_key, id, title, link, authors, published, updated, excerpt, categories, language, "
    "enclosures, fingerprint"
)


def save(
    db: Db,
    source_key: str,
    entries: Sequence[Entry],
    undated_ids: frozenset[str],
    now: datetime,
    *,
    well_formed: bool,
) -> tuple[SaveCounts, bool]:
    """Add new entries and update edited ones of one source, inside a transaction.

    The source's row is locked first, so two workers saving the same source take turns.
    Returns the counts and whether anything stored changed (a new language alone, or a
    first fingerprint, is saved without counting as an edit, but is a change); the rules are
    :meth:`Store.save_fetch <copro_feeds._store.Store.save_fetch>`'s.
    """
    db.execute("SELECT 1 FROM sources WHERE key = %s FOR UPDATE", (source_key,))
    rows = db.execute(
        "SELECT id, content_hash, published, language, length(content_html) AS length, "
        "fingerprint IS NOT NULL AS fingerprinted FROM entries WHERE source_key = %s",
        (source_key,),
    ).fetchall()
    plan = plan_save(
        entries,
        undated_ids,
        {
            row["id"]: StoredCopy(
                row["content_hash"], row["published"], row["language"], row["fingerprinted"]
            )
            for row in rows
        },
        well_formed=well_formed,
        row=lambda entry, digest: _entry_row(entry, digest, now),
        stored_length={row["id"]: row["length"] for row in rows}.__getitem__,
    )
    with db.cursor() as cursor:
        for sql, batch in ((_INSERT_ENTRY, plan.inserts), (_UPDATE_ENTRY, plan.updates),
                           (_UPDATE_LANGUAGE, plan.relabels),
                           (_UPDATE_FINGERPRINT, plan.fingerprints)):  # fmt: skip
            if batch:
                cursor.executemany(sql, batch)
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
    wanted = keys if content is None else [key for key in keys if key in content]
    rows = connection.read(
        f"SELECT {_READ_COLUMNS}, "  # noqa: S608 — fixed column names
        "CASE WHEN source_key = ANY(%(wanted)s) THEN content_html ELSE '' END AS content_html "
        "FROM entries WHERE source_key = ANY(%(keys)s) "
        'ORDER BY published DESC, source_key COLLATE "C", id COLLATE "C"',
        {"wanted": wanted, "keys": keys},
    )
    return known.entries(map(_values, rows), attributions, _entry_from_row)


def counts(connection: Connection) -> dict[str, int]:
    """Number of stored entries per source key."""
    rows = connection.read("SELECT source_key, count(*) AS n FROM entries GROUP BY source_key")
    return {row["source_key"]: int(row["n"]) for row in rows}


def _entry_row(entry: Entry, digest: str, now: datetime) -> dict[str, Any]:
    return {
        "source_key": entry.source_key,
        "id": entry.id,
        "link": entry.link,
        "title": entry.title,
        "authors": list(entry.authors),
        "published": entry.published,
        "updated": entry.updated,
        "content_html": entry.content_html,
        "excerpt": entry.excerpt,
        "categories": list(entry.categories),
        "content_hash": digest,
        "first_seen": now,
        "last_changed": now,
        "language": entry.language,
        "enclosures": encode_enclosures(entry.enclosures),
        "fingerprint": pack_fingerprint(entry.fingerprint),
    }


def _values(row: Mapping[str, Any]) -> Row:
    """A row's values in ``_READ_COLUMNS``' order then content_html (lists as tuples)."""
    return (
        row["source_key"], row["id"], row["title"], row["link"], tuple(row["authors"]),
        row["published"], row["updated"], row["excerpt"], tuple(row["categories"]),
        row["language"], row["enclosures"], row["fingerprint"], row["content_html"],
    )  # fmt: skip


def _entry_from_row(row: Row, attribution: Attribution) -> Entry:
    _, entry_id, title, link, authors, published, updated, excerpt, categories, language, \
        enclosures, fingerprint, content_html = row  # fmt: skip
    return Entry(
        id=entry_id,
        attribution=attribution,
        title=title,
        link=link,
        authors=authors,
        published=published.astimezone(UTC),
        updated=updated.astimezone(UTC),
        content_html=content_html,
        excerpt=excerpt,
        categories=categories,
        language=language,
        enclosures=decode_enclosures(enclosures),
        fingerprint=unpack_fingerprint(fingerprint),
    )
