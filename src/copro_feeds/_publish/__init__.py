"""Publishing: the combined, per-partner and per-tag feeds in Atom, RSS and JSON Feed, the
partner list as OPML, and the stylesheet that makes the XML feeds readable in a browser.

Output files (under ``[output] dir``)::

    atom.xml  rss.xml  feed.json  sources.opml  feed.xsl
    sources/<source slug>/atom.xml  rss.xml  feed.json
    tags/<tag slug>/atom.xml  rss.xml  feed.json

Every file is written atomically and only when its bytes change. Feed folders of
partners or tags no longer configured are removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from copro_feeds._publish._feedgen import UNTITLED, render_atom, render_rss
from copro_feeds._publish._files import TEMP_PREFIX, remove_stale_temp_files, write_if_changed
from copro_feeds._publish._jsonfeed import render_json_feed
from copro_feeds._publish._model import (
    ATOM_FILE,
    FEED_FILES,
    JSON_FILE,
    MAIN_FEED,
    OPML_FILE,
    RSS_FILE,
    XSL_FILE,
    FeedContent,
    FeedInfo,
    attribution_html,
    entry_html,
    public_base,
    public_url,
    published_id,
)
from copro_feeds._publish._opml import OutlineFeed, read_opml, render_opml
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from copro_feeds.types import Attribution

__all__ = [
    "ATOM_FILE",
    "FEED_FILES",
    "JSON_FILE",
    "MAIN_FEED",
    "OPML_FILE",
    "RSS_FILE",
    "TEMP_PREFIX",
    "UNTITLED",
    "XSL_FILE",
    "FeedContent",
    "FeedInfo",
    "OutlineFeed",
    "attribution_html",
    "entry_html",
    "public_base",
    "public_url",
    "publish",
    "published_id",
    "read_opml",
    "render_atom",
    "render_files",
    "render_json_feed",
    "render_opml",
    "render_rss",
    "write_if_changed",
]

_GROUP_FOLDERS = ("sources", "tags")


def stylesheet() -> bytes:
    """The XSL stylesheet shipped with the package."""
    return resources.files("copro_feeds").joinpath("data", XSL_FILE).read_bytes()


def render_files(
    feeds: Sequence[FeedContent], sources: Sequence[Attribution], site: SiteConfig
) -> dict[str, bytes]:
    """Every output file's bytes, by path relative to the output folder."""
    files: dict[str, bytes] = {}
    for feed in feeds:
        entries, info = feed.entries, feed.info
        files[info.folder + ATOM_FILE] = render_atom(entries, site, info)
        files[info.folder + RSS_FILE] = render_rss(entries, site, info)
        files[info.folder + JSON_FILE] = render_json_feed(entries, site, info)
    files[OPML_FILE] = render_opml(sources, site)
    files[XSL_FILE] = stylesheet()
    return files


def publish(
    feeds: Sequence[FeedContent],
    sources: Sequence[Attribution],
    site: SiteConfig,
    directory: Path,
) -> list[Path]:
    """Write every output into ``directory``; return the files actually rewritten."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(f"cannot create the output folder {directory}: {error}") from error
    remove_stale_temp_files(directory)
    files = render_files(feeds, sources, site)
    written = [
        directory / name for name, data in files.items() if write_if_changed(directory / name, data)
    ]
    _remove_unlisted_feed_folders(directory, {feed.info.folder for feed in feeds})
    return written


def _remove_unlisted_feed_folders(directory: Path, folders: set[str]) -> None:
    for group in _GROUP_FOLDERS:
        for folder in sorted((directory / group).glob("*/")):
            if folder.is_dir() and f"{group}/{folder.name}/" not in folders:
                shutil.rmtree(folder, ignore_errors=True)
