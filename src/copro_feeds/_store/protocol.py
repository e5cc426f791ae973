"""The :class:`Store` protocol: everything the rest of copro_feeds may ask of a store.

Code outside ``_store`` depends on this type only; :func:`~copro_feeds._store.open_store`
is the only place that constructs a backend (for the factories ``core.make_aggregator``,
``_monitor.open_monitor`` and the ``db`` commands). A backend is a package of its own under
``_store/`` (``sqlite/``, ``postgresql/``) and passes the contract tests in ``tests/store/``.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from copro_feeds._types import EditorialMarks, SourceState
from copro_feeds.types import Attribution, AuditRecord, EditorialAction, Entry


@dataclass(frozen=True, slots=True)
class SaveCounts:
    """How many entries one save added and changed."""

    new: int
    updated: int


class Store(Protocol):
    """Entries, per-source state, editorial marks with their audit log, and meta values.

    What every backend promises:

    * It is safe to call from several threads, and several processes may share the
      same store; a write that cannot get its turn in time fails with StoreError.
    * Every method that writes is one transaction: on any error nothing of it is kept,
      the error raised is a :class:`~copro_feeds.exceptions.StoreError` naming the
      store and the first cause (the backend's own exception as ``__cause__``), and the
      store stays usable.
    * :meth:`generation` grows in the same transaction as any change to what is
      published (a saved, edited or relabelled entry; an editorial mark), so a crash
      cannot lose it.
    * Times go in and come out timezone-aware UTC, to the microsecond.
    """

    def close(self) -> None:
        """Release the connection; the store is not used afterwards."""

    # -- sources (one state row per configured source) ---------------------------

    def sync_sources(self, urls: Mapping[str, str]) -> None:
        """Make sure every configured source (key → configured URL) has a state row.

        A new key gets a default :class:`SourceState`. A source whose configured URL
        changed starts afresh (discovery, validators, errors and the gone mark are
        forgotten); its entries are kept. Keys not in ``urls`` are left as they are.
        """

    def states(self) -> dict[str, SourceState]:
        """Every source's state, by key."""

    def state(self, key: str) -> SourceState:
        """One source's state; StoreError if the source is unknown."""

    def save_states(self, states: Sequence[SourceState]) -> None:
        """Save several sources' states in one transaction (states only, no entries)."""

    # -- entries -----------------------------------------------------------------

    def save_fetch(
        self,
        state: SourceState,
        entries: Sequence[Entry],
        undated_ids: frozenset[str],
        now: datetime,
        *,
        well_formed: bool = True,
    ) -> SaveCounts:
        """Save a fetched feed's entries and the source's new state in one transaction.

        Entries are keyed by (source key, id). A new one is added with ``now`` as its
        first-seen time. One whose digest
        (:func:`~copro_feeds._store._encoding.content_hash`) is unchanged is not touched;
        an edited one is updated in place, except that entries read from a document that
        was not ``well_formed`` never replace a stored copy whose content is longer.
        Entries in ``undated_ids`` had no usable date in the feed: their stored
        ``published`` is kept. A changed ``language`` alone is saved without counting as
        an edit (but bumps the generation, as every change does).
        """

    def entries(
        self, attributions: Mapping[str, Attribution], *, content: Container[str] | None = None
    ) -> list[Entry]:
        """Every stored entry of the given sources (others are left out), newest first.

        Ordered by ``published`` descending, then source key, then id. ``content``: the
        source keys whose entries need their ``content_html``; the others come with an
        empty one. None (the default) reads every entry whole.
        """

    def entry_counts(self) -> dict[str, int]:
        """Number of stored entries per source key (sources with none are left out)."""

    def generation(self) -> int:
        """A number that grows whenever published entries or marks change (0 at first)."""

    # -- editorial marks and the audit log ---------------------------------------

    def editorial(self) -> EditorialMarks:
        """The hidden entries, and the pinned ones with when they were pinned."""

    def edit(
        self,
        action: EditorialAction,
        entries: Sequence[Entry],
        *,
        reason: str | None,
        by: str | None,
        now: datetime,
    ) -> list[AuditRecord]:
        """Hide, unhide, pin or unpin ``entries``; return the audit records appended.

        Entries already in the state asked for are left alone and not logged. The marks,
        the audit records and the generation bump are one transaction.
        """

    def audit_log(self) -> list[AuditRecord]:
        """Every editorial action, oldest first."""

    # -- meta (bookkeeping values: publish fingerprint, health records …) --------

    def get_meta(self, key: str) -> str | None:
        """A stored bookkeeping value, None if never set."""

    def set_meta(self, key: str, value: str) -> None:
        """Store a bookkeeping value, replacing any earlier one."""
