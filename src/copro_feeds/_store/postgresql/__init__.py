"""The PostgreSQL backend of :class:`~copro_feeds._store.Store`: the only package using psycopg.

The same tables and guarantees as ``sqlite/``, for several processes on several machines
(the workers of ``copro-feeds run``): a fetch's entries and validators in one transaction,
the generation bumped in the transaction that changed what is published, editorial marks
and their audit records together. Two saves of one source take turns (its row is locked
first); every transaction borrows its own connection from a pool, so threads do not wait
for one another.

Its schema is changed only by ``copro-feeds db upgrade`` (:meth:`PostgreSQLStore.upgrade`):
:meth:`PostgreSQLStore.open` refuses a database that is not up to date.

* ``_connection`` — the connection pool, transactions and reads, psycopg errors as
  StoreError naming the database without its credentials.
* ``_schema`` — the tables and their migrations (table ``copro_feeds_schema``).
* ``_sources``, ``_entries``, ``_items``, ``_editorial``, ``_meta``, ``_users`` — one table (or two)
  each. Staff accounts, failed sign-ins, staff actions and the session secret are kept
  here as in SQLite; who may read them is the database's grants (not a file mode).
* ``_load`` — a dump of another store, into an empty database (``db copy``).
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from datetime import datetime

from copro_feeds._store._dump import Dump
from copro_feeds._store._known import KnownEntries
from copro_feeds._store.postgresql import (
    _editorial,
    _entries,
    _items,
    _load,
    _meta,
    _schema,
    _sources,
    _users,
)
from copro_feeds._store.postgresql._connection import (
    LOCK_TIMEOUT_SECONDS,
    MAX_CONNECTIONS,
    Connection,
    connect,
)
from copro_feeds._store.protocol import SaveCounts
from copro_feeds._types import EditorialMarks, SourceState, StaffAction, StaffUser
from copro_feeds.exceptions import StoreError
from copro_feeds.types import Attribution, AuditRecord, EditorialAction, Entry

__all__ = ["LOCK_TIMEOUT_SECONDS", "SCHEMA_VERSION", "PostgreSQLStore"]

SCHEMA_VERSION = _schema.VERSION


class PostgreSQLStore:
    """A :class:`~copro_feeds._store.Store` in a PostgreSQL database; thread-safe (a pool
    of connections), shared by any number of processes."""

    def __init__(self, connection: Connection) -> None:
        """Wrap an open connection pool to an up-to-date database (use :meth:`open`)."""
        self._connection = connection
        self._known = KnownEntries()  # the entries the last read decoded, for the next

    @classmethod
    def open(
        cls,
        url: str,
        *,
        max_connections: int = MAX_CONNECTIONS,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> PostgreSQLStore:
        """Connect to the database at ``url`` (a ``postgresql://`` URL or libpq string).

        At most ``max_connections`` at once (threads beyond wait for one); a write waits
        at most ``lock_timeout`` seconds for another transaction's lock, then fails with
        StoreError.

        Raises StoreError, naming the database without user or password, when it cannot
        be reached or its schema is not this copro_feeds's (one line saying to run
        ``copro-feeds db upgrade``).
        """
        connection = connect(url, max_connections=max_connections, lock_timeout=lock_timeout)
        try:
            _schema.check(connection)
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    @staticmethod
    def upgrade(url: str) -> tuple[int, int]:
        """Create or migrate the schema at ``url``; the versions before and after."""
        connection = connect(url, max_connections=1)
        try:
            return _schema.migrate(connection)
        finally:
            connection.close()

    def close(self) -> None:
        """Close the connections."""
        self._connection.close()

    def load(self, rows: Dump) -> dict[str, int]:
        """Copy a dump of another store in, in one transaction; rows per table. StoreError,
        nothing written, unless this database is empty (``db copy``)."""
        return _load.load(self._connection, rows)

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
            raise StoreError(f"no source {key!r} in the database {self._connection.display}")
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
        """Save a fetched feed's entries, its items and the source's new state in one
        transaction."""
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
            return _users.add(db, user)

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
            return _users.session_secret(db, candidate)
