"""The ``editorial`` and ``audit_log`` tables: editors' marks and the record of each change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from copro_feeds._editorial import changes, short_ref
from copro_feeds._store.postgresql._connection import Connection, Db
from copro_feeds._types import EditorialMarks, EntryKey
from copro_feeds.types import AuditRecord, EditorialAction, Entry

_UPSERT_MARK = (
    "INSERT INTO editorial (source_key, entry_id, hidden, pinned_at) "
    "VALUES (%(source_key)s, %(entry_id)s, {hidden}, {pinned_at}) "
    "ON CONFLICT (source_key, entry_id) DO UPDATE SET {assignment}"
)
_EDIT = {
    EditorialAction.HIDE: _UPSERT_MARK.format(
        hidden="true", pinned_at="NULL", assignment="hidden = true"
    ),
    EditorialAction.UNHIDE: (
        "UPDATE editorial SET hidden = false "
        "WHERE source_key = %(source_key)s AND entry_id = %(entry_id)s"
    ),
    EditorialAction.PIN: _UPSERT_MARK.format(
        hidden="false", pinned_at="%(at)s", assignment="pinned_at = %(at)s"
    ),
    EditorialAction.UNPIN: (
        "UPDATE editorial SET pinned_at = NULL "
        "WHERE source_key = %(source_key)s AND entry_id = %(entry_id)s"
    ),
}
_INSERT_AUDIT = (
    'INSERT INTO audit_log (at, action, source_key, entry_id, title, link, reason, "by") '
    "VALUES (%(at)s, %(action)s, %(source_key)s, %(entry_id)s, %(title)s, %(link)s, "
    "%(reason)s, %(by)s)"
)


def marks(connection: Connection) -> EditorialMarks:
    """The hidden entries, and the pinned ones with when they were pinned."""
    rows = connection.read("SELECT source_key, entry_id, hidden, pinned_at FROM editorial")
    return EditorialMarks(
        hidden=frozenset((row["source_key"], row["entry_id"]) for row in rows if row["hidden"]),
        pinned={
            (row["source_key"], row["entry_id"]): row["pinned_at"].astimezone(UTC)
            for row in rows
            if row["pinned_at"] is not None
        },
    )


def edit(
    db: Db,
    action: EditorialAction,
    entries: Sequence[Entry],
    *,
    reason: str | None,
    by: str | None,
    now: datetime,
) -> list[AuditRecord]:
    """Apply ``action`` to the entries it changes and log each, inside a transaction."""
    db.execute("LOCK TABLE editorial IN SHARE ROW EXCLUSIVE MODE")  # one editor at a time
    current: dict[EntryKey, tuple[bool, bool]] = {
        (row["source_key"], row["entry_id"]): (row["hidden"], row["pinned_at"] is not None)
        for row in db.execute("SELECT source_key, entry_id, hidden, pinned_at FROM editorial")
    }
    records = []
    for entry in entries:
        key = (entry.source_key, entry.id)
        hidden, pinned = current.get(key, (False, False))
        if not changes(action, hidden=hidden, pinned=pinned):
            continue
        db.execute(_EDIT[action], {"source_key": key[0], "entry_id": key[1], "at": now})
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
        db.execute(_INSERT_AUDIT, {**_audit_row(record), "action": action.value})
        records.append(record)
    if records:
        db.execute("DELETE FROM editorial WHERE NOT hidden AND pinned_at IS NULL")
    return records


def audit_log(connection: Connection) -> list[AuditRecord]:
    """Every editorial action, oldest first."""
    rows = connection.read(
        'SELECT at, action, source_key, entry_id, title, link, reason, "by" '
        "FROM audit_log ORDER BY id"
    )
    return [
        AuditRecord(
            at=row["at"].astimezone(UTC),
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


def _audit_row(record: AuditRecord) -> dict[str, object]:
    names = ("at", "source_key", "entry_id", "title", "link", "reason", "by")
    return {name: getattr(record, name) for name in names}
