"""The ``meta`` table: bookkeeping values by key, and the generation counter."""

from __future__ import annotations

import sqlite3

from copro_feeds._store.sqlite._connection import Connection

_BUMP_GENERATION = (
    "INSERT INTO meta (key, value) VALUES ('generation', '1') "
    "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
)


def read(connection: Connection, key: str) -> str | None:
    """The value stored under ``key``, None if never set."""
    rows = connection.read("SELECT value FROM meta WHERE key = ?", (key,))
    return rows[0][0] if rows else None


def write(db: sqlite3.Connection, key: str, value: str) -> None:
    """Store ``value`` under ``key``, replacing any earlier one."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def generation(connection: Connection) -> int:
    """A number that grows whenever what is published changes (0 before any change)."""
    rows = connection.read("SELECT value FROM meta WHERE key = 'generation'")
    return int(rows[0][0]) if rows else 0


def bump_generation(db: sqlite3.Connection) -> None:
    """Add one to the generation (inside the transaction that changed what is published)."""
    db.execute(_BUMP_GENERATION)
