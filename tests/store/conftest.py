"""The store contract: every test that takes ``store`` or ``backend`` runs on each backend.

A backend joins by adding its name to ``BACKENDS`` and a fixture ``<name>_backend``
returning a :class:`Backend` over a new, empty store (a fixture may ``yield`` it to clean
up afterwards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from copro_feeds._store import Store
from copro_feeds._store.postgresql import PostgreSQLStore
from copro_feeds._store.sqlite import SQLiteStore

BACKENDS = ["sqlite", "postgresql"]


@dataclass(frozen=True)
class Backend:
    """One store, empty at first: ``open()`` gives a new connection to it each time."""

    name: str
    open: Callable[[], Store]


@pytest.fixture
def sqlite_backend(tmp_path) -> Backend:
    return Backend("sqlite", lambda: SQLiteStore.open(tmp_path / "db.sqlite3"))


@pytest.fixture
def postgresql_backend(postgres_url) -> Backend:
    """A fresh database on the test server, its schema made by ``upgrade`` (as ``db upgrade``)."""
    PostgreSQLStore.upgrade(postgres_url)
    return Backend("postgresql", lambda: PostgreSQLStore.open(postgres_url))


@pytest.fixture(params=BACKENDS)
def backend(request) -> Backend:
    return request.getfixturevalue(f"{request.param}_backend")


@pytest.fixture
def store(backend) -> Iterator[Store]:
    """An open store with one source, ``scope``."""
    opened = backend.open()
    opened.sync_sources({"scope": "https://scope.example/"})
    yield opened
    opened.close()
