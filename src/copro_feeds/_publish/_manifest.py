"""The publish manifest (``.copro-manifest.json``): what shaped each folder last time.

A digest of what every page shares (site, partners, topics, templates, the catalogues of
our words, copro_feeds' version) and one of each partner's, tag's and archive page's
folder (its entries and feed details; a page's neighbours too). A folder whose digest is
unchanged and whose files are all there is not rendered again.

A folder's digest is of the ``repr`` of what shapes it, each entry written as its
attribution's ``repr`` and a tuple of its other fields: an entry is in several folders
(its partner's, its tags', an archive page), and each text is written once per publish.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
from collections.abc import Container, Sequence
from dataclasses import fields, replace
from importlib import resources
from pathlib import Path

from copro_feeds._files import folder_digest
from copro_feeds._plan import Archive, FeedContent, RoundupFeed
from copro_feeds._publish._archive import ArchiveDocument, archive_documents
from copro_feeds._publish._model import FEED_FILES
from copro_feeds._publish._page import INDEX_FILE
from copro_feeds._publish._prepare import with_source_dates
from copro_feeds._version import __version__
from copro_feeds.config import SiteConfig
from copro_feeds.types import Attribution, Entry

MANIFEST_FILE = ".copro-manifest.json"
# What of an entry shapes its files: every field in its repr, the attribution apart.
_ENTRY_FIELDS = operator.attrgetter(
    *(f.name for f in fields(Entry) if f.repr and f.name != "attribution")
)
_SHIPPED_TEMPLATES = Path(str(resources.files("copro_feeds").joinpath("data", "templates")))
_SHIPPED_CATALOGUES = Path(str(resources.files("copro_feeds").joinpath("locale")))


def digests_of(
    feeds: Sequence[FeedContent],
    sources: Sequence[Attribution],
    site: SiteConfig,
    templates: Path | None,
    roundups: RoundupFeed | None,
    *,
    archive: Archive | None = None,
) -> tuple[str, dict[str, str]]:
    """A digest of what every page shares, and one of each partner's, tag's and archive
    month's folder."""
    shared = [
        __version__,
        repr(site),
        repr(sorted(sources, key=lambda source: source.source_key)),
        [(feed.info.folder, feed.info.related) for feed in feeds],
        folder_digest(templates),
        folder_digest(_SHIPPED_TEMPLATES),
        folder_digest(_SHIPPED_CATALOGUES),  # a corrected translation renders every page
        roundups.every if roundups is not None else None,
        archive is not None and bool(archive.months),  # the pages' link to the archive
    ]
    texts = _EntryTexts()
    folders = {
        feed.info.folder: _digest_of(texts.of(repr(feed.info), feed.entries))
        for feed in with_source_dates(feeds)  # a partner's newer post re-dates its <source>
        if feed.info.folder
    }
    if archive is not None:  # each page of each month
        folders.update(
            (document.page.folder, _digest_of(texts.of(_frame(document), document.page.entries)))
            for document in archive_documents(archive)
        )
    return _digest_of(json.dumps(shared, default=repr)), folders


def _frame(document: ArchiveDocument) -> str:
    """Everything of an archive page's document but its posts: its place among the pages
    and months, the documents its feeds link."""
    return repr(replace(document, page=replace(document.page, entries=())))


class _EntryTexts:
    """Everything of a folder's entries that is in their ``repr`` (not the fingerprints),
    written faster than ``repr`` would: each attribution once, the other fields as one
    tuple, once per publish for the same fields (the same post in several folders, dated
    or not)."""

    def __init__(self) -> None:
        # by the attribution's id (a partner's entries share one), by the fields' values
        self._credits: dict[int, str] = {}
        self._fields: dict[tuple[object, ...], str] = {}

    def of(self, head: str, entries: Sequence[Entry]) -> str:
        """``head``, then each entry's attribution and fields, a line each."""
        lines = [head]
        for entry in entries:
            credit = self._credits.get(id(entry.attribution))
            if credit is None:
                credit = self._credits[id(entry.attribution)] = repr(entry.attribution)
            values = _ENTRY_FIELDS(entry)
            text = self._fields.get(values)
            if text is None:
                text = self._fields[values] = repr(values)
            lines.append(credit)
            lines.append(text)
        return "\n".join(lines)


def _digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def unchanged_folders(
    directory: Path, shared: str, digests: dict[str, str], *, pages_only: Container[str] = ()
) -> set[str]:
    """The folders whose files the last publish wrote from the same inputs, all still there
    (an ``index.html`` alone in the folders of ``pages_only``: the pages of the archive's
    month so far, which has no feeds yet)."""
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_bytes())
        if manifest["shared"] != shared:
            return set()
        before = dict(manifest["folders"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()  # no manifest, or a damaged one: render everything
    every = frozenset((*FEED_FILES, INDEX_FILE))
    return {
        folder
        for folder, digest in digests.items()
        if before.get(folder) == digest
        and ({INDEX_FILE} if folder in pages_only else every) <= _files_in(directory / folder)
    }


def _files_in(folder: Path) -> set[str]:
    """The names of the files in ``folder`` (none when it cannot be listed): one listing
    instead of a look-up per file."""
    try:
        with os.scandir(folder) as listing:
            return {item.name for item in listing if item.is_file()}
    except OSError:
        return set()
