"""The ``staff_users``, ``sign_in_failures`` and ``staff_actions`` tables, and the session
secret (in ``meta``, under the key SQLite uses, so ``db copy`` carries it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from copro_feeds._store.postgresql._connection import Connection, Db
from copro_feeds._types import Role, StaffAction, StaffUser

SECRET_KEY = "admin.session_secret"  # noqa: S105 (the meta key holding the secret)
_SELECT_USERS = "SELECT name, role, password_hash, created, signed_out FROM staff_users"
# Names sort by code point, as in SQLite, whatever the database's collation.
_BY_NAME = ' ORDER BY name COLLATE "C"'


def add(db: Db, user: StaffUser) -> bool:
    """Insert ``user`` unless the name is taken; True when inserted."""
    cursor = db.execute(
        "INSERT INTO staff_users (name, role, password_hash, created, signed_out) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
        (user.name, user.role.value, user.password_hash, user.created, user.signed_out),
    )
    return cursor.rowcount == 1


def read(connection: Connection, name: str | None = None) -> list[StaffUser]:
    """The account called ``name``, or every account by name when ``name`` is None."""
    rows = (
        connection.read(_SELECT_USERS + " WHERE name = %s", (name,))
        if name is not None
        else connection.read(_SELECT_USERS + _BY_NAME)
    )
    return [_user(row) for row in rows]


def remove(db: Db, name: str) -> bool:
    """Delete the account called ``name``; True when there was one."""
    return db.execute("DELETE FROM staff_users WHERE name = %s", (name,)).rowcount == 1


def set_password(db: Db, name: str, password_hash: str) -> bool:
    """Replace the password hash of ``name``; True when the account exists."""
    cursor = db.execute(
        "UPDATE staff_users SET password_hash = %s WHERE name = %s", (password_hash, name)
    )
    return cursor.rowcount == 1


def sign_out(db: Db, name: str, now: datetime) -> None:
    """Record when ``name`` signed out."""
    db.execute("UPDATE staff_users SET signed_out = %s WHERE name = %s", (now, name))


def note_failure(db: Db, keys: Sequence[str], now: datetime, forget_before: datetime) -> None:
    """Record a failed sign-in under each key and drop failures older than ``forget_before``."""
    db.execute("DELETE FROM sign_in_failures WHERE at < %s", (forget_before,))
    with db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO sign_in_failures (key, at) VALUES (%s, %s)", [(key, now) for key in keys]
        )


def failures(connection: Connection, key: str, since: datetime) -> int:
    """The failed sign-ins recorded under ``key`` at ``since`` or later."""
    rows = connection.read(
        "SELECT count(*) AS n FROM sign_in_failures WHERE key = %s AND at >= %s", (key, since)
    )
    return int(rows[0]["n"])


def record_action(db: Db, action: StaffAction) -> None:
    """Append ``action`` to ``staff_actions``."""
    db.execute(
        'INSERT INTO staff_actions (at, "by", action, subject) VALUES (%s, %s, %s, %s)',
        (action.at, action.by, action.action, action.subject),
    )


def actions(connection: Connection) -> list[StaffAction]:
    """Every recorded staff action, oldest first."""
    rows = connection.read('SELECT at, "by", action, subject FROM staff_actions ORDER BY id')
    return [
        StaffAction(
            at=row["at"].astimezone(UTC), by=row["by"], action=row["action"], subject=row["subject"]
        )
        for row in rows
    ]


def session_secret(db: Db, candidate: str) -> str:
    """The stored session secret, storing ``candidate`` first when there is none.

    Two processes starting at once agree: the second insert waits for the first to commit,
    then does nothing, and the read that follows sees the first one's secret.
    """
    db.execute(
        "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
        (SECRET_KEY, candidate),
    )
    [row] = db.execute("SELECT value FROM meta WHERE key = %s", (SECRET_KEY,)).fetchall()
    return str(row["value"])


def _user(row: Mapping[str, Any]) -> StaffUser:
    signed_out = row["signed_out"]
    return StaffUser(
        name=row["name"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        created=row["created"].astimezone(UTC),
        signed_out=signed_out.astimezone(UTC) if signed_out is not None else None,
    )
