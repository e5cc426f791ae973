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
from copro_feeds._refresh import Refresher
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.config import Config
from copro_feeds.core import make_sandbox
from copro_feeds.exceptions import GoneError, StoreError
from copro_feeds.types import SourceResult
from tests.conftest import PARTNERS, RSS

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


LATER = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def test_a_feed_with_one_new_post_is_read_for_that_post_only(config, store, project):
    """Round 3 of issue 13: the stored, unchanged posts are not parsed again."""
    # After the partner's posts (a post dated in the future is read again until then).
    scope = config.sources[0]
    body = (PARTNERS / "scope.rss.xml").read_bytes()
    for running in cycle(config, store):
        [first] = running.run([scope], store.states(), LATER, None)
        known = store.known_items(scope.key)
        assert first.new_entries == len(known) > 1
        new_post = (
            b"<item><title>Brand new</title><link>https://scope.test/new</link>"
            b"<guid>https://scope.test/new</guid><pubDate>Mon, 05 Jan 2026 09:00:00 GMT</pubDate>"
            b"<description>Fresh</description></item>"
        )
        at = body.index(b"<item>")
        project.server.serve("/scope/feed/", body[:at] + new_post + body[at:], content_type=RSS)
        [second] = running.run([scope], store.states(), LATER, None)
    assert (second.outcome, second.new_entries, second.updated_entries) == (Outcome.UPDATED, 1, 0)
    assert set(store.known_items(scope.key)) > set(known)
    assert sum(store.entry_counts().values()) == first.new_entries + 1
    # What the refresh handed the store: the new post alone.
    project.server.serve("/scope/feed/", body[:at] + new_post.replace(b"new", b"newer") + body[at:])
    with Fetcher(config.fetch) as fetcher, make_sandbox(config) as sandbox:
        refresher = Refresher(
            config,
            fetcher=fetcher,
            sandbox=sandbox,
            rng=random.Random(1),
            known_items=store.known_items,
        )
        refresh = refresher.refresh(scope, store.state(scope.key), LATER)
    assert [entry.link for entry in refresh.entries or ()] == ["https://scope.test/newer"]
