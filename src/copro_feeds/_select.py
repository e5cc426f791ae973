"""Pure: which entries each published feed holds, and in what order.

The combined feed: every source's entries that pass its filters, one per post (see
``_dedupe``; the winner credits the other partners in ``also_via``). A partner's feed:
that partner's entries that pass its filters. A tag's feed: the combined selection over
the sources carrying that tag.

A post is every copy with the same link, and, with ``reposts`` (``[output]
repost_similarity``), every copy another partner reposted under another link (see
``_dedupe.find_posts``), decided once over all the entries given.

Editors' marks apply to posts, not single copies: hiding any copy of a post (any entry of
its duplicate group) removes every copy from every feed; pinning any copy pins the post.
Each feed lists its pinned posts first, the latest pin first, then the rest newest first.
``limit`` never cuts a pinned post: it only limits how many others fill the feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from copro_feeds._dedupe import (
    Homepages,
    PostKey,
    Posts,
    find_posts,
    homepages_of,
    newest_first,
    one_per_post,
)
from copro_feeds._filter import passes_filters
from copro_feeds._i18n import SOURCE_LANGUAGE, language_name, primary, translations
from copro_feeds._plan import FeedContent, FeedInfo
from copro_feeds._types import EditorialMarks
from copro_feeds.config import REPOST_SIMILARITY, SiteConfig, SourceConfig, slugify
from copro_feeds.types import Entry

_NO_MARKS = EditorialMarks()


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


def language_folder(code: str) -> str:
    """Where the feeds of posts in one of the site's languages go: ``lang/<code>/``."""
    return f"lang/{code}/"


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


def _hidden_posts(
    entries: Iterable[Entry], marks: EditorialMarks, posts: Posts
) -> frozenset[PostKey]:
    """The posts taken down: those with any hidden entry."""
    return frozenset(
        posts.key(entry) for entry in entries if (entry.source_key, entry.id) in marks.hidden
    )


def _pinned_posts(
    entries: Iterable[Entry], marks: EditorialMarks, posts: Posts
) -> dict[PostKey, datetime]:
    """Each pinned post and its latest pin (a post is pinned when any entry of it is)."""
    pins: dict[PostKey, datetime] = {}
    for entry in entries:
        pinned_at = marks.pinned.get((entry.source_key, entry.id))
        if pinned_at is not None:
            key = posts.key(entry)
            pins[key] = max(pins.get(key, pinned_at), pinned_at)
    return pins


def _pinned_first(
    entries: Iterable[Entry], pins: Mapping[PostKey, datetime], limit: int | None, posts: Posts
) -> list[Entry]:
    """Pinned entries first (latest pin first, marked ``pinned``), then the newest others.

    Every pinned entry stays; the others fill the feed up to ``limit`` (None: all of them).
    """
    pinned: list[Entry] = []
    others = newest_first(entries)
    if pins:  # most publishes have no pinned post: nothing to set apart
        pinned = [entry for entry in others if posts.key(entry) in pins]
        others = [entry for entry in others if posts.key(entry) not in pins]
    pinned.sort(key=lambda entry: -pins[posts.key(entry)].timestamp())  # stable: newest
    room = len(others) if limit is None else max(limit - len(pinned), 0)
    return [replace(entry, pinned=True) for entry in pinned] + others[:room]


def _visible(
    entries: Sequence[Entry], sources: Sequence[SourceConfig], marks: EditorialMarks, posts: Posts
) -> list[Entry]:
    """The entries that pass their source's filters, from posts nobody hid."""
    hidden = _hidden_posts(entries, marks, posts)
    return [entry for entry in kept_entries(entries, sources) if posts.key(entry) not in hidden]


def configured_homepages(sources: Sequence[SourceConfig]) -> Homepages:
    """The homepages set in feeds.toml, by source key (they decide whose site a link is on)."""
    return homepages_of({source.key: source.homepage for source in sources if source.homepage})


def _posts(
    entries: Iterable[Entry],
    limit: int | None,
    pins: Mapping[PostKey, datetime],
    homepages: Homepages,
    posts: Posts,
) -> list[Entry]:
    """One entry per post with joint credit, pinned posts first, then the newest."""
    return _pinned_first(one_per_post(entries, homepages, posts), pins, limit, posts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """What every feed of a publish is chosen from (see :func:`select`): ``visible``, the
    entries that pass their source's filters, from posts nobody hid; ``winners``, one of
    them per post with joint credit (in no set order); ``pins``, each pinned post's latest
    pin; and the ``posts`` and configured ``homepages`` they were found with."""

    visible: list[Entry]
    winners: list[Entry]
    pins: Mapping[PostKey, datetime]
    homepages: Homepages
    posts: Posts


def select(
    entries: Sequence[Entry],
    sources: Sequence[SourceConfig],
    *,
    marks: EditorialMarks = _NO_MARKS,
    reposts: float | None = REPOST_SIMILARITY,
    posts: Posts | None = None,
) -> Selection:
    """The :class:`Selection` of ``entries``, found once for the combined feed, every
    partner's, tag's and language's, and the archive. ``posts``: what
    :func:`~copro_feeds._dedupe.find_posts` found in these ``entries`` with ``reposts``,
    when the caller has it already (it costs the most of a selection)."""
    posts = posts if posts is not None else find_posts(entries, reposts=reposts)
    visible = _visible(entries, sources, marks, posts)
    homepages = configured_homepages(sources)
    return Selection(
        visible=visible,
        winners=one_per_post(visible, homepages, posts),
        pins=_pinned_posts(entries, marks, posts),
        homepages=homepages,
        posts=posts,
    )


def combined_selection(
    entries: Sequence[Entry],
    sources: Sequence[SourceConfig],
    limit: int | None,
    *,
    marks: EditorialMarks = _NO_MARKS,
    reposts: float | None = REPOST_SIMILARITY,
    posts: Posts | None = None,
    selection: Selection | None = None,
) -> list[Entry]:
    """The combined feed's entries: what :meth:`Aggregator.entries` returns.

    Entries of ``sources`` that pass their filters; posts with a hidden entry left out;
    one entry per post (the same link, or a repost at least ``reposts`` alike), crediting
    the other partners that carried it (``also_via``); pinned posts first
    (``pinned=True``, the latest pin first), then the newest. At most ``limit`` entries
    unless more are pinned; ``limit=None`` keeps every post. ``posts`` as for
    :func:`select`; ``selection``: what :func:`select` found for these same arguments,
    when the caller has it already.
    """
    if selection is None:
        selection = select(entries, sources, marks=marks, reposts=reposts, posts=posts)
    return _pinned_first(selection.winners, selection.pins, limit, selection.posts)


def plan_feeds(
    entries: Sequence[Entry],
    sources: Sequence[SourceConfig],
    site: SiteConfig,
    limit: int,
    *,
    marks: EditorialMarks = _NO_MARKS,
    reposts: float | None = REPOST_SIMILARITY,
    posts: Posts | None = None,
    selection: Selection | None = None,
) -> list[FeedContent]:
    """The combined feed first, then one feed per partner, one per tag, and one per
    language of ``[site] languages`` (the posts in that language: their feed's, or the
    one detected before planning; titles and descriptions in the site's language).

    ``marks``: editors' hidden and pinned entries; ``reposts``: how alike two partners'
    posts must be to be one (see the module docstring); ``posts`` and ``selection`` as for
    :func:`combined_selection`.
    """
    if selection is None:
        selection = select(entries, sources, marks=marks, reposts=reposts, posts=posts)
    kept, pins, posts = selection.visible, selection.pins, selection.posts
    homepages = selection.homepages
    tags = configured_tags(sources)
    lang = site.language or SOURCE_LANGUAGE
    words = translations(lang)
    names = {code: language_name(code, lang) for code in site.languages}
    related = (
        tuple((source.name, source_folder(source)) for source in sources)
        + tuple((words.gettext("Tag: %(tag)s") % {"tag": tag}, tag_folder(tag)) for tag in tags)
        + tuple(
            (words.gettext("Posts in %(language)s") % {"language": name}, language_folder(code))
            for code, name in names.items()
        )
    )
    back = ((words.gettext("All partners"), ""),)
    by_source: dict[str, list[Entry]] = {}
    for entry in kept:
        by_source.setdefault(entry.source_key, []).append(entry)
    combined = _pinned_first(selection.winners, pins, limit, posts)
    feeds = [FeedContent(info=FeedInfo(related=related), entries=tuple(combined))]
    for source in sources:
        own = _pinned_first(by_source.get(source.key, ()), pins, limit, posts)
        info = FeedInfo(
            folder=source_folder(source),
            title=words.gettext("%(partner)s (via %(site)s)")
            % {"partner": source.name, "site": site.title},
            description=words.gettext("Posts from %(partner)s, quoted and credited by %(site)s.")
            % {"partner": source.name, "site": site.title},
            related=back,
        )
        feeds.append(FeedContent(info=info, entries=tuple(own)))
    for tag in tags:
        members = [source.key for source in sources if tag in source.tags]
        tagged = [entry for key in members for entry in by_source.get(key, ())]
        info = FeedInfo(
            folder=tag_folder(tag),
            title=words.gettext("%(tag)s (via %(site)s)") % {"tag": tag, "site": site.title},
            description=words.gettext(
                "Partners' posts tagged '%(tag)s', quoted and credited by %(site)s."
            )
            % {"tag": tag, "site": site.title},
            related=back,
        )
        tag_posts = _posts(tagged, limit, pins, homepages, posts)
        feeds.append(FeedContent(info=info, entries=tuple(tag_posts)))
    for code, name in names.items():
        written = [entry for entry in kept if entry.language and primary(entry.language) == code]
        info = FeedInfo(
            folder=language_folder(code),
            title=words.gettext("%(site)s in %(language)s")
            % {"site": site.title, "language": name},
            description=words.gettext(
                "Partners' posts in %(language)s, quoted and credited by %(site)s."
            )
            % {"language": name, "site": site.title},
            related=back,
        )
        in_language = _posts(written, limit, pins, homepages, posts)
        feeds.append(FeedContent(info=info, entries=tuple(in_language)))
    return feeds
