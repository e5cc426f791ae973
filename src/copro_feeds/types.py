"""Public data types: frozen, slotted, keyword-only; every datetime is aware UTC."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from copro_feeds.exceptions import CoproFeedsError


def require_utc(value: datetime | None, name: str) -> None:
    """Raise ``ValueError`` unless ``value`` is None or an aware datetime in UTC."""
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{name} must be an aware UTC datetime, got {value!r}")


class Display(enum.StrEnum):
    """How much of a partner's post is republished (``[[sources]] display``).

    ``EXCERPT``: the plain-text excerpt and the credit; ``HEADLINE``: the title and the
    credit only; ``FULL``: the whole sanitised post and the credit (only where the
    partner allows it).
    """

    EXCERPT = "excerpt"
    HEADLINE = "headline"
    FULL = "full"


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution:
    """Who published an entry: shown as "Via <name>" and in Atom ``<source>``.

    ``licence`` (e.g. "CC BY 4.0") is shown in the credit line and as the entry's Atom
    ``rights``; ``display`` is how much of the partner's posts we republish. ``updated``
    is when the partner's feed last changed as far as the publisher knows (the newest
    update among its published posts), the Atom ``<source>``'s ``updated``; None when
    unknown (the entry's own update time stands in).
    """

    source_key: str
    name: str
    homepage: str
    feed_url: str
    licence: str | None = None
    display: Display = Display.EXCERPT
    updated: datetime | None = None

    def __post_init__(self) -> None:
        require_utc(self.updated, "updated")


@dataclass(frozen=True, slots=True, kw_only=True)
class Enclosure:
    """An audio or video file attached to a post: a podcast episode, a video.

    ``url`` is absolute, http or https, never with credentials; ``type`` is its media
    type in lower case (``"audio/mpeg"``, ``"video/mp4"``); ``length`` is its size in
    bytes as the partner's feed states it, or None when the feed does not say.
    """

    url: str
    type: str
    length: int | None = None

    @property
    def kind(self) -> str:
        """``"audio"`` or ``"video"``: the first part of the media type."""
        return self.type.partition("/")[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One partner post, normalised.

    ``id`` is the partner's own identifier (guid, else canonical link, else a hash of
    title and date); together with ``attribution.source_key`` it is unique in the store.
    ``content_html`` is sanitised; ``excerpt`` is plain text of at most the configured
    number of words. ``published`` falls back to the time the entry was first seen.
    ``language`` is the post's language as its feed declares it (``xml:lang`` or the
    channel's ``<language>``, e.g. ``"cy"``), or None. ``enclosures`` are the audio and
    video files the post carries (a podcast episode), in feed order.

    ``fingerprint`` is a MinHash signature of the post's title and text, used only to
    find the same article reposted by another partner under another link (see
    ``[output] repost_similarity``); empty until the entry has been through a refresh.
    It takes no part in comparing or printing entries. copro_feeds makes it an
    ``array('I')`` of 32-bit numbers (a tenth of a tuple's memory); any sequence of
    ints is accepted. Treat it as read-only.

    Two fields describe an entry's place in the combined feed and are set only on the
    entries :meth:`~copro_feeds.Aggregator.entries` returns: ``also_via``, the other
    partners whose feeds carried the same post (joint credit), and ``pinned``, kept at the
    top by an editor (``copro-feeds pin``).
    """

    id: str
    attribution: Attribution
    title: str
    link: str | None
    authors: tuple[str, ...]
    published: datetime
    updated: datetime
    content_html: str
    excerpt: str
    categories: tuple[str, ...]
    language: str | None = None
    enclosures: tuple[Enclosure, ...] = ()
    fingerprint: Sequence[int] = field(default=(), compare=False, repr=False)
    also_via: tuple[Attribution, ...] = ()
    pinned: bool = False

    def __post_init__(self) -> None:
        require_utc(self.published, "published")
        require_utc(self.updated, "updated")
        if not self.id:
            raise ValueError("an entry needs a non-empty id")

    @property
    def source_key(self) -> str:
        """The key of the source this entry came from."""
        return self.attribution.source_key


class Outcome(enum.StrEnum):
    """What happened to one source in one run."""

    UPDATED = "updated"
    NOT_MODIFIED = "not modified"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceResult:
    """The result of refreshing one source: errors are values here, never raised.

    When the source failed, ``exception`` is the typed error, one of ours (a
    :class:`~copro_feeds.exceptions.FeedError` subclass such as ``GoneError``,
    ``HTTPStatusError`` with its ``status`` and ``retry_after``, ``ParseError``; or a
    ``StoreError`` when saving failed), and ``error`` its text, as the CLI prints it.

    ``fetch_seconds`` is the time spent on HTTP (every request: discovery and redirects
    too), ``parse_seconds`` the time spent parsing and normalising; None when that step
    did not happen (a gone source is not fetched; a 304 or an unchanged body is not parsed).
    """

    source_key: str
    name: str
    outcome: Outcome
    new_entries: int = 0
    updated_entries: int = 0
    error: str | None = None
    exception: CoproFeedsError | None = None
    fetch_seconds: float | None = None
    parse_seconds: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """What one :meth:`Aggregator.run_once` did, source by source.

    ``publish_error`` is set when the outputs could not be written; the stored entries
    are safe and the next run publishes again.
    """

    results: tuple[SourceResult, ...]
    files_written: tuple[str, ...] = ()
    publish_error: str | None = None

    def count(self, outcome: Outcome) -> int:
        """How many sources ended with ``outcome``."""
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def failures(self) -> tuple[SourceResult, ...]:
        """The sources that ended in an error."""
        return tuple(r for r in self.results if r.outcome is Outcome.ERROR)

    @property
    def new_entries(self) -> int:
        """Entries stored for the first time in this run."""
        return sum(r.new_entries for r in self.results)

    @property
    def updated_entries(self) -> int:
        """Stored entries whose content changed in this run."""
        return sum(r.updated_entries for r in self.results)

    @property
    def changed(self) -> bool:
        """True when the run stored anything new or edited."""
        return self.new_entries > 0 or self.updated_entries > 0

    def summary(self) -> str:
        """One line for people: sources by outcome, entries, files written."""
        published = (
            f"publishing failed: {self.publish_error}"
            if self.publish_error
            else (f"files written: {len(self.files_written)}")
        )
        return (
            f"sources: {self.count(Outcome.UPDATED)} updated, "
            f"{self.count(Outcome.NOT_MODIFIED)} not modified, "
            f"{self.count(Outcome.ERROR)} failed; "
            f"entries: {self.new_entries} new, {self.updated_entries} updated; {published}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceStatus:
    """The stored state of one source, for ``copro-feeds status``."""

    source_key: str
    name: str
    url: str
    feed_url: str | None
    entries: int
    last_success: datetime | None
    last_error: str | None
    failures: int
    next_due: datetime | None
    gone: bool
    enabled: bool = True


class EntryState(enum.StrEnum):
    """Where a stored entry stands in the combined feed (``copro-feeds entries --state``).

    ``PUBLISHED`` and ``PINNED`` entries are in it; the others are not: ``HIDDEN`` by an
    editor, ``DISABLED`` (the partner has ``enabled = false``), ``FILTERED`` out by the
    partner's include/exclude words, ``MERGED`` into a copy of the same post from another
    partner, or ``OLDER`` than the newest ``[output] max_entries`` posts.
    """

    PUBLISHED = "published"
    PINNED = "pinned"
    HIDDEN = "hidden"
    DISABLED = "disabled"
    FILTERED = "filtered"
    MERGED = "merged"
    OLDER = "older"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEntry:
    """A stored entry with its short reference and its place in the combined feed.

    ``ref`` is ``<source key>/<10 hex digits>``, as ``copro-feeds entries`` shows it;
    editorial commands and :meth:`~copro_feeds.Aggregator.explain` accept it.
    ``state_text`` says the state in plain words ("merged into scope/1a2b3c4d5e",
    "beyond the newest 50").
    """

    ref: str
    entry: Entry
    state: EntryState
    state_text: str

    @property
    def in_feed(self) -> bool:
        """True when the combined feed holds this entry."""
        return self.state in (EntryState.PUBLISHED, EntryState.PINNED)


class EditorialAction(enum.StrEnum):
    """An editor's action on a post, as recorded in the audit log."""

    HIDE = "hide"
    UNHIDE = "unhide"
    PIN = "pin"
    UNPIN = "unpin"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """One line of the audit log: an editorial action on one stored entry.

    Hiding or pinning a post acts on every stored copy of it (one record per copy).
    ``by`` is who did it (the login name, for the command), when known.
    """

    at: datetime
    action: EditorialAction
    ref: str
    source_key: str
    entry_id: str
    title: str
    link: str | None
    reason: str | None = None
    by: str | None = None

    def __post_init__(self) -> None:
        require_utc(self.at, "at")


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    """Why an entry is, or is not, in the combined feed (``copro-feeds explain``).

    ``entry`` is the entry explained; ``copies`` is every stored copy of the same post
    (``entry`` among them), the one the combined feed would show first. ``lines`` are
    plain sentences for people: sources, filters, duplicates, editors' marks, position
    and excerpt.
    """

    entry: StoredEntry
    copies: tuple[StoredEntry, ...]
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The explanation as one text, a sentence a line."""
        return "\n".join(self.lines)
