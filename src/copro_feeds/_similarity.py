"""Fingerprints for finding reposts: MinHash signatures, computed with numpy (the only
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
numpy. A post with fewer than :data:`MIN_SHINGLES` shingles of its
own gets no fingerprint: a photo or a one-line notice is too short to tell a repost from
another post.

The work is split in two, so that most of it runs in the parsing sandbox: there,
:func:`shingle_hashes` finds each post's own shingles and hashes each to 32 bits (SHA-1,
as datasketch's ``sha1_hash32``; no datasketch), and sends them back packed; in the
main process, :func:`with_fingerprints` turns them into MinHash signatures (the affine
permutations, made once per process). numpy is imported on first use: only a refresh
that parsed entries pays for it. It runs in the main process, not in the sandbox, whose
address-space limit numpy's libraries do not fit in.

The signature is datasketch 2's MinHash (``scheme="affine32"``, ``seed`` :data:`_SEED`,
the hashes as they are): each hash through MurmurHash3's 32-bit finalizer, then
``a * h + b`` modulo 2**32 for each of the :data:`PERMUTATIONS` pairs ``(a, b)`` drawn
from ``numpy.random.RandomState(_SEED)``, the least value of each kept. It is written
here, not taken from datasketch, so that a fingerprint never depends on which release of
a library is installed (datasketch 1 drew other permutations); tests/test_similarity.py
checks it against datasketch's own. It also spares the parent datasketch's import (with
scipy, about 0.65 s) and half of its time per post.
"""

from __future__ import annotations

import hashlib
import re
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from copro_feeds._text import html_to_rough_text
from copro_feeds.types import Entry

PERMUTATIONS = 128
SHINGLE_WORDS = 3
MIN_SHINGLES = 20
_SEED = 20260315
_WORD_CHARACTER = re.compile(r"\w")
_DIGEST_WORDS = 5  # a SHA-1 digest is 20 bytes: five 4-byte words
_ASCII = bytes(range(0x80))
# Each ASCII byte that is no word character (regex \w: letters, digits, underscore) as a
# space; the rest as it is, with every byte of a multi-byte UTF-8 sequence.
_ASCII_NON_WORD_AS_SPACE = bytes(
    byte if byte >= 0x80 or _WORD_CHARACTER.match(chr(byte)) else ord(" ") for byte in range(256)
)


def shingles(title: str, text: str) -> set[bytes]:
    """The word :data:`SHINGLE_WORDS`-grams of ``title`` then ``text``, casefolded, each
    as the UTF-8 of its words joined by single spaces (what is hashed)."""
    words = _words(title, text)
    grams = zip(*(words[start:] for start in range(SHINGLE_WORDS)), strict=False)  # to the last
    return set(map(b" ".join, grams))


def _words(title: str, text: str) -> list[bytes]:
    """The UTF-8 of each run of word characters (regex ``\\w+``) of ``title`` then
    ``text``, casefolded.

    Read from the UTF-8 of the whole text, in C, where a regex over the text made each
    word a string in Python and each shingle was encoded on its own: ASCII bytes that are
    no word character become spaces (bytes.translate), then so do the (few, different)
    characters outside ASCII that are none (a character's UTF-8 is found only where that
    character is), and the words are what bytes.split finds between spaces."""
    folded = f"{title}\n{text}".casefold().encode("utf-8", "surrogatepass")
    if not folded.isascii():
        others = folded.translate(None, _ASCII).decode("utf-8", "surrogatepass")
        for character in set(others):
            if not _WORD_CHARACTER.match(character):
                folded = folded.replace(character.encode("utf-8", "surrogatepass"), b" ")
    return folded.translate(_ASCII_NON_WORD_AS_SPACE).split()


def shingle_hashes(entries: Sequence[Entry]) -> tuple[bytes, ...]:
    """Per entry (one feed document's), the 32-bit hashes of its own shingles (those no
    other entry of the document has), packed as little-endian words (in no set order:
    a MinHash does not depend on it); empty when fewer than :data:`MIN_SHINGLES` (no
    fingerprint). Pure: runs in the parsing sandbox."""
    found = [shingles(entry.title, html_to_rough_text(entry.content_html)) for entry in entries]
    shared = _shared(found)
    if shared:
        for own in found:
            own.difference_update(shared)
    return tuple(map(_packed, found))


def _shared(found: Iterable[set[bytes]]) -> set[bytes]:
    """The shingles two or more of ``found`` have (set operations, in C)."""
    seen: set[bytes] = set()
    shared: set[bytes] = set()
    for own in found:
        shared |= own & seen
        seen |= own
    return shared


def _packed(own: set[bytes]) -> bytes:
    """The first 4 bytes of each shingle's SHA-1 digest (datasketch's ``sha1_hash32``
    reads them as a little-endian number), one after another."""
    if len(own) < MIN_SHINGLES:
        return b""
    sha1 = hashlib.sha1
    digests = b"".join([sha1(shingle).digest() for shingle in own])
    # A digest is 20 bytes, five 4-byte words: every fifth word is a digest's first four.
    return array("I", digests)[::_DIGEST_WORDS].tobytes()


def fingerprint(hashes: bytes) -> Sequence[int]:
    """The MinHash signature of a post's packed shingle hashes (:func:`shingle_hashes`),
    an ``array('I')``; empty for none."""
    if not hashes:
        return ()
    numpy, (a, b) = _permutations()
    u32 = numpy.uint32
    values = numpy.frombuffer(hashes, dtype="<u4").astype(u32)  # little-endian numbers
    values ^= values >> u32(16)  # MurmurHash3's finalizer (fmix32)
    values *= u32(0x85EBCA6B)
    values ^= values >> u32(13)
    values *= u32(0xC2B2AE35)
    values ^= values >> u32(16)
    # Each permutation's least value of a * h + b, modulo 2**32 (uint32 arithmetic wraps).
    return array("I", (values[:, None] * a + b).min(axis=0).astype(u32).tobytes())


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


def _permutations() -> tuple[Any, tuple[Any, Any]]:
    """numpy and the :data:`PERMUTATIONS` pairs ``(a, b)`` (``a`` odd), as arrays, made once
    per process (drawing them per post was a tenth of the parent's CPU in a first refresh).
    The same draws as datasketch 2's ``MinHash(num_perm=PERMUTATIONS, seed=_SEED,
    scheme="affine32")``."""
    with _making:
        if not _made:
            import numpy  # noqa: PLC0415 - heavy: on first use, never in the sandbox

            draw = numpy.random.RandomState(_SEED)
            u32 = numpy.uint32
            a = draw.randint(0, 1 << 31, PERMUTATIONS, dtype=u32) * u32(2) + u32(1)
            b = draw.randint(0, 1 << 32, PERMUTATIONS, dtype=u32)
            _made.append((numpy, (a, b)))
        made: tuple[Any, tuple[Any, Any]] = _made[0]
        return made


class BandTable:
    """The LSH band hashes of many fingerprints in one numpy matrix, and which of them share
    a band: 8 bytes a band, where a dict of Python ints took about 90 (at 10,000 feeds,
    7.6 million bands).

    Each fingerprint holds a row (:meth:`add` gives it, :meth:`remove` frees it); its band
    ``j`` is in column ``j``, stored column by column (a column is scanned whole). 0 marks
    no band (a free row, or a row with fewer bands), so a band hash is never 0. Hashes are
    signed 64-bit (``hash()``'s range): numpy 2.0.0's ``isin`` fails on unsigned ones of
    2**63 and more. Not safe to share between threads.
    """

    def __init__(self) -> None:
        self._numpy, _ = _permutations()
        self._hashes = self._numpy.zeros((0, 0), dtype=self._numpy.int64, order="F")
        self._rows = 0  # rows handed out so far, free ones included
        self._free: list[int] = []

    def add(self, bands: Sequence[int]) -> int:
        """A row holding ``bands`` (each a band's hash, any int: made signed 64-bit, never 0)."""
        row = self._free.pop() if self._free else self._rows
        self._rows = max(self._rows, row + 1)
        self._fit(self._rows, len(bands))
        self._hashes[row] = 0
        self._hashes[row, : len(bands)] = [
            ((band + _HALF_64) % _WHOLE_64 - _HALF_64) or 1 for band in bands
        ]
        return row

    def remove(self, row: int) -> None:
        """Free ``row``: it shares no band any more, and a later :meth:`add` may reuse it."""
        self._hashes[row] = 0
        self._free.append(row)

    def sharing(self, rows: Iterable[int]) -> Iterator[tuple[int, int, int]]:
        """Each pair of rows with an equal band hash in one column, at least one of them in
        ``rows``: ``(row in rows, other row, column)``, a pair of two such rows once per
        column with the lesser first. Rows are grouped by sorting, in numpy."""
        numpy = self._numpy
        new = numpy.unique(numpy.fromiter(rows, dtype=numpy.int64))
        if not new.size:
            return
        table = self._hashes[: self._rows]
        is_new = numpy.zeros(self._rows, dtype=bool)
        is_new[new] = True
        for column in range(table.shape[1]):
            values = table[:, column]
            wanted = values[new]
            candidates = numpy.flatnonzero(numpy.isin(values, wanted[wanted != 0]))
            if candidates.size < 2:
                continue
            order = candidates[numpy.argsort(values[candidates], kind="stable")]
            ordered = values[order]
            starts = numpy.flatnonzero(numpy.r_[True, ordered[1:] != ordered[:-1]])
            ends = numpy.r_[starts[1:], order.size]
            several = ends - starts >= 2
            for start, end in zip(starts[several].tolist(), ends[several].tolist(), strict=True):
                group = order[start:end].tolist()
                yield from ((mine, other, column) for mine, other in _pairs(group, is_new))

    def _fit(self, rows: int, width: int) -> None:
        """Make room for ``rows`` rows of ``width`` bands (rows doubling as they grow)."""
        have_rows, have_width = self._hashes.shape
        if rows <= have_rows and width <= have_width:
            return
        grown = self._numpy.zeros(
            (max(rows, 2 * have_rows) if rows > have_rows else have_rows, max(width, have_width)),
            dtype=self._numpy.int64,
            order="F",
        )
        grown[:have_rows, :have_width] = self._hashes
        self._hashes = grown


def _pairs(group: list[int], is_new: Any) -> Iterator[tuple[int, int]]:
    """The pairs of rows in ``group`` (one band hash) with a new row first: a new row with
    each other row, two new rows once (the lesser first)."""
    for mine in group:
        if not is_new[mine]:
            continue
        for other in group:
            if other != mine and (not is_new[other] or mine < other):
                yield mine, other


_WHOLE_64 = 1 << 64
_HALF_64 = 1 << 63
