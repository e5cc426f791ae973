"""The ``sources`` table: one row of state per configured source."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from copro_feeds._store._encoding import format_time, parse_time
from copro_feeds._store.sqlite._connection import Connection
from copro_feeds._types import SourceState

_STATE_COLUMNS = tuple(SourceState.__dataclass_fields__)
_TIME_COLUMNS = frozenset({"last_attempt", "last_success", "next_due"})


def sync(db: sqlite3.Connection, urls: Mapping[str, str]) -> None:
    """Add a row for each new key; reset the state of a source whose URL changed."""
    known = dict(db.execute("SELECT key, config_url FROM sources").fetchall())
    for key, url in urls.items():
        if key not in known:
            db.execute("INSERT INTO sources (key, config_url) VALUES (?, ?)", (key, url))
        elif known[key] != url:
            write(db, SourceState(key=key, config_url=url))


def write(db: sqlite3.Connection, state: SourceState) -> None:
    """Overwrite the row of ``state.key`` with ``state``."""
    values = {column: getattr(state, column) for column in _STATE_COLUMNS}
    for column in _TIME_COLUMNS:
        if values[column] is not None:
            values[column] = format_time(values[column])
    assignments = ", ".join(f"{column} = :{column}" for column in _STATE_COLUMNS)
    db.execute(f"UPDATE sources SET {assignments} WHERE key = :key", values)  # noqa: S608


def read_all(connection: Connection) -> dict[str, SourceState]:
    """Every source's state, by key."""
    return {row["key"]: _from_row(row) for row in connection.read("SELECT * FROM sources")}


def read_one(connection: Connection, key: str) -> SourceState | None:
    """One source's state, None if there is no such source."""
    rows = connection.read("SELECT * FROM sources WHERE key = ?", (key,))
    return _from_row(rows[0]) if rows else None


def _from_row(row: sqlite3.Row) -> SourceState:
    values = {column: row[column] for column in _STATE_COLUMNS}
    for column in _TIME_COLUMNS:
        if values[column] is not None:
            values[column] = parse_time(values[column])
    values["gone"] = bool(values["gone"])
    return SourceState(**values)
