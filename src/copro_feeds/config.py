"""feeds.toml → :class:`Config`.

Validation collects every problem, each with its key path, and raises one
:class:`~copro_feeds.exceptions.ConfigError`; unknown keys are problems too, so a typo
never passes silently. Relative paths are taken relative to the config file's folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copro_feeds import _config_check as check
from copro_feeds._config_check import parse_duration
from copro_feeds._urls import without_credentials
from copro_feeds._version import __version__
from copro_feeds.exceptions import ConfigError
from copro_feeds.types import Display

STORAGE_URL_ENV = "COPRO_FEEDS_STORAGE_URL"  # the PostgreSQL URL, kept out of feeds.toml
DEFAULT_USER_AGENT = (
    f"copro_feeds/{__version__} (+https://github.com/copro-feeds/copro_feeds; feed aggregator)"
)
MiB = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    """Identity of the combined feed (``[site]``)."""

    title: str
    link: str
    feed_url: str | None = None
    description: str | None = None
    author: str | None = None
    language: str | None = None
    websub_hub: str | None = None
    languages: tuple[str, ...] = ()
    """``[site] languages``: the site once per language, the first at the root (and then
    ``language``, unless set to a tag of the same language), the others under
    ``<code>/``; with per-language feeds under ``lang/<code>/``. Empty: one language."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputConfig:
    """Where and what to publish (``[output]``)."""

    dir: Path
    max_entries: int = 50
    excerpt_words: int = 60
    templates: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageConfig:
    """Where entries and state are kept (``[storage]``): the SQLite file ``path`` (the
    default), or the PostgreSQL database ``url`` when one is set (then ``path`` is unused).

    ``url`` may carry a password: it is left out of ``repr`` and never shown whole;
    :attr:`shown` names the store for people.
    """

    path: Path
    url: str | None = field(default=None, repr=False)

    @property
    def shown(self) -> str:
        """The store as people may see it: the file, or the URL without user or password."""
        return str(self.path) if self.url is None else without_credentials(self.url)


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchConfig:
    """How sources are fetched (``[fetch]``); times in seconds, sizes in bytes."""

    interval: float = 1800.0
    timeout: float = 30.0
    source_timeout: float = 90.0
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_bytes: int = 10 * MiB
    max_redirects: int = 5
    max_entry_bytes: int = 256 * 1024
    max_entries_per_feed: int = 1000
    max_categories_per_entry: int = 50
    max_authors_per_entry: int = 20
    max_workers: int = 8
    parse_timeout: float = 30.0
    parse_memory: int = 512 * MiB
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_networks: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceConfig:
    """One partner (``[[sources]]``). ``key`` is a stable slug used in the store and paths."""

    key: str
    name: str
    url: str
    homepage: str | None = None
    interval: float | None = None
    tags: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    user_agent: str | None = None
    enabled: bool = True
    display: Display = Display.EXCERPT
    licence: str | None = None
    credentials_env: str | None = None
    # Values may be secrets, or hold ${VARIABLE}s read at each fetch (see _credentials).
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DIGEST_TITLE_FIELDS = ("start", "end")


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestConfig:
    """The roundup feed (``[digest]``): one entry per week or day of partners' posts.

    ``weekday`` is the day a weekly period starts on (0 = Monday). ``title`` is a pattern
    with ``{start}`` and ``{end}``, each replaced by a date people read ("3 March 2026").
    ``group_by`` is ``"partner"`` or ``"tag"``; ``periods`` is how many past periods the
    digest feed keeps.
    """

    enabled: bool = False
    every: str = "week"
    weekday: int = 0
    title: str = "Partners' posts, {start} to {end}"
    group_by: str = "partner"
    periods: int = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole configuration, validated."""

    path: Path
    site: SiteConfig
    output: OutputConfig
    storage: StorageConfig
    fetch: FetchConfig
    sources: tuple[SourceConfig, ...]
    digest: DigestConfig = DigestConfig()

    def source(self, key: str) -> SourceConfig:
        """The source with this key; ``KeyError`` if there is none."""
        for source in self.sources:
            if source.key == key:
                return source
        raise KeyError(key)

    def named(self, text: str) -> SourceConfig | None:
        """The source ``text`` names: its slug (key), its name in any case, or the name's
        slug; None if there is none. A slug wins over another source's name."""
        wanted = text.strip()
        by_key = {source.key: source for source in self.sources}
        if wanted in by_key:
            return by_key[wanted]
        for source in self.sources:
            if source.name.casefold() == wanted.casefold():
                return source
        return by_key.get(slugify(wanted))

    @property
    def active_sources(self) -> tuple[SourceConfig, ...]:
        """The sources fetched and published (``enabled = false`` ones are left out)."""
        return tuple(source for source in self.sources if source.enabled)

    def interval_of(self, source: SourceConfig) -> float:
        """The refresh interval of ``source`` in seconds (its own, else ``[fetch]``'s)."""
        return source.interval if source.interval is not None else self.fetch.interval


MAX_SLUG_CHARS = 60
"""The longest slug: a partner's or tag's folder name stays far below any file system's
limit on a name (255 bytes), whatever the name it is made from."""
_SLUG_DIGEST_CHARS = 8


def slugify(text: str) -> str:
    """A stable ASCII slug: ``"Centre for Welfare Reform"`` → ``"centre-for-welfare-reform"``.

    At most :data:`MAX_SLUG_CHARS` characters: a longer one is cut at a word boundary and
    ends with 8 hex digits of a digest of the whole slug, so two long names that share
    their start still get different slugs, the same ones every time. Empty when ``text``
    has no ASCII letter or digit.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) <= MAX_SLUG_CHARS:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:_SLUG_DIGEST_CHARS]
    room = MAX_SLUG_CHARS - _SLUG_DIGEST_CHARS - 1
    head = slug[:room]
    if slug[room] != "-" and "-" in head:  # cut inside a word: drop that word
        head = head.rsplit("-", 1)[0]
    return f"{head.rstrip('-')}-{digest}"


def load_config(path: str | Path, *, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate a feeds.toml file; raise ConfigError listing every problem.

    ``environ`` (``os.environ`` by default) may hold :data:`STORAGE_URL_ENV`.
    """
    config_path = Path(path)
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            str(config_path), [f"no config file at {config_path.resolve()}"]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(config_path), [f"cannot read the file: {error}"]) from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(config_path), [f"not valid TOML: {error}"]) from error
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError(
            str(config_path), ["arrays or tables are nested too deeply to read"]
        ) from None
    return config_from_dict(raw, config_path, environ=environ)


def config_from_dict(
    raw: Mapping[str, Any], path: Path, *, environ: Mapping[str, str] | None = None
) -> Config:
    """Validate an already-parsed TOML document (``path`` anchors relative paths;
    ``environ``, ``os.environ`` by default, may hold :data:`STORAGE_URL_ENV`)."""
    checker = check.Checker()
    base = path.resolve().parent
    checker.unknown_keys(raw, "", {"site", "output", "storage", "fetch", "sources", "digest"})
    site = _site(checker, checker.table(raw, "site", required=True))
    output = _output(checker, checker.table(raw, "output"), base)
    storage = _storage(
        checker,
        checker.table(raw, "storage"),
        base,
        (os.environ if environ is None else environ).get(STORAGE_URL_ENV) or None,
    )
    fetch = _fetch(checker, checker.table(raw, "fetch"))
    sources = _sources(checker, raw.get("sources"))
    digest = _digest(checker, checker.table(raw, "digest"))
    if checker.problems:
        raise ConfigError(str(path), checker.problems)
    assert site is not None  # a missing [site] is a recorded problem
    return Config(
        path=path,
        site=site,
        output=output,
        storage=storage,
        fetch=fetch,
        sources=sources,
        digest=digest,
    )


def _title_pattern(value: object) -> str:
    text = check.text(value)
    try:
        text.format(**dict.fromkeys(DIGEST_TITLE_FIELDS, ""))
    except (KeyError, IndexError, ValueError) as error:
        fields = ", ".join("{" + name + "}" for name in DIGEST_TITLE_FIELDS)
        raise ValueError(f"may use only {fields} (and {{{{ }}}} for braces): {error}") from None
    return text


def _site(checker: check.Checker, table: dict[str, Any]) -> SiteConfig | None:
    known = {
        "title", "link", "feed_url", "description", "author", "language", "languages",
        "websub_hub",
    }  # fmt: skip
    checker.unknown_keys(table, "site", known)
    title = checker.get(table, "site", "title", check.text, required=True)
    link = checker.get(table, "site", "link", check.http_url, required=True)
    if title is None or link is None:
        return None
    language = checker.get(table, "site", "language", check.text)
    languages = checker.get(table, "site", "languages", check.language_codes, ())
    if languages and language and language.replace("_", "-").split("-")[0].lower() != languages[0]:
        checker.problem(
            "site.language",
            f"{language!r} is not the first of site.languages ({languages[0]!r}): "
            "leave it out, or name a tag of that language",
        )
    return SiteConfig(
        title=title,
        link=link,
        feed_url=checker.get(table, "site", "feed_url", check.http_url),
        description=checker.get(table, "site", "description", check.text),
        author=checker.get(table, "site", "author", check.text),
        language=language or (languages[0] if languages else None),
        websub_hub=checker.get(table, "site", "websub_hub", check.http_url),
        languages=languages,
    )


def _output(checker: check.Checker, table: dict[str, Any], base: Path) -> OutputConfig:
    checker.unknown_keys(table, "output", {"dir", "max_entries", "excerpt_words", "templates"})
    directory = checker.get(table, "output", "dir", check.text, "public")
    templates = checker.get(table, "output", "templates", check.text)
    if templates is not None and not (base / templates).is_dir():
        checker.problem("output.templates", f"no folder at {base / templates}")
    return OutputConfig(
        dir=base / directory,
        templates=base / templates if templates else None,
        max_entries=checker.get(table, "output", "max_entries", check.positive_int, 50),
        excerpt_words=checker.get(table, "output", "excerpt_words", check.positive_int, 60),
    )


def _storage(
    checker: check.Checker, table: dict[str, Any], base: Path, env_url: str | None
) -> StorageConfig:
    checker.unknown_keys(table, "storage", {"path", "url"})
    path = checker.get(table, "storage", "path", check.text, "copro_feeds.sqlite3")
    url = checker.get(table, "storage", "url", check.text, None)
    where = "storage.url"
    if env_url is not None:  # the environment's URL wins over the file's
        url, where = env_url, f"the environment variable {STORAGE_URL_ENV}"
    if url is not None:
        if "path" in table:
            checker.problem(
                "storage",
                f"set either path (an SQLite file) or url (PostgreSQL), not both ({where} "
                "is set too)",
            )
        problem = _storage_url_problem(url)
        if problem:
            checker.problem(where, problem)
    return StorageConfig(path=base / path, url=url)


def _storage_url_problem(url: str) -> str | None:
    """What is wrong with a PostgreSQL URL, without repeating its credentials."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("postgresql", "postgres"):
        found = f" (this one starts with {scheme}://)" if scheme.isalnum() else ""
        return f"must be a PostgreSQL URL, postgresql://user@host:port/database{found}"
    if any(character.isspace() for character in url):
        return f"must not contain spaces or line breaks ({without_credentials(url)})"
    return None


def _fetch(checker: check.Checker, table: dict[str, Any]) -> FetchConfig:
    defaults = FetchConfig()
    converters: dict[str, Callable[[Any], Any]] = {
        "interval": parse_duration,
        "timeout": check.seconds,
        "source_timeout": check.seconds,
        "connect_timeout": check.seconds,
        "read_timeout": check.seconds,
        "max_bytes": check.positive_int,
        "max_redirects": check.positive_int,
        "max_entry_bytes": check.positive_int,
        "max_entries_per_feed": check.positive_int,
        "max_categories_per_entry": check.positive_int,
        "max_authors_per_entry": check.positive_int,
        "max_workers": check.positive_int,
        "parse_timeout": check.seconds,
        "parse_memory": check.positive_int,
        "user_agent": check.text,
        "allow_private_networks": check.boolean,
    }
    checker.unknown_keys(table, "fetch", set(converters))
    values = {
        key: checker.get(table, "fetch", key, convert, getattr(defaults, key))
        for key, convert in converters.items()
    }
    return FetchConfig(**values)


_SOURCE_KEYS = {
    "name", "url", "homepage", "interval", "tags", "include", "exclude", "user_agent", "slug",
    "enabled", "display", "licence", "credentials_env", "headers",
}  # fmt: skip


def _sources(checker: check.Checker, raw: object) -> tuple[SourceConfig, ...]:
    if raw is None:
        checker.problem("sources", "no [[sources]] tables: list at least one partner feed")
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        checker.problem("sources", "must be an array of tables ([[sources]])")
        return ()
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(raw):
        where = f"sources[{index}]"
        checker.unknown_keys(table, where, _SOURCE_KEYS)
        name = checker.get(table, where, "name", check.text, required=True)
        url = checker.get(table, where, "url", check.http_url, required=True)
        slug = checker.get(table, where, "slug", check.text)
        key = slugify(slug or name or "")
        if name is not None and not key:
            checker.problem(f"{where}.name", "needs at least one letter or digit (or set slug)")
        if key in seen:
            checker.problem(where, f"same slug {key!r} as sources[{seen[key]}]: names must differ")
        seen.setdefault(key, index)
        source = SourceConfig(
            key=key,
            name=name or "",
            url=url or "",
            homepage=checker.get(table, where, "homepage", check.http_url),
            interval=checker.get(table, where, "interval", parse_duration),
            tags=_tags(checker, table, where),
            include=checker.get(table, where, "include", check.words, ()),
            exclude=checker.get(table, where, "exclude", check.words, ()),
            user_agent=checker.get(table, where, "user_agent", check.text),
            enabled=checker.get(table, where, "enabled", check.boolean, True),
            display=checker.get(table, where, "display", check.display, Display.EXCERPT),
            licence=checker.get(table, where, "licence", check.text),
            credentials_env=checker.get(table, where, "credentials_env", check.env_name),
            headers=checker.get(table, where, "headers", check.headers, ()),
        )
        sources.append(source)
    return tuple(sources)


def _tags(checker: check.Checker, table: dict[str, Any], where: str) -> tuple[str, ...]:
    """The source's tags; each names a folder of feeds, so it needs a letter or digit."""
    tags: tuple[str, ...] = checker.get(table, where, "tags", check.words, ())
    for index, tag in enumerate(tags):
        if not slugify(tag):
            checker.problem(
                f"{where}.tags[{index}]",
                f"{tag!r} needs at least one letter or digit (A-Z, 0-9): it names a folder",
            )
    return tags


def _digest(checker: check.Checker, table: dict[str, Any]) -> DigestConfig:
    defaults = DigestConfig()
    known = {"enabled", "every", "weekday", "title", "group_by", "periods"}
    checker.unknown_keys(table, "digest", known)
    weekday = checker.get(table, "digest", "weekday", check.one_of(*WEEKDAYS), "monday")
    return DigestConfig(
        enabled=checker.get(table, "digest", "enabled", check.boolean, defaults.enabled),
        every=checker.get(table, "digest", "every", check.one_of("week", "day"), defaults.every),
        weekday=WEEKDAYS.index(weekday),
        title=checker.get(table, "digest", "title", _title_pattern, defaults.title),
        group_by=checker.get(
            table, "digest", "group_by", check.one_of("partner", "tag"), defaults.group_by
        ),
        periods=checker.get(table, "digest", "periods", check.positive_int, defaults.periods),
    )
