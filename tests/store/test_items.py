"""Contract: the known items of each source's last saved document (``save_fetch(items=)``,
``known_items``), by which a post already stored is not parsed again (issue 13)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from copro_feeds.exceptions import StoreError
from tests.factories import NOW, entry


def test_items_are_saved_with_the_entries_and_replace_the_last_ones(store):
    state = store.state("scope")
    assert store.known_items("scope") == {}
    store.save_fetch(state, [entry(id="a")], frozenset(), NOW, items={"d1": "a", "d2": "b"})
    assert store.known_items("scope") == {"d1": "a", "d2": "b"}
    store.save_fetch(state, [], frozenset(), NOW, items={"d3": "c"})
    assert store.known_items("scope") == {"d3": "c"}


def test_a_save_without_items_forgets_them(store):
    state = store.state("scope")
    store.save_fetch(state, [entry(id="a")], frozenset(), NOW, items={"d1": "a"})
    store.save_fetch(state, [entry(id="a")], frozenset(), NOW)
    assert store.known_items("scope") == {}


def test_items_are_per_source_and_unknown_sources_have_none(store):
    store.sync_sources({"other": "https://other.example/"})
    store.save_fetch(store.state("scope"), [], frozenset(), NOW, items={"d": "a"})
    store.save_fetch(store.state("other"), [], frozenset(), NOW, items={"d": "b"})
    assert store.known_items("scope") == {"d": "a"}
    assert store.known_items("other") == {"d": "b"}
    assert store.known_items("nobody") == {}


def test_a_failed_save_keeps_the_last_items(store):
    state = store.state("scope")
    store.save_fetch(state, [entry(id="a")], frozenset(), NOW, items={"d1": "a"})
    bad = entry(id="x")
    object.__setattr__(bad, "title", None)  # violates NOT NULL in the middle of the save
    with pytest.raises(StoreError):
        store.save_fetch(replace(state, etag='"v2"'), [bad], frozenset(), NOW, items={"d2": "x"})
    assert store.known_items("scope") == {"d1": "a"}


def test_items_survive_reopening(backend, store):
    store.save_fetch(store.state("scope"), [], frozenset(), NOW, items={"d": "a"})
    store.close()
    again = backend.open()
    assert again.known_items("scope") == {"d": "a"}
    again.close()


def test_items_partly_kept_are_replaced_exactly(store):
    """A refresh keeps most items: those kept stay, a digest may name another entry now,
    the ones no longer listed go."""
    state = store.state("scope")
    store.save_fetch(state, [], frozenset(), NOW, items={"d1": "a", "d2": "b", "d3": "c"})
    store.save_fetch(state, [], frozenset(), NOW, items={"d1": "a", "d2": "x", "d4": "d"})
    assert store.known_items("scope") == {"d1": "a", "d2": "x", "d4": "d"}
    store.save_fetch(state, [], frozenset(), NOW, items={"d1": "a", "d2": "x", "d4": "d"})
    assert store.known_items("scope") == {"d1": "a", "d2": "x", "d4": "d"}
