"""Editing the partners in feeds.toml with tomlkit (the only module using it).

tomlkit keeps the file's comments, order and layout: only the value changed (or the
table added) differs. Every edit is checked by the config loader before the file is
written, atomically; an edit that would make the config invalid writes nothing and
raises ConfigError listing the problems. The daemon notices the new file by its
modification time (see :mod:`copro_feeds._watch`).
"""

from __future__ import annotations

import tomllib

import tomlkit
from tomlkit.items import AoT, Table

from copro_feeds._files import write_if_changed
from copro_feeds.config import Config, config_from_dict
from copro_feeds.exceptions import ConfigError


def _sources_of(document: tomlkit.TOMLDocument, config: Config) -> AoT:
    sources = document.get("sources")
    if not isinstance(sources, AoT) or len(sources) != len(config.sources):
        raise ConfigError(
            str(config.path), ["sources: the file changed while it was being edited: try again"]
        )
    return sources


def _read(config: Config) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(config.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as error:
        raise ConfigError(str(config.path), [f"cannot read the file: {error}"]) from error


def _write(config: Config, document: tomlkit.TOMLDocument) -> Config:
    """Check ``document`` as the loader would, then write it; the new config."""
    text = tomlkit.dumps(document)
    checked = config_from_dict(tomllib.loads(text), config.path)  # never write a broken one
    try:
        write_if_changed(config.path, text.encode("utf-8"))
    except OSError as error:
        raise ConfigError(str(config.path), [f"cannot write the file: {error}"]) from error
    return checked


def set_enabled(config: Config, key: str, enabled: bool) -> Config:
    """Enable or disable the source ``key`` (``enabled = false``, or the key removed)."""
    document = _read(config)
    sources = _sources_of(document, config)
    index = next(i for i, source in enumerate(config.sources) if source.key == key)
    table: Table = sources[index]
    if enabled:
        table.pop("enabled", None)
    else:
        table["enabled"] = False
    return _write(config, document)


def add_source(config: Config, *, name: str, url: str, homepage: str | None) -> Config:
    """Append a ``[[sources]]`` table for a new partner."""
    document = _read(config)
    sources = _sources_of(document, config)
    table = tomlkit.table()
    table["name"] = name
    table["url"] = url
    if homepage:
        table["homepage"] = homepage
    last: Table = sources[-1]
    if not last.as_string().endswith("\n\n"):  # a blank line between tables, as people write
        last.add(tomlkit.nl())
    sources.append(table)
    return _write(config, document)
