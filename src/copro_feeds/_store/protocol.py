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

from copro_feeds._types import EditorialMarks, SourceState, StaffAction, StaffUser
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
        items: Mapping[str, str] | None = None,
    ) -> SaveCounts:
        """Save a fetched feed's entries and the source's new state in one transaction.

        Entries are keyed by (source key, id). A new one is added with ``now`` as its
        first-seen time. One whose digest
        (:func:`~copro_feeds._store._encoding.content_hash`) is unchanged is not touched;
        an edited one is updated in place, except that entries read from a document that
        was not ``well_formed`` never replace a stored copy whose content is longer.
        Entries in ``undated_ids`` had no usable date in the feed: their stored
        ``published`` is kept. A changed ``language`` alone is saved without counting as
        an edit (but bumps the generation, as every change does); so is a
        ``fingerprint`` for a stored entry that has none yet (one saved before
        fingerprints existed). Enclosures are part of the digest when there are any.

        ``items`` (item digest → entry id, see ``_ingest``) replace the source's known
        items in the same transaction; None forgets them.
        """

    def known_items(self, key: str) -> dict[str, str]:
        """The items saved with the source's last fetched document (item digest → entry
        id); empty when none, or for an unknown source."""

    def entries(
        self, attributions: Mapping[str, Attribution], *, content: Container[str] | None = None
    ) -> list[Entry]:
        """Every stored entry of the given sources (others are left out), newest first.

        Ordered by ``published`` descending, then source key, then id. ``content``: the
        source keys whose entries need their ``content_html``; the others come with an
        empty one. None (the default) reads every entry whole. Enclosures and
        fingerprints always come whole.
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

    # -- staff accounts, sign-in throttling and the session secret (the web app) ---

    def add_user(self, user: StaffUser) -> bool:
        """Add a staff account; False, changing nothing, when the name is taken."""

    def user(self, name: str) -> StaffUser | None:
        """The staff account called ``name`` (names are compared exactly), None if none."""

    def users(self) -> list[StaffUser]:
        """Every staff account, by name."""

    def remove_user(self, name: str) -> bool:
        """Delete the account called ``name``; False when there was none."""

    def set_password(self, name: str, password_hash: str) -> bool:
        """Replace the password hash of ``name``; False when there is no such account."""

    def sign_out(self, name: str, now: datetime) -> None:
        """Record that ``name`` signed out at ``now`` (its ``signed_out``); no such account:
        nothing happens."""

    def note_failed_sign_in(
        self, keys: Sequence[str], now: datetime, *, forget_before: datetime
    ) -> None:
        """Record one failed sign-in at ``now`` under each of ``keys`` (an account, an
        address), and forget every failure older than ``forget_before``, in one transaction."""

    def failed_sign_ins(self, key: str, since: datetime) -> int:
        """How many failed sign-ins are recorded under ``key`` at ``since`` or later."""

    def record_staff_action(self, action: StaffAction) -> None:
        """Append a change to the partners or the accounts to the audit log."""

    def staff_actions(self) -> list[StaffAction]:
        """Every change :meth:`record_staff_action` recorded, oldest first."""

    def session_secret(self, candidate: str) -> str:
        """The secret that signs the web app's sessions.

        The stored one; when there is none yet, ``candidate`` is stored and returned (the
        first caller wins, so processes sharing the store agree). The backend keeps it, and
        the password hashes, readable by the store's owner only.
        """
