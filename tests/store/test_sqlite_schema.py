"""SQLite only: the schema and its migrations (``_store/sqlite/_schema.py``)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from copro_feeds._store import format_time
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds._store.sqlite._schema import MIGRATIONS
from copro_feeds.exceptions import StoreError
from copro_feeds.types import EditorialAction, Enclosure
from tests.factories import NOW, attribution, entry

AUDIO = Enclosure(url="https://scope.example/ep1.mp3", type="audio/mpeg", length=24_000_000)

ATTRIBUTIONS = {"scope": attribution("scope")}


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer than this"):
        SQLiteStore.open(path)


def test_a_version_1_database_is_migrated_keeping_its_entries(tmp_path):
    """A database written by the first schema (before languages and editorial marks)."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO sources (key, config_url) VALUES ('scope', 'https://scope.example/')")
    db.execute(
        "INSERT INTO entries VALUES ('scope', 'post-1', 'https://scope.example/blog/post-1/', "
        "'Old post', '[\"Ann\"]', ?, ?, '<p>Hello</p>', 'Hello', '[]', 'abc', ?, ?)",
        (format_time(NOW),) * 4,
    )
    db.commit()
    db.close()
    store = SQLiteStore.open(path)
    try:
        [old] = store.entries(ATTRIBUTIONS)
        assert (old.id, old.title, old.authors, old.published) == (
            "post-1",
            "Old post",
            ("Ann",),
            NOW,
        )
        assert old.language is None
        assert store.editorial().hidden == frozenset()
        assert store.edit(EditorialAction.HIDE, [old], reason="test", by=None, now=NOW)
        assert store.editorial().hidden == {("scope", "post-1")}
    finally:
        store.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()


def test_entries_saved_before_fingerprints_get_one_at_the_next_save(tmp_path):
    """A version-2 database (before enclosures and fingerprints): its entries read back
    with none, and the next save of the same post adds the fingerprint alone (a change,
    not an edit)."""
    path = tmp_path / "v2.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.executescript(MIGRATIONS[1])
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    post = entry(enclosures=(AUDIO,))
    store = SQLiteStore.open(path)
    try:
        store.sync_sources({"scope": "https://scope.example/feed"})
        state = store.state("scope")
        assert store.save_fetch(state, [post], frozenset(), NOW).new == 1
        [saved] = store.entries(ATTRIBUTIONS)
        assert saved.enclosures == (AUDIO,)
        assert tuple(saved.fingerprint) == ()
        before = store.generation()
        counts = store.save_fetch(
            state, [replace(post, fingerprint=(1, 2, 2**32 - 1))], frozenset(), NOW
        )
        assert (counts.new, counts.updated) == (0, 0)
        assert store.generation() > before
        [saved] = store.entries(ATTRIBUTIONS)
        assert tuple(saved.fingerprint) == (1, 2, 2**32 - 1)
    finally:
        store.close()
