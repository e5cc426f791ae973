"""PostgreSQL only: its schema versions, its connections, and errors without credentials.

Every test runs against the real PostgreSQL server the tests start (tests/postgres_server.py).
"""

from __future__ import annotations

import psycopg
import pytest

from copro_feeds._store.postgresql import SCHEMA_VERSION, PostgreSQLStore
from copro_feeds._store.postgresql._schema import MIGRATIONS
from copro_feeds._types import Role, StaffUser
from copro_feeds.exceptions import StoreError
from tests.factories import NOW, attribution, entry
from tests.postgres_server import PostgresServer, PostgresServerError, free_port


def test_an_empty_database_is_refused_with_one_line_saying_what_to_run(postgres_url):
    with pytest.raises(StoreError) as caught:
        PostgreSQLStore.open(postgres_url)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith("run `copro-feeds db upgrade`")
    assert "has no copro_feeds schema" in message


def test_upgrade_creates_the_schema_once(postgres_url):
    assert PostgreSQLStore.upgrade(postgres_url) == (0, SCHEMA_VERSION)
    assert PostgreSQLStore.upgrade(postgres_url) == (SCHEMA_VERSION, SCHEMA_VERSION)
    PostgreSQLStore.open(postgres_url).close()


def test_an_older_schema_is_refused_and_a_newer_one_too(postgres_server, postgres_url):
    PostgreSQLStore.upgrade(postgres_url)
    newer = f"UPDATE copro_feeds_schema SET version = {SCHEMA_VERSION + 1}"
    postgres_server.psql(newer, postgres_url)
    with pytest.raises(StoreError, match="newer than this copro_feeds"):
        PostgreSQLStore.open(postgres_url)
    with pytest.raises(StoreError, match="newer than this copro_feeds"):
        PostgreSQLStore.upgrade(postgres_url)
    postgres_server.psql("UPDATE copro_feeds_schema SET version = 0", postgres_url)
    with pytest.raises(StoreError, match=r"needs \d+: run `copro-feeds db upgrade`$"):
        PostgreSQLStore.open(postgres_url)


def test_a_database_made_before_staff_accounts_is_upgraded_keeping_its_rows(
    postgres_server, postgres_url
):
    postgres_server.psql(
        MIGRATIONS[0] + "CREATE TABLE copro_feeds_schema (version integer NOT NULL);"
        "INSERT INTO copro_feeds_schema VALUES (1);"
        "INSERT INTO meta VALUES ('fingerprint', 'abc');",
        postgres_url,
    )
    with pytest.raises(StoreError, match=r"has schema version 1, this copro_feeds needs"):
        PostgreSQLStore.open(postgres_url)
    assert PostgreSQLStore.upgrade(postgres_url) == (1, SCHEMA_VERSION)
    store = PostgreSQLStore.open(postgres_url)
    try:
        assert store.get_meta("fingerprint") == "abc"
        ann = StaffUser(name="ann", role=Role.ADMIN, password_hash="h", created=NOW)
        assert store.add_user(ann)
        assert store.users() == [ann]
    finally:
        store.close()


def test_a_version_1_database_is_upgraded_keeping_its_entries(postgres_server, postgres_url):
    """A database written by the first schema (before enclosures, fingerprints and items):
    its entries read back with none, and take them from the next saves."""
    postgres_server.psql(
        f"{MIGRATIONS[0]}; CREATE TABLE copro_feeds_schema (version integer NOT NULL);"
        "INSERT INTO copro_feeds_schema VALUES (1);"
        "INSERT INTO sources (key, config_url) VALUES ('scope', 'https://scope.example/');"
        "INSERT INTO entries VALUES ('scope', 'post-1', 'https://scope.example/blog/post-1/',"
        " 'Old post', '{Ann}', now(), now(), '<p>Hello</p>', 'Hello', '{}', 'abc', now(),"
        " now(), NULL)",
        postgres_url,
    )
    assert PostgreSQLStore.upgrade(postgres_url) == (1, SCHEMA_VERSION)
    store = PostgreSQLStore.open(postgres_url)
    try:
        [old] = store.entries({"scope": attribution("scope")})
        assert (old.title, old.authors, old.enclosures, tuple(old.fingerprint)) == (
            "Old post", ("Ann",), (), (),
        )  # fmt: skip
        assert store.known_items("scope") == {}
        store.save_fetch(
            store.state("scope"), [entry(fingerprint=(5,))], frozenset(), NOW, items={"d": "post-1"}
        )
        assert tuple(store.entries({"scope": attribution("scope")})[0].fingerprint) == (5,)
        assert store.known_items("scope") == {"d": "post-1"}
    finally:
        store.close()


def test_an_unknown_role_is_refused_by_the_database(postgres_server, postgres_url):
    PostgreSQLStore.upgrade(postgres_url)
    with pytest.raises(PostgresServerError, match="staff_users_role_check"):
        postgres_server.psql(
            "INSERT INTO staff_users VALUES ('ann', 'owner', 'h', now(), NULL)", postgres_url
        )


def test_errors_name_the_database_without_user_or_password(postgres_server: PostgresServer):
    url = f"postgresql://reader:hunter2secret@127.0.0.1:{postgres_server.port}/no_such_db"
    with pytest.raises(StoreError) as caught:
        PostgreSQLStore.open(url)
    message = str(caught.value)
    assert f"postgresql://127.0.0.1:{postgres_server.port}/no_such_db" in message
    assert "hunter2secret" not in message
    assert "reader:" not in message


def test_a_refused_connection_is_one_clear_error():
    port = free_port()  # nothing listens there
    url = f"postgresql://someone:pw-xyz@127.0.0.1:{port}/copro"
    with pytest.raises(
        StoreError, match=rf"cannot open the database postgresql://127\.0\.0\.1:{port}/copro"
    ):
        PostgreSQLStore.open(url)


def test_a_failed_write_names_the_database(backend_pg):
    store, _url = backend_pg
    bad = entry(id="x")
    object.__setattr__(bad, "title", None)
    with pytest.raises(
        StoreError, match=r"database postgresql://127\.0\.0\.1:\d+/tests\?options=\S+: "
    ):
        store.save_fetch(store.state("scope"), [bad], frozenset(), NOW)


def test_connections_the_server_dropped_are_replaced(postgres_server, backend_pg):
    store, url = backend_pg
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    postgres_server.psql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        url,
    )
    assert [e.id for e in store.entries({"scope": attribution("scope")})] == ["post-1"]


@pytest.fixture
def backend_pg(postgres_url):
    PostgreSQLStore.upgrade(postgres_url)
    store = PostgreSQLStore.open(postgres_url)
    store.sync_sources({"scope": "https://scope.example/"})
    yield store, postgres_url
    store.close()


def test_a_write_that_waits_too_long_for_a_lock_fails_and_the_store_stays_usable(postgres_url):
    PostgreSQLStore.upgrade(postgres_url)
    store = PostgreSQLStore.open(postgres_url, lock_timeout=0.2)
    store.sync_sources({"scope": "https://scope.example/"})
    holder = psycopg.connect(postgres_url)  # another process's transaction, holding the row
    try:
        holder.execute("SELECT * FROM sources WHERE key = 'scope' FOR UPDATE")
        with pytest.raises(StoreError, match=r"lock timeout of 0\.2 s"):
            store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
        assert store.entry_counts() == {}
    finally:
        holder.rollback()
        holder.close()
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    assert store.entry_counts() == {"scope": 1}
    store.close()
