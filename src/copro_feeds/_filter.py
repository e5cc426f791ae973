"""Pure per-source filters: ``include`` and ``exclude`` words, case-insensitive.

A filter word matches when it appears in the entry's title, excerpt or categories.
With ``include`` set, an entry must match at least one include word; an entry matching
any ``exclude`` word is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from copro_feeds.types import Entry


def _haystack(entry: Entry) -> str:
    return "\n".join((entry.title, entry.excerpt, *entry.categories)).casefold()


def first_match(entry: Entry, words: Sequence[str]) -> str | None:
    """The first of ``words`` found in the entry's title, excerpt or categories."""
    haystack = _haystack(entry)
    return next((word for word in words if word.casefold() in haystack), None)


def passes_filters(entry: Entry, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """True when the entry is kept by its source's include/exclude lists."""
    if include and first_match(entry, include) is None:
        return False
    return not (exclude and first_match(entry, exclude) is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterVerdict:
    """What a source's filters made of one entry, and which words decided it.

    ``included`` is the include word found (None when none was, or the list is empty);
    ``excluded`` is the exclude word found, if any.
    """

    kept: bool
    included: str | None
    excluded: str | None


def filter_verdict(entry: Entry, include: Sequence[str], exclude: Sequence[str]) -> FilterVerdict:
    """Like :func:`passes_filters`, naming the include and exclude words that matched."""
    included = first_match(entry, include)
    excluded = first_match(entry, exclude)
    kept = (not include or included is not None) and excluded is None
    return FilterVerdict(kept=kept, included=included, excluded=excluded)
