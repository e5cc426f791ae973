from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from copro_feeds._editorial import short_ref
from copro_feeds._store import _MIGRATIONS, Store, format_time, parse_time
from copro_feeds._types import SourceState
from copro_feeds.exceptions import StoreError
from copro_feeds.types import EditorialAction
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
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
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


# -- schema 2: languages, editorial marks and the audit log ----------------------------


def test_a_version_1_database_is_migrated_keeping_its_entries(tmp_path):
    """A database written by the first schema (before languages and editorial marks)."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(_MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO sources (key, config_url) VALUES ('scope', 'https://scope.example/')")
    db.execute(
        "INSERT INTO entries VALUES ('scope', 'post-1', 'https://scope.example/blog/post-1/', "
        "'Old post', '[\"Ann\"]', ?, ?, '<p>Hello</p>', 'Hello', '[]', 'abc', ?, ?)",
        (format_time(NOW),) * 4,
    )
    db.commit()
    db.close()
    store = Store(path)
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
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    db.close()


def test_language_round_trips(store):
    store.save_fetch(store.state("scope"), [entry(language="cy")], frozenset(), NOW)
    [stored] = store.entries(ATTRIBUTIONS)
    assert stored.language == "cy"


def test_a_new_language_alone_is_saved_without_counting_as_an_edit(store):
    """Entries stored before languages were kept get theirs quietly, and are republished."""
    state = store.state("scope")
    store.save_fetch(state, [entry()], frozenset(), NOW)
    generation = store.generation()
    counts = store.save_fetch(state, [entry(language="en-GB")], frozenset(), NOW)
    assert (counts.new, counts.updated) == (0, 0)
    assert store.entries(ATTRIBUTIONS)[0].language == "en-GB"
    assert store.generation() == generation + 1
    store.save_fetch(state, [entry(language="en-GB")], frozenset(), NOW)
    assert store.generation() == generation + 1


def test_hide_marks_logs_and_bumps_the_generation_once(store):
    store.save_fetch(store.state("scope"), [entry(id="a"), entry(id="b")], frozenset(), NOW)
    stored = store.entries(ATTRIBUTIONS)
    generation = store.generation()
    records = store.edit(EditorialAction.HIDE, stored, reason="takedown", by="ann", now=NOW)
    assert [(r.action, r.entry_id, r.reason, r.by, r.at) for r in records] == [
        (EditorialAction.HIDE, "a", "takedown", "ann", NOW),
        (EditorialAction.HIDE, "b", "takedown", "ann", NOW),
    ]
    assert store.editorial().hidden == {("scope", "a"), ("scope", "b")}
    assert store.generation() == generation + 1
    again = store.edit(EditorialAction.HIDE, stored, reason="twice", by="ann", now=NOW)
    assert again == []  # already hidden: nothing logged, nothing to republish
    assert store.generation() == generation + 1
    assert store.audit_log() == records


def test_unhide_pin_and_unpin(store):
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    [stored] = store.entries(ATTRIBUTIONS)
    later = NOW + timedelta(hours=1)
    assert store.edit(EditorialAction.UNHIDE, [stored], reason=None, by=None, now=NOW) == []
    store.edit(EditorialAction.HIDE, [stored], reason="x", by=None, now=NOW)
    store.edit(EditorialAction.PIN, [stored], reason=None, by=None, now=later)
    marks = store.editorial()
    assert marks.hidden == {("scope", "post-1")}
    assert marks.pinned == {("scope", "post-1"): later}
    store.edit(EditorialAction.UNHIDE, [stored], reason="fixed", by=None, now=later)
    assert store.editorial().hidden == frozenset()
    assert store.editorial().pinned == {("scope", "post-1"): later}
    store.edit(EditorialAction.UNPIN, [stored], reason=None, by=None, now=later)
    assert store.editorial().pinned == {}
    assert [r.action for r in store.audit_log()] == [
        EditorialAction.HIDE,
        EditorialAction.PIN,
        EditorialAction.UNHIDE,
        EditorialAction.UNPIN,
    ]


def test_marks_and_log_survive_reopening(tmp_path, store):
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    store.edit(EditorialAction.PIN, store.entries(ATTRIBUTIONS), reason="r", by="b", now=NOW)
    store.close()
    again = Store(tmp_path / "db.sqlite3")
    try:
        assert again.editorial().pinned == {("scope", "post-1"): NOW}
        [record] = again.audit_log()
        assert (record.ref, record.title, record.link, record.reason, record.by) == (
            short_ref("scope", "post-1"),
            "A post",
            "https://scope.example/blog/post-1/",
            "r",
            "b",
        )
    finally:
        again.close()
