"""The ``sources`` table: one row of state per configured source."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from copro_feeds._store.postgresql._connection import Connection, Db
from copro_feeds._types import SourceState

_STATE_COLUMNS = tuple(SourceState.__dataclass_fields__)
_TIME_COLUMNS = frozenset({"last_attempt", "last_success", "next_due"})
_UPDATE = (
    "UPDATE sources SET "  # noqa: S608 — column names from SourceState, values bound
    + ", ".join(f"{column} = %({column})s" for column in _STATE_COLUMNS)
    + " WHERE key = %(key)s"
)


def sync(db: Db, urls: Mapping[str, str]) -> None:
    """Add a row for each new key; reset the state of a source whose URL changed."""
    if not urls:
        return
    with db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO sources (key, config_url) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
            list(urls.items()),
        )
    rows = db.execute(
        "SELECT key, config_url FROM sources WHERE key = ANY(%s) FOR UPDATE", (list(urls),)
    ).fetchall()
    for row in rows:
        if row["config_url"] != urls[row["key"]]:
            write(db, SourceState(key=row["key"], config_url=urls[row["key"]]))


def write(db: Db, state: SourceState) -> None:
    """Overwrite the row of ``state.key`` with ``state``."""
    db.execute(_UPDATE, {column: getattr(state, column) for column in _STATE_COLUMNS})


def read_all(connection: Connection) -> dict[str, SourceState]:
    """Every source's state, by key."""
    return {row["key"]: _from_row(row) for row in connection.read("SELECT * FROM sources")}


def read_one(connection: Connection, key: str) -> SourceState | None:
    """One source's state, None if there is no such source."""
    rows = connection.read("SELECT * FROM sources WHERE key = %s", (key,))
    return _from_row(rows[0]) if rows else None


def _from_row(row: Mapping[str, Any]) -> SourceState:
    values = {column: row[column] for column in _STATE_COLUMNS}
    for column in _TIME_COLUMNS:
        if values[column] is not None:
            values[column] = values[column].astimezone(UTC)
    return SourceState(**values)
