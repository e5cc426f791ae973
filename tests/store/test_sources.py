"""Contract: per-source state (``sync_sources``, ``state``, ``states``, ``save_states``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from copro_feeds._types import SourceState
from copro_feeds.exceptions import StoreError
from tests.factories import NOW, entry


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


def test_unknown_source_state_is_an_error(store):
    with pytest.raises(StoreError, match="no source"):
        store.state("nope")


def test_state_defaults(store):
    assert store.state("scope") == SourceState(key="scope", config_url="https://scope.example/")


def test_sync_adds_new_sources_and_leaves_unlisted_ones(store):
    store.save_states([replace(store.state("scope"), failures=2)])
    store.sync_sources({"other": "https://other.example/"})
    assert store.states() == {
        "scope": SourceState(key="scope", config_url="https://scope.example/", failures=2),
        "other": SourceState(key="other", config_url="https://other.example/"),
    }
