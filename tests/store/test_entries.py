"""Contract: entries (``save_fetch``, ``entries``, ``entry_counts``, ``generation``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from copro_feeds.exceptions import StoreError
from tests.factories import NOW, attribution, entry

ATTRIBUTIONS = {"scope": attribution("scope")}


def test_reopening_keeps_data(backend, store):
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    store.close()
    again = backend.open()
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
