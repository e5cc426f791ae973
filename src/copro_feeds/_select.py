"""Pure: which entries each published feed holds.

The combined feed: every source's entries that pass its filters, one per post
(see ``_dedupe``), the newest ``limit``. A partner's feed: that partner's entries that pass
its filters. A tag's feed: the combined selection over the sources carrying that tag.
"""

from __future__ import annotations

from collections.abc import Sequence

from copro_feeds._dedupe import newest_first, select_for_publishing
from copro_feeds._filter import passes_filters
from copro_feeds._publish import FeedContent, FeedInfo
from copro_feeds._types import EditorialMarks
from copro_feeds.config import SiteConfig, SourceConfig, slugify
from copro_feeds.types import Entry

ALL_PARTNERS = "All partners"


def kept_entries(entries: Sequence[Entry], sources: Sequence[SourceConfig]) -> list[Entry]:
    """Entries of the configured sources that pass their source's include/exclude words."""
    by_key = {source.key: source for source in sources}
    return [
        entry
        for entry in entries
        if entry.source_key in by_key
        and passes_filters(
            entry, by_key[entry.source_key].include, by_key[entry.source_key].exclude
        )
    ]


def source_folder(source: SourceConfig) -> str:
    """Where a partner's own feeds are published: ``sources/<slug>/``."""
    return f"sources/{source.key}/"


def tag_folder(tag: str) -> str:
    """Where a tag's feeds are published: ``tags/<slug of the tag>/``."""
    return f"tags/{slugify(tag)}/"


def configured_tags(sources: Sequence[SourceConfig]) -> list[str]:
    """Every ``[[sources]] tags`` value, first spelling of each slug, in config order."""
    seen: dict[str, str] = {}
    for source in sources:
        for tag in source.tags:
            if slugify(tag):
                seen.setdefault(slugify(tag), tag)
    return list(seen.values())


def plan_feeds(
    entries: Sequence[Entry],
    sources: Sequence[SourceConfig],
    site: SiteConfig,
    limit: int,
    *,
    marks: EditorialMarks = EditorialMarks(),  # noqa: B008 (frozen)
) -> list[FeedContent]:
    """The combined feed first, then one feed per partner and one per tag.

    ``marks``: editors' hidden and pinned entries (not applied yet).
    """
    kept = kept_entries(entries, sources)
    tags = configured_tags(sources)
    related = tuple((source.name, source_folder(source)) for source in sources) + tuple(
        (f"Tag: {tag}", tag_folder(tag)) for tag in tags
    )
    back = ((ALL_PARTNERS, ""),)
    by_source: dict[str, list[Entry]] = {}
    for entry in kept:
        by_source.setdefault(entry.source_key, []).append(entry)
    feeds = [
        FeedContent(
            info=FeedInfo(related=related), entries=tuple(select_for_publishing(kept, limit))
        )
    ]
    for source in sources:
        own = newest_first(by_source.get(source.key, ()))[:limit]
        info = FeedInfo(
            folder=source_folder(source),
            title=f"{source.name} (via {site.title})",
            description=f"Posts from {source.name}, quoted and credited by {site.title}.",
            related=back,
        )
        feeds.append(FeedContent(info=info, entries=tuple(own)))
    for tag in tags:
        members = [source.key for source in sources if tag in source.tags]
        tagged = [entry for key in members for entry in by_source.get(key, ())]
        info = FeedInfo(
            folder=tag_folder(tag),
            title=f"{tag} (via {site.title})",
            description=f"Partners' posts tagged {tag!r}, quoted and credited by {site.title}.",
            related=back,
        )
        feeds.append(FeedContent(info=info, entries=tuple(select_for_publishing(tagged, limit))))
    return feeds
