"""Pure: the combined feed's history, month by month (the archive pages and RFC 5005
archived feeds).

The posts are those of the combined feed (filtered, one per post with joint credit,
hidden ones left out) without its length limit and without pins: an archive keeps
posts in the order they were published. A post belongs to the calendar month (UTC) its
``published`` time falls in; a month with no posts has no archive. A month is closed
once it is over at ``now``: its content then changes only when a post in it changes
(an edit, a hidden post, a late post dated in it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from copro_feeds._dedupe import Posts, newest_first
from copro_feeds._plan import Archive, ArchiveMonth
from copro_feeds._select import Selection, select
from copro_feeds._types import EditorialMarks
from copro_feeds.config import REPOST_SIMILARITY, SourceConfig
from copro_feeds.types import Entry


def month_start(moment: datetime) -> datetime:
    """Midnight UTC on the first day of the month containing ``moment``."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    """Midnight UTC on the first day of the month after the one starting at ``start``."""
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def plan_archive(
    entries: Sequence[Entry],
    sources: Sequence[SourceConfig],
    marks: EditorialMarks,
    now: datetime,
    *,
    reposts: float | None = REPOST_SIMILARITY,
    posts: Posts | None = None,
    selection: Selection | None = None,
) -> Archive:
    """Every month with posts at ``now``, newest first, each with its posts newest first.

    ``entries`` are every stored entry; ``sources`` the enabled sources, in config order;
    ``reposts``, ``posts`` and ``selection`` as for
    :func:`~copro_feeds._select.combined_selection` (the pins in ``marks`` or in
    ``selection`` play no part).
    """
    if selection is None:
        unpinned = EditorialMarks(hidden=marks.hidden)
        selection = select(entries, sources, marks=unpinned, reposts=reposts, posts=posts)
    months: dict[datetime, list[Entry]] = {}
    for post in newest_first(selection.winners):  # in the order published: no pins
        months.setdefault(month_start(post.published), []).append(post)
    return Archive(
        months=tuple(
            ArchiveMonth(
                start=start,
                end=next_month(start),
                closed=next_month(start) <= now,
                entries=tuple(months[start]),  # already newest first
            )
            for start in sorted(months, reverse=True)
        )
    )
