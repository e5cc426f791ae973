"""What the store says of each configured source: its attribution and its status.

Read-only views over the configuration and the store, shared by the facade's publishing,
editorial and status calls (and the monitor's).
"""

from __future__ import annotations

from copro_feeds._dedupe import Homepages, is_claimed
from copro_feeds._ingest import homepage_for
from copro_feeds._select import configured_homepages
from copro_feeds._store import Store
from copro_feeds._types import SourceState
from copro_feeds._urls import without_credentials
from copro_feeds.config import Config, SourceConfig
from copro_feeds.types import Attribution, SourceStatus


def attribution(source: SourceConfig, state: SourceState, homepages: Homepages) -> Attribution:
    """How ``source``'s posts are credited, from its configuration and stored state
    (``homepages``: every source's configured one, which the feed may not claim)."""
    feed_url = without_credentials(state.effective_url)  # the fetcher keeps them
    declared = state.homepage  # what the feed says of itself: never another's homepage
    if is_claimed(declared, homepages, besides=source.key):
        declared = None
    homepage = homepage_for(feed_url, source.homepage, declared)
    return Attribution(
        source_key=source.key,
        name=source.name,
        homepage=homepage,
        feed_url=feed_url,
        licence=source.licence,
        display=source.display,
    )


def attributions(config: Config, store: Store, *, disabled: bool = False) -> dict[str, Attribution]:
    """Each active source's attribution by key (the disabled ones' too if asked)."""
    states = store.states()
    sources = config.sources if disabled else config.active_sources
    homepages = configured_homepages(config.sources)
    return {s.key: attribution(s, states[s.key], homepages) for s in sources}


def source_urls(config: Config) -> dict[str, str]:
    """Each configured source's key and URL, as ``Store.sync_sources`` takes them."""
    return {source.key: source.url for source in config.sources}


def source_statuses(config: Config, store: Store) -> list[SourceStatus]:
    """Each configured source's stored state and entry count (a source the store has not
    seen yet shows as never fetched)."""
    states = store.states()
    counts = store.entry_counts()
    statuses = []
    for source in config.sources:
        state = states.get(source.key) or SourceState(key=source.key, config_url=source.url)
        statuses.append(
            SourceStatus(
                source_key=source.key,
                name=source.name,
                url=source.url,
                feed_url=state.feed_url,
                entries=counts.get(source.key, 0),
                last_success=state.last_success,
                last_error=state.last_error,
                failures=state.failures,
                next_due=state.next_due,
                gone=state.gone,
                enabled=source.enabled,
            )
        )
    return statuses
