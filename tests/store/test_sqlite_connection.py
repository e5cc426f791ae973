"""SQLite only: opening the file (``_store/sqlite/_connection.py``).

Locks, a full disk, damaged files and crashes are in test_sqlite_crash.py.
"""

from __future__ import annotations

import sqlite3

import pytest

from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds._store.sqlite._schema import MIGRATIONS
from copro_feeds.exceptions import StoreError


def test_schema_version_and_wal(tmp_path):
    store = SQLiteStore.open(tmp_path / "db.sqlite3")
    try:
        db = sqlite3.connect(tmp_path / "db.sqlite3")
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.close()
    finally:
        store.close()


def test_corrupt_database_is_a_clear_error_and_not_overwritten(tmp_path):
    path = tmp_path / "broken.sqlite3"
    junk = b"this is not a database" * 100
    path.write_bytes(junk)
    with pytest.raises(StoreError, match=r"broken\.sqlite3"):
        SQLiteStore.open(path)
    assert path.read_bytes() == junk
