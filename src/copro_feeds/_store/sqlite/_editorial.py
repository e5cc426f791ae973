"""The ``editorial`` and ``audit_log`` tables: editors' marks and the record of each change."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from copro_feeds._editorial import changes, short_ref
from copro_feeds._store._encoding import format_time, parse_time
from copro_feeds._store.sqlite._connection import Connection
from copro_feeds._types import EditorialMarks, EntryKey
from copro_feeds.types import AuditRecord, EditorialAction, Entry

_UPSERT_MARK = (
    "INSERT INTO editorial (source_key, entry_id, hidden, pinned_at) "
    "VALUES (:source_key, :entry_id, {hidden}, {pinned_at}) "
    "ON CONFLICT (source_key, entry_id) DO UPDATE SET {assignment}"
)
_EDIT = {
    EditorialAction.HIDE: _UPSERT_MARK.format(hidden=1, pinned_at="NULL", assignment="hidden = 1"),
    EditorialAction.UNHIDE: (
        "UPDATE editorial SET hidden = 0 WHERE source_key = :source_key AND entry_id = :entry_id"
    ),
    EditorialAction.PIN: _UPSERT_MARK.format(
        hidden=0, pinned_at=":stamp", assignment="pinned_at = :stamp"
    ),
    EditorialAction.UNPIN: (
        "UPDATE editorial SET pinned_at = NULL "
        "WHERE source_key = :source_key AND entry_id = :entry_id"
    ),
}
_AUDIT_COLUMNS = ("at", "action", "source_key", "entry_id", "title", "link", "reason", "by")
_INSERT_AUDIT = (
    f"INSERT INTO audit_log ({', '.join(_AUDIT_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + c for c in _AUDIT_COLUMNS)})"
)


def marks(connection: Connection) -> EditorialMarks:
    """The hidden entries, and the pinned ones with when they were pinned."""
    rows = connection.read("SELECT source_key, entry_id, hidden, pinned_at FROM editorial")
    return EditorialMarks(
        hidden=frozenset((row[0], row[1]) for row in rows if row[2]),
        pinned={(row[0], row[1]): parse_time(row[3]) for row in rows if row[3] is not None},
    )


def edit(
    db: sqlite3.Connection,
    action: EditorialAction,
    entries: Sequence[Entry],
    *,
    reason: str | None,
    by: str | None,
    now: datetime,
) -> list[AuditRecord]:
    """Apply ``action`` to the entries it changes and log each, inside a transaction."""
    records = []
    stamp = format_time(now)
    current: dict[EntryKey, tuple[int, str | None]] = {
        (row[0], row[1]): (row[2], row[3])
        for row in db.execute("SELECT source_key, entry_id, hidden, pinned_at FROM editorial")
    }
    for entry in entries:
        key = (entry.source_key, entry.id)
        hidden, pinned_at = current.get(key, (0, None))
        if not changes(action, hidden=bool(hidden), pinned=pinned_at is not None):
            continue
        values = {"source_key": key[0], "entry_id": key[1], "stamp": stamp}
        db.execute(_EDIT[action], values)
        record = AuditRecord(
            at=now,
            action=action,
            ref=short_ref(*key),
            source_key=key[0],
            entry_id=key[1],
            title=entry.title,
            link=entry.link,
            reason=reason,
            by=by,
        )
        db.execute(_INSERT_AUDIT, {**_audit_row(record), "at": stamp})
        records.append(record)
    if records:
        db.execute("DELETE FROM editorial WHERE hidden = 0 AND pinned_at IS NULL")
    return records


def audit_log(connection: Connection) -> list[AuditRecord]:
    """Every editorial action, oldest first."""
    rows = connection.read(
        "SELECT at, action, source_key, entry_id, title, link, reason, by "
        "FROM audit_log ORDER BY id"
    )
    return [
        AuditRecord(
            at=parse_time(row["at"]),
            action=EditorialAction(row["action"]),
            ref=short_ref(row["source_key"], row["entry_id"]),
            source_key=row["source_key"],
            entry_id=row["entry_id"],
            title=row["title"],
            link=row["link"],
            reason=row["reason"],
            by=row["by"],
        )
        for row in rows
    ]


def _audit_row(record: AuditRecord) -> dict[str, Any]:
    return {column: getattr(record, column) for column in _AUDIT_COLUMNS if column != "at"}
