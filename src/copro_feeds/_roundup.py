"""Pure: the roundup (``[digest]``): partners' posts grouped into weekly or daily periods.

Not built yet: :func:`plan_roundups` returns no roundups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from copro_feeds._types import EditorialMarks
from copro_feeds.config import DigestConfig, SourceConfig
from copro_feeds.types import Entry


@dataclass(frozen=True, slots=True, kw_only=True)
class Roundup:
    """One period's roundup: its first day and the posts in it, newest first."""

    start: datetime
    end: datetime
    entries: tuple[Entry, ...]


def plan_roundups(
    entries: Sequence[Entry],
    sources: Sequence[SourceConfig],
    digest: DigestConfig,
    marks: EditorialMarks,
    now: datetime,
) -> list[Roundup]:
    """The roundups to publish at ``now`` (none yet)."""
    del entries, sources, digest, marks, now
    return []
