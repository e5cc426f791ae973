from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from copro_feeds._store import Store, format_time, parse_time
from copro_feeds._types import SourceState
from copro_feeds.exceptions import StoreError
from tests.factories import NOW, attribution, entry

ATTRIBUTIONS = {"scope": attribution("scope")}


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "db.sqlite3")
    opened.sync_sources({"scope": "https://scope.example/"})
    yield opened
    opened.close()


def test_schema_version_and_wal(tmp_path, store):
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_reopening_keeps_data(tmp_path, store):
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    store.close()
    again = Store(tmp_path / "db.sqlite3")
    assert [e.id for e in again.entries(ATTRIBUTIONS)] == ["post-1"]
    again.close()


def test_entries_and_validators_are_saved_together(store):
    state = replace(
        store.state("scope"), etag='"v1"', last_modified="Mon, 02 Mar 2026 10:00:00 GMT"
    )
    counts = store.save_fetch(state, [entry(id="a"), entry(id="b")], frozenset(), NOW)
    assert (counts.new, counts.updated) == (2, 0)
    assert store.state("scope").etag == '"v1"'
    assert store.entry_counts() == {"scope": 2}


def test_failed_transaction_saves_neither_entries_nor_validators(store):
    state = replace(store.state("scope"), etag='"v2"')
    bad = entry(id="x")
    object.__setattr__(bad, "title", None)  # violates NOT NULL in the middle of the save
    with pytest.raises(StoreError):
        store.save_fetch(state, [entry(id="ok"), bad], frozenset(), NOW)
    assert store.state("scope").etag is None
    assert store.entry_counts() == {}


def test_refetch_without_changes_adds_nothing(store):
    state = store.state("scope")
    store.save_fetch(state, [entry()], frozenset(), NOW)
    counts = store.save_fetch(state, [entry()], frozenset(), NOW)
    assert (counts.new, counts.updated) == (0, 0)
    assert store.entry_counts() == {"scope": 1}


def test_edited_entry_is_updated_once(store):
    state = store.state("scope")
    store.save_fetch(state, [entry()], frozenset(), NOW)
    edited = entry(content_html="<p>Edited</p>", excerpt="Edited")
    assert store.save_fetch(state, [edited], frozenset(), NOW).updated == 1
    assert store.save_fetch(state, [edited], frozenset(), NOW).updated == 0
    [stored] = store.entries(ATTRIBUTIONS)
    assert stored.excerpt == "Edited"


def test_undated_entry_keeps_first_seen_date(store):
    state = store.state("scope")
    first = entry(published=NOW, updated=NOW)
    store.save_fetch(state, [first], frozenset({"post-1"}), NOW)
    later = NOW + timedelta(hours=5)
    edited = entry(published=later, updated=later, content_html="<p>new</p>")
    store.save_fetch(state, [edited], frozenset({"post-1"}), later)
    [stored] = store.entries(ATTRIBUTIONS)
    assert stored.published == NOW
    assert stored.content_html == "<p>new</p>"


def test_same_id_in_two_sources_is_two_entries(store):
    store.sync_sources({"scope": "https://scope.example/", "other": "https://other.example/"})
    store.save_fetch(store.state("scope"), [entry(id="same")], frozenset(), NOW)
    copier = entry(id="same", attribution=attribution("other"), title="Copied")
    store.save_fetch(store.state("other"), [copier], frozenset(), NOW)
    both = store.entries({"scope": attribution("scope"), "other": attribution("other")})
    assert sorted((e.source_key, e.title) for e in both) == [
        ("other", "Copied"),
        ("scope", "A post"),
    ]


def test_changed_config_url_resets_state_but_keeps_entries(store):
    state = replace(store.state("scope"), etag='"x"', gone=True, failures=3, last_error="boom")
    store.save_fetch(state, [entry()], frozenset(), NOW)
    store.sync_sources({"scope": "https://scope.example/new-feed"})
    fresh = store.state("scope")
    assert (fresh.etag, fresh.gone, fresh.failures, fresh.last_error) == (None, False, 0, None)
    assert fresh.config_url == "https://scope.example/new-feed"
    assert store.entry_counts() == {"scope": 1}


def test_state_round_trips_times(store):
    state = replace(store.state("scope"), next_due=NOW, last_success=NOW, gone=True)
    store.save_states([state])
    assert store.state("scope") == state


def test_time_format_sorts_like_time():
    early, late = NOW, NOW + timedelta(microseconds=1)
    assert format_time(early) < format_time(late)
    assert parse_time(format_time(late)) == late


def test_corrupt_database_is_a_clear_error_and_not_overwritten(tmp_path):
    path = tmp_path / "broken.sqlite3"
    junk = b"this is not a database" * 100
    path.write_bytes(junk)
    with pytest.raises(StoreError, match=r"broken\.sqlite3"):
        Store(path)
    assert path.read_bytes() == junk


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer than this"):
        Store(path)


def test_unknown_source_state_is_an_error(store):
    with pytest.raises(StoreError, match="no source"):
        store.state("nope")


def test_meta_values(store):
    assert store.get_meta("k") is None
    store.set_meta("k", "v1")
    store.set_meta("k", "v2")
    assert store.get_meta("k") == "v2"


def test_state_defaults(store):
    assert store.state("scope") == SourceState(key="scope", config_url="https://scope.example/")
