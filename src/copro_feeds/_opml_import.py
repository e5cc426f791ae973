"""``copro-feeds import-opml``: add the feeds of an OPML file to feeds.toml as new sources.

The config file is only ever appended to (as new ``[[sources]]`` tables, after a comment
naming the OPML file), never rewritten: a feed already configured (same URL) or whose
name would clash with a configured slug is skipped and reported.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from copro_feeds._files import write_if_changed
from copro_feeds._xml import XMLError, parse_untrusted
from copro_feeds.config import config_from_dict, load_config, slugify
from copro_feeds.exceptions import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class OutlineFeed:
    """A feed listed in an OPML file."""

    title: str
    xml_url: str
    html_url: str | None


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import added (names) and skipped (name, reason)."""

    added: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def read_opml(data: bytes, where: str) -> list[OutlineFeed]:
    """Every outline with an http(s) ``xmlUrl`` in an OPML document, nested ones included.

    Never fetches anything (no DTD, no entities, no network). Raises ConfigError when the
    file is not OPML.
    """
    try:
        root = parse_untrusted(data)
    except XMLError as error:
        raise ConfigError(where, [f"not an OPML file: {error}"]) from error
    if root.tag != "opml":
        raise ConfigError(where, [f"not an OPML file: the root element is <{root.tag}>"])
    feeds = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        title = (outline.get("title") or outline.get("text") or "").strip()
        html_url = (outline.get("htmlUrl") or "").strip() or None
        feeds.append(OutlineFeed(title=title or url, xml_url=url, html_url=html_url))
    return feeds


def import_opml(config_path: Path, opml_path: Path, now: datetime | None = None) -> ImportResult:
    """Append every new feed of ``opml_path`` to ``config_path``; return what happened.

    The config must be valid before and is validated again after; on any problem nothing
    is written.
    """
    config = load_config(config_path)
    try:
        outlines = read_opml(opml_path.read_bytes(), str(opml_path))
    except OSError as error:
        raise ConfigError(str(opml_path), [f"cannot read the OPML file: {error}"]) from error
    urls = {source.url for source in config.sources}
    slugs = {source.key for source in config.sources}
    result = ImportResult()
    tables: list[str] = []
    for outline in outlines:
        slug = slugify(outline.title)
        if outline.xml_url in urls:
            result.skipped.append((outline.title, "already configured (same url)"))
        elif not slug or slug in slugs:
            result.skipped.append((outline.title, f"a source with slug {slug!r} exists"))
        else:
            urls.add(outline.xml_url)
            slugs.add(slug)
            result.added.append(outline.title)
            lines = ["[[sources]]", f"name = {_toml_string(outline.title)}",
                     f"url = {_toml_string(outline.xml_url)}"]  # fmt: skip
            if outline.html_url:
                lines.append(f"homepage = {_toml_string(outline.html_url)}")
            tables.append("\n".join(lines) + "\n")
    if tables:
        stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d")
        original = config_path.read_text(encoding="utf-8")
        header = f"\n# Imported from {opml_path.name} on {stamp}\n"
        updated = original.rstrip("\n") + "\n" + header + "\n".join(tables)
        config_from_dict(tomllib.loads(updated), config_path)  # never write a broken config
        write_if_changed(config_path, updated.encode("utf-8"))
    return result
