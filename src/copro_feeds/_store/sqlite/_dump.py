"""Every table as rows of plain Python values (``_store._dump``), for ``db copy``."""

from __future__ import annotations

import json
import sqlite3

from copro_feeds._store._dump import BATCH, FLAGS, LISTS, TABLES, TIMES, Dump, Row
from copro_feeds._store._encoding import parse_time
from copro_feeds._store.sqlite._connection import Connection


def dump(connection: Connection) -> Dump:
    """Each table in :data:`~copro_feeds._store._dump.TABLES` order, in batches, all read in
    one transaction (other writers wait, so the copy is of one moment)."""
    with connection.transaction() as db:
        for table in TABLES:
            cursor = db.execute(f"SELECT * FROM {table} ORDER BY rowid")  # noqa: S608
            cursor.row_factory = sqlite3.Row
            while batch := cursor.fetchmany(BATCH):
                yield table, [_plain(table, row) for row in batch]


def _plain(table: str, row: sqlite3.Row) -> Row:
    values: Row = dict(zip(row.keys(), row, strict=True))
    for column in TIMES.get(table, ()):
        if values[column] is not None:
            values[column] = parse_time(values[column])
    for column in LISTS.get(table, ()):
        values[column] = json.loads(values[column])
    for column in FLAGS.get(table, ()):
        values[column] = bool(values[column])
    return values
