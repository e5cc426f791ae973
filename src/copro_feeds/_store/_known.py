"""The entries a store decoded at its last read, kept by source and id with the stored
values they were decoded from, the same in every backend.

A publish reads every stored entry, and a daemon's next publish reads them again with
few changed: a row whose stored values (and partner's attribution) are those of a row
read last time gives the entry decoded then, not a new one. Nothing needs invalidating:
a row that changed in any way (another process's save, an edit) has other values, so it
is decoded afresh; a row no longer read is forgotten. The entries are immutable, so
sharing them between reads is safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from copro_feeds.types import Attribution, Entry

Row = tuple[Any, ...]
"""A row's stored values, its source key and the entry's id first."""


class KnownEntries:
    """The entries decoded at the last read, with their rows (see the module docstring).
    Safe to share between threads (one read at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # by source key and id (a row's first two values): the row read then, and its entry
        self._by_key: dict[tuple[Any, Any], tuple[Row, Entry]] = {}

    def entries(
        self,
        rows: Iterable[Row],
        attributions: Mapping[str, Attribution],
        decode: Callable[[Row, Attribution], Entry],
    ) -> list[Entry]:
        """The entry of each row, in order: the one decoded last time for an equal row and
        an equal attribution, else ``decode(row, attribution)``. Only these rows are kept
        for the next read: the row read first, whose texts the entry shares, so that an
        unchanged post is held once in memory, not once per read."""
        found: list[Entry] = []
        kept: dict[tuple[Any, Any], tuple[Row, Entry]] = {}
        with self._lock:
            for row in rows:
                attribution = attributions[row[0]]
                key = (row[0], row[1])
                known = self._by_key.get(key)
                if known is None or known[0] != row or known[1].attribution != attribution:
                    known = (row, decode(row, attribution))
                kept[key] = known
                found.append(known[1])
            self._by_key = kept
        return found
