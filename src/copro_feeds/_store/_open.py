"""Opening the store a configuration names: the one place that chooses a backend.

``[storage] url`` selects PostgreSQL, else the SQLite file ``path``. The backend is
imported when first opened, so the PostgreSQL driver is needed only by those who use it
(the ``postgresql`` extra) and ``import copro_feeds`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from copro_feeds.config import StorageConfig
from copro_feeds.exceptions import StoreError

if TYPE_CHECKING:
    from copro_feeds._store.postgresql import PostgreSQLStore
    from copro_feeds._store.protocol import Store

_MISSING_EXTRA = (
    "the PostgreSQL store {shown} needs the postgresql extra: "
    "pip install 'copro-feeds[postgresql]' ({error})"
)


def open_store(storage: StorageConfig) -> Store:
    """The store ``storage`` names, open. An SQLite file is created or migrated as needed;
    a PostgreSQL database must be up to date (StoreError saying to run ``db upgrade``)."""
    if storage.url is None:
        from copro_feeds._store.sqlite import SQLiteStore  # noqa: PLC0415 — see the docstring

        return SQLiteStore.open(storage.path)
    return postgresql(storage).open(storage.url)


def upgrade_store(storage: StorageConfig) -> tuple[int, int]:
    """Create or migrate the schema of the store ``storage`` names; versions before, after."""
    if storage.url is None:
        from copro_feeds._store.sqlite import SQLiteStore  # noqa: PLC0415 — see the docstring

        return SQLiteStore.upgrade(storage.path)
    return postgresql(storage).upgrade(storage.url)


def postgresql(storage: StorageConfig) -> type[PostgreSQLStore]:
    """The PostgreSQL backend, or StoreError saying which extra to install."""
    try:
        from copro_feeds._store.postgresql import PostgreSQLStore  # noqa: PLC0415
    except ImportError as error:
        raise StoreError(_MISSING_EXTRA.format(shown=storage.shown, error=error)) from error
    return PostgreSQLStore
