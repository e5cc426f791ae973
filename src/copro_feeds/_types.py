"""Internal transfer types passed between the stage modules (not public API)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResponse:
    """A completed fetch: a 200 with its body, or a 304 with an empty body.

    ``headers`` has lower-cased names. ``permanent_redirect`` is the final URL when every
    redirect hop on the way was permanent (301/308), else None.
    """

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]
    etag: str | None
    last_modified: str | None
    permanent_redirect: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RawEnclosure:
    """An enclosure as the feed states it (RSS ``<enclosure>``, Atom ``link
    rel="enclosure"``, a JSON Feed attachment), not yet checked: the URL, the media type
    and the length as written (text in XML, a number in JSON)."""

    url: str | None
    type: str | None
    length: str | int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RawEntry:
    """One entry as the parser read it, before normalising. HTML is not yet sanitised.

    ``language`` is the entry's own language as the feed declares it (``dc:language``,
    or the ``xml:lang`` of its content or title), not yet checked; None when it has none.
    """

    guid: str | None
    guid_is_link: bool
    link: str | None
    title: str | None
    title_is_html: bool
    authors: tuple[str, ...]
    published: datetime | None
    updated: datetime | None
    content: str | None
    content_is_html: bool
    categories: tuple[str, ...]
    language: str | None = None
    content_base: str | None = None  # what relative links in ``content`` resolve against
    enclosures: tuple[RawEnclosure, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedFeed:
    """A parsed feed: its own metadata and entries, plus survivable parser warnings.

    ``language`` is the feed's (RSS ``<language>``, the root's ``xml:lang``, else the
    Content-Language header), not yet checked; None when it declares none.
    ``well_formed`` is False when the XML had to be read leniently; ``complete`` is False
    when, besides, the document stops before its root element's end tag (cut short).
    ``entry_digests``: each entry's item digest (see ``_items``), in order, when they are
    known for sure (else None); ``skipped``: the digests of the items not read at all.
    """

    version: str
    title: str | None
    link: str | None
    author: str | None
    entries: tuple[RawEntry, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)
    language: str | None = None
    well_formed: bool = True
    complete: bool = True
    entry_digests: tuple[str, ...] | None = None
    skipped: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What the store remembers about one source between runs."""

    key: str
    config_url: str
    feed_url: str | None = None
    homepage: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_due: datetime | None = None
    gone: bool = False
    redirect_url: str | None = None
    redirect_hits: int = 0

    @property
    def effective_url(self) -> str:
        """The URL to fetch: the discovered or moved feed URL, else the configured one."""
        return self.feed_url or self.config_url


EntryKey = tuple[str, str]
"""An entry's key in the store: (source key, the partner's entry id)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EditorialMarks:
    """Editors' decisions that shape the outputs: hidden entries and pinned ones.

    ``pinned`` maps each pinned entry to when it was pinned (the latest pin goes first).
    """

    hidden: frozenset[EntryKey] = frozenset()
    pinned: Mapping[EntryKey, datetime] = field(default_factory=dict)


class Role(enum.StrEnum):
    """What a staff member may do in the web app: editors manage posts and partners,
    admins also manage the staff's accounts."""

    EDITOR = "editor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffUser:
    """A staff account of the web app: its name, role, argon2 password hash, when it was
    made and when it last signed out (every session begun before then is over); aware UTC."""

    name: str
    role: Role
    password_hash: str
    created: datetime
    signed_out: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.created, self.signed_out):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError("created and signed_out must be timezone-aware")


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffAction:
    """A change to the partners or the staff accounts, for the audit log (changes to posts
    are :class:`~copro_feeds.types.AuditRecord`): when (aware UTC), by whom, what
    (``"disabled partner"``, ``"added account"`` …) and to what (a partner, an account)."""

    at: datetime
    by: str | None
    action: str
    subject: str

    def __post_init__(self) -> None:
        if self.at.utcoffset() is None:
            raise ValueError("at must be timezone-aware")
