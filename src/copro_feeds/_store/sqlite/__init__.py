"""The SQLite backend of :class:`~copro_feeds._store.Store`: the only package using sqlite3.

Entries and per-source state in one file. A successful fetch saves its entries and the
new validators (ETag, Last-Modified, body hash) in one transaction, so a crash can never
leave validators that would turn the next fetch into a 304 while the entries were lost.
Editors' marks (hidden, pinned) live in ``editorial``, keyed like entries; each change
appends to ``audit_log`` in the same transaction, and bumps the generation so the next
publish applies it.

* ``_connection`` — opening the file (integrity check, WAL, busy timeout, size cap), the
  lock, transactions and reads, sqlite3 errors as StoreError.
* ``_schema`` — the tables and their migrations (``PRAGMA user_version``).
* ``_sources``, ``_entries``, ``_items``, ``_editorial``, ``_meta``, ``_users`` — one
  table (or two) each. The file is made readable by its owner only once it holds a staff
  account or the session secret.
* ``_dump`` — every table as plain rows, for ``db copy``.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from copro_feeds._store._dump import Dump
from copro_feeds._store._known import KnownEntries
from copro_feeds._store.protocol import SaveCounts
from copro_feeds._store.sqlite import (
    _dump,
    _editorial,
    _entries,
    _items,
    _meta,
    _sources,
    _users,
)
from copro_feeds._store.sqlite._connection import BUSY_TIMEOUT_SECONDS, Connection, connect
from copro_feeds._store.sqlite._schema import migrate
from copro_feeds._types import EditorialMarks, SourceState, StaffAction, StaffUser
from copro_feeds.exceptions import StoreError
from copro_feeds.types import Attribution, AuditRecord, EditorialAction, Entry

__all__ = ["BUSY_TIMEOUT_SECONDS", "SQLiteStore"]


class SQLiteStore:
    """A :class:`~copro_feeds._store.Store` in one SQLite file; thread-safe (one lock, one
    connection).

    Several processes may share the file: writes are serialised by SQLite's write lock
    (waiting up to ``busy_timeout`` seconds), reads never wait for writers (WAL).
    """

    def __init__(self, connection: Connection) -> None:
        """Wrap an open, migrated connection (use :meth:`open`)."""
        self._connection = connection
        self._known = KnownEntries()  # the entries the last read decoded, for the next

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        max_pages: int | None = None,
    ) -> SQLiteStore:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date.

        ``busy_timeout`` is how many seconds a write waits for another connection's write
        lock before failing; ``max_pages`` caps the file at that many pages. Raises
        StoreError, naming the file, when it cannot be opened or is damaged (a damaged
        file is not modified).
        """
        connection = connect(path, busy_timeout=busy_timeout, max_pages=max_pages)
        try:
            migrate(connection)
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    @staticmethod
    def upgrade(path: Path) -> tuple[int, int]:
        """Create or migrate the database at ``path`` (as :meth:`open` does); the schema
        versions before and after."""
        connection = connect(path, busy_timeout=BUSY_TIMEOUT_SECONDS, max_pages=None)
        try:
            return migrate(connection)
        finally:
            connection.close()

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def dump(self) -> Dump:
        """Every table's rows as plain values, for ``db copy`` (one consistent moment)."""
        return _dump.dump(self._connection)

    # -- sources -----------------------------------------------------------------

    def sync_sources(self, urls: Mapping[str, str]) -> None:
        """Make sure every configured source (key → configured URL) has a state row."""
        with self._connection.transaction() as db:
            _sources.sync(db, urls)

    def states(self) -> dict[str, SourceState]:
        """Every source's state, by key."""
        return _sources.read_all(self._connection)

    def state(self, key: str) -> SourceState:
        """One source's state; StoreError if the source is unknown."""
        state = _sources.read_one(self._connection, key)
        if state is None:
            raise StoreError(f"no source {key!r} in the database {self._connection.path}")
        return state

    def save_states(self, states: Sequence[SourceState]) -> None:
        """Save several sources' states in one transaction (states only, no entries)."""
        if not states:
            return
        with self._connection.transaction() as db:
            for state in states:
                _sources.write(db, state)

    # -- entries -----------------------------------------------------------------

    def save_fetch(
        self,
        state: SourceState,
        entries: Sequence[Entry],
        undated_ids: frozenset[str],
        now: datetime,
        *,
        well_formed: bool = True,
        items: Mapping[str, str] | None = None,
    ) -> SaveCounts:
        """Save a fetched feed's entries and the source's new state in one transaction."""
        with self._connection.transaction() as db:
            counts, changed = _entries.save(
                db, state.key, entries, undated_ids, now, well_formed=well_formed
            )
            _items.replace(db, state.key, items or {})
            _sources.write(db, state)
            if changed:  # in this transaction: a crash cannot lose it
                _meta.bump_generation(db)
        return counts

    def known_items(self, key: str) -> dict[str, str]:
        """The items saved with the source's last fetched document (digest → entry id)."""
        return _items.read(self._connection, key)

    def entries(
        self, attributions: Mapping[str, Attribution], *, content: Container[str] | None = None
    ) -> list[Entry]:
        """Every stored entry of the given sources (others are left out), newest first."""
        return _entries.read(self._connection, attributions, content, self._known)

    def entry_counts(self) -> dict[str, int]:
        """Number of stored entries per source key."""
        return _entries.counts(self._connection)

    def generation(self) -> int:
        """A number that grows whenever stored entries change (publishing compares it)."""
        return _meta.generation(self._connection)

    # -- editorial ---------------------------------------------------------------

    def editorial(self) -> EditorialMarks:
        """The hidden entries, and the pinned ones with when they were pinned."""
        return _editorial.marks(self._connection)

    def edit(
        self,
        action: EditorialAction,
        entries: Sequence[Entry],
        *,
        reason: str | None,
        by: str | None,
        now: datetime,
    ) -> list[AuditRecord]:
        """Hide, unhide, pin or unpin ``entries``; return the audit records appended."""
        with self._connection.transaction() as db:
            records = _editorial.edit(db, action, entries, reason=reason, by=by, now=now)
            if records:
                _meta.bump_generation(db)
        return records

    def audit_log(self) -> list[AuditRecord]:
        """Every editorial action, oldest first."""
        return _editorial.audit_log(self._connection)

    # -- meta --------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A stored bookkeeping value (e.g. the fingerprint of the last publish)."""
        return _meta.read(self._connection, key)

    def set_meta(self, key: str, value: str) -> None:
        """Store a bookkeeping value."""
        with self._connection.transaction() as db:
            _meta.write(db, key, value)

    # -- staff accounts, sign-in throttling, the session secret ------------------

    def add_user(self, user: StaffUser) -> bool:
        """Add a staff account; False, changing nothing, when the name is taken."""
        with self._connection.transaction() as db:
            added = _users.add(db, user)
        _users.owner_only(self._connection.path)
        return added

    def user(self, name: str) -> StaffUser | None:
        """The staff account called ``name``, None if none."""
        found = _users.read(self._connection, name)
        return found[0] if found else None

    def users(self) -> list[StaffUser]:
        """Every staff account, by name."""
        return _users.read(self._connection)

    def remove_user(self, name: str) -> bool:
        """Delete the account called ``name``; False when there was none."""
        with self._connection.transaction() as db:
            return _users.remove(db, name)

    def set_password(self, name: str, password_hash: str) -> bool:
        """Replace the password hash of ``name``; False when there is no such account."""
        with self._connection.transaction() as db:
            return _users.set_password(db, name, password_hash)

    def sign_out(self, name: str, now: datetime) -> None:
        """Record that ``name`` signed out at ``now``."""
        with self._connection.transaction() as db:
            _users.sign_out(db, name, now)

    def note_failed_sign_in(
        self, keys: Sequence[str], now: datetime, *, forget_before: datetime
    ) -> None:
        """Record a failed sign-in under each key; forget those before ``forget_before``."""
        with self._connection.transaction() as db:
            _users.note_failure(db, keys, now, forget_before)

    def failed_sign_ins(self, key: str, since: datetime) -> int:
        """How many failed sign-ins are recorded under ``key`` at ``since`` or later."""
        return _users.failures(self._connection, key, since)

    def record_staff_action(self, action: StaffAction) -> None:
        """Append a change to the partners or the accounts to the audit log."""
        with self._connection.transaction() as db:
            _users.record_action(db, action)

    def staff_actions(self) -> list[StaffAction]:
        """Every recorded change to the partners or the accounts, oldest first."""
        return _users.actions(self._connection)

    def session_secret(self, candidate: str) -> str:
        """The stored session secret, or ``candidate`` stored now when there is none."""
        with self._connection.transaction() as db:
            secret = _users.session_secret(db, candidate)
        _users.owner_only(self._connection.path)
        return secret
