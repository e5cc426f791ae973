"""``copro-feeds db copy``: an SQLite store into an empty PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

from copro_feeds._store._open import postgresql
from copro_feeds.config import StorageConfig
from copro_feeds.exceptions import StoreError


def copy_store(path: Path, url: str) -> dict[str, int]:
    """Copy every table of the SQLite file ``path`` into the database at ``url``, whose
    schema is created or migrated first; rows copied per table.

    StoreError, nothing written, when the file is missing or the database holds anything.
    """
    target = StorageConfig(path=path, url=url)
    backend = postgresql(target)
    if not path.is_file():
        raise StoreError(f"no SQLite database at {path} to copy")
    from copro_feeds._store.sqlite import SQLiteStore  # noqa: PLC0415 — as in _open

    source = SQLiteStore.open(path)
    try:
        backend.upgrade(url)
        store = backend.open(url)
        try:
            return store.load(source.dump())
        finally:
            store.close()
    finally:
        source.close()
