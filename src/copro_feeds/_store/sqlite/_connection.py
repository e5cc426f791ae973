"""One sqlite3 connection behind one lock: opening, transactions, reads, errors in our words.

* WAL journal; a busy timeout (``busy_timeout``, 10 s by default): a writer waits that
  long for another process's write lock, then gets a :class:`StoreError` that says the
  database is locked and how long it waited.
* Every read-then-write transaction starts with ``BEGIN IMMEDIATE`` (a deferred one
  fails at once with "database is locked", busy timeout or not, when another writer
  holds the lock).
* After an error the transaction is rolled back once, only if still open (SQLite has
  already rolled back after SQLITE_FULL; a second ROLLBACK would fail with "no
  transaction is active" and hide the first error). The error raised names the first
  cause; a failed rollback is added to it as a note. The connection stays usable.
* Opening checks the file (``PRAGMA quick_check``) before writing anything to it: a
  damaged or truncated database is refused with its path and left byte for byte as it
  was.
* ``max_pages`` caps the file's size (``PRAGMA max_page_count``, per connection): a save
  that does not fit fails with "database or disk is full" and stores nothing.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from copro_feeds.exceptions import StoreError

BUSY_TIMEOUT_SECONDS = 10.0


class Connection:
    """A sqlite3 connection shared by threads under one lock."""

    def __init__(self, db: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
        self.db = db
        self.path = path
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; on any error, roll back once and re-raise.

        sqlite3 errors become StoreError carrying the first cause, never the rollback's.
        """
        with self._lock:
            started = time.monotonic()
            try:
                self.db.execute("BEGIN IMMEDIATE")
                yield self.db
                self.db.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback(error)
                reason = self.describe(error, time.monotonic() - started)
                raise StoreError(f"database {self.path}: {reason}") from error
            except BaseException as error:
                self._rollback(error)
                raise

    def read(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """The rows of one query (outside any transaction; readers never wait in WAL)."""
        rows: list[sqlite3.Row] = self._fetch(sql, parameters, sqlite3.Row)
        return rows

    def read_values(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one query as plain tuples of values, as :meth:`read` reads them."""
        rows: list[tuple[Any, ...]] = self._fetch(sql, parameters, None)
        return rows

    def _fetch(self, sql: str, parameters: Sequence[Any], row_factory: Any) -> Any:
        with self._lock:
            started = time.monotonic()
            try:
                cursor = self.db.execute(sql, parameters)
                cursor.row_factory = row_factory
                return cursor.fetchall()
            except sqlite3.Error as error:
                reason = self.describe(error, time.monotonic() - started)
                raise StoreError(f"database {self.path}: {reason}") from error

    def _rollback(self, error: BaseException) -> None:
        """Roll back if SQLite has not already done so; never replace ``error``."""
        if not self.db.in_transaction:  # e.g. SQLITE_FULL: SQLite already rolled back
            return
        try:
            self.db.execute("ROLLBACK")
        except sqlite3.Error as failure:
            error.add_note(f"rolling back failed too: {failure}")

    def describe(self, error: sqlite3.Error, waited: float) -> str:
        """The sqlite3 error in plain words; a lock timeout says how long it waited."""
        if getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY:
            return (
                f"{error}: another connection held the write lock for longer than the busy "
                f"timeout of {self.busy_timeout:g} s (waited {waited:.2f} s)"
            )
        return str(error)


def connect(path: Path, *, busy_timeout: float, max_pages: int | None) -> Connection:
    """Open (creating if needed) the database file at ``path``, checked and configured.

    Raises StoreError, naming the file, when it cannot be opened or is damaged (a damaged
    file is not modified). The schema is not touched here.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the database folder for {path}: {error}") from error
    try:
        db = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the database {path}: {error}") from error
    connection = Connection(db, path, busy_timeout)
    started = time.monotonic()
    try:
        _check_integrity(db, path)  # before anything writes to the file
        _use_wal(db, busy_timeout)
        # WAL + NORMAL: commits skip the fsync (checkpoints still sync). A power cut
        # may lose the last commits, never consistency: a source's entries and its
        # validators are still lost or kept together.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        if max_pages is not None:
            db.execute(f"PRAGMA max_page_count = {int(max_pages)}")
    except sqlite3.Error as error:
        db.close()
        reason = connection.describe(error, time.monotonic() - started)
        raise StoreError(f"cannot open the database {path}: {reason}") from error
    except BaseException:
        db.close()
        raise
    return connection


def _use_wal(db: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch to WAL, retrying within the busy timeout.

    Changing the journal mode answers "database is locked" at once, without waiting
    for the busy handler, while another process is creating or switching the same
    file (seen with two daemons starting together on a new database).
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _check_integrity(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged file (pages of garbage, truncated) before writing to it."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check(5)").fetchall()]
    if problems != ["ok"]:
        raise StoreError(
            f"the database {path} is damaged ({'; '.join(problems)}); it was left "
            "as it is: restore it from a backup, or move it away to start afresh"
        )
