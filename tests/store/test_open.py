"""``open_store`` and ``upgrade_store``: the backend ``[storage]`` names (``_store/_open.py``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from copro_feeds._store import open_store, upgrade_store
from copro_feeds._store.postgresql import SCHEMA_VERSION, PostgreSQLStore
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.config import StorageConfig
from copro_feeds.exceptions import StoreError


def test_a_path_opens_sqlite_and_upgrade_reports_its_versions(tmp_path):
    storage = StorageConfig(path=tmp_path / "db.sqlite3")
    assert upgrade_store(storage)[0] == 0
    before, after = upgrade_store(storage)
    assert before == after > 0
    store = open_store(storage)
    try:
        assert isinstance(store, SQLiteStore)
    finally:
        store.close()


def test_a_url_opens_postgresql_only_once_upgraded(tmp_path, postgres_url):
    storage = StorageConfig(path=tmp_path / "unused.sqlite3", url=postgres_url)
    with pytest.raises(StoreError, match="run `copro-feeds db upgrade`"):
        open_store(storage)
    assert upgrade_store(storage) == (0, SCHEMA_VERSION)
    store = open_store(storage)
    try:
        assert isinstance(store, PostgreSQLStore)
    finally:
        store.close()
    assert not (tmp_path / "unused.sqlite3").exists()


def test_without_the_postgresql_extra_the_error_says_what_to_install(tmp_path):
    """A fresh interpreter where psycopg cannot be imported (as if never installed)."""
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from pathlib import Path\n"
        "from copro_feeds._store import open_store\n"
        "from copro_feeds.config import StorageConfig\n"
        "from copro_feeds.exceptions import StoreError\n"
        "try:\n"
        "    open_store(StorageConfig(path=Path('x'), url='postgresql://u:pw@db.example/f'))\n"
        "except StoreError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "pip install 'copro-feeds[postgresql]'" in result.stdout
    assert "postgresql://db.example/f" in result.stdout
    assert "pw" not in result.stdout.replace("postgresql", "")
