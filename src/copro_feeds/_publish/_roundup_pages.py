"""The roundup's web pages: ``digest/<first day>.html`` for each period, and
``digest/index.html`` listing them, newest first.

They come from the Jinja2 templates ``digest.html`` and ``digest_index.html`` (a user's
``[output] templates`` folder first, then the package's), which extend ``base.html``
like every other page. Templates get ``site``, ``page`` (the page frame, a
:class:`~copro_feeds._publish._page.Page` for a page in ``digest/``, with the roundup
feed as its only feed), ``roundups`` (:class:`RoundupView`, newest first) and ``every``
(``"week"`` or ``"day"``); a roundup's own page also gets ``roundup``, the one it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from copro_feeds._i18n import readable_date
from copro_feeds._plan import DIGEST_FOLDER, Roundup, RoundupFeed
from copro_feeds._publish._html import TemplateError, environment
from copro_feeds._publish._model import FeedContent, public_url
from copro_feeds._publish._page import INDEX_FILE, EntryView, FeedLink, PageFrames, entry_view
from copro_feeds._publish._roundup import DIGEST_FILE, roundup_words
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from copro_feeds.types import Attribution, Display, Entry

ROUNDUP_TEMPLATE = "digest.html"
LIST_TEMPLATE = "digest_index.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionView:
    """A partner's or a tag's posts in a roundup, newest first, as the other pages show
    entries, except that every partner not shown as headlines has its excerpt (a roundup
    quotes; it never carries whole posts)."""

    heading: str
    posts: tuple[EntryView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundupView:
    """One roundup as the pages show it; ``href`` is its page, relative to ``digest/``.

    ``start`` and ``last_day`` are ``<time datetime>`` values, the ``*_text`` ones dates
    as people read them; ``one_day`` is True for daily roundups.
    """

    title: str
    href: str
    start: str
    start_text: str
    last_day: str
    last_day_text: str
    one_day: bool
    count: int
    sections: tuple[SectionView, ...]


def _post(entry: Entry, language: str) -> EntryView:
    quoted = entry.attribution.display is not Display.HEADLINE
    return replace(
        entry_view(entry, language),
        excerpt=entry.excerpt if quoted else "",
        content_html="",
        pinned=False,
        tags=(),
    )


def _view(roundup: Roundup, language: str) -> RoundupView:
    return RoundupView(
        title=roundup.title,
        href=roundup.page.removeprefix(DIGEST_FOLDER),
        start=roundup.start.date().isoformat(),
        start_text=readable_date(roundup.start, language),
        last_day=roundup.last_day.date().isoformat(),
        last_day_text=readable_date(roundup.last_day, language),
        one_day=roundup.start == roundup.last_day,
        count=len(roundup.posts),
        sections=tuple(
            SectionView(
                heading=section.heading,
                posts=tuple(_post(entry, language) for entry in section.entries),
            )
            for section in roundup.sections
        ),
    )


def render_roundup_pages(
    feed: RoundupFeed,
    feeds: Sequence[FeedContent],
    sources: Sequence[Attribution],
    site: SiteConfig,
    *,
    templates: Path | None = None,
) -> dict[str, bytes]:
    """Each roundup's page and the list of roundups, by path relative to the output folder.

    Everything must already be cleaned for publishing; ``feeds`` and ``sources`` give
    the partner and topic links every page carries. A template that is missing, broken
    or uses an undefined variable raises PublishError naming it.
    """
    # The roundup pages are few: each lists every partner, as the main page does.
    frames = PageFrames(feeds, sources, site, roundup=feed.every)
    frame = frames.frame(DIGEST_FOLDER, shown=[source.source_key for source in sources])
    words = roundup_words(feed.every, frame.lang)
    subscribe = FeedLink(
        href=f"{frame.root}{DIGEST_FILE}",
        text=words.feed,
        media_type="application/atom+xml",
        address=public_url(site, "", DIGEST_FILE),
    )
    heading = words.heading
    page = replace(
        frame,
        title=f"{heading} \N{EN DASH} {frame.site_title}",
        heading=heading,
        feeds=(subscribe,),
    )
    views = tuple(_view(roundup, frame.lang) for roundup in feed.roundups)
    variables: dict[str, Any] = {"site": site, "page": page, "roundups": views, "every": feed.every}
    pages = environment(templates, frame.lang)
    files: dict[str, bytes] = {}
    name = LIST_TEMPLATE
    try:
        files[DIGEST_FOLDER + INDEX_FILE] = (
            pages.get_template(LIST_TEMPLATE).render(variables).encode()
        )
        name = ROUNDUP_TEMPLATE
        template = pages.get_template(ROUNDUP_TEMPLATE)
        for roundup, view in zip(feed.roundups, views, strict=True):
            titled = replace(
                page,
                title=f"{view.title} \N{EN DASH} {frame.site_title}",
                twins=frames.twins(DIGEST_FOLDER, roundup.page.removeprefix(DIGEST_FOLDER)),
            )
            html = template.render(variables, page=titled, roundup=view)
            files[roundup.page] = html.encode()
    except TemplateError as error:
        where = getattr(error, "filename", None) or getattr(error, "name", None) or name
        raise PublishError(f"cannot render the roundup pages ({where}): {error}") from error
    return files
