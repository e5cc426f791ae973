"""One folder's files: a feed's Atom, RSS and JSON Feed with the page beside them, or a
page of the archive with its archived feeds once its month is over.

The same code renders a folder in the publishing process and in a render worker (see
``_parallel``), so a folder's bytes are the same wherever it is rendered. What a folder's
files depend on besides its own posts is :class:`Shared`, built once per publish.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from copro_feeds._plan import FeedContent, FeedInfo
from copro_feeds._publish._archive import (
    ArchiveDocument,
    ArchivePages,
    MonthCount,
    archived_feed,
)
from copro_feeds._publish._feedgen import render_atom, render_rss
from copro_feeds._publish._html import PageRenderer
from copro_feeds._publish._jsonfeed import render_json_feed
from copro_feeds._publish._model import ATOM_FILE, JSON_FILE, RSS_FILE
from copro_feeds._publish._page import INDEX_FILE
from copro_feeds._publish._prepare import clean_entry, with_source_dates
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from copro_feeds.types import Attribution, Entry

log = logging.getLogger("copro_feeds")

Folder = FeedContent | ArchiveDocument
"""A folder to render: a feed's (partner, tag, language, combined) or an archive page's."""
Renderer = Callable[[Sequence[Entry], SiteConfig, FeedInfo], bytes]


@dataclass(frozen=True, slots=True, kw_only=True)
class Shared:
    """What every folder's files depend on besides its own posts.

    ``feeds`` are every feed's details (for the links every page carries; their posts
    are not needed), ``attributions`` every partner cleaned for publishing, ``roundup``
    the roundup's period word when ``[digest]`` is on, ``months`` the archive's months
    without their posts (none: no archive to link to; each page's posts come with its
    :class:`ArchiveDocument`), and ``now`` dates the feeds that have no entries.
    """

    site: SiteConfig
    feeds: tuple[FeedInfo, ...]
    attributions: tuple[Attribution, ...]
    templates: Path | None
    roundup: str | None
    months: tuple[MonthCount, ...]
    now: datetime

    @property
    def archived(self) -> bool:
        """Whether there is an archive to link to."""
        return bool(self.months)


class FolderRenderer:
    """Renders any folder's files, and the pages every publish has once, from ``shared``.

    A template that is missing, broken or uses an undefined variable raises PublishError
    naming it, and so does a feed that cannot be rendered at all.
    """

    def __init__(self, shared: Shared) -> None:
        self._shared = shared
        # every feed's details, without posts: what the pages' links need
        self._feeds = [FeedContent(info=info, entries=()) for info in shared.feeds]
        self.pages = PageRenderer(
            self._feeds,
            shared.attributions,
            shared.site,
            templates=shared.templates,
            roundup=shared.roundup,
            archive=shared.archived,
        )
        self._archive_pages: ArchivePages | None = None

    def render(self, folder: Folder) -> list[tuple[str, bytes]]:
        """Every file of ``folder``: each path (relative to the output folder) and bytes."""
        if isinstance(folder, FeedContent):
            return self._feed(folder)
        return self._archive_page(folder)

    def month_list(self) -> tuple[str, bytes]:
        """``archive/index.html`` (only when there is an archive)."""
        return self._archive().month_list()

    def _feed(self, feed: FeedContent) -> list[tuple[str, bytes]]:
        site = self._shared.site
        entries = [clean_entry(entry) for entry in feed.entries]
        info = feed.info if entries else replace(feed.info, updated=self._shared.now)
        files = _feed_files(entries, site, info)
        page = self.pages.render(FeedContent(info=info, entries=tuple(entries)))
        return [*files, (info.folder + INDEX_FILE, page)]

    def _archive_page(self, document: ArchiveDocument) -> list[tuple[str, bytes]]:
        """A page of a month, and its archived feeds once the month is over.

        Each page's partners are dated by their newest post on that page, so a partner's
        later post never changes a month that is over."""
        site = self._shared.site
        entries = [clean_entry(entry) for entry in document.page.entries]
        files = []
        if document.closed:
            (month,) = with_source_dates([archived_feed(document, entries, site)])
            files += _feed_files(list(month.entries), site, month.info)
        files.append(self._archive().page(document, entries))
        return files

    def _archive(self) -> ArchivePages:
        if self._archive_pages is None:
            shared = self._shared
            self._archive_pages = ArchivePages(
                shared.months,
                self._feeds,
                shared.attributions,
                shared.site,
                templates=shared.templates,
                roundup=shared.roundup,
            )
        return self._archive_pages


def _feed_files(
    entries: Sequence[Entry], site: SiteConfig, info: FeedInfo
) -> list[tuple[str, bytes]]:
    """A feed's Atom, RSS and JSON Feed files."""
    return [
        (info.folder + ATOM_FILE, _render(render_atom, entries, site, info)),
        (info.folder + RSS_FILE, _render(render_rss, entries, site, info)),
        (info.folder + JSON_FILE, _render(render_json_feed, entries, site, info)),
    ]


def _render(render: Renderer, entries: Sequence[Entry], site: SiteConfig, info: FeedInfo) -> bytes:
    """One file's bytes; entries the format refuses are left out, each with a warning."""
    try:
        return render(entries, site, info)
    except ValueError:  # lxml's and feedgen's refusals; UnicodeEncodeError in JSON
        kept = _renderable(render, entries, site, info)
    try:
        return render(kept, site, info)
    except ValueError as error:  # not an entry's fault: the feed's own values
        raise PublishError(f"cannot render the feed in {info.folder or './'}: {error}") from error


def _renderable(
    render: Renderer, entries: Sequence[Entry], site: SiteConfig, info: FeedInfo
) -> list[Entry]:
    """The entries that render, given that all of them together do not (bisection)."""
    if len(entries) <= 1:
        for entry in entries:
            log.warning(
                "skipped entry %r from %r in %s: it cannot be published",
                entry.id, entry.attribution.name, info.folder or "the combined feed",
            )  # fmt: skip
        return []
    middle = len(entries) // 2
    kept: list[Entry] = []
    for half in (entries[:middle], entries[middle:]):
        try:
            render(half, site, info)
        except ValueError:
            kept.extend(_renderable(render, half, site, info))
        else:
            kept.extend(half)
    return kept
