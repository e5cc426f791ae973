"""Pure deduplication: one entry per partner id, one published entry per canonical link.

Within one feed, an id seen twice keeps its first occurrence. Across partners, entries
that share a canonical link are one post (cross-posted or reposted). The partner whose
own site the link points to wins (so a partner copying another's posts, even backdated,
cannot take them over); otherwise the earliest published; ties broken by source key then
id, so the choice never depends on the order entries arrive in. Every copy stays in the
store; only the selection is deduplicated.

Whose own site a link is on: a homepage configured in feeds.toml (``homepages``: source
key → URL) claims its host and every subdomain, and outranks anything a feed says about
itself. A homepage the feed declared (or the feed's own host) claims that exact host
only, never a parent domain, and never a host a configured homepage claims.

The winner carries the joint credit: ``also_via`` names the other partners whose feeds
carried the same post (see :func:`one_per_post`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
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


_OWN, _DECLARED_OWN, _NOT_OWN = 0, 1, 2


def _site(url: str | None) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.")


def _on(host: str, site: str) -> bool:
    """True when ``host`` is ``site`` or one of its subdomains."""
    return bool(host and site) and (host == site or host.endswith("." + site))


@dataclass(frozen=True, slots=True)
class Homepages:
    """The homepages configured in feeds.toml, ready for look-ups: each source's site
    (its host without ``www.``) and, per site, the sources configured with it. Build
    with :func:`homepages_of`; a look-up costs the host's number of labels, not the
    number of sources."""

    sites: Mapping[str, str]
    owners: Mapping[str, frozenset[str]]

    def claimants(self, url: str | None) -> frozenset[str]:
        """The sources whose configured site ``url``'s host is on (itself or a parent)."""
        found: set[str] = set()
        part = _site(url)
        while part:
            found |= self.owners.get(part, frozenset())
            part = part.partition(".")[2]
        return frozenset(found)


def homepages_of(configured: Mapping[str, str]) -> Homepages:
    """:class:`Homepages` from source key → configured homepage URL."""
    sites = {key: site for key, url in configured.items() if (site := _site(url))}
    owners: dict[str, set[str]] = {}
    for key, site in sites.items():
        owners.setdefault(site, set()).add(key)
    return Homepages(sites=sites, owners={site: frozenset(k) for site, k in owners.items()})


def is_claimed(url: str | None, homepages: Homepages, *, besides: str) -> bool:
    """True when ``url``'s host is on a homepage configured for a source other than ``besides``."""
    return bool(homepages.claimants(url) - {besides})


def _ownership(entry: Entry, homepages: Homepages) -> int:
    link = _site(entry.link)
    configured = homepages.sites.get(entry.source_key)
    if configured is not None:
        return _OWN if _on(link, configured) else _NOT_OWN
    declared = _site(entry.attribution.homepage)
    if not link or link != declared or is_claimed(entry.link, homepages, besides=entry.source_key):
        return _NOT_OWN
    return _DECLARED_OWN


def is_publishers_own(entry: Entry, homepages: Homepages) -> bool:
    """True when the entry's link is on its partner's own site (see the module docstring)."""
    return _ownership(entry, homepages) != _NOT_OWN


def merge_duplicates(
    entries: Iterable[Entry], homepages: Homepages
) -> dict[tuple[str, ...], list[Entry]]:
    """Group entries by :func:`duplicate_key`; each group's winner first."""
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for entry in entries:
        groups.setdefault(duplicate_key(entry), []).append(entry)
    for group in groups.values():
        if len(group) > 1:  # most posts have no duplicate: no ownership to work out
            group.sort(key=lambda e: (_ownership(e, homepages), e.published, e.source_key, e.id))
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


def one_per_post(entries: Iterable[Entry], homepages: Homepages) -> list[Entry]:
    """Each duplicate group's winner, with joint credit to the others (in no set order)."""
    return [with_joint_credit(group) for group in merge_duplicates(entries, homepages).values()]


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Entries sorted newest published first (ties: source key, then id)."""
    return sorted(entries, key=lambda e: (-e.published.timestamp(), e.source_key, e.id))
