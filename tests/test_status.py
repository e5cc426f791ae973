"""Each source's attribution and status, read from the store (copro_feeds._status)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from copro_feeds._select import configured_homepages
from copro_feeds._status import attribution, attributions, source_statuses, source_urls
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds._types import SourceState
from copro_feeds.config import Config, SourceConfig, config_from_dict
from copro_feeds.types import Display

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def make_config(tmp_path: Path) -> Config:
    raw = {
        "site": {"title": "Partners", "link": "https://example.org/"},
        "sources": [
            {"name": "Scope", "url": "https://u:p@scope.test/feed", "display": "full"},
            {"name": "Other", "url": "https://other.test/feed", "homepage": "https://home.test/"},
            {"name": "Off", "url": "https://off.test/feed", "enabled": False},
        ],
    }
    return config_from_dict(raw, tmp_path / "feeds.toml")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


def test_source_urls_are_what_the_store_syncs(config):
    assert source_urls(config) == {
        "scope": "https://u:p@scope.test/feed",
        "other": "https://other.test/feed",
        "off": "https://off.test/feed",
    }


def test_an_attribution_never_shows_credentials(config):
    scope = config.sources[0]
    homepages = configured_homepages(config.sources)
    credit = attribution(scope, SourceState(key="scope", config_url=scope.url), homepages)
    assert credit.feed_url == "https://scope.test/feed"
    assert credit.homepage == "https://scope.test/"  # the feed's site root
    assert credit.display is Display.FULL


def test_a_homepage_another_source_claims_is_not_taken(config):
    scope: SourceConfig = config.sources[0]
    state = SourceState(key="scope", config_url=scope.url, homepage="https://home.test/")
    homepages = configured_homepages(config.sources)
    assert attribution(scope, state, homepages).homepage == "https://scope.test/"
    own = SourceState(key="scope", config_url=scope.url, homepage="https://scope.test/blog/")
    assert attribution(scope, own, homepages).homepage == "https://scope.test/blog/"


def test_attributions_and_statuses_come_from_the_store(config):
    store = SQLiteStore.open(config.storage.path)
    try:
        store.sync_sources({"scope": config.sources[0].url, "other": config.sources[1].url})
        assert set(attributions(config, store)) == {"scope", "other"}
        with pytest.raises(KeyError):  # the disabled source is asked for, but not stored
            attributions(config, store, disabled=True)
        store.sync_sources(source_urls(config))
        assert set(attributions(config, store, disabled=True)) == {"scope", "other", "off"}
        statuses = {status.source_key: status for status in source_statuses(config, store)}
    finally:
        store.close()
    assert statuses["off"].enabled is False
    assert statuses["scope"].entries == 0
    assert statuses["scope"].last_success is None  # never fetched
    assert statuses["other"].url == "https://other.test/feed"


def test_a_source_the_store_has_not_seen_shows_as_never_fetched(config):
    store = SQLiteStore.open(config.storage.path)
    try:
        statuses = source_statuses(config, store)
    finally:
        store.close()
    assert [s.source_key for s in statuses] == ["scope", "other", "off"]
    assert all(s.last_success is None and s.feed_url is None for s in statuses)
