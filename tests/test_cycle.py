"""One run's refresh and save (copro_feeds._cycle), against partner feeds on 127.0.0.1.

The same through the facade, end to end: tests/test_core.py.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

import copro_feeds
from copro_feeds import Outcome
from copro_feeds._cycle import Cycle
from copro_feeds._fetch import Fetcher
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.config import Config
from copro_feeds.core import make_sandbox
from copro_feeds.exceptions import GoneError, StoreError
from copro_feeds.types import SourceResult

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def config(project) -> Config:
    return copro_feeds.load_config(project.config_path)


@pytest.fixture
def store(config: Config) -> Iterator[SQLiteStore]:
    store = SQLiteStore.open(config.storage.path)
    store.sync_sources({source.key: source.url for source in config.sources})
    yield store
    store.close()


def cycle(config: Config, store, stop: threading.Event | None = None) -> Iterator[Cycle]:
    fetcher = Fetcher(config.fetch)
    sandbox = make_sandbox(config)
    try:
        yield Cycle(
            config,
            store=store,
            fetcher=fetcher,
            sandbox=sandbox,
            rng=random.Random(1),
            stop=stop or threading.Event(),
        )
    finally:
        fetcher.close()
        sandbox.close()


def test_each_source_is_refreshed_saved_and_reported(config, store):
    heard: list[SourceResult] = []
    for running in cycle(config, store):
        results = running.run(list(config.sources), store.states(), NOW, heard.append)
    assert sorted(r.name for r in results) == sorted(s.name for s in config.sources)
    assert {r.outcome for r in results} == {Outcome.UPDATED}
    assert sum(r.new_entries for r in results) == 6
    assert sorted(r.source_key for r in heard) == sorted(r.source_key for r in results)
    assert sum(store.entry_counts().values()) == 6
    assert all(state.last_success == NOW for state in store.states().values())


def test_a_second_cycle_saves_the_304s_together(config, store):
    for running in cycle(config, store):
        running.run(list(config.sources), store.states(), NOW, None)
        again = running.run(list(config.sources), store.states(), NOW, None)
    assert {r.outcome for r in again} == {Outcome.NOT_MODIFIED}


def test_a_gone_source_is_reported_not_fetched(config, store, project):
    scope = config.sources[0]
    store.save_states([replace(store.states()[scope.key], gone=True)])
    for running in cycle(config, store):
        results = running.run([scope], store.states(), NOW, None)
    assert [r.outcome for r in results] == [Outcome.ERROR]
    assert isinstance(results[0].exception, GoneError)
    assert project.server.hits("/scope/feed/") == 0


def test_no_source_starts_once_stop_is_set(config, store, project):
    stop = threading.Event()
    stop.set()
    for running in cycle(config, store, stop):
        assert running.run(list(config.sources), store.states(), NOW, None) == []
    assert project.server.requests == []


def test_a_store_failure_is_that_sources_result(config, store):
    def failing(*args, **kwargs):
        raise StoreError("the disk is full")

    store.save_fetch = failing  # type: ignore[method-assign]  # this store only
    for running in cycle(config, store):
        results = running.run(list(config.sources), store.states(), NOW, None)
    assert {r.outcome for r in results} == {Outcome.ERROR}
    assert {r.error for r in results} == {"could not save: the disk is full"}
    assert all(isinstance(r.exception, StoreError) for r in results)
