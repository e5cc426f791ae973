"""The SQLite store (the only module using sqlite3): entries and per-source state.

* Schema migrations through ``PRAGMA user_version``; WAL journal; a busy timeout
  (``busy_timeout``, 10 s by default): a writer waits that long for another process's
  write lock, then gets a :class:`StoreError` that says the database is locked and how
  long it waited.
* Every read-then-write transaction starts with ``BEGIN IMMEDIATE`` (a deferred one
  fails at once with "database is locked", busy timeout or not, when another writer
  holds the lock).
* A successful fetch saves its entries and the new validators (ETag, Last-Modified,
  body hash) in one transaction, so a crash can never leave validators that would turn
  the next fetch into a 304 while the entries were lost.
* After an error the transaction is rolled back once, only if still open (SQLite has
  already rolled back after SQLITE_FULL; a second ROLLBACK would fail with "no
  transaction is active" and hide the first error). The error raised names the first
  cause; a failed rollback is added to it as a note. The connection stays usable.
* Opening checks the file (``PRAGMA quick_check``) before writing anything to it: a
  damaged or truncated database is refused with its path and left byte for byte as it
  was.
* Editors' marks (hidden, pinned) live in ``editorial``, keyed like entries; each change
  appends to ``audit_log`` in the same transaction, and bumps the generation so the
  next publish applies it.
* ``max_pages`` caps the file's size (``PRAGMA max_page_count``, per connection): a save
  that does not fit fails with "database or disk is full" and stores nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from copro_feeds._editorial import short_ref
from copro_feeds._types import EditorialMarks, EntryKey, SourceState
from copro_feeds.exceptions import StoreError
from copro_feeds.types import Attribution, AuditRecord, EditorialAction, Entry

BUSY_TIMEOUT_SECONDS = 10.0
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sources (
        key TEXT PRIMARY KEY,
        config_url TEXT NOT NULL,
        feed_url TEXT,
        homepage TEXT,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_attempt TEXT,
        last_success TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_due TEXT,
        gone INTEGER NOT NULL DEFAULT 0,
        redirect_url TEXT,
        redirect_hits INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE entries (
        source_key TEXT NOT NULL REFERENCES sources(key),
        id TEXT NOT NULL,
        link TEXT,
        title TEXT NOT NULL,
        authors TEXT NOT NULL,
        published TEXT NOT NULL,
        updated TEXT NOT NULL,
        content_html TEXT NOT NULL,
        excerpt TEXT NOT NULL,
        categories TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_changed TEXT NOT NULL,
        PRIMARY KEY (source_key, id)
    );
    CREATE INDEX entries_by_published ON entries (published);
    CREATE INDEX entries_by_link ON entries (link);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    ALTER TABLE entries ADD COLUMN language TEXT;
    CREATE TABLE editorial (
        source_key TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0,
        pinned_at TEXT,
        PRIMARY KEY (source_key, entry_id)
    );
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        source_key TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        title TEXT NOT NULL,
        link TEXT,
        reason TEXT,
        by TEXT
    );
    """,
)

_STATE_COLUMNS = tuple(SourceState.__dataclass_fields__)
_TIME_COLUMNS = frozenset({"last_attempt", "last_success", "next_due"})


def format_time(moment: datetime) -> str:
    """Aware UTC datetime → the fixed-width text stored (sorts like the time)."""
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """Stored text → aware UTC datetime."""
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SaveCounts:
    """How many entries one save added and changed."""

    new: int
    updated: int


class Store:
    """Entries and source state in one SQLite file. Thread-safe (one lock, one connection).

    Several processes may share the file: writes are serialised by SQLite's write lock
    (waiting up to ``busy_timeout`` seconds), reads never wait for writers (WAL).
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        max_pages: int | None = None,
    ) -> None:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date.

        ``busy_timeout`` is how many seconds a write waits for another connection's write
        lock before failing; ``max_pages`` caps the file at that many pages. Raises
        StoreError, naming the file, when it cannot be opened or is damaged (a damaged
        file is not modified).
        """
        self.path = path
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the database folder for {path}: {error}") from error
        try:
            self._db = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {path}: {error}") from error
        started = time.monotonic()
        try:
            self._check_integrity()  # before anything writes to the file
            self._use_wal(busy_timeout)
            # WAL + NORMAL: commits skip the fsync (checkpoints still sync). A power cut
            # may lose the last commits, never consistency: a source's entries and its
            # validators are still lost or kept together.
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            if max_pages is not None:
                self._db.execute(f"PRAGMA max_page_count = {int(max_pages)}")
            self._migrate()
        except sqlite3.Error as error:
            self._db.close()
            reason = self._describe(error, time.monotonic() - started)
            raise StoreError(f"cannot open the database {path}: {reason}") from error
        except BaseException:
            self._db.close()
            raise

    def _use_wal(self, busy_timeout: float) -> None:
        """Switch to WAL, retrying within the busy timeout.

        Changing the journal mode answers "database is locked" at once, without waiting
        for the busy handler, while another process is creating or switching the same
        file (seen with two daemons starting together on a new database).
        """
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)

    def _check_integrity(self) -> None:
        """Refuse a damaged file (pages of garbage, truncated) before writing to it."""
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check(5)").fetchall()]
        if problems != ["ok"]:
            raise StoreError(
                f"the database {self.path} is damaged ({'; '.join(problems)}); it was left "
                "as it is: restore it from a backup, or move it away to start afresh"
            )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; on any error, roll back once and re-raise.

        sqlite3 errors become StoreError carrying the first cause, never the rollback's.
        """
        with self._lock:
            started = time.monotonic()
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback(error)
                reason = self._describe(error, time.monotonic() - started)
                raise StoreError(f"database {self.path}: {reason}") from error
            except BaseException as error:
                self._rollback(error)
                raise

    def _rollback(self, error: BaseException) -> None:
        """Roll back if SQLite has not already done so; never replace ``error``."""
        if not self._db.in_transaction:  # e.g. SQLITE_FULL: SQLite already rolled back
            return
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error as failure:
            error.add_note(f"rolling back failed too: {failure}")

    def _describe(self, error: sqlite3.Error, waited: float) -> str:
        """The sqlite3 error in plain words; a lock timeout says how long it waited."""
        if getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY:
            return (
                f"{error}: another connection held the write lock for longer than the busy "
                f"timeout of {self.busy_timeout:g} s (waited {waited:.2f} s)"
            )
        return str(error)

    def _read(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            started = time.monotonic()
            try:
                cursor = self._db.execute(sql, parameters)
                cursor.row_factory = sqlite3.Row
                return cursor.fetchall()
            except sqlite3.Error as error:
                reason = self._describe(error, time.monotonic() - started)
                raise StoreError(f"database {self.path}: {reason}") from error

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(_MIGRATIONS):
                raise StoreError(
                    f"database {self.path} has schema version {version}, newer than this "
                    f"copro_feeds ({len(_MIGRATIONS)}): upgrade copro_feeds"
                )
            for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    # -- sources -----------------------------------------------------------------

    def sync_sources(self, urls: Mapping[str, str]) -> None:
        """Make sure every configured source (key → configured URL) has a state row.

        A source whose configured URL changed starts afresh (discovery, validators,
        errors and the gone mark are forgotten); its entries are kept.
        """
        with self._transaction() as db:
            known = dict(db.execute("SELECT key, config_url FROM sources").fetchall())
            for key, url in urls.items():
                if key not in known:
                    db.execute("INSERT INTO sources (key, config_url) VALUES (?, ?)", (key, url))
                elif known[key] != url:
                    self._write_state(db, SourceState(key=key, config_url=url))

    def states(self) -> dict[str, SourceState]:
        """Every source's state, by key."""
        return {row["key"]: _state_from_row(row) for row in self._read("SELECT * FROM sources")}

    def state(self, key: str) -> SourceState:
        """One source's state; StoreError if the source is unknown."""
        rows = self._read("SELECT * FROM sources WHERE key = ?", (key,))
        if not rows:
            raise StoreError(f"no source {key!r} in the database {self.path}")
        return _state_from_row(rows[0])

    def save_states(self, states: Sequence[SourceState]) -> None:
        """Save several sources' states in one transaction (states only, no entries)."""
        if not states:
            return
        with self._transaction() as db:
            for state in states:
                self._write_state(db, state)

    @staticmethod
    def _write_state(db: sqlite3.Connection, state: SourceState) -> None:
        values = {column: getattr(state, column) for column in _STATE_COLUMNS}
        for column in _TIME_COLUMNS:
            if values[column] is not None:
                values[column] = format_time(values[column])
        assignments = ", ".join(f"{column} = :{column}" for column in _STATE_COLUMNS)
        db.execute(f"UPDATE sources SET {assignments} WHERE key = :key", values)  # noqa: S608

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
        """Save a fetched feed's entries and the source's new state in one transaction.

        An entry whose content is unchanged is not touched; an edited one is updated in
        place, except that entries read from a document that was not ``well_formed``
        never replace a stored copy whose content is longer (a document cut short must
        not destroy a post). Entries in ``undated_ids`` had no usable date in the feed
        (none, or one in the future): their stored ``published`` (the first-seen time)
        is kept. A changed ``language`` alone is
        saved without counting as an edit (entries stored before languages were kept
        get theirs on the next fetch, without a flood of "updated").
        """
        new = updated = relabelled = 0
        stamp = format_time(now)
        with self._transaction() as db:
            existing = {
                row[0]: (row[1], row[2], row[3], row[4])
                for row in db.execute(
                    "SELECT id, content_hash, published, language, length(content_html) "
                    "FROM entries WHERE source_key = ?",
                    (state.key,),
                )
            }
            for entry in entries:
                undated = entry.id in undated_ids
                digest = content_hash(entry, undated=undated)
                row = _entry_row(entry, digest, stamp)
                if entry.id not in existing:
                    db.execute(_INSERT_ENTRY, row)
                    new += 1
                elif existing[entry.id][0] != digest:
                    if not well_formed and len(entry.content_html) < existing[entry.id][3]:
                        continue  # a shorter copy from a broken document: keep ours
                    if undated:
                        row["published"] = existing[entry.id][1]
                    db.execute(_UPDATE_ENTRY, row)
                    updated += 1
                elif existing[entry.id][2] != entry.language:
                    db.execute(_UPDATE_LANGUAGE, row)
                    relabelled += 1
            self._write_state(db, state)
            if new or updated or relabelled:  # in this transaction: a crash cannot lose it
                db.execute(_BUMP_GENERATION)
        return SaveCounts(new=new, updated=updated)

    def generation(self) -> int:
        """A number that grows whenever stored entries change (publishing compares it)."""
        rows = self._read("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0][0]) if rows else 0

    def entries(
        self, attributions: Mapping[str, Attribution], *, content: Container[str] | None = None
    ) -> list[Entry]:
        """Every stored entry of the given sources (others are left out), newest first.

        ``content``: the source keys whose entries need their ``content_html``; the others
        come with an empty one, which keeps a publish of thousands of posts small in
        memory. None (the default) reads every entry whole.
        """
        if not attributions:
            return []
        keys = list(attributions)
        marks = ", ".join("?" for _ in keys)
        wanted = keys if content is None else [key for key in keys if key in content]
        body = (
            f"CASE WHEN source_key IN ({', '.join('?' for _ in wanted)}) "
            "THEN content_html ELSE '' END"
            if wanted
            else "''"
        )
        rows = self._read(
            f"SELECT {_READ_COLUMNS}, {body} AS content_html FROM entries "  # noqa: S608
            f"WHERE source_key IN ({marks}) ORDER BY published DESC, source_key, id",
            [*wanted, *keys],
        )
        return [_entry_from_row(row, attributions[row["source_key"]]) for row in rows]

    # -- editorial ---------------------------------------------------------------

    def editorial(self) -> EditorialMarks:
        """The hidden entries, and the pinned ones with when they were pinned."""
        rows = self._read("SELECT source_key, entry_id, hidden, pinned_at FROM editorial")
        return EditorialMarks(
            hidden=frozenset((row[0], row[1]) for row in rows if row[2]),
            pinned={(row[0], row[1]): parse_time(row[3]) for row in rows if row[3] is not None},
        )

    def edit(
        self,
        action: EditorialAction,
        entries: Sequence[Entry],
        *,
        reason: str | None,
        by: str | None,
        now: datetime,
    ) -> list[AuditRecord]:
        """Hide, unhide, pin or unpin ``entries``; return the audit records appended.

        Entries already in the state asked for are left alone and not logged. The marks,
        the audit records and the generation bump are one transaction.
        """
        records = []
        stamp = format_time(now)
        with self._transaction() as db:
            current: dict[EntryKey, tuple[int, str | None]] = {
                (row[0], row[1]): (row[2], row[3])
                for row in db.execute(
                    "SELECT source_key, entry_id, hidden, pinned_at FROM editorial"
                )
            }
            for entry in entries:
                key = (entry.source_key, entry.id)
                hidden, pinned_at = current.get(key, (0, None))
                if not _changes(action, hidden=bool(hidden), pinned=pinned_at is not None):
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
                db.execute(_BUMP_GENERATION)
        return records

    def audit_log(self) -> list[AuditRecord]:
        """Every editorial action, oldest first."""
        rows = self._read(
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

    def entry_counts(self) -> dict[str, int]:
        """Number of stored entries per source key."""
        rows = self._read("SELECT source_key, COUNT(*) FROM entries GROUP BY source_key")
        return {row[0]: row[1] for row in rows}

    # -- meta --------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A stored bookkeeping value (e.g. the fingerprint of the last publish)."""
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a bookkeeping value."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


_ENTRY_COLUMNS = (
    "source_key", "id", "link", "title", "authors", "published", "updated",
    "content_html", "excerpt", "categories", "content_hash", "first_seen", "last_changed",
    "language",
)  # fmt: skip
_INSERT_ENTRY = (
    f"INSERT INTO entries ({', '.join(_ENTRY_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + c for c in _ENTRY_COLUMNS)})"
)
_UPDATE_ENTRY = (
    "UPDATE entries SET "  # noqa: S608
    + ", ".join(
        f"{c} = :{c}" for c in _ENTRY_COLUMNS if c not in ("source_key", "id", "first_seen")
    )
    + " WHERE source_key = :source_key AND id = :id"
)
_UPDATE_LANGUAGE = (
    "UPDATE entries SET language = :language WHERE source_key = :source_key AND id = :id"
)
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


_BUMP_GENERATION = (
    "INSERT INTO meta (key, value) VALUES ('generation', '1') "
    "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
)


def content_hash(entry: Entry, *, undated: bool) -> str:
    """A digest of what readers see of an entry; undated entries leave their dates out."""
    dates = [] if undated else [format_time(entry.published), format_time(entry.updated)]
    fields = [entry.title, entry.link, list(entry.authors), entry.content_html,
              list(entry.categories), *dates]  # fmt: skip
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def _changes(action: EditorialAction, *, hidden: bool, pinned: bool) -> bool:
    """True when ``action`` changes an entry with these marks."""
    return {
        EditorialAction.HIDE: not hidden,
        EditorialAction.UNHIDE: hidden,
        EditorialAction.PIN: not pinned,
        EditorialAction.UNPIN: pinned,
    }[action]


def _audit_row(record: AuditRecord) -> dict[str, Any]:
    return {column: getattr(record, column) for column in _AUDIT_COLUMNS if column != "at"}


def _entry_row(entry: Entry, digest: str, stamp: str) -> dict[str, Any]:
    return {
        "source_key": entry.source_key,
        "id": entry.id,
        "link": entry.link,
        "title": entry.title,
        "authors": json.dumps(list(entry.authors), ensure_ascii=False),
        "published": format_time(entry.published),
        "updated": format_time(entry.updated),
        "content_html": entry.content_html,
        "excerpt": entry.excerpt,
        "categories": json.dumps(list(entry.categories), ensure_ascii=False),
        "content_hash": digest,
        "first_seen": stamp,
        "last_changed": stamp,
        "language": entry.language,
    }


_READ_COLUMNS = (
    "source_key, id, title, link, authors, published, updated, excerpt, categories, language"
)


def _entry_from_row(row: sqlite3.Row, attribution: Attribution) -> Entry:
    return Entry(
        id=row["id"],
        attribution=attribution,
        title=row["title"],
        link=row["link"],
        authors=tuple(json.loads(row["authors"])),
        published=parse_time(row["published"]),
        updated=parse_time(row["updated"]),
        content_html=row["content_html"],
        excerpt=row["excerpt"],
        categories=tuple(json.loads(row["categories"])),
        language=row["language"],
    )


def _state_from_row(row: sqlite3.Row) -> SourceState:
    values = {column: row[column] for column in _STATE_COLUMNS}
    for column in _TIME_COLUMNS:
        if values[column] is not None:
            values[column] = parse_time(values[column])
    values["gone"] = bool(values["gone"])
    return SourceState(**values)
