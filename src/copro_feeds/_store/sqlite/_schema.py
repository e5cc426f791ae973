"""The schema and its migrations, numbered by ``PRAGMA user_version``.

``MIGRATIONS[n]`` takes a database from version n to n + 1; opening runs those the file
has not had, in one transaction, and refuses a file newer than this copro_feeds. The
schema and the file format are those of every earlier release: a migration is only ever
appended.
"""

from __future__ import annotations

from copro_feeds._store.sqlite._connection import Connection
from copro_feeds.exceptions import StoreError

MIGRATIONS: tuple[str, ...] = (
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


def migrate(connection: Connection) -> tuple[int, int]:
    """Bring the schema of ``connection``'s file up to date (StoreError if it is newer);
    the versions before and after."""
    with connection.transaction() as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"database {connection.path} has schema version {version}, newer than this "
                f"copro_feeds ({len(MIGRATIONS)}): upgrade copro_feeds"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
    return version, len(MIGRATIONS)
