"""The publish manifest (``.copro-manifest.json``): what shaped each folder last time.

A digest of what every page shares (site, partners, topics, templates, the catalogues of
our words, copro_feeds' version) and one of each partner's, tag's and archive page's
folder (its entries and feed details; a page's neighbours too). A folder whose digest is
unchanged and whose files are all there is not rendered again.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Container, Sequence
from dataclasses import fields
from importlib import resources
from pathlib import Path

from copro_feeds._files import folder_digest
from copro_feeds._plan import Archive, FeedContent, RoundupFeed
from copro_feeds._publish._archive import page_shapes
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
    credits: dict[int, str] = {}  # a partner's entries share one attribution: one repr
    folders = {
        feed.info.folder: _digest_of(_feed_text(feed, credits))
        for feed in with_source_dates(feeds)  # a partner's newer post re-dates its <source>
        if feed.info.folder
    }
    if archive is not None:  # each page of each month
        folders.update(
            (folder, _digest_of(shape)) for folder, shape in page_shapes(archive).items()
        )
    return _digest_of(json.dumps(shared, default=repr)), folders


def _feed_text(feed: FeedContent, credits: dict[int, str]) -> str:
    """Everything of a feed's details and entries that is in their ``repr`` (not the
    fingerprints), written faster than ``repr`` would: each attribution once
    (``credits``: by the attribution's ``id``), the other fields as one tuple."""
    lines = [repr(feed.info)]
    for entry in feed.entries:
        credit = credits.get(id(entry.attribution))
        if credit is None:
            credit = credits[id(entry.attribution)] = repr(entry.attribution)
        lines.append(credit)
        lines.append(repr(_ENTRY_FIELDS(entry)))
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
    return {
        folder
        for folder, digest in digests.items()
        if before.get(folder) == digest
        and all(
            (directory / folder / name).is_file()
            for name in ((INDEX_FILE,) if folder in pages_only else (*FEED_FILES, INDEX_FILE))
        )
    }
