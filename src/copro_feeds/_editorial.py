"""Pure: entry references, and where each stored entry stands in the combined feed.

A reference names a stored entry the way an editor has it to hand:

* its short ref, ``<source key>/<hex>``, as ``copro-feeds entries`` shows it (10 hex
  digits; any unique prefix of at least 6 works);
* its id in our feeds, ``tag:<host>,2026:<source key>/<32 hex>`` (the short ref's digits
  are the start of it);
* its link, as we store it or as the partner wrote it (``utm_*`` parameters and the
  fragment do not matter): this names every copy of the post;
* the partner's own id for it (guid).

Editors act on posts, not copies (see ``_select``): a reference that names entries of
two different posts is ambiguous.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from copro_feeds._dedupe import duplicate_key
from copro_feeds._normalise import canonical_link
from copro_feeds._types import EntryKey
from copro_feeds.exceptions import AmbiguousEntryError, EntryNotFoundError
from copro_feeds.types import EditorialAction, Entry

REF_DIGITS = 10
MIN_REF_DIGITS = 6
_MAX_CANDIDATES = 5
_SHORT_REF = re.compile(rf"^(?P<key>[^/\s]+)/(?P<digits>[0-9a-fA-F]{{{MIN_REF_DIGITS},64}})$")
_TOO_SHORT = re.compile(rf"^[^/\s]+/[0-9a-fA-F]{{1,{MIN_REF_DIGITS - 1}}}$")
_PUBLISHED_ID = re.compile(r"^tag:[^,\s]+,\d{4}:(?P<key>[^/\s]+)/(?P<digits>[0-9a-f]{32})$")


def quote(title: str) -> str:
    """A title in typographic single quotes, as messages show it."""
    return f"\u2018{title}\u2019"


def changes(action: EditorialAction, *, hidden: bool, pinned: bool) -> bool:
    """True when ``action`` changes an entry with these marks (every store logs only those)."""
    return {
        EditorialAction.HIDE: not hidden,
        EditorialAction.UNHIDE: hidden,
        EditorialAction.PIN: not pinned,
        EditorialAction.UNPIN: pinned,
    }[action]


def entry_key(entry: Entry) -> EntryKey:
    """The entry's key in the store: (source key, the partner's id)."""
    return (entry.source_key, entry.id)


def id_digest(entry_id: str) -> str:
    """The hex SHA-256 of a partner's id: our published ids and short refs start with it."""
    return hashlib.sha256(entry_id.encode("utf-8", "surrogatepass")).hexdigest()


def short_ref(source_key: str, entry_id: str) -> str:
    """``<source key>/<first 10 hex digits of the id's digest>``."""
    return f"{source_key}/{id_digest(entry_id)[:REF_DIGITS]}"


def ref_of(entry: Entry) -> str:
    """The entry's short ref."""
    return short_ref(entry.source_key, entry.id)


def resolve(reference: str, entries: Sequence[Entry]) -> list[Entry]:
    """The stored entries ``reference`` names (every copy, for a link), newest first.

    Raises EntryNotFoundError when none matches, AmbiguousEntryError (listing them) when
    the matches are more than one post.
    """
    text = reference.strip()
    matches = (
        _by_digest(_SHORT_REF.match(text), entries)
        or _by_digest(_PUBLISHED_ID.match(text), entries)
        or _by_link(text, entries)
        or [entry for entry in entries if entry.id == text]
    )
    if not matches:
        hint = (
            f"a ref needs at least {MIN_REF_DIGITS} of its hex digits"
            if _TOO_SHORT.match(text)
            else "give its link, or its ref as `copro-feeds entries` shows it"
        )
        raise EntryNotFoundError(f"no stored entry matches {reference!r}: {hint}")
    posts = {duplicate_key(entry) for entry in matches}
    if len(posts) > 1:
        candidates = tuple(f"{ref_of(entry)} {quote(entry.title)}" for entry in matches)
        shown = "; ".join(candidates[:_MAX_CANDIDATES])
        more = len(candidates) - _MAX_CANDIDATES
        raise AmbiguousEntryError(
            f"{reference!r} matches {len(posts)} different posts: {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + " (give a longer ref)",
            candidates=candidates,
        )
    return matches


def _by_digest(found: re.Match[str] | None, entries: Iterable[Entry]) -> list[Entry]:
    if found is None:
        return []
    key, digits = found["key"], found["digits"].lower()
    return [e for e in entries if e.source_key == key and id_digest(e.id).startswith(digits)]


def _by_link(text: str, entries: Iterable[Entry]) -> list[Entry]:
    link = canonical_link(text, text)
    return [entry for entry in entries if link is not None and entry.link == link]


def every_copy(entries: Iterable[Entry], of: Iterable[Entry]) -> list[Entry]:
    """The entries that are copies of the same posts as ``of`` (those included)."""
    posts = {duplicate_key(entry) for entry in of}
    return [entry for entry in entries if duplicate_key(entry) in posts]
