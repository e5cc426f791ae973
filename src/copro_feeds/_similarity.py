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

The work is split in two, so that most of it runs in the parsing sandbox: there,
:func:`shingle_hashes` finds each post's own shingles and hashes each to 32 bits (SHA-1,
as datasketch's ``sha1_hash32``; no datasketch), and sends them back packed; in the
main process, :func:`with_fingerprints` turns them into MinHash signatures (the affine
permutations, made once per process). datasketch is imported on first use (it brings
numpy and scipy, half a second): only a refresh that parsed entries pays for it. It runs
in the main process, not in the sandbox, whose address-space limit numpy's libraries do
not fit in.
"""

from __future__ import annotations

import hashlib
import re
import sys
import threading
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from copro_feeds._text import html_to_text
from copro_feeds.types import Entry

PERMUTATIONS = 128
SHINGLE_WORDS = 3
MIN_SHINGLES = 20
_SEED = 20260315
_WORD = re.compile(r"\w+")
_DIGEST_WORDS = 5  # a SHA-1 digest is 20 bytes: five 4-byte words


def shingles(title: str, text: str) -> set[str]:
    """The word :data:`SHINGLE_WORDS`-grams of ``title`` then ``text``, in lower case."""
    words = _WORD.findall(f"{title}\n{text}".casefold())
    last = len(words) - SHINGLE_WORDS + 1
    return {" ".join(words[start : start + SHINGLE_WORDS]) for start in range(last)}


def shingle_hashes(entries: Sequence[Entry]) -> tuple[bytes, ...]:
    """Per entry (one feed document's), the 32-bit hashes of its own shingles (those no
    other entry of the document has), packed as little-endian words; empty when fewer
    than :data:`MIN_SHINGLES` (no fingerprint). Pure: runs in the parsing sandbox."""
    found = [shingles(entry.title, html_to_text(entry.content_html)) for entry in entries]
    counts = Counter(shingle for own in found for shingle in own)
    shared = {shingle for shingle, count in counts.items() if count > 1}
    return tuple(_packed(own - shared) for own in found)


def _packed(own: set[str]) -> bytes:
    """The first 4 bytes of each shingle's SHA-1 digest (datasketch's ``sha1_hash32``
    reads them as a little-endian number), one after another."""
    if len(own) < MIN_SHINGLES:
        return b""
    sha1 = hashlib.sha1
    digests = b"".join([sha1(s.encode("utf-8", "surrogatepass")).digest() for s in own])
    # A digest is 20 bytes, five 4-byte words: every fifth word is a digest's first four.
    return array("I", digests)[::_DIGEST_WORDS].tobytes()


def fingerprint(hashes: bytes) -> tuple[int, ...]:
    """The MinHash signature of a post's packed shingle hashes (:func:`shingle_hashes`);
    empty for none."""
    if not hashes:
        return ()
    values = array("I", hashes)
    if sys.byteorder == "big":  # the bytes are little-endian numbers
        values.byteswap()
    signature = _template().copy()
    signature.update_batch(values)
    return tuple(int(value) for value in signature.hashvalues.tolist())


def with_fingerprints(
    entries: Sequence[Entry], hashes: Sequence[bytes] | None = None
) -> tuple[Entry, ...]:
    """``entries`` (one feed document's), each with the fingerprint of its title and
    sanitised content less the shingles another of them has (the partner's boilerplate).

    ``hashes``: :func:`shingle_hashes` of ``entries``, when the parsing sandbox made them
    already (else they are made here).
    """
    if hashes is None:
        hashes = shingle_hashes(entries)
    return tuple(
        replace(entry, fingerprint=fingerprint(packed))
        for entry, packed in zip(entries, hashes, strict=True)
    )


_made: list[Any] = []
_making = threading.Lock()


def _template() -> Any:
    """An empty MinHash with this module's permutations, made once per process (making
    them draws 2 x :data:`PERMUTATIONS` random numbers: it was a tenth of the parent's
    CPU in a first refresh when done per post). Its hash function takes the hashes
    :func:`shingle_hashes` made as they are."""
    with _making:
        if not _made:
            from datasketch import MinHash  # noqa: PLC0415 - heavy (numpy, scipy): on first use

            _made.append(MinHash(num_perm=PERMUTATIONS, seed=_SEED, hashfunc=int))
        return _made[0]
