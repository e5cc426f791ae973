"""The facade's publishing: when to render, rendering the store's selection, WebSub pings,
and the health records ``/healthz`` reads.

The outputs are rendered when a run changed anything visible, when a file is missing, or
when the fingerprint of what shapes them (the stored entries' generation, the
configuration, the roundup period, the month) differs from the one kept after the last
publish: a month that ends is archived even when no source changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from copro_feeds._archive_plan import month_start, plan_archive
from copro_feeds._dedupe import RepostIndex
from copro_feeds._detect import with_languages
from copro_feeds._fetch import Fetcher
from copro_feeds._health import CycleRecord, PublishRecord, record_cycle, record_publish
from copro_feeds._plan import Archive, language_site
from copro_feeds._publish import (
    ARCHIVE_FOLDER,
    CSS_FILE,
    DIGEST_FILE,
    FEED_FILES,
    INDEX_FILE,
    OPML_FILE,
    folder_digest,
    public_base,
    publish,
    render_pool,
)
from copro_feeds._publish._prepare import SourceDates
from copro_feeds._roundup_plan import period_start, plan_roundups
from copro_feeds._sandbox import Sandbox
from copro_feeds._select import Selection, plan_feeds, select
from copro_feeds._status import attributions
from copro_feeds._store import Store
from copro_feeds._types import EditorialMarks
from copro_feeds.config import Config, SiteConfig, SourceConfig
from copro_feeds.exceptions import FeedError, PublishError, StoreError
from copro_feeds.types import Attribution, Display, Entry

log = logging.getLogger("copro_feeds")

_PUBLISH_FINGERPRINT = "publish_fingerprint"
_WEBSUB_PENDING = "websub_pending"


def record(store: Store, health: CycleRecord | PublishRecord) -> None:
    """Record a cycle or a publish in the store; a failure is logged, not raised."""
    try:
        if isinstance(health, CycleRecord):
            record_cycle(store, health)
        else:
            record_publish(store, health)
    except StoreError as error:
        log.warning("could not record the %s for /healthz: %s", type(health).__name__, error)


def render_workers() -> Sandbox | None:
    """The worker processes an aggregator hands to each publish (``_publish.render_pool``:
    one per core, None on a single core)."""
    return render_pool()


def publish_if_needed(
    config: Config,
    store: Store,
    now: datetime,
    *,
    since: float,
    force: bool,
    changed: bool,
    reposts: RepostIndex | None = None,
    dates: SourceDates | None = None,
    renderers: Sandbox | None = None,
) -> list[Path]:
    """Render every output from the store when needed (always when ``force``); return the
    files that changed. Raises PublishError, recorded for ``/healthz`` first.

    ``now`` is the run's reading of the clock and ``since`` the ``time.monotonic()`` taken
    with it: the recorded finish time is ``now`` plus the time elapsed since. ``reposts``
    keeps the reposts found at the last publish for the next one (an aggregator's, so that
    a daemon compares only the posts new or edited since); default: found afresh.
    ``dates`` likewise keeps the entries dated by their partner's newest post (see
    ``_publish._prepare.SourceDates``); default: dated afresh.
    ``renderers``: the worker processes that render big publishes on every core (see
    ``_publish.render_pool``); None renders in this process."""
    directory = config.output.dir
    fingerprint = _fingerprint(config, store, now)
    expected = [*FEED_FILES, OPML_FILE, INDEX_FILE, CSS_FILE]
    if config.digest.enabled:
        expected.append(DIGEST_FILE)
    # each language after the first has the same files under <code>/
    expected += [f"{code}/{name}" for code in config.site.languages[1:] for name in expected]
    missing = any(not (directory / name).exists() for name in expected)
    stale = store.get_meta(_PUBLISH_FINGERPRINT) != fingerprint
    if not (force or changed or missing or stale):
        return []
    credits = attributions(config, store)
    sources = config.active_sources
    # Only posts republished whole need their content: the rest show an excerpt.
    whole = {source.key for source in sources if source.display is Display.FULL}
    # A post whose feed states no language gets the one detected among the site's.
    stored = with_languages(store.entries(credits, content=whole), config.site.languages)
    marks = store.editorial()
    # Which entries are copies of one post: found once, for the archive and every language.
    index = reposts if reposts is not None else RepostIndex()
    posts = index.posts(stored, reposts=config.output.repost_similarity)
    # What every feed is chosen from: found once, for the archive and every language.
    selection = select(stored, sources, marks=marks, posts=posts)
    dates = dates if dates is not None else SourceDates()
    archive = plan_archive(stored, sources, marks, now, selection=selection)  # every language's
    # Forget the last fingerprint first: if this publish fails, the next cycle retries.
    store.set_meta(_PUBLISH_FINGERPRINT, "")
    started = time.monotonic()
    # The site once per language: the first at the root, each other one under <code>/.
    sites = [(config.site, directory)] + [
        (language_site(config.site, code), directory / code) for code in config.site.languages[1:]
    ]
    written: list[Path] = []
    try:
        for site, folder in sites:
            written += _publish_site(
                config,
                site,
                folder,
                stored=stored,
                credits=credits,
                marks=marks,
                selection=selection,
                archive=archive,
                now=now,
                dates=dates,
                renderers=renderers,
            )
    except PublishError as error:
        seconds = time.monotonic() - started
        finished = now + timedelta(seconds=time.monotonic() - since)
        record(store, PublishRecord(finished=finished, seconds=seconds, error=str(error)))
        raise
    seconds = time.monotonic() - started
    finished = now + timedelta(seconds=time.monotonic() - since)
    record(store, PublishRecord(finished=finished, seconds=seconds))
    store.set_meta(_PUBLISH_FINGERPRINT, fingerprint)
    for path in written:
        log.debug("wrote %s", path)
    if written:
        log.info("published %d changed file(s) in %s", len(written), directory)
    return written


def source_dates() -> SourceDates:
    """What an aggregator keeps between its publishes to date its entries (``dates``)."""
    return SourceDates()


def _publish_site(
    config: Config,
    site: SiteConfig,
    directory: Path,
    *,
    stored: Sequence[Entry],
    credits: Mapping[str, Attribution],
    marks: EditorialMarks,
    selection: Selection,
    archive: Archive,
    now: datetime,
    dates: SourceDates,
    renderers: Sandbox | None,
) -> list[Path]:
    """Plan and publish the site in one language (``site``) into ``directory``, with the
    ``archive`` (the same months in every language); ``selection``: what the feeds are
    chosen from (see ``_select.select``), found in ``stored``; the feeds are dated by
    ``dates`` (``publish`` finds them dated)."""
    sources = config.active_sources
    reposts = config.output.repost_similarity
    planned = plan_feeds(
        stored,
        sources,
        site,
        config.output.max_entries,
        marks=marks,
        reposts=reposts,
        selection=selection,
    )
    feeds = dates.feeds(planned)
    roundups = (
        plan_roundups(
            stored, sources, config.digest, marks, now, language=site.language, reposts=reposts
        )
        if config.digest.enabled
        else None
    )
    return publish(
        feeds,
        list(credits.values()),
        site,
        directory,
        templates=config.output.templates,
        roundups=roundups,
        archive=archive,
        now=now,
        renderers=renderers,
    )


def ping_hub(config: Config, store: Store, fetcher: Fetcher, written: list[Path]) -> None:
    """Tell the WebSub hub which feeds changed; keep failed pings for the next cycle."""
    hub = config.site.websub_hub
    if not hub:
        return
    base = public_base(config.site)
    directory = config.output.dir
    pending = set(json.loads(store.get_meta(_WEBSUB_PENDING) or "[]"))
    if base:
        # An archive names no hub (it never changes after its month): nothing to ping.
        pending |= {
            base + path.relative_to(directory).as_posix()
            for path in written
            if path.name in FEED_FILES and not _archived(path.relative_to(directory).parts)
        }
    failed = []
    for topic in sorted(pending):
        try:
            fetcher.ping_hub(hub, topic)
        except FeedError as error:
            log.warning("WebSub hub %s: %s (will retry next cycle)", hub, error)
            failed.append(topic)
    store.set_meta(_WEBSUB_PENDING, json.dumps(failed))


def _archived(parts: tuple[str, ...]) -> bool:
    """Whether an output path (its parts) is an archive's feed: ``[<code>/]archive/<month>/``."""
    return len(parts) >= 3 and parts[-3] + "/" == ARCHIVE_FOLDER


def _fingerprint(config: Config, store: Store, now: datetime) -> str:
    """A digest of what shapes the outputs: the stored entries' generation, the
    configuration (not fetching details), the month and, with ``[digest]``, the current
    period.
    A crash between saving and publishing leaves the old fingerprint stored, so the
    next cycle publishes."""
    shape = [
        store.generation(),
        repr(config.site),
        str(config.output.dir),
        config.output.max_entries,
        config.output.repost_similarity,
        [_source_shape(source) for source in config.sources],
        folder_digest(config.output.templates),
        repr(config.digest),
        # a period that ends brings a new roundup, even when no source changed
        period_start(now, config.digest).isoformat() if config.digest.enabled else None,
        month_start(now).isoformat(),  # a month that ends is archived
    ]
    return hashlib.sha256(json.dumps(shape, default=list).encode()).hexdigest()


def _source_shape(source: SourceConfig) -> list[object]:
    """What of a source's configuration shapes the outputs (not how it is fetched)."""
    return [
        source.key, source.name, source.homepage, source.tags, source.include,
        source.exclude, source.enabled, source.display.value, source.licence,
    ]  # fmt: skip
