"""The roundup (``[digest]``) in ``digest.xml``: its ids and each period's HTML, one entry per
period (``_feedgen`` writes the Atom document).

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
from urllib.parse import urlsplit

from copro_feeds._i18n import SOURCE_LANGUAGE, translations
from copro_feeds._plan import Roundup
from copro_feeds._publish._model import (
    attribution_html,
    credits,
    entry_language,
    separators,
)
from copro_feeds.config import SiteConfig
from copro_feeds.types import Display, Entry

DIGEST_FILE = "digest.xml"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundupWords:
    """What the roundup is called in one language, for a weekly or a daily one: ``name``
    ("the weekly roundup", in a sentence), ``heading`` ("The weekly roundup"), ``feed``
    (its Atom feed's link text) and ``subtitle`` (the Atom feed's)."""

    name: str
    heading: str
    feed: str
    subtitle: str


def roundup_words(every: str, language: str | None) -> RoundupWords:
    """The roundup's words in ``language``, for ``every`` ``"day"`` or ``"week"``."""
    words = translations(language or SOURCE_LANGUAGE)
    if every == "day":
        return RoundupWords(
            name=words.gettext("the daily roundup"),
            heading=words.gettext("The daily roundup"),
            feed=words.gettext("Atom feed of the daily roundup"),
            subtitle=words.gettext(
                "A daily roundup of our partners' posts, each with a short excerpt and credit."
            ),
        )
    return RoundupWords(
        name=words.gettext("the weekly roundup"),
        heading=words.gettext("The weekly roundup"),
        feed=words.gettext("Atom feed of the weekly roundup"),
        subtitle=words.gettext(
            "A weekly roundup of our partners' posts, each with a short excerpt and credit."
        ),
    )


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
    parts.append(attribution_html(entry, site.language, read_more=False))
    return "\n".join(parts)


def roundup_html(roundup: Roundup, site: SiteConfig) -> str:
    """What feed readers show as the roundup: its sections and posts, every text escaped."""
    parts: list[str] = []
    for section in roundup.sections:
        parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        parts.extend(_post_html(entry, site) for entry in section.entries)
    return "\n".join(parts)


def roundup_summary(roundup: Roundup, language: str | None) -> str:
    """The roundup's summary in ``language``: how many posts, from which partners."""
    names = list(dict.fromkeys(source.name for post in roundup.posts for source in credits(post)))
    partners = "".join(map("".join, zip(separators(len(names), language), names, strict=True)))
    count = len(roundup.posts)
    words = translations(language or SOURCE_LANGUAGE)
    summary = words.ngettext(
        "%(num)d post from %(partners)s.", "%(num)d posts from %(partners)s.", count
    )
    return summary % {"num": count, "partners": partners}


def roundup_feed_tag(site: SiteConfig) -> str:
    """The roundup feed's id without ``[site] feed_url``: ``tag:<site host>,2026:digest``."""
    return f"tag:{_host(site)},2026:digest"
