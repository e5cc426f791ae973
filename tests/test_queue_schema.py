"""The work queue's schema across procrastinate releases: ``copro-feeds db upgrade`` applies
procrastinate's own migrations, and a worker refuses a queue older than its procrastinate.

Against a real PostgreSQL the tests start (tests/postgres_server.py). The old schema is
built the way a database created by procrastinate 3.0 got it: the migrations procrastinate
ships, from its first one up to 3.0's, applied in order."""

from __future__ import annotations

import psycopg
import pytest

from copro_feeds import _queue
from copro_feeds.config import load_config
from copro_feeds.core import make_aggregator
from copro_feeds.exceptions import StoreError
from tests.conftest import Project

RELEASE_3_0 = "03.00.00_50"  # the newest migration of procrastinate 3.0

# What a schema is made of, each as sorted text: two schemas with the same fingerprint
# have the same tables, columns, types, functions, triggers and indexes.
FINGERPRINT = {
    "columns": "SELECT table_name || '.' || column_name || ' ' || data_type || ' '"
    " || coalesce(column_default, '') || ' ' || is_nullable FROM information_schema.columns"
    " WHERE table_schema = current_schema()",
    "enums": "SELECT t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumlabel)"
    " FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid"
    " WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname",
    "functions": "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '"
    " || md5(replace(pg_get_functiondef(p.oid), current_schema() || '.', '')) FROM pg_proc p"
    " WHERE p.pronamespace = current_schema()::regnamespace",
    "triggers": "SELECT tgname || ' '"
    " || md5(replace(pg_get_triggerdef(oid), current_schema() || '.', '')) FROM pg_trigger"
    " WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'procrastinate%'",
    "indexes": "SELECT indexname || ' ' || replace(indexdef, current_schema() || '.', '')"
    " FROM pg_indexes"
    " WHERE schemaname = current_schema()",
}


def fingerprint(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url) as conn:
        return {
            part: sorted(str(row[0]) for row in conn.execute(query).fetchall())  # type: ignore[arg-type]
            for part, query in FINGERPRINT.items()
        }


def build_release_3_0(url: str) -> None:
    """The queue as procrastinate 3.0 and a copro_feeds recording its version left it."""
    with psycopg.connect(url, autocommit=True) as conn:
        for version, path in _queue.queue_migrations():
            if version <= RELEASE_3_0:
                conn.execute(path.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        conn.execute(
            "CREATE TABLE copro_feeds_due (source_key text PRIMARY KEY,"
            " next_due timestamptz NOT NULL);"
            "CREATE INDEX copro_feeds_due_next ON copro_feeds_due (next_due)"
        )
        conn.execute("CREATE TABLE copro_feeds_queue_schema (migration text NOT NULL)")
        conn.execute("INSERT INTO copro_feeds_queue_schema VALUES (%s)", (RELEASE_3_0,))


def test_migration_versions_come_in_order_from_procrastinates_own_files():
    migrations = _queue.queue_migrations()
    versions = [version for version, _ in migrations]
    assert versions == sorted(versions)
    assert versions[0] == "00.00.00_01"
    assert _queue.BASELINE_MIGRATION in versions  # procrastinate 3.10's newest, still shipped
    assert all(path.suffix == ".sql" and path.name.startswith(v) for v, path in migrations)


def test_upgrade_migrates_a_procrastinate_3_0_queue_to_the_schema_of_a_fresh_one(
    postgres_server, postgres_url: str
):
    fresh = postgres_server.fresh_url()
    assert _queue.upgrade_schema(fresh).created
    build_release_3_0(postgres_url)
    assert fingerprint(postgres_url) != fingerprint(fresh)  # 3.0 is older: something differs

    upgrade = _queue.upgrade_schema(postgres_url)

    newer = [v for v, _ in _queue.queue_migrations() if v > RELEASE_3_0]
    assert not upgrade.created
    assert list(upgrade.applied) == newer and newer
    assert fingerprint(postgres_url) == fingerprint(fresh)
    again = _queue.upgrade_schema(postgres_url)
    assert again.applied == () and again.describe() == "ready"


def test_a_queue_without_a_recorded_version_counts_as_procrastinate_3_10s(postgres_url: str):
    _queue.upgrade_schema(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE copro_feeds_queue_schema")  # as copro_feeds made it before

    upgrade = _queue.upgrade_schema(postgres_url)

    newest = _queue.queue_migrations()[-1][0]
    assert upgrade.applied == tuple(
        v for v, _ in _queue.queue_migrations() if _queue.BASELINE_MIGRATION < v <= newest
    )
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT migration FROM copro_feeds_queue_schema").fetchall() == [
            (newest,)
        ]


def test_a_worker_refuses_an_out_of_date_queue_with_one_line_saying_to_upgrade(
    project: Project, postgres_url: str
):
    build_release_3_0(postgres_url)
    aggregator = make_aggregator(load_config(project.config_path))
    settings = _queue.WorkerSettings(tick_seconds=1)
    with aggregator, pytest.raises(StoreError, match="run 'copro-feeds db upgrade'") as error:
        _queue.run_worker(aggregator, postgres_url, settings)
    assert RELEASE_3_0 in str(error.value) and "\n" not in str(error.value)
