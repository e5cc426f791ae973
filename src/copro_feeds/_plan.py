"""What the deciders hand the publisher: the plan of a publish, as frozen data only.

``_select`` plans the feeds (:class:`FeedContent`), ``_roundup_plan`` the roundup
(:class:`RoundupFeed`) and ``_archive_plan`` the monthly archive (:class:`Archive`);
``_publish`` renders them. Both sides import this module and
neither imports the other, so deciding what to publish never loads a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from copro_feeds.config import SiteConfig
from copro_feeds.types import Entry, require_utc

DIGEST_FOLDER = "digest/"
ARCHIVE_FOLDER = "archive/"
ARCHIVE_PAGE_SIZE = 100  # posts on each page of an archive month (and in each archived feed)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedHistory:
    """A feed document's place in its feed's history (RFC 5005 archived feeds), as
    folders relative to the output folder (``""`` is the combined feed's).

    ``archived`` is True for an archive document (``fh:archive``); ``current`` is the
    folder of the subscription feed it belongs to (archives only); ``prev_archive`` the
    next older archive and ``next_archive`` the next newer one (None at either end).
    """

    archived: bool = False
    current: str | None = None
    prev_archive: str | None = None
    next_archive: str | None = None

    def links(self) -> tuple[tuple[str, str], ...]:
        """The ``(rel, folder)`` pairs to link: ``current``, ``prev-archive``,
        ``next-archive``, those that are set, in that order."""
        pairs = (
            ("current", self.current),
            ("prev-archive", self.prev_archive),
            ("next-archive", self.next_archive),
        )
        return tuple((rel, folder) for rel, folder in pairs if folder is not None)


def language_site(site: SiteConfig, code: str) -> SiteConfig:
    """The site as published in language ``code`` (one of ``[site] languages``): the site
    itself for the first language, at the root; for the others, the same site in ``code``
    under ``<code>/``, its public addresses there too."""
    if not site.languages or code == site.languages[0]:
        return site
    feed_url = None
    if site.feed_url:
        base, _, name = site.feed_url.rpartition("/")
        feed_url = f"{base}/{code}/{name}"
    return replace(site, language=code, feed_url=feed_url)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedInfo:
    """One published feed (in three formats): the combined one, a partner's, or a tag's.

    ``folder`` is where its files go, relative to the output folder: ``""`` for the
    combined feed, ``"sources/<slug>/"`` or ``"tags/<slug>/"``. ``related`` lists the
    other feeds it links to, as (title, folder) pairs. ``updated`` dates the feed while it
    has no entries (the publisher sets the time of the publish): an empty feed never
    claims 1970. ``history`` links the document to the other documents of its feed's
    history (RFC 5005), when it has any.
    """

    folder: str = ""
    title: str | None = None
    description: str | None = None
    related: tuple[tuple[str, str], ...] = ()
    updated: datetime | None = None
    history: FeedHistory | None = None

    def title_for(self, site: SiteConfig) -> str:
        """This feed's title: its own, else the site's."""
        return self.title or site.title

    def description_for(self, site: SiteConfig) -> str:
        """This feed's description: its own, else the site's, else its title."""
        return self.description or site.description or self.title_for(site)


MAIN_FEED = FeedInfo()


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedContent:
    """A feed and the entries it publishes, newest first."""

    info: FeedInfo
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundupSection:
    """One group of a roundup: a partner's posts, or a tag's; newest first."""

    heading: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Roundup:
    """One period's roundup: from ``start`` (inclusive) to ``end`` (exclusive), both
    midnight UTC; ``posts`` are every post of the period once, newest first, and
    ``sections`` the same posts grouped (a post may be in several tag sections)."""

    start: datetime
    end: datetime
    title: str
    posts: tuple[Entry, ...]
    sections: tuple[RoundupSection, ...]

    def __post_init__(self) -> None:
        require_utc(self.start, "start")
        require_utc(self.end, "end")
        if not self.posts:
            raise ValueError("a roundup needs at least one post")

    @property
    def last_day(self) -> datetime:
        """The first instant of the period's last day."""
        return self.end - timedelta(days=1)

    @property
    def updated(self) -> datetime:
        """The period's end, or the latest published or updated time of its posts when that
        is later (an edit after the period ended moves it)."""
        return max(self.end, *(max(post.published, post.updated) for post in self.posts))

    @property
    def page(self) -> str:
        """Its page, relative to the output folder: ``digest/<first day>.html``."""
        return f"{DIGEST_FOLDER}{self.start.date().isoformat()}.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundupFeed:
    """The roundup feed: the length of a period (``"week"`` or ``"day"``) and the
    periods to publish, newest first."""

    every: str
    roundups: tuple[Roundup, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveMonth:
    """One calendar month (UTC) of the combined feed's posts, newest first.

    ``start`` is midnight UTC on its first day and ``end`` on the next month's first day.
    ``closed`` is True once the month is over: only then are its archive feeds published
    (their content is then stable); until then it has a page only.
    """

    start: datetime
    end: datetime
    closed: bool
    entries: tuple[Entry, ...]

    def __post_init__(self) -> None:
        require_utc(self.start, "start")
        require_utc(self.end, "end")

    @property
    def key(self) -> str:
        """``YYYY-MM``: its name in URLs."""
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def folder(self) -> str:
        """Its folder, relative to the output folder: ``archive/YYYY-MM/``."""
        return f"{ARCHIVE_FOLDER}{self.key}/"

    @property
    def pages(self) -> tuple[ArchivePage, ...]:
        """Its posts in pages of ``ARCHIVE_PAGE_SIZE``, newest first.

        Pages are counted from the month's oldest post: page 1 holds the oldest posts and
        every page but the newest is full, so a post arriving at the newest end changes
        the newest page only (and, when that page is full, starts a new one)."""
        count = len(self.entries)
        total = max(1, -(-count // ARCHIVE_PAGE_SIZE))
        return tuple(
            ArchivePage(
                key=self.key,
                number=number,
                newest=number == total,
                entries=self.entries[
                    max(0, count - number * ARCHIVE_PAGE_SIZE) : count
                    - (number - 1) * ARCHIVE_PAGE_SIZE
                ],
            )
            for number in range(total, 0, -1)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchivePage:
    """One page of an archive month (``key``, ``YYYY-MM``): its posts, newest first.

    ``number`` counts from the month's oldest posts (page 1); ``newest`` is True for the
    page with the month's newest posts, which is published as the month itself
    (``archive/YYYY-MM/``); the others are ``archive/YYYY-MM/<number>/``.
    """

    key: str
    number: int
    newest: bool
    entries: tuple[Entry, ...]

    @property
    def folder(self) -> str:
        """Its folder, relative to the output folder."""
        month = f"{ARCHIVE_FOLDER}{self.key}/"
        return month if self.newest else f"{month}{self.number}/"


@dataclass(frozen=True, slots=True, kw_only=True)
class Archive:
    """The combined feed's history: every month that has posts, newest first."""

    months: tuple[ArchiveMonth, ...]

    @property
    def closed(self) -> tuple[ArchiveMonth, ...]:
        """The months that are over (those with archive feeds), newest first."""
        return tuple(month for month in self.months if month.closed)
