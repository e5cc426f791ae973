"""The Store protocol is the one way into storage, and backends keep their driver to themselves."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import copro_feeds
from copro_feeds._store import Store
from copro_feeds._store.sqlite import SQLiteStore

PACKAGE = Path(copro_feeds.__file__).parent
STORE = PACKAGE / "_store"
FACTORIES = {"core.py", "_monitor.py"}  # the only modules that open a backend


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


def test_the_sqlite_store_offers_the_protocol_and_only_backend_extras_besides():
    protocol = public_methods(Store)
    assert protocol == {
        "close", "sync_sources", "states", "state", "save_states", "save_fetch", "known_items",
        "entries",
        "entry_counts", "generation", "editorial", "edit", "audit_log", "get_meta", "set_meta",
    }  # fmt: skip
    assert public_methods(SQLiteStore) == protocol  # and ``open``, a classmethod
    for name in protocol:
        assert inspect.signature(getattr(SQLiteStore, name)) == inspect.signature(
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


def test_outside_the_store_only_the_factories_name_a_backend():
    naming = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if not path.is_relative_to(STORE)
        and any(module.startswith("copro_feeds._store.") for module in imported_modules(path))
    }
    assert naming == FACTORIES
