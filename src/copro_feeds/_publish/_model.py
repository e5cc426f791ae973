"""What every output format shares: which feeds exist, their URLs, entry ids and credit text.

How much of a post is republished follows its partner's ``display`` (see
:class:`~copro_feeds.types.Display`): the excerpt, the title alone, or the whole sanitised
post; the credit line always follows. The credit names every partner that carried the
post ("Via Scope and the Scottish Co-production Network"), each licence with the partner
it belongs to, then the link to the full post: "Via Scope — licence: CC BY 4.0 — read the
full post" for one partner, "Via Scope (licence: CC BY 4.0) and Cee — read the full post"
for a joint credit (a licence never seems to cover partners it is not theirs).
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import html
import posixpath
from urllib.parse import urlsplit

from copro_feeds._i18n import SOURCE_LANGUAGE, translations
from copro_feeds._plan import MAIN_FEED, FeedContent, FeedInfo
from copro_feeds._text import collapse_whitespace, sanitise_html, xml_safe
from copro_feeds.config import SiteConfig
from copro_feeds.types import Attribution, Display, Entry

ATOM_FILE = "atom.xml"
RSS_FILE = "rss.xml"
JSON_FILE = "feed.json"
OPML_FILE = "sources.opml"
VIA_OPML_FILE = "via.opml"
XSL_FILE = "feed.xsl"
CREDIT_NS = "https://github.com/copro-feeds/copro_feeds/ns/credit"
"""The namespace of ``<copro:via>``, our machine-readable credit in Atom and RSS entries
(one element per partner credited: ``href`` its website, ``licence`` when it has one,
the partner's name as text). ``feed.xsl`` reads the credit from these elements only."""
HISTORY_NS = "http://purl.org/syndication/history/1.0"
"""RFC 5005's namespace: ``<fh:archive/>`` marks an archive document."""
FEED_FILES = (ATOM_FILE, RSS_FILE, JSON_FILE)
__all__ = ["MAIN_FEED", "FeedContent", "FeedInfo"]  # the plan's types, re-exported


def public_base(site: SiteConfig) -> str | None:
    """The public URL of the output folder, from ``[site] feed_url`` (None when unset)."""
    return site.feed_url.rsplit("/", 1)[0] + "/" if site.feed_url else None


def public_url(site: SiteConfig, folder: str, name: str) -> str | None:
    """The public URL of an output file, or None without ``[site] feed_url``."""
    base = public_base(site)
    return f"{base}{folder}{name}" if base else None


def linked_url(site: SiteConfig, here: str, folder: str, name: str) -> str:
    """The URL of the file ``name`` in ``folder`` as linked from a document in ``here``:
    absolute with ``[site] feed_url``, else relative to ``here``."""
    return public_url(site, folder, name) or posixpath.relpath(folder + name, here or ".")


def stylesheet_href(folder: str) -> str:
    """The relative path from a feed in ``folder`` to the shared XSL stylesheet."""
    return "../" * folder.count("/") + XSL_FILE


def published_id(entry: Entry, site: SiteConfig) -> str:
    """The entry's id in our feeds: ``tag:<site host>,2026:<source key>/<digest of its id>``.

    Stable across runs, and different for two partners that use the same guid.
    """
    host = _host(site.link)
    digest = hashlib.sha256(entry.id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"tag:{host},2026:{entry.source_key}/{digest}"


@functools.lru_cache(maxsize=64)
def _host(link: str) -> str:
    """The host of the site's link (parsed once per site, not once per entry)."""
    return urlsplit(link).hostname or "localhost"


def credits(entry: Entry) -> tuple[Attribution, ...]:
    """Every partner credited for ``entry``: its own first, then ``also_via``."""
    return (entry.attribution, *entry.also_via)


def separators(count: int, language: str | None) -> tuple[str, ...]:
    """What goes before each of ``count`` names in a list, in ``language``: ``A``,
    ``A and B``, ``A, B and C`` (``A, B a C`` in Welsh)."""
    last = translations(language or SOURCE_LANGUAGE).gettext(" and ")
    return tuple("" if i == 0 else last if i == count - 1 else ", " for i in range(count))


def licence_of(source: Attribution) -> str | None:
    """The partner's licence as published (XML-safe, one line), or None."""
    return _published_licence(source.licence) if source.licence else None


@functools.lru_cache(maxsize=1024)  # a few licences, asked for by every entry of every format
def _published_licence(licence: str) -> str | None:
    return collapse_whitespace(xml_safe(licence)) or None


def entry_licence(entry: Entry) -> str | None:
    """The licence shown apart from the partners' names: the partner's, when it alone is
    credited (in a joint credit each licence goes with its partner instead)."""
    return None if entry.also_via else licence_of(entry.attribution)


@functools.lru_cache(maxsize=4096)  # the same few partners credit most entries
def _credit_html(names: tuple[Attribution, ...], language: str | None) -> str:
    """``Via`` and the partners ``names`` credit, linked, with the licences, in
    ``language``: ``Via Scope — licence: CC BY 4.0`` or ``Via Scope (licence: CC BY 4.0)
    and Cee`` (each licence with its partner in a joint credit)."""
    words = translations(language or SOURCE_LANGUAGE)
    joint = len(names) > 1
    via = "".join(
        before + _credit_link(source, words, joint=joint)
        for before, source in zip(separators(len(names), language), names, strict=True)
    )
    parts = [_words(words, "Via") + " " + via]
    licence = None if joint else licence_of(names[0])
    if licence:
        parts.append(_words(words, "licence: %(licence)s", licence=licence))
    return " — ".join(parts)


def _credit_link(source: Attribution, words: gettext.NullTranslations, *, joint: bool) -> str:
    link = f'<a href="{html.escape(source.homepage)}">{html.escape(source.name)}</a>'
    licence = licence_of(source) if joint else None
    if not licence:
        return link
    return f"{link} ({_words(words, 'licence: %(licence)s', licence=licence)})"


def _words(words: gettext.NullTranslations, message: str, **values: str) -> str:
    """``message`` in the catalogue's language, as HTML, with ``values`` escaped into it."""
    escaped = {name: html.escape(value) for name, value in values.items()}
    return html.escape(words.gettext(message), quote=False) % escaped


def attribution_html(entry: Entry, language: str | None, *, read_more: bool = True) -> str:
    """The visible credit in ``language`` (the feed's), links escaped: ``Via Scope —
    licence: CC BY 4.0 — read the full post``, or with several partners ``Via Scope
    (licence: CC BY 4.0) and Cee — read the full post`` (licences and the link only when
    there are; no link without ``read_more``). Marked ``lang`` when the entry is in another
    language: our words stay in the feed's."""
    words = translations(language or SOURCE_LANGUAGE)
    parts = [_credit_html(credits(entry), language)]
    if read_more and entry.link:
        more = _words(words, "read the full post")
        parts.append(f'<a href="{html.escape(entry.link)}">{more}</a>')
    lang = (
        f' lang="{html.escape(language)}"' if entry_language(entry, language) and language else ""
    )
    return f"<p{lang}>{' — '.join(parts)}</p>"


def full_html(entry: Entry) -> str:
    """The whole post as safe HTML: sanitised again, as it is published whole (posts
    stored before a sanitiser fix get the fix too)."""
    return sanitise_html(entry.content_html)


def entry_html(entry: Entry, language: str | None) -> str:
    """What feed readers show as the entry's content: the post as far as its partner's
    ``display`` allows (the excerpt, nothing, or the whole post), then the credit in
    ``language`` (the feed's)."""
    display = entry.attribution.display
    if display is Display.FULL:
        body = full_html(entry)
    elif display is Display.EXCERPT and entry.excerpt:
        body = f"<p>{html.escape(entry.excerpt)}</p>"
    else:
        body = ""
    return body + attribution_html(entry, language)


def entry_summary(entry: Entry) -> str | None:
    """The plain-text summary: the excerpt, or None when only the headline is shown."""
    if entry.attribution.display is Display.HEADLINE:
        return None
    return entry.excerpt


def _primary(language: str | None) -> str:
    return (language or "").split("-", 1)[0].lower()


def entry_language(entry: Entry, feed_language: str | None) -> str | None:
    """The entry's language when it is another language than the feed's, else None.

    Only the primary language counts: ``cy`` in an ``en-GB`` feed is marked, ``en-US``
    is not (WordPress says ``en-US`` by default, whatever the blog's English).
    """
    if entry.language and _primary(entry.language) != _primary(feed_language):
        return entry.language
    return None
