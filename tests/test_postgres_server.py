"""The PostgreSQL test server: real, on loopback only, a fresh database per test."""

from __future__ import annotations

from tests.postgres_server import PostgresServer


def test_server_answers_on_loopback_on_a_non_default_port(postgres_server: PostgresServer):
    assert postgres_server.port != 5432
    assert postgres_server.psql("SHOW listen_addresses").strip() == "127.0.0.1"
    assert postgres_server.psql("SHOW server_version_num").strip().startswith("15")


def test_each_database_is_fresh(postgres_server: PostgresServer, postgres_url: str):
    name = postgres_url.rsplit("/", 1)[1]
    postgres_server.psql("CREATE TABLE marker (x int)", name)
    other = postgres_server.create_database().rsplit("/", 1)[1]
    assert other != name
    tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    assert postgres_server.psql(tables, other).strip() == "0"
    assert postgres_server.psql(tables, name).strip() == "1"


def test_a_stopped_server_leaves_nothing_behind():
    with PostgresServer() as server:
        folder = server.data.parent
        assert (server.data / "postmaster.pid").exists()
    assert not folder.exists()
