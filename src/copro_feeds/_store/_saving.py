"""What saving a fetched feed changes, decided alike by every backend (pure).

A backend reads what it holds of the source's entries (:class:`StoredCopy` by id), asks
:func:`plan_save` which rows to insert, update or relabel, and writes them in the same
transaction; the rules are :meth:`Store.save_fetch <copro_feeds._store.Store.save_fetch>`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from copro_feeds._store._encoding import content_hash
from copro_feeds._store.protocol import SaveCounts
from copro_feeds.types import Entry

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredCopy:
    """What a save needs to know of an entry already stored (``published`` as stored)."""

    digest: str
    published: Any
    language: str | None


@dataclass(frozen=True, slots=True)
class SavePlan:
    """The rows to write: new entries, edited ones, and ones with only a new language."""

    inserts: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    relabels: list[Row] = field(default_factory=list)

    @property
    def counts(self) -> SaveCounts:
        return SaveCounts(new=len(self.inserts), updated=len(self.updates))

    @property
    def changed(self) -> bool:
        """Whether anything stored changes (a new language alone too): bump the generation."""
        return bool(self.inserts or self.updates or self.relabels)


def plan_save(
    entries: Sequence[Entry],
    undated_ids: frozenset[str],
    stored: Mapping[str, StoredCopy],
    *,
    well_formed: bool,
    row: Callable[[Entry, str], Row],
    stored_length: Callable[[str], int],
) -> SavePlan:
    """Sort ``entries`` into the rows to insert, update and relabel.

    ``row(entry, digest)`` is the backend's row for an entry; ``stored_length(id)`` the
    length of a stored entry's content, asked only for edited entries of a document that
    was not ``well_formed`` (whose shorter copies never replace ours).
    """
    plan = SavePlan()
    for entry in entries:
        undated = entry.id in undated_ids
        digest = content_hash(entry, undated=undated)
        copy = stored.get(entry.id)
        if copy is None:
            plan.inserts.append(row(entry, digest))
        elif copy.digest != digest:
            if not well_formed and len(entry.content_html) < stored_length(entry.id):
                continue  # a shorter copy from a broken document: keep ours
            values = row(entry, digest)
            if undated:
                values["published"] = copy.published
            plan.updates.append(values)
        elif copy.language != entry.language:
            plan.relabels.append(row(entry, digest))
    return plan
