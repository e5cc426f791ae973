"""Contract: bookkeeping values (``get_meta``, ``set_meta``) and the generation."""

from __future__ import annotations

from dataclasses import replace

from tests.factories import NOW, entry


def test_meta_values(store):
    assert store.get_meta("k") is None
    store.set_meta("k", "v1")
    store.set_meta("k", "v2")
    assert store.get_meta("k") == "v2"


def test_generation_starts_at_zero_and_grows_only_when_entries_change(store):
    assert store.generation() == 0
    store.set_meta("k", "v")
    store.save_states([replace(store.state("scope"), failures=1)])
    assert store.generation() == 0
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    assert store.generation() == 1
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)  # unchanged
    assert store.generation() == 1
