"""The PostgreSQL test server: real, on loopback only, fresh and empty for each test."""

from __future__ import annotations

from tests.postgres_server import PostgresServer

TABLES = "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"


def test_server_answers_on_loopback_on_a_non_default_port(postgres_server: PostgresServer):
    assert postgres_server.port != 5432
    assert postgres_server.psql("SHOW listen_addresses").strip() == "127.0.0.1"
    assert postgres_server.psql("SHOW server_version_num").strip().startswith("15")


def test_each_url_is_a_fresh_empty_schema(postgres_server: PostgresServer, postgres_url: str):
    postgres_server.psql("CREATE TABLE marker (x int)", postgres_url)
    other = postgres_server.fresh_url()
    assert other != postgres_url
    assert postgres_server.psql(TABLES, other).strip() == "0"
    assert postgres_server.psql(TABLES, postgres_url).strip() == "1"


def test_a_created_database_is_empty(postgres_server: PostgresServer):
    url = postgres_server.create_database()
    assert postgres_server.psql("SELECT current_database()", url).strip() == url.rsplit("/")[-1]
    assert postgres_server.psql(TABLES, url).strip() == "0"


def test_a_stopped_server_leaves_nothing_behind():
    with PostgresServer() as server:
        folder = server.data.parent
        assert (server.data / "postmaster.pid").exists()
    assert not folder.exists()
