"""The ``staff_users``, ``sign_in_failures`` and ``staff_actions`` tables, and the session
secret (in ``meta``)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from copro_feeds._store._encoding import format_time, parse_time
from copro_feeds._store.sqlite._connection import Connection
from copro_feeds._types import Role, StaffAction, StaffUser

SECRET_KEY = "admin.session_secret"  # noqa: S105 (the meta key holding the secret)
_USER_COLUMNS = "name, role, password_hash, created, signed_out"


def add(db: sqlite3.Connection, user: StaffUser) -> bool:
    """Insert ``user`` unless the name is taken; True when inserted."""
    cursor = db.execute(
        f"INSERT INTO staff_users ({_USER_COLUMNS}) VALUES (?, ?, ?, ?, ?) "  # noqa: S608
        "ON CONFLICT (name) DO NOTHING",
        (
            user.name,
            user.role.value,
            user.password_hash,
            format_time(user.created),
            format_time(user.signed_out) if user.signed_out else None,
        ),
    )
    return cursor.rowcount == 1


def read(connection: Connection, name: str | None = None) -> list[StaffUser]:
    """The account called ``name``, or every account by name when ``name`` is None."""
    sql = f"SELECT {_USER_COLUMNS} FROM staff_users"  # noqa: S608
    rows = (
        connection.read(sql + " WHERE name = ?", (name,))
        if name is not None
        else connection.read(sql + " ORDER BY name")
    )
    return [
        StaffUser(
            name=row["name"],
            role=Role(row["role"]),
            password_hash=row["password_hash"],
            created=parse_time(row["created"]),
            signed_out=parse_time(row["signed_out"]) if row["signed_out"] else None,
        )
        for row in rows
    ]


def remove(db: sqlite3.Connection, name: str) -> bool:
    """Delete the account called ``name``; True when there was one."""
    return db.execute("DELETE FROM staff_users WHERE name = ?", (name,)).rowcount == 1


def set_password(db: sqlite3.Connection, name: str, password_hash: str) -> bool:
    """Replace the password hash of ``name``; True when the account exists."""
    cursor = db.execute(
        "UPDATE staff_users SET password_hash = ? WHERE name = ?", (password_hash, name)
    )
    return cursor.rowcount == 1


def sign_out(db: sqlite3.Connection, name: str, now: datetime) -> None:
    """Record when ``name`` signed out."""
    db.execute("UPDATE staff_users SET signed_out = ? WHERE name = ?", (format_time(now), name))


def note_failure(
    db: sqlite3.Connection, keys: Sequence[str], now: datetime, forget_before: datetime
) -> None:
    """Record a failed sign-in under each key and drop failures older than ``forget_before``."""
    db.execute("DELETE FROM sign_in_failures WHERE at < ?", (format_time(forget_before),))
    stamp = format_time(now)
    db.executemany(
        "INSERT INTO sign_in_failures (key, at) VALUES (?, ?)", [(key, stamp) for key in keys]
    )


def failures(connection: Connection, key: str, since: datetime) -> int:
    """The failed sign-ins recorded under ``key`` at ``since`` or later."""
    rows = connection.read(
        "SELECT COUNT(*) FROM sign_in_failures WHERE key = ? AND at >= ?",
        (key, format_time(since)),
    )
    return int(rows[0][0])


def record_action(db: sqlite3.Connection, action: StaffAction) -> None:
    """Append ``action`` to ``staff_actions``."""
    db.execute(
        "INSERT INTO staff_actions (at, by, action, subject) VALUES (?, ?, ?, ?)",
        (format_time(action.at), action.by, action.action, action.subject),
    )


def actions(connection: Connection) -> list[StaffAction]:
    """Every recorded staff action, oldest first."""
    rows = connection.read("SELECT at, by, action, subject FROM staff_actions ORDER BY id")
    return [
        StaffAction(
            at=parse_time(row["at"]), by=row["by"], action=row["action"], subject=row["subject"]
        )
        for row in rows
    ]


def session_secret(db: sqlite3.Connection, candidate: str) -> str:
    """The stored session secret, storing ``candidate`` first when there is none."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        (SECRET_KEY, candidate),
    )
    row = db.execute("SELECT value FROM meta WHERE key = ?", (SECRET_KEY,)).fetchone()
    return str(row[0])


def owner_only(path: Path) -> None:
    """Make the database file (and its WAL and shared-memory files) readable by its owner
    only: it holds password hashes and the session secret."""
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if each.stat().st_mode & 0o077:
                each.chmod(0o600)
