"""The ``meta`` table: bookkeeping values by key, and the generation counter."""

from __future__ import annotations

from copro_feeds._store.postgresql._connection import Connection, Db

_BUMP_GENERATION = (
    "INSERT INTO meta (key, value) VALUES ('generation', '1') "
    "ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text"
)


def read(connection: Connection, key: str) -> str | None:
    """The value stored under ``key``, None if never set."""
    rows = connection.read("SELECT value FROM meta WHERE key = %s", (key,))
    return str(rows[0]["value"]) if rows else None


def write(db: Db, key: str, value: str) -> None:
    """Store ``value`` under ``key``, replacing any earlier one."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (%s, %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def generation(connection: Connection) -> int:
    """A number that grows whenever what is published changes (0 before any change)."""
    rows = connection.read("SELECT value FROM meta WHERE key = 'generation'")
    return int(rows[0]["value"]) if rows else 0


def bump_generation(db: Db) -> None:
    """Add one to the generation (inside the transaction that changed what is published)."""
    db.execute(_BUMP_GENERATION)
