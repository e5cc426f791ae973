"""The ``items`` table: the item digests of each source's last saved document."""

from __future__ import annotations

from collections.abc import Mapping

from copro_feeds._store.postgresql._connection import Connection, Db


def replace(db: Db, source_key: str, items: Mapping[str, str]) -> None:
    """Make ``items`` (digest → entry id) the source's known items, inside a transaction."""
    db.execute("DELETE FROM items WHERE source_key = %s", (source_key,))
    if items:
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO items (source_key, digest, entry_id) VALUES (%s, %s, %s)",
                [(source_key, digest, entry_id) for digest, entry_id in items.items()],
            )


def read(connection: Connection, source_key: str) -> dict[str, str]:
    """The source's known items (digest → entry id)."""
    rows = connection.read(
        "SELECT digest, entry_id FROM items WHERE source_key = %s", (source_key,)
    )
    return {row["digest"]: row["entry_id"] for row in rows}
