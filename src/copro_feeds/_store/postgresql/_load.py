"""Loading a dump (``_store._dump``) into an empty database, for ``db copy``."""

from __future__ import annotations

from collections import Counter

from copro_feeds._store._dump import LOGS, TABLES, Dump
from copro_feeds._store.postgresql._connection import Connection, Db
from copro_feeds.exceptions import StoreError


def load(connection: Connection, rows: Dump) -> dict[str, int]:
    """Insert every row of ``rows`` in one transaction; rows per table.

    Refuses (StoreError, nothing written) a database that holds anything already. The
    logs (:data:`~copro_feeds._store._dump.LOGS`) keep their numbers, so their order is the
    original's, and later rows are numbered after them.
    """
    counts: Counter[str] = Counter()
    with connection.transaction() as db:
        db.execute(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE")
        _refuse_non_empty(connection, db)
        for table, batch in rows:
            columns = list(batch[0])
            quoted = ", ".join(f'"{column}"' for column in columns)
            overriding = " OVERRIDING SYSTEM VALUE" if table in LOGS else ""
            values = ", ".join(f"%({column})s" for column in columns)
            with db.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({quoted}){overriding} VALUES ({values})",  # noqa: S608
                    batch,
                )
            counts[table] += len(batch)
        for log in sorted(LOGS):
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{log}', 'id'), "  # noqa: S608
                f"coalesce(max(id), 0) + 1, false) FROM {log}"
            )
    return {table: counts[table] for table in TABLES}


def _refuse_non_empty(connection: Connection, db: Db) -> None:
    found = []
    for table in TABLES:
        row = db.execute(f"SELECT count(*) AS n FROM {table}").fetchone()  # noqa: S608
        if row is not None and row["n"]:
            found.append(f"{table}: {row['n']} rows")
    if found:
        raise StoreError(
            f"database {connection.display} is not empty ({', '.join(found)}): "
            "db copy only copies into an empty database"
        )
