"""The combined feed's archive: a page for each month with posts, a list of the months,
and RFC 5005 archived feeds for each month that is over.

Files (under ``[output] dir``)::

    archive/index.html                     every month, newest first
    archive/<YYYY-MM>/index.html           the month's posts (from its first post on)
    archive/<YYYY-MM>/atom.xml  rss.xml  feed.json   (once the month is over)

The combined feed links its newest archive (``prev-archive``); each archive links the
combined feed (``current``) and its older and newer neighbours (``prev-archive``,
``next-archive``), so a client can walk back to the oldest post (see ``_feedgen`` and
``_jsonfeed`` for each format). A month's files change only when its posts do, except
that the newest archive gains its ``next-archive`` link when the next month is over.

The pages come from the Jinja2 templates ``archive.html`` and ``archive_index.html``
(a user's ``[output] templates`` folder first, then the package's), which extend
``base.html`` like every other page. Both get ``site``, ``page`` (the page frame, a
:class:`~copro_feeds._publish._page.Page`; a month's page has its posts as
``page.entries``) and ``months`` (:class:`MonthView`, newest first); a month's page also
gets ``month``, ``newer`` and ``older`` (its neighbours, or None).
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from copro_feeds._i18n import SOURCE_LANGUAGE, readable_month, translations
from copro_feeds._plan import ARCHIVE_FOLDER, Archive, ArchiveMonth, FeedHistory
from copro_feeds._publish._html import TemplateError, environment
from copro_feeds._publish._model import FeedContent, FeedInfo
from copro_feeds._publish._page import (
    INDEX_FILE,
    FeedLink,
    Page,
    PageFrames,
    entry_view,
    subscribe_links,
)
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from copro_feeds.types import Attribution

MONTH_TEMPLATE = "archive.html"
LIST_TEMPLATE = "archive_index.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthView:
    """One month as the pages show it: ``title`` ("March 2026"), ``href`` its page
    relative to ``archive/``, ``month`` a ``<time datetime>`` value (``2026-03``),
    ``count`` its posts and ``closed`` True once it is over."""

    title: str
    href: str
    month: str
    count: int
    closed: bool


def subscription_history(archive: Archive) -> FeedHistory | None:
    """The combined feed's link to its newest archive, or None while no month is over."""
    closed = archive.closed
    return FeedHistory(prev_archive=closed[0].folder) if closed else None


def archive_feeds(archive: Archive, site: SiteConfig) -> list[FeedContent]:
    """The archived feed of each month that is over, newest first, each linked to the
    combined feed and to its neighbours; titled in the site's language."""
    language = site.language or SOURCE_LANGUAGE
    words = translations(language)
    closed = archive.closed
    feeds = []
    for index, month in enumerate(closed):
        newer = closed[index - 1].folder if index > 0 else None
        older = closed[index + 1].folder if index + 1 < len(closed) else None
        name = readable_month(month.start, language)
        info = FeedInfo(
            folder=month.folder,
            title=words.gettext("%(site)s: %(month)s") % {"site": site.title, "month": name},
            description=words.gettext("Every post our partners published in %(month)s.")
            % {"month": name},
            history=FeedHistory(archived=True, current="", prev_archive=older, next_archive=newer),
        )
        feeds.append(FeedContent(info=info, entries=month.entries))
    return feeds


def _view(month: ArchiveMonth, language: str) -> MonthView:
    return MonthView(
        title=readable_month(month.start, language),
        href=f"{month.key}/{INDEX_FILE}",
        month=month.key,
        count=len(month.entries),
        closed=month.closed,
    )


def _neighbours(views: Sequence[MonthView], index: int) -> dict[str, MonthView | None]:
    """The months before and after ``views[index]`` (newest first): ``newer``, ``older``."""
    return {
        "newer": views[index - 1] if index > 0 else None,
        "older": views[index + 1] if index + 1 < len(views) else None,
    }


def page_shapes(archive: Archive) -> dict[str, str]:
    """What shapes each month's page beyond its posts, by folder: the month and its
    neighbours (for the publish manifest; the site's language is in its shared digest)."""
    views = [_view(month, SOURCE_LANGUAGE) for month in archive.months]
    return {
        month.folder: repr((views[index], _neighbours(views, index)))
        for index, month in enumerate(archive.months)
    }


def _subscribe(site: SiteConfig, root: str, lang: str) -> tuple[FeedLink, ...]:
    """The combined feed's formats, linked from a page ``root`` below the output folder."""
    links = subscribe_links(FeedInfo(), site, lang)
    return tuple(replace(link, href=root + link.href) for link in links)


def render_archive_pages(
    archive: Archive,
    feeds: Sequence[FeedContent],
    sources: Sequence[Attribution],
    site: SiteConfig,
    *,
    templates: Path | None = None,
    roundup: str | None = None,
    skip: Container[str] = (),
) -> Iterator[tuple[str, bytes]]:
    """The list of months and each month's page (except those in ``skip``), by path
    relative to the output folder.

    Everything must already be cleaned for publishing; ``feeds`` and ``sources`` give
    the partner and topic links every page carries, ``roundup`` the roundup's period word
    when it is on. A template that is missing, broken or uses an undefined variable
    raises PublishError naming it.
    """
    frames = PageFrames(feeds, sources, site, roundup=roundup, archive=True)
    words = translations(frames.lang)
    views = tuple(_view(month, frames.lang) for month in archive.months)
    pages = environment(templates, frames.lang)
    variables: dict[str, Any] = {"site": site, "months": views}
    name = LIST_TEMPLATE
    try:
        frame = frames.frame(ARCHIVE_FOLDER, shown=[source.source_key for source in sources])
        page = _titled(frame, words.gettext("Archive: every month"), site)
        html = pages.get_template(LIST_TEMPLATE).render(variables, page=page)
        yield ARCHIVE_FOLDER + INDEX_FILE, html.encode()
        name = MONTH_TEMPLATE
        template = pages.get_template(MONTH_TEMPLATE)
        for index, (month, view) in enumerate(zip(archive.months, views, strict=True)):
            if month.folder in skip:
                continue
            frame = frames.frame(month.folder, shown=[post.source_key for post in month.entries])
            page = replace(
                _titled(frame, words.gettext("Posts from %(month)s") % {"month": view.title}, site),
                entries=tuple(entry_view(entry, frame.lang) for entry in month.entries),
            )
            neighbours = _neighbours(views, index)
            html = template.render(variables, page=page, month=view, **neighbours)
            yield month.folder + INDEX_FILE, html.encode()
    except TemplateError as error:
        where = getattr(error, "filename", None) or getattr(error, "name", None) or name
        raise PublishError(f"cannot render the archive pages ({where}): {error}") from error


def _titled(frame: Page, heading: str, site: SiteConfig) -> Page:
    """``frame`` with its heading, and the combined feed to follow."""
    return replace(
        frame,
        title=f"{heading} \N{EN DASH} {frame.site_title}",
        heading=heading,
        feeds=_subscribe(site, frame.root, frame.lang),
    )
