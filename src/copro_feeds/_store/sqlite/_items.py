"""The ``items`` table: the item digests of each source's last saved document."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from copro_feeds._store.sqlite._connection import Connection


def replace(db: sqlite3.Connection, source_key: str, items: Mapping[str, str]) -> None:
    """Make ``items`` (digest → entry id) the source's known items, inside a transaction."""
    db.execute("DELETE FROM items WHERE source_key = ?", (source_key,))
    db.executemany(
        "INSERT INTO items (source_key, digest, entry_id) VALUES (?, ?, ?)",
        [(source_key, digest, entry_id) for digest, entry_id in items.items()],
    )


def read(connection: Connection, source_key: str) -> dict[str, str]:
    """The source's known items (digest → entry id)."""
    rows = connection.read("SELECT digest, entry_id FROM items WHERE source_key = ?", (source_key,))
    return {row[0]: row[1] for row in rows}
