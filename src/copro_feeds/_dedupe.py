"""Pure deduplication: one entry per partner id, one published entry per canonical link.

Within one feed, an id seen twice keeps its first occurrence. Across partners, entries
that share a canonical link are one post (cross-posted or reposted). The partner whose
own site the link points to wins (so a partner copying another's posts, even backdated,
cannot take them over); otherwise the earliest published; ties broken by source key then
id, so the choice never depends on the order entries arrive in. Every copy stays in the
store; only the selection is deduplicated.

The winner carries the joint credit: ``also_via`` names the other partners whose feeds
carried the same post (see :func:`one_per_post`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from copro_feeds.types import Entry


def unique_by_id(entries: Iterable[Entry]) -> list[Entry]:
    """Entries with repeated ids removed, keeping the first of each."""
    seen: set[str] = set()
    unique: list[Entry] = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            unique.append(entry)
    return unique


def duplicate_key(entry: Entry) -> tuple[str, ...]:
    """What makes two entries the same post: the canonical link, else (source, id)."""
    return ("link", entry.link) if entry.link else ("id", entry.source_key, entry.id)


def _site(url: str | None) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.")


def is_publishers_own(entry: Entry) -> bool:
    """True when the entry's link is on its partner's own site (host or a subdomain)."""
    link, home = _site(entry.link), _site(entry.attribution.homepage)
    return bool(link and home) and (link == home or link.endswith("." + home))


def _priority(entry: Entry) -> tuple[object, ...]:
    return (not is_publishers_own(entry), entry.published, entry.source_key, entry.id)


def merge_duplicates(entries: Iterable[Entry]) -> dict[tuple[str, ...], list[Entry]]:
    """Group entries by :func:`duplicate_key`; each group's winner first."""
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for entry in entries:
        groups.setdefault(duplicate_key(entry), []).append(entry)
    for group in groups.values():
        group.sort(key=_priority)
    return groups


def with_joint_credit(group: Sequence[Entry]) -> Entry:
    """A duplicate group's winner (its first entry) crediting every other partner in it.

    ``also_via`` is the winner's own ``also_via`` followed by the other entries'
    attributions (and theirs), in group order, one per source key, never the winner's.
    A group of one gives its entry unchanged.
    """
    winner = group[0]
    if len(group) == 1:
        return winner
    credits = {winner.source_key: winner.attribution}
    for credit in (
        *winner.also_via,
        *(c for other in group[1:] for c in (other.attribution, *other.also_via)),
    ):
        credits.setdefault(credit.source_key, credit)
    return replace(winner, also_via=tuple(credits.values())[1:])


def one_per_post(entries: Iterable[Entry]) -> list[Entry]:
    """Each duplicate group's winner, with joint credit to the others (in no set order)."""
    return [with_joint_credit(group) for group in merge_duplicates(entries).values()]


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Entries sorted newest published first (ties: source key, then id)."""
    return sorted(entries, key=lambda e: (-e.published.timestamp(), e.source_key, e.id))
