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
* ``_sources``, ``_entries``, ``_editorial``, ``_meta`` — one table (or two) each.
* ``_dump`` — every table as plain rows, for ``db copy``.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from copro_feeds._store._dump import Dump
from copro_feeds._store.protocol import SaveCounts
from copro_feeds._store.sqlite import _dump, _editorial, _entries, _meta, _sources
from copro_feeds._store.sqlite._connection import BUSY_TIMEOUT_SECONDS, Connection, connect
from copro_feeds._store.sqlite._schema import migrate
from copro_feeds._types import EditorialMarks, SourceState
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
    ) -> SaveCounts:
        """Save a fetched feed's entries and the source's new state in one transaction."""
        with self._connection.transaction() as db:
            counts, changed = _entries.save(
                db, state.key, entries, undated_ids, now, well_formed=well_formed
            )
            _sources.write(db, state)
            if changed:  # in this transaction: a crash cannot lose it
                _meta.bump_generation(db)
        return counts

    def entries(
        self, attributions: Mapping[str, Attribution], *, content: Container[str] | None = None
    ) -> list[Entry]:
        """Every stored entry of the given sources (others are left out), newest first."""
        return _entries.read(self._connection, attributions, content)

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
