"""The schema and its migrations, numbered in the one-row table ``copro_feeds_schema``.

``MIGRATIONS[n]`` takes a database from version n to n + 1. Unlike SQLite's, PostgreSQL's
schema is never changed behind an operator's back: :func:`migrate` runs only from
``copro-feeds db upgrade``; every other command calls :func:`check` and refuses a database
that is not exactly at :data:`VERSION`. A migration is only ever appended.

The tables are SQLite's, in PostgreSQL's own types: ``timestamptz`` times, ``text[]``
lists, ``boolean`` flags, identity columns for the logs (the audit log, failed sign-ins,
staff actions); enclosures and fingerprints are the same text and bytes in both
(``_store._encoding``).
"""

from __future__ import annotations

from copro_feeds._store.postgresql._connection import Connection, Db
from copro_feeds.exceptions import StoreError

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sources (
        key text PRIMARY KEY,
        config_url text NOT NULL,
        feed_url text,
        homepage text,
        etag text,
        last_modified text,
        body_hash text,
        last_attempt timestamptz,
        last_success timestamptz,
        last_error text,
        failures integer NOT NULL DEFAULT 0,
        next_due timestamptz,
        gone boolean NOT NULL DEFAULT false,
        redirect_url text,
        redirect_hits integer NOT NULL DEFAULT 0
    );
    CREATE INDEX sources_by_next_due ON sources (next_due);
    CREATE TABLE entries (
        source_key text NOT NULL REFERENCES sources (key),
        id text NOT NULL,
        link text,
        title text NOT NULL,
        authors text[] NOT NULL,
        published timestamptz NOT NULL,
        updated timestamptz NOT NULL,
        content_html text NOT NULL,
        excerpt text NOT NULL,
        categories text[] NOT NULL,
        content_hash text NOT NULL,
        first_seen timestamptz NOT NULL,
        last_changed timestamptz NOT NULL,
        language text,
        PRIMARY KEY (source_key, id)
    );
    CREATE INDEX entries_by_published ON entries (published);
    CREATE INDEX entries_by_link ON entries (link);
    CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE editorial (
        source_key text NOT NULL,
        entry_id text NOT NULL,
        hidden boolean NOT NULL DEFAULT false,
        pinned_at timestamptz,
        PRIMARY KEY (source_key, entry_id)
    );
    CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL,
        action text NOT NULL,
        source_key text NOT NULL,
        entry_id text NOT NULL,
        title text NOT NULL,
        link text,
        reason text,
        "by" text
    );
    """,
    """
    CREATE TABLE staff_users (
        name text PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('editor', 'admin')),
        password_hash text NOT NULL,
        created timestamptz NOT NULL,
        signed_out timestamptz
    );
    CREATE TABLE sign_in_failures (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key text NOT NULL,
        at timestamptz NOT NULL
    );
    CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);
    CREATE INDEX sign_in_failures_by_time ON sign_in_failures (at);
    CREATE TABLE staff_actions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL,
        "by" text,
        action text NOT NULL,
        subject text NOT NULL
    );
    """,
    # Enclosures and fingerprints (issue 15), written as SQLite writes them
    # (``_store._encoding``): enclosures as JSON text, a fingerprint as 32-bit words.
    """
    ALTER TABLE entries ADD COLUMN enclosures text;
    ALTER TABLE entries ADD COLUMN fingerprint bytea;
    """,
    # The items of each source's last saved document (issue 13): an item whose digest is
    # here is not parsed again while it is unchanged.
    """
    CREATE TABLE items (
        source_key text NOT NULL,
        digest text NOT NULL,
        entry_id text NOT NULL,
        PRIMARY KEY (source_key, digest)
    );
    """,
)
VERSION = len(MIGRATIONS)

# Two `db upgrade` at once: the second waits for the first, then finds nothing to do.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('copro_feeds schema'))"


def version(db: Db) -> int:
    """The schema version of the database (0: no copro_feeds tables yet)."""
    db.execute("CREATE TABLE IF NOT EXISTS copro_feeds_schema (version integer NOT NULL)")
    row = db.execute("SELECT version FROM copro_feeds_schema").fetchone()
    return 0 if row is None else int(row["version"])


def migrate(connection: Connection) -> tuple[int, int]:
    """Bring the schema up to date in one transaction; the versions before and after."""
    with connection.transaction() as db:
        db.execute(_LOCK)
        before = version(db)
        _refuse_newer(connection, before)
        for number, script in enumerate(MIGRATIONS[before:], start=before + 1):
            db.execute(script.encode())
            db.execute("DELETE FROM copro_feeds_schema")
            db.execute("INSERT INTO copro_feeds_schema (version) VALUES (%s)", (number,))
    return before, VERSION


def check(connection: Connection) -> None:
    """StoreError, in one line saying what to run, unless the schema is at :data:`VERSION`."""
    rows = connection.read(
        "SELECT version FROM copro_feeds_schema"
        if _has_table(connection)
        else "SELECT 0 AS version"
    )
    found = int(rows[0]["version"]) if rows else 0
    _refuse_newer(connection, found)
    if found < VERSION:
        state = "has no copro_feeds schema" if found == 0 else f"has schema version {found}"
        raise StoreError(
            f"database {connection.display} {state}, this copro_feeds needs {VERSION}: "
            "run `copro-feeds db upgrade`"
        )


def _has_table(connection: Connection) -> bool:
    rows = connection.read("SELECT to_regclass('copro_feeds_schema') IS NOT NULL AS present")
    return bool(rows[0]["present"])


def _refuse_newer(connection: Connection, found: int) -> None:
    if found > VERSION:
        raise StoreError(
            f"database {connection.display} has schema version {found}, newer than this "
            f"copro_feeds ({VERSION}): upgrade copro_feeds"
        )
