"""Publishing: the combined, per-partner and per-tag feeds in Atom, RSS and JSON Feed, the
partner list as OPML, and the stylesheet that makes the XML feeds readable in a browser.

Output files (under ``[output] dir``)::

    atom.xml  rss.xml  feed.json  index.html  sources.opml  via.opml  feed.xsl  style.css
    sources/<source slug>/atom.xml  rss.xml  feed.json  index.html
    tags/<tag slug>/atom.xml  rss.xml  feed.json  index.html
    lang/<code>/atom.xml  rss.xml  feed.json  index.html   (with [site] languages)
    <code>/...   the same again in each language after the first (with [site] languages)
    digest.xml  digest/index.html  digest/<first day of a period>.html   (with [digest])
    archive/index.html  archive/<YYYY-MM>/index.html  atom.xml  rss.xml  feed.json
    archive/<YYYY-MM>/<n>/index.html  atom.xml  rss.xml  feed.json   (a month's older pages)

The ``index.html`` pages (see ``_page`` and ``_html``) come from Jinja2 templates: a user's
``[output] templates`` folder first, then the package's own.

Every file is written atomically and only when its bytes change. Feed folders of
partners or tags no longer configured are removed, and so are roundup pages no longer
listed (all of ``digest.xml`` and ``digest/`` when the roundup is turned off), and so are
archive months and pages no longer holding a post (see ``_archive``). Hidden
files in the folder belong to the publisher and are never served: ``.copro-lock`` (one
publisher at a time), ``.copro-tmp-*`` (files being written; those a crash left are
removed by the next publish) and ``.copro-manifest.json``.

Only what changed is rendered again. The manifest, written after every file, records a
digest of what shaped each partner's, tag's and archive page's folder (its entries and feed
details) and
of what every page shares (site, partners, topics, templates, copro_feeds' version); a
folder whose digest is unchanged and whose files are all there is not rendered again.
The combined feed, the OPML, the roundup and the stylesheets are rendered every time.
Each folder's files are rendered by ``_folders``; a big publish renders its folders on
the render workers, on every core, with the same bytes (see ``_parallel``).

One bad entry never aborts a publish: every text is made XML-safe first (control
characters, lone surrogates and U+FFFE/U+FFFF removed; links that are not http(s)
dropped), and an entry a format still refuses is left out of that file with a warning.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Container, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from copro_feeds._files import (
    LOCK_FILE,
    TEMP_PREFIX,
    describe,
    folder_digest,
    make_folder,
    publish_lock,
    remove_stale_temp_files,
    write_files,
    write_if_changed,
)
from copro_feeds._plan import (
    ARCHIVE_FOLDER,
    DIGEST_FOLDER,
    MAIN_FEED,
    Archive,
    FeedContent,
    FeedInfo,
    Roundup,
    RoundupFeed,
    RoundupSection,
)
from copro_feeds._publish._archive import (
    archive_documents,
    month_counts,
    open_pages,
    subscription_history,
)
from copro_feeds._publish._feedgen import UNTITLED, render_atom, render_roundup_atom, render_rss
from copro_feeds._publish._folders import FolderRenderer, Shared
from copro_feeds._publish._html import feed_stylesheet
from copro_feeds._publish._jsonfeed import render_json_feed
from copro_feeds._publish._manifest import MANIFEST_FILE, digests_of, unchanged_folders
from copro_feeds._publish._model import (
    ATOM_FILE,
    FEED_FILES,
    JSON_FILE,
    OPML_FILE,
    RSS_FILE,
    VIA_OPML_FILE,
    XSL_FILE,
    attribution_html,
    entry_html,
    public_base,
    public_url,
    published_id,
)
from copro_feeds._publish._opml import render_opml, render_via_opml
from copro_feeds._publish._page import CSS_FILE, INDEX_FILE
from copro_feeds._publish._parallel import Step, render_pool, render_steps
from copro_feeds._publish._prepare import (
    clean_attribution,
    clean_entry,
    clean_roundups,
    with_source_dates,
)
from copro_feeds._publish._roundup import DIGEST_FILE
from copro_feeds._publish._roundup_pages import render_roundup_pages
from copro_feeds._sandbox import Sandbox
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from copro_feeds.types import Attribution

__all__ = [
    "ARCHIVE_FOLDER",
    "ATOM_FILE",
    "CSS_FILE",
    "DIGEST_FILE",
    "DIGEST_FOLDER",
    "FEED_FILES",
    "INDEX_FILE",
    "JSON_FILE",
    "LOCK_FILE",
    "MAIN_FEED",
    "MANIFEST_FILE",
    "OPML_FILE",
    "RSS_FILE",
    "TEMP_PREFIX",
    "UNTITLED",
    "VIA_OPML_FILE",
    "XSL_FILE",
    "Archive",
    "FeedContent",
    "FeedInfo",
    "Roundup",
    "RoundupFeed",
    "RoundupSection",
    "attribution_html",
    "clean_attribution",
    "clean_entry",
    "entry_html",
    "folder_digest",
    "iter_files",
    "public_base",
    "public_url",
    "publish",
    "publish_lock",
    "published_id",
    "render_atom",
    "render_files",
    "render_json_feed",
    "render_opml",
    "render_pool",
    "render_roundup_atom",
    "render_rss",
    "render_via_opml",
    "shared_data",
    "write_if_changed",
]

log = logging.getLogger("copro_feeds")

_GROUP_FOLDERS = ("sources", "tags", "lang")


def iter_files(
    feeds: Sequence[FeedContent],
    sources: Sequence[Attribution],
    site: SiteConfig,
    *,
    templates: Path | None = None,
    roundups: RoundupFeed | None = None,
    archive: Archive | None = None,
    skip: Container[str] = (),
    now: datetime | None = None,
    renderers: Sandbox | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Every output file's path (relative to the output folder) and bytes, one at a time.

    ``templates`` is a folder of Jinja2 templates overriding the shipped ones for the
    HTML pages. Pure and deterministic: the same arguments (and templates) give the same
    bytes. ``roundups`` is the ``[digest]`` feed (``digest.xml`` and the ``digest/``
    pages), or None when the roundup is off. The feeds and pages of the folders in ``skip``
    are left out (their files are up to date). Files come folder by folder, so a caller
    writing them as they come holds one folder's files in memory, not every file.
    ``now`` dates the feeds that have no entries (default: the clock, read once).
    ``renderers`` (see :func:`render_pool`) render the folders on every core when there
    are enough posts to pay for it (see ``_parallel``): the same files in the same order.
    """
    moment = now or datetime.now(UTC)
    feeds = with_source_dates(_with_history(feeds, archive))
    attributions = [clean_attribution(source) for source in sources]
    shared = shared_data(
        feeds,
        attributions,
        site,
        templates=templates,
        roundups=roundups,
        archive=archive,
        now=moment,
    )
    renderer = FolderRenderer(shared)
    steps: list[Step] = [feed for feed in feeds if feed.info.folder not in skip]
    steps.append(partial(_site_files, renderer, attributions, site))
    if roundups is not None:
        steps.append(partial(_roundup_files, roundups, feeds, shared))
    if archive is not None and shared.archived:
        steps += [
            document
            for document in archive_documents(archive)
            if document.page.folder not in skip  # not rendered at all: its files are up to date
        ]
        steps.append(lambda: [renderer.month_list()])
    yield from render_steps(steps, shared, renderer, renderers)


def shared_data(
    feeds: Sequence[FeedContent],
    attributions: Sequence[Attribution],
    site: SiteConfig,
    *,
    templates: Path | None,
    roundups: RoundupFeed | None,
    archive: Archive | None,
    now: datetime,
) -> Shared:
    """What every folder's files depend on besides their own posts (sent to each render
    worker): the feeds' details and the archive's months, without their posts."""
    return Shared(
        site=site,
        feeds=tuple(feed.info for feed in feeds),
        attributions=tuple(attributions),
        templates=templates,
        roundup=roundups.every if roundups is not None else None,
        months=month_counts(archive) if archive is not None else (),
        now=now,
    )


def _site_files(
    renderer: FolderRenderer, attributions: Sequence[Attribution], site: SiteConfig
) -> Iterator[tuple[str, bytes]]:
    """The files every publish renders once: the stylesheets and the partner lists."""
    yield CSS_FILE, renderer.pages.stylesheet()
    yield OPML_FILE, render_opml(attributions, site)
    yield VIA_OPML_FILE, render_via_opml(attributions, site)
    yield XSL_FILE, feed_stylesheet(renderer.pages.lang)


def _roundup_files(
    roundups: RoundupFeed,
    feeds: Sequence[FeedContent],
    shared: Shared,
) -> Iterator[tuple[str, bytes]]:
    """``digest.xml`` and the roundup's pages."""
    digest = clean_roundups(roundups)
    try:
        yield DIGEST_FILE, render_roundup_atom(digest, shared.site, now=shared.now)
    except ValueError as error:  # lxml's and feedgen's refusals
        raise PublishError(f"cannot render {DIGEST_FILE}: {error}") from error
    yield from render_roundup_pages(
        digest,
        feeds,
        shared.attributions,
        shared.site,
        templates=shared.templates,
        archive=shared.archived,
    ).items()


def _with_history(feeds: Sequence[FeedContent], archive: Archive | None) -> list[FeedContent]:
    """``feeds`` with the combined feed linked to its newest archive (when there is one)."""
    history = subscription_history(archive) if archive is not None else None
    return [
        replace(feed, info=replace(feed.info, history=history))
        if history is not None and feed.info.folder == MAIN_FEED.folder
        else feed
        for feed in feeds
    ]


def render_files(
    feeds: Sequence[FeedContent],
    sources: Sequence[Attribution],
    site: SiteConfig,
    *,
    templates: Path | None = None,
    roundups: RoundupFeed | None = None,
    archive: Archive | None = None,
    now: datetime | None = None,
) -> dict[str, bytes]:
    """Every output file's bytes, by path relative to the output folder (see
    :func:`iter_files`)."""
    return dict(
        iter_files(
            feeds, sources, site, templates=templates, roundups=roundups, archive=archive, now=now
        )
    )


def publish(
    feeds: Sequence[FeedContent],
    sources: Sequence[Attribution],
    site: SiteConfig,
    directory: Path,
    *,
    templates: Path | None = None,
    roundups: RoundupFeed | None = None,
    archive: Archive | None = None,
    now: datetime | None = None,
    renderers: Sandbox | None = None,
) -> list[Path]:
    """Write every output into ``directory``; return the files actually rewritten.

    ``templates``, ``roundups``, ``archive``, ``now`` and ``renderers``: as for
    :func:`iter_files`.

    Holding the folder's publisher lock (waiting up to ``_files.LOCK_TIMEOUT`` seconds
    for another publisher), stale temporary files are removed, then files are rendered
    folder by folder and each changed one is replaced atomically by a writer thread as
    soon as it is rendered, while the next ones render (so memory holds a few folders'
    files, not all). A file that cannot be written does not stop the others: every
    other file is still written, then PublishError names the files that failed and the
    cause. Those stay old, no temporary file is left, and the manifest leaves their
    folders out, so the next publish renders them again. A file that cannot be rendered
    (a broken template) stops the publish at once, once the writes already started end.
    """
    try:
        make_folder(directory)
    except OSError as error:
        raise PublishError(
            f"cannot create the output folder {directory}: {describe(error)}"
        ) from error
    with publish_lock(directory):
        feeds = with_source_dates(feeds)  # once: iter_files finds them dated already
        shared, digests = digests_of(feeds, sources, site, templates, roundups, archive=archive)
        pages_only = open_pages(archive) if archive is not None else set()
        unchanged = unchanged_folders(directory, shared, digests, pages_only=pages_only)
        files = iter_files(
            feeds,
            sources,
            site,
            templates=templates,
            roundups=roundups,
            archive=archive,
            skip=unchanged,
            now=now,
            renderers=renderers,
        )
        for stale in remove_stale_temp_files(directory):
            log.info("removed %s, left by an interrupted publish", stale)
        names: set[str] = set()
        written = []
        failures: list[PublishError] = []
        for name, outcome in write_files(directory, files):  # written while the next render
            names.add(name)
            if isinstance(outcome, PublishError):  # the other files are still written
                failures.append(outcome)
                digests.pop(name.rpartition("/")[0] + "/", None)  # render it again next time
            elif outcome:
                written.append(directory / name)
        _remove_unlisted_feed_folders(directory, {feed.info.folder for feed in feeds})
        _remove_unlisted_roundups(directory, names)
        _remove_unlisted_months(directory, archive)
        manifest = json.dumps({"shared": shared, "folders": digests}, sort_keys=True, indent=0)
        write_if_changed(directory / MANIFEST_FILE, manifest.encode())
    if failures:
        more = f" (and {len(failures) - 1} more file(s))" if len(failures) > 1 else ""
        raise PublishError(f"{failures[0]}{more}; every other file was written") from failures[0]
    return written


def _remove_unlisted_feed_folders(directory: Path, folders: set[str]) -> None:
    for group in _GROUP_FOLDERS:
        for folder in sorted((directory / group).glob("*/")):
            if folder.is_dir() and f"{group}/{folder.name}/" not in folders:
                shutil.rmtree(folder, ignore_errors=True)


def _remove_unlisted_roundups(directory: Path, files: Container[str]) -> None:
    """Remove roundup pages no longer published; everything of it when it is off."""
    if DIGEST_FILE not in files:
        _remove(directory / DIGEST_FILE)
        shutil.rmtree(directory / DIGEST_FOLDER, ignore_errors=True)
        return
    for page in sorted((directory / DIGEST_FOLDER).glob("*.html")):
        if DIGEST_FOLDER + page.name not in files:
            _remove(page)


def _remove_unlisted_months(directory: Path, archive: Archive | None) -> None:
    """Remove the archive's months and pages no longer published; all of it when it has
    none."""
    if archive is None or not archive.months:
        shutil.rmtree(directory / ARCHIVE_FOLDER, ignore_errors=True)
        return
    months = {month.folder for month in archive.months}
    pages = {document.page.folder for document in archive_documents(archive)}
    for folder in sorted((directory / ARCHIVE_FOLDER).glob("*/")):
        if folder.is_dir() and f"{ARCHIVE_FOLDER}{folder.name}/" not in months:
            shutil.rmtree(folder, ignore_errors=True)
        elif folder.is_dir():
            for page in sorted(folder.glob("*/")):
                if page.is_dir() and f"{ARCHIVE_FOLDER}{folder.name}/{page.name}/" not in pages:
                    shutil.rmtree(page, ignore_errors=True)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:  # like a stale feed folder: tried again at the next publish
        log.warning("cannot remove %s: %s", path, describe(error))
