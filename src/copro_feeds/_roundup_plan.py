"""Pure: the roundup (``[digest]``): partners' posts gathered into weekly or daily periods.

A period is a UTC calendar day, or seven days from midnight UTC on ``[digest] weekday``.
A post belongs to the period its ``published`` time falls in (the start is inclusive,
the end exclusive). A period is published once it has ended; the newest ``periods``
ended periods that have posts are kept, and a period with no posts has no roundup. The
posts are those of the combined feed (filtered, one per post with joint credit, hidden
ones left out) without its length limit; a post arriving late joins its period's
existing roundup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from copro_feeds._dedupe import newest_first
from copro_feeds._i18n import SOURCE_LANGUAGE, readable_date, translations
from copro_feeds._plan import Roundup, RoundupFeed, RoundupSection
from copro_feeds._select import combined_selection, configured_tags
from copro_feeds._types import EditorialMarks
from copro_feeds.config import DigestConfig, SourceConfig, slugify
from copro_feeds.types import Entry

DEFAULT_DIGEST_TITLE = DigestConfig().title

_DAY = timedelta(days=1)
_PERIOD_DAYS = {"day": 1, "week": 7}


def period_length(digest: DigestConfig) -> timedelta:
    """How long one roundup's period is."""
    return _DAY * _PERIOD_DAYS[digest.every]


def period_start(moment: datetime, digest: DigestConfig) -> datetime:
    """The first instant of the period containing ``moment``: midnight UTC of its day
    (``every = "day"``) or of the latest ``weekday`` on or before it (``"week"``)."""
    moment = moment.astimezone(UTC)
    day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if digest.every == "day":
        return day
    return day - _DAY * ((day.weekday() - digest.weekday) % 7)


def _sections(
    posts: Sequence[Entry], sources: Sequence[SourceConfig], group_by: str, language: str
) -> tuple[RoundupSection, ...]:
    """Posts by partner (in config order), or by tag (in config order, then "Other posts")."""
    if group_by == "partner":
        groups = [
            (source.name, [post for post in posts if post.source_key == source.key])
            for source in sources
        ]
    else:
        slugs = {source.key: {slugify(tag) for tag in source.tags} - {""} for source in sources}
        groups = [
            (tag, [post for post in posts if slugify(tag) in slugs[post.source_key]])
            for tag in configured_tags(sources)
        ]
        other = translations(language).gettext("Other posts")
        groups.append((other, [post for post in posts if not slugs[post.source_key]]))
    return tuple(
        RoundupSection(heading=heading, entries=tuple(newest_first(members)))
        for heading, members in groups
        if members
    )


def plan_roundups(
    entries: Sequence[Entry],
    sources: Sequence[SourceConfig],
    digest: DigestConfig,
    marks: EditorialMarks,
    now: datetime,
    *,
    language: str | None = None,
) -> RoundupFeed:
    """The roundups to publish at ``now``, newest first, their titles and section names
    in ``language`` (the site's; English when None).

    ``entries`` are every stored entry; ``sources`` the enabled sources, in config order.
    The title is ``[digest] title`` with its dates in ``language``; while that is the
    default, the default's own words are in ``language`` too.
    """
    lang = language or SOURCE_LANGUAGE
    pattern = digest.title
    if pattern == DEFAULT_DIGEST_TITLE:
        pattern = translations(lang).gettext("Partners' posts, {start} to {end}")
    periods: dict[datetime, list[Entry]] = {}
    for post in combined_selection(entries, sources, None, marks=marks):
        periods.setdefault(period_start(post.published, digest), []).append(post)
    length = period_length(digest)
    ended = sorted((start for start in periods if start + length <= now), reverse=True)
    roundups = []
    for start in ended[: digest.periods]:
        end = start + length
        posts = newest_first(periods[start])
        title = pattern.format(
            start=readable_date(start, lang), end=readable_date(end - _DAY, lang)
        )
        roundups.append(
            Roundup(
                start=start,
                end=end,
                title=title,
                posts=tuple(posts),
                sections=_sections(posts, sources, digest.group_by, lang),
            )
        )
    return RoundupFeed(every=digest.every, roundups=tuple(roundups))
