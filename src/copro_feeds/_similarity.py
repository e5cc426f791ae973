"""Fingerprints for finding reposts: MinHash signatures through datasketch (the only
module using it).

A post's fingerprint is the MinHash signature (:data:`PERMUTATIONS` 32-bit values, a
fixed seed, so the same text gives the same fingerprint in every process and run) of the
set of its word :data:`SHINGLE_WORDS`-grams (its title and the plain text of its
sanitised HTML, in lower case) less its partner's boilerplate: the shingles that another
post of the same feed document has too (a footer, a newsletter's standing text, an
event notice's template). What is left is what this post says that the partner's other
posts do not, so a repost under another partner's footer is still alike, and two
partners' posts that share a footer or a template are not. Two fingerprints agree in a
share of their places that estimates the Jaccard similarity of those sets; the deciders
compare them (``_dedupe.similarity``) without this module, so they never load
datasketch, numpy or scipy. A post with fewer than :data:`MIN_SHINGLES` shingles of its
own gets no fingerprint: a photo or a one-line notice is too short to tell a repost from
another post.

datasketch is imported on first use (it brings numpy and scipy, half a second): only a
refresh that parsed entries pays for it. It runs in the main process, not in the parsing
sandbox, whose address-space limit numpy's libraries do not fit in.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from copro_feeds._text import html_to_text
from copro_feeds.types import Entry

PERMUTATIONS = 128
SHINGLE_WORDS = 3
MIN_SHINGLES = 20
_SEED = 20260315
_WORD = re.compile(r"\w+")


def shingles(title: str, text: str) -> set[str]:
    """The word :data:`SHINGLE_WORDS`-grams of ``title`` then ``text``, in lower case."""
    words = _WORD.findall(f"{title}\n{text}".casefold())
    last = len(words) - SHINGLE_WORDS + 1
    return {" ".join(words[start : start + SHINGLE_WORDS]) for start in range(last)}


def fingerprint(own: set[str]) -> tuple[int, ...]:
    """The MinHash signature of a post's own shingles (empty when there are too few)."""
    if len(own) < MIN_SHINGLES:
        return ()
    from datasketch import MinHash  # noqa: PLC0415 - heavy (numpy, scipy): on first use

    signature = MinHash(num_perm=PERMUTATIONS, seed=_SEED)
    signature.update_batch([shingle.encode("utf-8", "surrogatepass") for shingle in own])
    return tuple(int(value) for value in signature.hashvalues.tolist())


def with_fingerprints(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """``entries`` (one feed document's), each with the fingerprint of its title and
    sanitised content less the shingles another of them has (the partner's boilerplate)."""
    posts = tuple(entries)
    found = [shingles(entry.title, html_to_text(entry.content_html)) for entry in posts]
    counts = Counter(shingle for own in found for shingle in own)
    shared = {shingle for shingle, count in counts.items() if count > 1}
    return tuple(
        replace(entry, fingerprint=fingerprint(own - shared))
        for entry, own in zip(posts, found, strict=True)
    )
