"""The ``items`` table: the item digests of each source's last saved document."""

from __future__ import annotations

from collections.abc import Mapping

from copro_feeds._store.postgresql._connection import Connection, Db

# One round trip, and no write when the items are those already kept (the usual refresh):
# the digests no longer listed go, new ones come, a digest now naming another entry is
# updated. The DELETE and the INSERT touch different digests, so they never meet.
_REPLACE = """
WITH listed AS (
    SELECT * FROM unnest(%(digests)s::text[], %(ids)s::text[]) AS listed (digest, entry_id)
), gone AS (
    DELETE FROM items
    WHERE source_key = %(key)s AND digest <> ALL (%(digests)s::text[])
)
INSERT INTO items (source_key, digest, entry_id)
SELECT %(key)s, digest, entry_id FROM listed
ON CONFLICT (source_key, digest) DO UPDATE SET entry_id = excluded.entry_id
WHERE items.entry_id <> excluded.entry_id
"""


def replace(db: Db, source_key: str, items: Mapping[str, str]) -> None:
    """Make ``items`` (digest → entry id) the source's known items, inside a transaction."""
    db.execute(_REPLACE, {"key": source_key, "digests": list(items), "ids": list(items.values())})


def read(connection: Connection, source_key: str) -> dict[str, str]:
    """The source's known items (digest → entry id)."""
    rows = connection.read(
        "SELECT digest, entry_id FROM items WHERE source_key = %s", (source_key,)
    )
    return {row["digest"]: row["entry_id"] for row in rows}
