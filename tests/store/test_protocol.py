"""The Store protocol is the one way into storage, and backends keep their driver to themselves."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import copro_feeds
from copro_feeds._store import Store
from copro_feeds._store.postgresql import PostgreSQLStore
from copro_feeds._store.sqlite import SQLiteStore

PACKAGE = Path(copro_feeds.__file__).parent
STORE = PACKAGE / "_store"
BACKEND_PACKAGES = ("copro_feeds._store.sqlite", "copro_feeds._store.postgresql")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def public_methods(cls: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


@pytest.mark.parametrize("backend_class", [SQLiteStore, PostgreSQLStore])
def test_each_backend_offers_the_protocol_and_only_backend_extras_besides(backend_class):
    protocol = public_methods(Store)
    assert protocol == {
        "close", "sync_sources", "states", "state", "save_states", "save_fetch", "entries",
        "entry_counts", "generation", "editorial", "edit", "audit_log", "get_meta", "set_meta",
    }  # fmt: skip
    # and ``open``, a classmethod; ``upgrade`` (a staticmethod) and ``dump`` or ``load``
    # (``db copy``) are for the db commands only
    assert public_methods(backend_class) - {"upgrade", "dump", "load"} == protocol
    for name in protocol:
        assert inspect.signature(getattr(backend_class, name)) == inspect.signature(
            getattr(Store, name)
        ), name


def test_sqlite3_is_imported_only_inside_the_sqlite_backend():
    users = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "sqlite3" in imported_modules(path)
    }
    assert users
    assert all(user.startswith("_store/sqlite/") for user in users), users


@pytest.mark.parametrize("driver", ["psycopg", "psycopg_pool"])
def test_psycopg_is_imported_only_inside_the_postgresql_backend(driver):
    users = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(name.split(".")[0] == driver for name in imported_modules(path))
    }
    assert users
    assert all(user.startswith("_store/postgresql/") for user in users), users


def test_only_open_store_names_a_backend():
    """The factories (core, _monitor, the db commands) go through ``open_store``."""
    naming = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(module.startswith(BACKEND_PACKAGES) for module in imported_modules(path))
        and not path.is_relative_to(STORE / "sqlite")
        and not path.is_relative_to(STORE / "postgresql")
    }
    assert naming == {"_store/_open.py", "_store/_copy.py"}
