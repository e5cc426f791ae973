"""The model of each HTML page: what a template gets as ``page``, worked out in full.

Relative links, dates as people read them, each partner's credit and licence, the
subscribe links and the partner and topic lists: everything a page shows is decided here,
so templates (rendered by :mod:`copro_feeds._publish._html`) hold no logic beyond loops
and conditions. Pure: no template engine, no files.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from copro_feeds._i18n import (
    SOURCE_LANGUAGE,
    language_name,
    primary,
    readable_date,
    translations,
)
from copro_feeds._plan import ARCHIVE_FOLDER, DIGEST_FOLDER
from copro_feeds._publish._model import (
    ATOM_FILE,
    JSON_FILE,
    OPML_FILE,
    RSS_FILE,
    VIA_OPML_FILE,
    FeedContent,
    FeedInfo,
    credits,
    entry_language,
    entry_licence,
    full_html,
    licence_of,
    public_url,
    separators,
)
from copro_feeds._publish._roundup import roundup_words
from copro_feeds._text import collapse_whitespace, rebase_headings, xml_safe
from copro_feeds.config import SiteConfig
from copro_feeds.types import Attribution, Display, Enclosure, Entry

INDEX_FILE = "index.html"
CSS_FILE = "style.css"
# Entry titles are h2, so a full post's own headings start at h3.
CONTENT_TOP_HEADING = 3
_SOURCES, _TAGS, _LANGUAGES = "sources/", "tags/", "lang/"


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A link to another page here, relative to this page; ``current`` when it is this one."""

    href: str
    text: str
    current: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Twin:
    """The same page in another of the site's languages: the link, the language's own
    name ("Cymraeg", "English") and its code (for ``hreflang`` and ``lang``)."""

    href: str
    text: str
    lang: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedLink:
    """One way to subscribe: the link, and the public address to copy (None when unknown)."""

    href: str
    text: str
    media_type: str
    address: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    """One partner in an entry's credit line; ``before`` is what precedes its name in the
    list ("", ", " or " and "), ``homepage`` its website as a safe link (or None),
    ``licence`` the licence shown right after its name (in a joint credit only, else
    None)."""

    before: str
    name: str
    homepage: str | None
    licence: str | None = None


# What people call a media type's files; other types show their subtype in capitals.
_FORMAT_NAMES = {
    "audio/mpeg": "MP3", "audio/mp3": "MP3", "audio/mp4": "M4A", "audio/x-m4a": "M4A",
    "audio/aac": "AAC", "audio/ogg": "Ogg", "audio/opus": "Opus", "audio/wav": "WAV",
    "audio/x-wav": "WAV", "audio/flac": "FLAC", "audio/webm": "WebM", "video/mp4": "MP4",
    "video/x-m4v": "M4V", "video/webm": "WebM", "video/ogg": "Ogg", "video/quicktime": "MOV",
    "video/mpeg": "MPEG",
}  # fmt: skip
_SIZE_UNITS = ("KB", "MB", "GB", "TB")


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaView:
    """A plain link to an enclosure: ``kind`` is ``"audio"`` (the page says "Listen") or
    ``"video"`` ("Watch"), ``format`` what people call the file type ("MP3"), ``size``
    its size as people read it ("24 MB"), or None when the partner's feed does not say;
    ``media_type`` the link's advisory ``type``."""

    href: str
    media_type: str
    kind: str
    format: str
    size: str | None


def media_view(enclosure: Enclosure) -> MediaView:
    """How a page links to ``enclosure`` (never a player: a link, with type and size)."""
    subtype = enclosure.type.partition("/")[2].removeprefix("x-")
    return MediaView(
        href=enclosure.url,
        media_type=enclosure.type,
        kind=enclosure.kind,
        format=_FORMAT_NAMES.get(enclosure.type, subtype.upper()),
        size=readable_size(enclosure.length) if enclosure.length else None,
    )


def readable_size(length: int) -> str:
    """Bytes as people read a file's size, in decimal units and symbols that need no
    translation: ``"24 MB"``, ``"1.2 GB"``; whole numbers from 10 up, one decimal below;
    at least ``"1 KB"``."""
    size = max(float(length), 1000.0)
    for unit in _SIZE_UNITS:
        size /= 1000
        if size < 1000 or unit == _SIZE_UNITS[-1]:
            break
    return f"{size:.0f} {unit}" if size >= 10 else f"{size:.1f} {unit}".replace(".0 ", " ")


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryView:
    """One entry as the page shows it.

    ``link`` is the original post, else the partner's homepage, else None. ``partner`` and
    ``partner_homepage`` are the first partner (whose post it is); ``credits`` lists every
    partner that carried it, that one first. ``excerpt`` is empty unless the partner's
    ``display`` is the excerpt; ``content_html`` is the whole post, sanitised, with its
    headings below the entry's title, when it is ``"full"`` (else empty). ``licence`` is
    the partner's licence when it alone is credited, else None (in a joint credit each
    partner's licence is in its :class:`Credit`); ``pinned`` is True for a post an editor
    pinned; ``lang`` is the entry's language when it differs from the page's, else None;
    ``media`` links to its audio and video files.
    """

    title: str
    link: str | None
    partner: str
    partner_homepage: str | None
    credits: tuple[Credit, ...]
    published: str
    published_text: str
    excerpt: str
    content_html: str
    licence: str | None
    pinned: bool
    tags: tuple[str, ...]
    lang: str | None = None
    media: tuple[MediaView, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerView:
    """A partner: its name, its own website, and its page here (None when it has none).

    ``current`` is True on the partner's own page.
    """

    name: str
    homepage: str | None
    page: str | None
    current: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """Everything one page shows, every text safe to publish; links are relative to the page.

    ``root`` is the relative path to the output folder (``""`` or ``"../../"``);
    ``is_home`` is True on the combined feed's page. ``partners`` are the partners the
    page lists (all of them on the main page), ``all_partners`` the link to the full list
    (None on the main page); ``roundup`` links to the roundups when ``[digest]`` is on.
    ``opml`` links to the partners' own feeds (``sources.opml``), ``via_opml`` to our
    feed of each partner (``via.opml``; None without ``[site] feed_url``). ``archive``
    links to the list of months with older posts (None while there are no posts).
    ``twins`` are this page in the site's other languages (``[site] languages``; none
    with one), and ``by_language`` the pages of the posts in each of them
    (``lang/<code>/``).
    """

    lang: str
    site_title: str
    title: str
    heading: str
    description: str
    root: str
    home: str
    is_home: bool
    stylesheet: str
    entries: tuple[EntryView, ...]
    partners: tuple[PartnerView, ...]
    all_partners: str | None
    topics: tuple[Link, ...]
    feeds: tuple[FeedLink, ...]
    opml: FeedLink
    roundup: Link | None
    via_opml: FeedLink | None = None
    archive: Link | None = None
    twins: tuple[Twin, ...] = ()
    by_language: tuple[Link, ...] = ()


def machine_date(moment: datetime) -> str:
    """A valid ``<time datetime>`` value in UTC: ``2026-03-03T08:00:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _web_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (never a ``javascript:`` link)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


@functools.lru_cache(maxsize=4096)  # asked for each entry of the partner's
def _homepage(source: Attribution) -> str | None:
    """The partner's homepage, else the site its feed is on, as a safe link."""
    feed = urlsplit(source.feed_url)
    return _web_url(source.homepage) or _web_url(f"{feed.scheme}://{feed.netloc}/")


def entry_view(entry: Entry, page_lang: str) -> EntryView:
    """What a page in ``page_lang`` shows of ``entry``."""
    homepage = _homepage(entry.attribution)
    names = credits(entry)
    display = entry.attribution.display
    full = display is Display.FULL
    return EntryView(
        title=entry.title,
        link=entry.link or homepage,
        partner=entry.attribution.name,
        partner_homepage=homepage,
        credits=_credits(names, page_lang),
        published=machine_date(entry.published),
        published_text=readable_date(entry.published, page_lang),
        excerpt=entry.excerpt if display is Display.EXCERPT else "",
        content_html=rebase_headings(full_html(entry), CONTENT_TOP_HEADING) if full else "",
        licence=entry_licence(entry),
        pinned=entry.pinned,
        tags=entry.categories,
        lang=entry_language(entry, page_lang),
        media=tuple(media_view(enclosure) for enclosure in entry.enclosures),
    )


@functools.lru_cache(maxsize=4096)  # the same few partners credit most entries
def _credits(names: tuple[Attribution, ...], page_lang: str) -> tuple[Credit, ...]:
    """The partners ``names`` credit, each with its link and, in a joint credit, its
    licence, as a page in ``page_lang`` lists them."""
    joint = len(names) > 1
    return tuple(
        Credit(
            before=before,
            name=_clean(source.name),
            homepage=_homepage(source),
            licence=licence_of(source) if joint else None,
        )
        for before, source in zip(separators(len(names), page_lang), names, strict=True)
    )


def _clean(text: str) -> str:
    """``text`` safe in HTML (as in XML: no control characters or lone surrogates), one line."""
    return collapse_whitespace(xml_safe(text))


def _labels(feeds: Sequence[FeedContent]) -> dict[str, str]:
    """Each feed folder's short name, as the feeds' ``related`` links call it."""
    labels: dict[str, str] = {}
    for feed in feeds:
        for title, folder in feed.info.related:
            labels.setdefault(folder, _clean(title))
    return labels


def subscribe_links(info: FeedInfo, site: SiteConfig, lang: str) -> tuple[FeedLink, ...]:
    """The feed's three formats, linked from the page beside them."""
    words = translations(lang)
    formats = (
        (ATOM_FILE, words.gettext("Atom feed"), "application/atom+xml"),
        (RSS_FILE, words.gettext("RSS feed"), "application/rss+xml"),
        (JSON_FILE, words.gettext("JSON Feed"), "application/feed+json"),
    )
    return tuple(
        FeedLink(
            href=name, text=text, media_type=media, address=public_url(site, info.folder, name)
        )
        for name, text, media in formats
    )


def default_description(lang: str) -> str:
    """The site's description when ``[site] description`` is not set, in ``lang``."""
    return translations(lang).gettext(
        "The newest posts from our partners, most with a short excerpt. "
        "Follow a title to read the full post on the partner's own website."
    )


class PageFrames:
    """Builds the :class:`Page` of each feed, working out once what every page shares.

    The main page lists every partner; a partner's or a tag's page lists only the
    partners whose posts it shows, with a link to the full list, so that rendering every
    page costs time in proportion to the number of partners, not its square.
    ``roundup`` is the roundup's period word ("week", "day") when ``[digest]`` is on;
    ``archive`` is True when there is an archive to link to.
    """

    def __init__(
        self,
        feeds: Sequence[FeedContent],
        sources: Sequence[Attribution],
        site: SiteConfig,
        *,
        roundup: str | None = None,
        archive: bool = False,
    ) -> None:
        self._site = site
        self._labels = _labels(feeds)
        self._archive = archive
        folders = frozenset(feed.info.folder for feed in feeds)
        # Each partner as every page shows it; ``page`` is set per page (it is relative).
        self._partners = {
            source.source_key: PartnerView(name=source.name, homepage=_homepage(source), page=None)
            for source in sources
        }
        self._with_page = {key for key in self._partners if _source_folder(key) in folders}
        self._tags = [feed.info.folder for feed in feeds if feed.info.folder.startswith(_TAGS)]
        self._by_language = [
            feed.info.folder for feed in feeds if feed.info.folder.startswith(_LANGUAGES)
        ]
        self._roundup = roundup
        self.lang = site.language or SOURCE_LANGUAGE
        self._words = translations(self.lang)

    def page(self, feed: FeedContent) -> Page:
        """The page beside ``feed`` (its folder's ``index.html``)."""
        info = feed.info
        site_title = _clean(self._site.title)
        heading = (
            self._labels.get(info.folder, _clean(info.title_for(self._site)))
            if info.folder
            else site_title
        )
        return replace(
            self.frame(info.folder, shown=[entry.source_key for entry in feed.entries]),
            title=heading if not info.folder else f"{heading} \N{EN DASH} {site_title}",
            heading=heading,
            description=_clean(
                info.description or self._site.description or default_description(self.lang)
            ),
            entries=tuple(entry_view(entry, self.lang) for entry in feed.entries),
            feeds=subscribe_links(info, self._site, self.lang),
        )

    def frame(self, folder: str, *, shown: Sequence[str] = ()) -> Page:
        """A page in ``folder`` without entries or feeds of its own; ``shown`` are the
        source keys of the partners it lists (every partner on the main page)."""
        root = "../" * folder.count("/")
        site_title = _clean(self._site.title)
        keys = (
            self._partners
            if not folder
            else dict.fromkeys(
                key for key in (*_own_source(folder), *shown) if key in self._partners
            )
        )
        partners = tuple(
            replace(
                self._partners[key],
                page=f"{root}{_source_folder(key)}{INDEX_FILE}" if key in self._with_page else None,
                current=folder == _source_folder(key),
            )
            for key in keys
        )
        return Page(
            lang=self.lang,
            site_title=site_title,
            title=site_title,
            heading=site_title,
            description=_clean(self._site.description or default_description(self.lang)),
            root=root,
            home=f"{root}{INDEX_FILE}",
            is_home=not folder,
            stylesheet=f"{root}{CSS_FILE}",
            entries=(),
            partners=partners,
            all_partners=f"{root}{INDEX_FILE}#partners" if folder else None,
            topics=tuple(
                Link(
                    href=f"{root}{tag}{INDEX_FILE}",
                    text=self._labels.get(tag, tag),
                    current=tag == folder,
                )
                for tag in self._tags
            ),
            by_language=tuple(
                Link(
                    href=f"{root}{language}{INDEX_FILE}",
                    text=self._labels.get(language, language),
                    current=language == folder,
                )
                for language in self._by_language
            ),
            feeds=(),
            opml=FeedLink(
                href=f"{root}{OPML_FILE}",
                text=self._words.gettext("the list of partners (OPML file)"),
                media_type="text/x-opml",
                address=public_url(self._site, "", OPML_FILE),
            ),
            roundup=_roundup_link(self._roundup, root, self.lang),
            via_opml=FeedLink(
                href=f"{root}{VIA_OPML_FILE}",
                text=self._words.gettext("the list of our feeds of each partner (OPML file)"),
                media_type="text/x-opml",
                address=public_url(self._site, "", VIA_OPML_FILE),
            )
            if self._site.feed_url
            else None,
            archive=Link(
                href=f"{root}{ARCHIVE_FOLDER}{INDEX_FILE}", text=self._words.gettext("Archive")
            )
            if self._archive
            else None,
            twins=self.twins(folder),
        )

    def twins(self, folder: str, name: str = INDEX_FILE) -> tuple[Twin, ...]:
        """Links from the page ``name`` in ``folder`` to the same page in the site's other
        languages: the first language's is at the top of the output folder, each other's
        in its ``<code>/`` folder there."""
        languages = self._site.languages
        here = primary(self.lang)
        if len(languages) < 2 or here not in languages:
            return ()
        top = "../" * folder.count("/") + ("" if here == languages[0] else "../")
        return tuple(
            Twin(
                href=f"{top}{'' if code == languages[0] else code + '/'}{folder}{name}",
                text=language_name(code, code),
                lang=code,
            )
            for code in languages
            if code != here
        )


def _roundup_link(every: str | None, root: str, lang: str) -> Link | None:
    if every is None:
        return None
    return Link(href=f"{root}{DIGEST_FOLDER}{INDEX_FILE}", text=roundup_words(every, lang).name)


def _source_folder(key: str) -> str:
    """A partner's folder: ``sources/<key>/``."""
    return f"{_SOURCES}{key}/"


def _own_source(folder: str) -> tuple[str, ...]:
    """The source key of a partner's folder (``sources/<key>/``), else nothing."""
    if folder.startswith(_SOURCES):
        return (folder.removeprefix(_SOURCES).rstrip("/"),)
    return ()
