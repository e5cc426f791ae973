"""What every output format shares: which feeds exist, their URLs, entry ids and credit text."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from urllib.parse import urlsplit

from copro_feeds.config import SiteConfig
from copro_feeds.types import Attribution, Entry

ATOM_FILE = "atom.xml"
RSS_FILE = "rss.xml"
JSON_FILE = "feed.json"
OPML_FILE = "sources.opml"
XSL_FILE = "feed.xsl"
FEED_FILES = (ATOM_FILE, RSS_FILE, JSON_FILE)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedInfo:
    """One published feed (in three formats): the combined one, a partner's, or a tag's.

    ``folder`` is where its files go, relative to the output folder: ``""`` for the
    combined feed, ``"sources/<slug>/"`` or ``"tags/<slug>/"``. ``related`` lists the
    other feeds it links to, as (title, folder) pairs.
    """

    folder: str = ""
    title: str | None = None
    description: str | None = None
    related: tuple[tuple[str, str], ...] = ()

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


def public_base(site: SiteConfig) -> str | None:
    """The public URL of the output folder, from ``[site] feed_url`` (None when unset)."""
    return site.feed_url.rsplit("/", 1)[0] + "/" if site.feed_url else None


def public_url(site: SiteConfig, folder: str, name: str) -> str | None:
    """The public URL of an output file, or None without ``[site] feed_url``."""
    base = public_base(site)
    return f"{base}{folder}{name}" if base else None


def stylesheet_href(folder: str) -> str:
    """The relative path from a feed in ``folder`` to the shared XSL stylesheet."""
    return "../" * folder.count("/") + XSL_FILE


def published_id(entry: Entry, site: SiteConfig) -> str:
    """The entry's id in our feeds: ``tag:<site host>,2026:<source key>/<digest of its id>``.

    Stable across runs, and different for two partners that use the same guid.
    """
    host = urlsplit(site.link).hostname or "localhost"
    digest = hashlib.sha256(entry.id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"tag:{host},2026:{entry.source_key}/{digest}"


def _credit_link(source: Attribution) -> str:
    return f'<a href="{html.escape(source.homepage)}">{html.escape(source.name)}</a>'


def attribution_html(entry: Entry) -> str:
    """The visible credit: ``Via <partner> — read the full post`` (links escaped)."""
    via = f"Via {_credit_link(entry.attribution)}"
    if not entry.link:
        return f"<p>{via}</p>"
    return f'<p>{via} — <a href="{html.escape(entry.link)}">read the full post</a></p>'


def entry_html(entry: Entry) -> str:
    """What feed readers show as the entry's content: the excerpt and the credit."""
    excerpt = f"<p>{html.escape(entry.excerpt)}</p>" if entry.excerpt else ""
    return excerpt + attribution_html(entry)
