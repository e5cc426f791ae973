"""The combined feed's archive: each month with posts in pages of ``ARCHIVE_PAGE_SIZE``
posts, a list of the months, and RFC 5005 archived feeds for each page of a month that
is over.

Files (under ``[output] dir``)::

    archive/index.html                     every month, newest first
    archive/<YYYY-MM>/index.html           the month's newest page (from its first post on)
    archive/<YYYY-MM>/atom.xml  rss.xml  feed.json   (once the month is over)
    archive/<YYYY-MM>/<n>/index.html  atom.xml  rss.xml  feed.json   its older pages

Pages are counted from a month's oldest post (page 1), every page but the newest is
full, and the newest is the month's own folder: a post arriving at the newest end
changes the newest page only, and when that page is full it moves to ``<n>/`` and a new
newest page starts (only the page before it then gains a link). A page's files depend
on its posts, its number, the month's and its neighbours' names and the documents its
feeds link: not on how many pages there are (only the newest page says "page n of n"),
so the manifest skips every other page.

Each page of a month that is over is an archived document: the combined feed links the
newest page of the newest such month (``prev-archive``); each page links the combined
feed (``current``) and its older and newer neighbours (``prev-archive``,
``next-archive``, across months too), so a client can walk back to the oldest post (see
``_feedgen`` and ``_jsonfeed`` for each format). A page's feeds change only when its
posts do, except that the newest archived page gains its ``next-archive`` link when the
next month is over (or a new page starts after it).

The pages come from the Jinja2 templates ``archive.html`` and ``archive_index.html``
(a user's ``[output] templates`` folder first, then the package's), which extend
``base.html`` like every other page. Both get ``site``, ``page`` (the page frame, a
:class:`~copro_feeds._publish._page.Page`; a month's page has its posts as
``page.entries``) and ``months`` (:class:`MonthView`, newest first); a month's page also
gets ``month``, ``newer`` and ``older`` (its neighbours, or None), ``up`` (the way from
it to ``archive/``) and ``pages`` (a :class:`PageNav`, or None in a month of one page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from copro_feeds._i18n import SOURCE_LANGUAGE, readable_month, translations
from copro_feeds._plan import ARCHIVE_FOLDER, Archive, ArchivePage, FeedHistory
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
from copro_feeds.types import Attribution, Entry

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


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthCount:
    """What the archive's pages say of a month besides its posts: its ``key``
    (``YYYY-MM``), ``start``, ``count`` of posts and whether it is ``closed`` (over).
    Sent to the render workers instead of the months' posts."""

    key: str
    start: datetime
    count: int
    closed: bool


def month_counts(archive: Archive) -> tuple[MonthCount, ...]:
    """Every month of ``archive``, newest first, without its posts."""
    return tuple(
        MonthCount(key=month.key, start=month.start, count=len(month.entries), closed=month.closed)
        for month in archive.months
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PageNav:
    """A page's place among its month's pages, with links relative to it: ``number``
    (page 1 holds the oldest posts), ``total`` (how many pages: said on the newest page
    only), ``here`` the page itself, and ``newest``, ``newer``, ``older``, ``oldest``
    (None where there is no such page, or where another of these links goes there)."""

    number: int
    total: int | None
    here: str
    newest: str | None
    newer: str | None
    older: str | None
    oldest: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveDocument:
    """One page of a month, with everything besides its posts that shapes its files:
    ``closed`` (its month is over),
    ``next_is_newest`` (the next newer page is the month's newest, at the month's own
    folder), the neighbouring months' keys and, once the month is over, the folders of
    the newer and older archived documents its feeds link."""

    page: ArchivePage
    closed: bool
    next_is_newest: bool
    newer_month: str | None
    older_month: str | None
    newer_document: str | None = None
    older_document: str | None = None


def archive_documents(archive: Archive) -> list[ArchiveDocument]:
    """Every page of every month, newest first, each with its neighbours."""
    months = archive.months
    documents: list[ArchiveDocument] = []
    for index, month in enumerate(months):
        pages = month.pages
        documents.extend(
            ArchiveDocument(
                page=page,
                closed=month.closed,
                next_is_newest=page.number + 1 == len(pages),
                newer_month=months[index - 1].key if index > 0 else None,
                older_month=months[index + 1].key if index + 1 < len(months) else None,
            )
            for page in pages
        )
    closed = [index for index, document in enumerate(documents) if document.closed]
    for place, index in enumerate(closed):
        newer = documents[closed[place - 1]].page.folder if place > 0 else None
        older = documents[closed[place + 1]].page.folder if place + 1 < len(closed) else None
        documents[index] = replace(documents[index], newer_document=newer, older_document=older)
    return documents


def open_pages(archive: Archive) -> set[str]:
    """The folders of the pages of months not over yet: a page each, no feeds."""
    return {page.folder for month in archive.months if not month.closed for page in month.pages}


def subscription_history(archive: Archive) -> FeedHistory | None:
    """The combined feed's link to its newest archive, or None while no month is over."""
    closed = archive.closed
    return FeedHistory(prev_archive=closed[0].folder) if closed else None


def archived_feed(
    document: ArchiveDocument, entries: Sequence[Entry], site: SiteConfig
) -> FeedContent:
    """The archived feed of a page of a month that is over (``entries``, its posts as
    they are to be published), linked to the combined feed and to its neighbours; titled
    in the site's language."""
    language = site.language or SOURCE_LANGUAGE
    words = translations(language)
    page = document.page
    name = readable_month(_start(page.key), language)
    title = words.gettext("%(site)s: %(month)s") % {"site": site.title, "month": name}
    if not page.newest:
        title = words.gettext("%(site)s: %(month)s, page %(number)s") % {
            "site": site.title,
            "month": name,
            "number": page.number,
        }
    info = FeedInfo(
        folder=page.folder,
        title=title,
        description=words.gettext("Every post our partners published in %(month)s.")
        % {"month": name},
        history=FeedHistory(
            archived=True,
            current="",
            prev_archive=document.older_document,
            next_archive=document.newer_document,
        ),
    )
    return FeedContent(info=info, entries=tuple(entries))


def _start(key: str) -> datetime:
    year, month = key.split("-")
    return datetime(int(year), int(month), 1, tzinfo=UTC)


def _view(month: MonthCount, language: str) -> MonthView:
    return MonthView(
        title=readable_month(month.start, language),
        href=f"{month.key}/{INDEX_FILE}",
        month=month.key,
        count=month.count,
        closed=month.closed,
    )


def _page_nav(document: ArchiveDocument) -> PageNav | None:
    """The links between the pages of ``document``'s month; None in a month of one page."""
    page = document.page
    if page.newest and page.number == 1:
        return None
    month = "" if page.newest else "../"  # from the page to the month's own folder

    def href(number: int) -> str:
        return f"{month}{number}/{INDEX_FILE}"

    newest = f"{month}{INDEX_FILE}"
    newer = None if page.newest else newest if document.next_is_newest else href(page.number + 1)
    older = href(page.number - 1) if page.number > 1 else None
    return PageNav(
        number=page.number,
        total=page.number if page.newest else None,
        here=INDEX_FILE,
        newest=None if page.newest or newer == newest else newest,
        newer=newer,
        older=older,
        oldest=href(1) if page.number > 2 else None,
    )


def _subscribe(site: SiteConfig, root: str, lang: str) -> tuple[FeedLink, ...]:
    """The combined feed's formats, linked from a page ``root`` below the output folder."""
    links = subscribe_links(FeedInfo(), site, lang)
    return tuple(replace(link, href=root + link.href) for link in links)


class ArchivePages:
    """Renders the archive's HTML pages: the list of ``months`` (newest first), and each
    month's pages.

    Everything must already be cleaned for publishing; ``feeds`` and ``sources`` give
    the partner and topic links every page carries, ``roundup`` the roundup's period word
    when it is on. A template that is missing, broken or uses an undefined variable
    raises PublishError naming it.
    """

    def __init__(
        self,
        months: Sequence[MonthCount],
        feeds: Sequence[FeedContent],
        sources: Sequence[Attribution],
        site: SiteConfig,
        *,
        templates: Path | None = None,
        roundup: str | None = None,
    ) -> None:
        self._frames = PageFrames(feeds, sources, site, roundup=roundup, archive=True)
        self._words = translations(self._frames.lang)
        self._views = tuple(_view(month, self._frames.lang) for month in months)
        self._by_key = {view.month: view for view in self._views}
        self._sources = sources
        self._site = site
        self._pages = environment(templates, self._frames.lang)

    def month_list(self) -> tuple[str, bytes]:
        """``archive/index.html``: every month, newest first."""
        frame = self._frames.frame(
            ARCHIVE_FOLDER, shown=[source.source_key for source in self._sources]
        )
        page = _titled(frame, self._words.gettext("Archive: every month"), self._site)
        html = self._render(LIST_TEMPLATE, page=page)
        return ARCHIVE_FOLDER + INDEX_FILE, html

    def page(self, document: ArchiveDocument, entries: Sequence[Entry]) -> tuple[str, bytes]:
        """A page of a month (``entries``: its posts as they are to be published)."""
        folder = document.page.folder
        view = self._by_key[document.page.key]
        frame = self._frames.frame(folder, shown=[post.source_key for post in entries])
        heading = self._words.gettext("Posts from %(month)s") % {"month": view.title}
        nav = _page_nav(document)
        if nav is not None and nav.total is not None:
            heading = self._words.gettext("Posts from %(month)s, page %(number)s of %(total)s") % {
                "month": view.title,
                "number": nav.number,
                "total": nav.total,
            }
        elif nav is not None:
            heading = self._words.gettext("Posts from %(month)s, page %(number)s") % {
                "month": view.title,
                "number": nav.number,
            }
        page = replace(
            _titled(frame, heading, self._site),
            entries=tuple(entry_view(entry, frame.lang) for entry in entries),
        )
        neighbours = {
            "newer": self._by_key[document.newer_month] if document.newer_month else None,
            "older": self._by_key[document.older_month] if document.older_month else None,
        }
        html = self._render(
            MONTH_TEMPLATE,
            page=page,
            month=view,
            up="../" * (folder.count("/") - 1),
            pages=nav,
            **neighbours,
        )
        return folder + INDEX_FILE, html

    def _render(self, name: str, **variables: Any) -> bytes:
        try:
            template = self._pages.get_template(name)
            html = template.render(site=self._site, months=self._views, **variables)
        except TemplateError as error:
            where = getattr(error, "filename", None) or getattr(error, "name", None) or name
            raise PublishError(f"cannot render the archive pages ({where}): {error}") from error
        return html.encode()


def _titled(frame: Page, heading: str, site: SiteConfig) -> Page:
    """``frame`` with its heading, and the combined feed to follow."""
    return replace(
        frame,
        title=f"{heading} \N{EN DASH} {frame.site_title}",
        heading=heading,
        feeds=_subscribe(site, frame.root, frame.lang),
    )
