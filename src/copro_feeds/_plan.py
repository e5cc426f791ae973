"""What the deciders hand the publisher: the plan of a publish, as frozen data only.

``_select`` plans the feeds (:class:`FeedContent`) and ``_roundup_plan`` the roundup
(:class:`RoundupFeed`); ``_publish`` renders them. Both sides import this module and
neither imports the other, so deciding what to publish never loads a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from copro_feeds.config import SiteConfig
from copro_feeds.types import Entry, require_utc

DIGEST_FOLDER = "digest/"


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
    claims 1970.
    """

    folder: str = ""
    title: str | None = None
    description: str | None = None
    related: tuple[tuple[str, str], ...] = ()
    updated: datetime | None = None

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
