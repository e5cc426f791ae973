"""The roundup (``[digest]``) as Atom: ``digest.xml``, one entry per period, via feedgen.

Each entry's content is the roundup as an HTML fragment: a section per partner or per tag
(``<h2>``), and in it, for each post, its title linked to the original (``<h3>``), its
excerpt in a ``<blockquote>`` (not for partners shown as headlines), and the credit line
"Via <partner>" linked to the partner's homepage (every partner, for a post several of
them carried), each with its licence (see ``_model.attribution_html``). Every text is
escaped. An entry's id depends only on the period, so a late post updates its period's
entry instead of adding one. Output is deterministic.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

from copro_feeds._publish._model import (
    attribution_html,
    credits,
    entry_language,
    public_url,
    separators,
)
from copro_feeds._version import __version__
from copro_feeds.config import SiteConfig
from copro_feeds.types import Display, Entry, require_utc

DIGEST_FILE = "digest.xml"
DIGEST_FOLDER = "digest/"
PERIOD_WORDS = {"week": "weekly", "day": "daily"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_GENERATOR_URI = "https://github.com/copro-feeds/copro_feeds"


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


def _host(site: SiteConfig) -> str:
    """The site's host, as in every ``tag:`` id we publish (see ``_model.published_id``)."""
    return urlsplit(site.link).hostname or "localhost"


def roundup_id(every: str, roundup: Roundup, site: SiteConfig) -> str:
    """The roundup's id: ``tag:<site host>,2026:digest/<every>/<first day>``, stable."""
    return f"tag:{_host(site)},2026:digest/{every}/{roundup.start.date().isoformat()}"


def _post_html(entry: Entry, site: SiteConfig) -> str:
    link = html.escape(entry.link or entry.attribution.homepage)
    language = entry_language(entry, site.language)
    lang = f' lang="{html.escape(language)}"' if language else ""
    parts = [f'<h3{lang}><a href="{link}">{html.escape(entry.title)}</a></h3>']
    if entry.excerpt and entry.attribution.display is not Display.HEADLINE:
        excerpt = html.escape(entry.excerpt)
        parts.append(f'<blockquote cite="{link}"{lang}><p>{excerpt}</p></blockquote>')
    parts.append(attribution_html(entry, read_more=False))
    return "\n".join(parts)


def roundup_html(roundup: Roundup, site: SiteConfig) -> str:
    """What feed readers show as the roundup: its sections and posts, every text escaped."""
    parts: list[str] = []
    for section in roundup.sections:
        parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        parts.extend(_post_html(entry, site) for entry in section.entries)
    return "\n".join(parts)


def _summary(roundup: Roundup) -> str:
    names = list(dict.fromkeys(source.name for post in roundup.posts for source in credits(post)))
    partners = "".join(map("".join, zip(separators(len(names)), names, strict=True)))
    count = len(roundup.posts)
    return f"{count} {'post' if count == 1 else 'posts'} from {partners}."


def _add_entry(generator: Any, feed: RoundupFeed, roundup: Roundup, site: SiteConfig) -> None:
    item = generator.add_entry(order="append")
    item.id(roundup_id(feed.every, roundup, site))
    item.title(roundup.title)
    item.link(href=public_url(site, "", roundup.page) or roundup.page, rel="alternate")
    item.published(roundup.end)
    item.updated(roundup.updated)
    item.author({"name": site.author or site.title})
    item.summary(_summary(roundup))
    item.content(roundup_html(roundup, site), type="html")


def render_roundup_atom(
    feed: RoundupFeed, site: SiteConfig, *, now: datetime | None = None
) -> bytes:
    """``digest.xml``: an Atom 1.0 document with one entry per roundup, in the given order.

    Texts must already be XML-safe (see ``clean_entry``). Links are absolute when
    ``[site] feed_url`` is set; otherwise an entry's link is relative to the feed. ``now``
    dates the feed while it has no roundup.
    """
    generator = FeedGenerator()
    self_url = public_url(site, "", DIGEST_FILE)
    generator.id(self_url or f"tag:{_host(site)},2026:digest")
    generator.title(f"{site.title} \N{EM DASH} roundup")
    if self_url:
        generator.link(href=self_url, rel="self")
    pages = public_url(site, DIGEST_FOLDER, "index.html") or f"{DIGEST_FOLDER}index.html"
    generator.link(href=pages, rel="alternate", type="text/html")
    word = PERIOD_WORDS.get(feed.every, feed.every)
    generator.subtitle(
        f"A {word} roundup of our partners' posts, each with a short excerpt and credit."
    )
    generator.author({"name": site.author or site.title})
    if site.language:
        generator.language(site.language)
    generator.generator("copro_feeds", __version__, _GENERATOR_URI)
    generator.updated(max((roundup.updated for roundup in feed.roundups), default=now or _EPOCH))
    for roundup in feed.roundups:
        _add_entry(generator, feed, roundup, site)
    return bytes(generator.atom_str(pretty=True))
