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

Reposts: the same article under two partners' different links (copied with light edits,
another footer) is one post too, when their fingerprints (``Entry.fingerprint``, MinHash
signatures made by ``_similarity``) agree in at least the configured share of places
(``[output] repost_similarity``): see :func:`find_posts`. Only copies from different
partners are compared, so a partner's own series of like posts (weekly news, event
notices on a template) is never merged. In a repost group each link's copies are ordered
as above, and the links' first copies by publication (the original first: the earliest
published, or first seen), then source key and id.
"""

from __future__ import annotations

import functools
import threading
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from copro_feeds._similarity import BandTable
from copro_feeds._types import EntryKey
from copro_feeds.types import Entry

PostKey = tuple[str, ...]
"""A post's identity: the :func:`duplicate_key` of its copies (of one of them, for reposts)."""

_CANDIDATE_CHANCE = 0.99  # how surely a pair exactly at the threshold is compared at all


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


def similarity(first: Entry, second: Entry) -> float | None:
    """How alike two posts' words are: the share of places where their fingerprints agree
    (MinHash's estimate of the Jaccard similarity of their word sets, 0 to 1); None when
    either has no fingerprint (too short, or not refreshed since fingerprints began)."""
    if not first.fingerprint or len(first.fingerprint) != len(second.fingerprint):
        return None
    return _agreement(first.fingerprint, second.fingerprint)


@dataclass(frozen=True, slots=True)
class Posts:
    """Which post each entry is a copy of. ``keys`` holds the entries merged as reposts
    (each to its post's key); every other entry's post is its :func:`duplicate_key`.
    ``threshold`` is the similarity that merged them (None: reposts not looked for)."""

    keys: Mapping[EntryKey, PostKey] = field(default_factory=dict)
    threshold: float | None = None

    def key(self, entry: Entry) -> PostKey:
        """The post ``entry`` is a copy of."""
        return self.keys.get((entry.source_key, entry.id)) or duplicate_key(entry)


SAME_LINK_ONLY = Posts()
"""Posts by link alone: no reposts looked for."""


@functools.lru_cache(maxsize=64)
def _rows_per_band(length: int, threshold: float) -> int:
    """LSH banding: the most rows per band (the fewest needless comparisons) with which
    two fingerprints ``threshold`` alike still share a band with :data:`_CANDIDATE_CHANCE`."""
    rows = 1
    for candidate in range(2, length + 1):
        bands = length // candidate
        if 1 - (1 - threshold**candidate) ** bands < _CANDIDATE_CHANCE:
            break
        rows = candidate
    return rows


def find_posts(entries: Iterable[Entry], *, reposts: float | None) -> Posts:
    """Find the reposts among ``entries``: copies from different partners, under different
    links, whose :func:`similarity` is at least ``reposts`` (None: look for none).

    Candidates come from LSH banding of the fingerprints (pairs that agree in a whole band
    of places), so the cost grows with the number of entries, not with its square; each
    candidate is then compared in full. Merging is transitive: a copy like a second that
    is like a third joins the three. (A :class:`RepostIndex` gives the same answer and
    keeps its bands for the next call.)
    """
    return RepostIndex().posts(entries, reposts=reposts)


class RepostIndex:
    """:func:`find_posts` kept between calls: each call is given every entry again, and only
    the entries new or changed since the last call (another fingerprint or link) are cut
    into bands and compared; the answer is :func:`find_posts`' for the same entries.

    It keeps each entry's fingerprint (as 32-bit words), its bands (in a
    :class:`~copro_feeds._similarity.BandTable`), and the pairs found alike; what a call's
    entries no longer hold is forgotten. It also keeps the entries of the last call: an
    entry given again as the same object (a store gives back the entry it decoded for a
    row read again unchanged) is known without being looked at. Safe to share between
    threads (one call at a time).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threshold: float | None = None
        self._known: dict[EntryKey, tuple[array[int], PostKey]] = {}
        self._table: BandTable | None = None  # made at the first call that looks for reposts
        self._rows: dict[EntryKey, int] = {}  # each known entry's row in the table
        self._at_row: dict[int, EntryKey] = {}
        self._alike: dict[EntryKey, set[EntryKey]] = {}
        self._given: dict[EntryKey, Entry] = {}  # the last call's entries with a fingerprint

    def posts(self, entries: Iterable[Entry], *, reposts: float | None) -> Posts:
        """The reposts among ``entries`` (at most one entry per source and id), as
        :func:`find_posts` finds them."""
        if reposts is None:
            return SAME_LINK_ONLY
        every = list(entries)
        with self._lock:
            if reposts != self._threshold or self._table is None:
                self._known, self._rows, self._at_row = {}, {}, {}
                self._alike, self._given = {}, {}
                self._table, self._threshold = BandTable(), reposts
            given = {(entry.source_key, entry.id): entry for entry in every if entry.fingerprint}
            current = {
                key: self._known[key]  # the same entry as last time: nothing to look at
                if self._given.get(key) is entry
                else (_words(entry.fingerprint), duplicate_key(entry))
                for key, entry in given.items()
            }
            try:
                self._update(current)
            except BaseException:  # half done: start afresh next call, never half known
                self._table = None
                raise
            self._given = given  # every one of them known now
            return self._found(every, reposts)

    def _update(self, current: Mapping[EntryKey, tuple[array[int], PostKey]]) -> None:
        """Forget the entries gone or changed, know the new ones, compare each new one with
        those sharing a band (each pair once)."""
        assert self._table is not None  # made by posts()
        for key in [k for k, known in self._known.items() if current.get(k) != known]:
            self._forget(key)
        added = []
        for key, known in current.items():
            if key not in self._known:
                added.append(self._add(key, known))
        compared: set[tuple[int, int]] = set()
        for mine, other, column in self._table.sharing(added):
            if (mine, other) not in compared and self._compare(
                self._at_row[mine], self._at_row[other], column
            ):
                compared.update(((mine, other), (other, mine)))

    def _add(self, key: EntryKey, known: tuple[array[int], PostKey]) -> int:
        """Know ``key``, with its bands in the table; its row."""
        assert self._table is not None  # made by posts()
        fingerprint, _ = known
        row = self._table.add(self._bands(fingerprint))
        self._known[key], self._rows[key], self._at_row[row] = known, row, key
        return row

    def _bands(self, fingerprint: array[int]) -> list[int]:
        """Each band's hash (the bands :func:`_rows_per_band` sets), in order."""
        length = len(fingerprint)
        rows = _rows_per_band(length, self._threshold or 0.0)
        return [
            hash((length, start, *fingerprint[start : start + rows]))
            for start in range(0, length - rows + 1, rows)
        ]

    def _compare(self, key: EntryKey, other: EntryKey, column: int) -> bool:
        """Compare two entries whose band ``column`` has one hash: alike when the band itself
        is the same and their fingerprints agree enough. Whether they were compared (not:
        the same partner's, or only the hashes met)."""
        if key[0] == other[0]:
            return False  # a partner's own posts are never reposts of each other
        mine, theirs = self._known[key][0], self._known[other][0]
        rows = _rows_per_band(len(mine), self._threshold or 0.0)
        places = slice(column * rows, column * rows + rows)
        if len(theirs) != len(mine) or theirs[places] != mine[places]:
            return False  # only the hashes of two bands met: not a candidate
        if _agreement(mine, theirs) >= (self._threshold or 0.0):
            self._alike.setdefault(key, set()).add(other)
            self._alike.setdefault(other, set()).add(key)
        return True

    def _forget(self, key: EntryKey) -> None:
        assert self._table is not None  # made by posts()
        del self._known[key]
        row = self._rows.pop(key)
        del self._at_row[row]
        self._table.remove(row)
        for other in self._alike.pop(key, ()):
            self._alike[other].discard(key)
            if not self._alike[other]:
                del self._alike[other]

    def _found(self, every: Sequence[Entry], reposts: float) -> Posts:
        """Join the posts of every pair found alike (each post's key: its copies' least)."""
        parent: dict[PostKey, PostKey] = {}

        def root(key: PostKey) -> PostKey:
            while parent.get(key, key) != key:
                key = parent[key]
            return key

        for key, others in self._alike.items():
            for other in others:
                a, b = root(self._known[key][1]), root(self._known[other][1])
                if a != b:
                    parent[max(a, b)] = min(a, b)
        keys = {  # a post's first key is its own copies' duplicate_key already
            (entry.source_key, entry.id): post
            for entry in every
            if (post := root(duplicate_key(entry))) != duplicate_key(entry)
        }
        return Posts(keys=keys, threshold=reposts)


def _words(fingerprint: Sequence[int]) -> array[int]:
    """``fingerprint`` as an ``array('I')``: itself when it is one already (the store's and
    ``_similarity``'s are: one copy in memory, not two)."""
    if isinstance(fingerprint, array) and fingerprint.typecode == "I":
        return fingerprint
    return array("I", fingerprint)


def _agreement(first: Sequence[int], second: Sequence[int]) -> float:
    """The share of places where two fingerprints of one length agree."""
    return sum(a == b for a, b in zip(first, second, strict=True)) / len(first)


def merge_duplicates(
    entries: Iterable[Entry], homepages: Homepages, posts: Posts = SAME_LINK_ONLY
) -> dict[PostKey, list[Entry]]:
    """Group entries by post (``posts``: by link alone unless reposts were found); each
    group's winner first: the copies of each link in order of ownership, then date, and
    the links in order of their first copy's date (the original first)."""
    parts: dict[PostKey, dict[PostKey, list[Entry]]] = {}
    merged = posts.keys  # most entries are no repost: their post is their own link's
    for entry in entries:
        link = duplicate_key(entry)
        post = (merged.get((entry.source_key, entry.id)) or link) if merged else link
        links = parts.get(post)
        if links is None:
            parts[post] = {link: [entry]}
        elif link in links:
            links[link].append(entry)
        else:
            links[link] = [entry]
    groups: dict[PostKey, list[Entry]] = {}
    for post, links in parts.items():
        for copies in links.values():
            if len(copies) > 1:  # most posts have no duplicate: no ownership to work out
                copies.sort(
                    key=lambda e: (_ownership(e, homepages), e.published, e.source_key, e.id)
                )
        if len(links) == 1:  # one link: its copies, in order already
            (groups[post],) = links.values()
            continue
        ordered = sorted(links.values(), key=lambda c: (c[0].published, c[0].source_key, c[0].id))
        groups[post] = [entry for copies in ordered for entry in copies]
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


def one_per_post(
    entries: Iterable[Entry], homepages: Homepages, posts: Posts = SAME_LINK_ONLY
) -> list[Entry]:
    """Each post's winner, with joint credit to the others (in no set order)."""
    groups = merge_duplicates(entries, homepages, posts)
    return [with_joint_credit(group) for group in groups.values()]


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Entries sorted newest published first (ties: source key, then id)."""
    return sorted(entries, key=lambda e: (-e.published.timestamp(), e.source_key, e.id))
