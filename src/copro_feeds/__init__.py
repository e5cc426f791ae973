"""copro_feeds: aggregate partner blogs into one combined feed, with excerpts and attribution.

>>> import copro_feeds
>>> config = copro_feeds.load_config("feeds.toml")          # doctest: +SKIP
>>> with copro_feeds.make_aggregator(config) as aggregator:  # doctest: +SKIP
...     report = aggregator.run_once()
...     entries = aggregator.entries(limit=20)
"""

import importlib as _importlib
import typing as _typing

from copro_feeds._version import __version__

if _typing.TYPE_CHECKING:  # what type checkers see; at run time, see _DEFINED_IN
    from copro_feeds._refresh import discover_feeds
    from copro_feeds.config import (
        Config,
        FetchConfig,
        OutputConfig,
        SiteConfig,
        SourceConfig,
        StorageConfig,
        load_config,
    )
    from copro_feeds.core import Aggregator, make_aggregator
    from copro_feeds.exceptions import (
        AmbiguousEntryError,
        BlockedURLError,
        ConfigError,
        CoproFeedsError,
        DeadlineExceededError,
        EntryNotFoundError,
        FeedError,
        FetchError,
        GoneError,
        HTTPStatusError,
        ParseError,
        PublishError,
        ResponseTooLargeError,
        ServeError,
        StoreError,
    )
    from copro_feeds.types import (
        Attribution,
        AuditRecord,
        EditorialAction,
        Enclosure,
        Entry,
        EntryState,
        Explanation,
        Outcome,
        RunReport,
        SourceResult,
        SourceStatus,
        StoredEntry,
    )

# Each public name → the module that defines it. ``import copro_feeds`` loads none of them
# (PEP 562): a name is imported on first use, so the package root stays cheap to import and
# no module of the package needs to import the root.
_DEFINED_IN: dict[str, str] = {
    **dict.fromkeys(("discover_feeds",), "copro_feeds._refresh"),
    **dict.fromkeys(
        (
            "Config",
            "FetchConfig",
            "OutputConfig",
            "SiteConfig",
            "SourceConfig",
            "StorageConfig",
            "load_config",
        ),
        "copro_feeds.config",
    ),
    **dict.fromkeys(("Aggregator", "make_aggregator"), "copro_feeds.core"),
    **dict.fromkeys(
        (
            "AmbiguousEntryError",
            "BlockedURLError",
            "ConfigError",
            "CoproFeedsError",
            "DeadlineExceededError",
            "EntryNotFoundError",
            "FeedError",
            "FetchError",
            "GoneError",
            "HTTPStatusError",
            "ParseError",
            "PublishError",
            "ResponseTooLargeError",
            "ServeError",
            "StoreError",
        ),
        "copro_feeds.exceptions",
    ),
    **dict.fromkeys(
        (
            "Attribution",
            "AuditRecord",
            "EditorialAction",
            "Enclosure",
            "Entry",
            "EntryState",
            "Explanation",
            "Outcome",
            "RunReport",
            "SourceResult",
            "SourceStatus",
            "StoredEntry",
        ),
        "copro_feeds.types",
    ),
}
_SUBMODULES = ("config", "core", "exceptions", "types")


def __getattr__(name: str) -> _typing.Any:
    if name in _SUBMODULES:
        return _importlib.import_module(f"copro_feeds.{name}")
    try:
        module = _DEFINED_IN[name]
    except KeyError:
        raise AttributeError(f"module 'copro_feeds' has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})


__all__ = [
    "Aggregator",
    "AmbiguousEntryError",
    "Attribution",
    "AuditRecord",
    "BlockedURLError",
    "Config",
    "ConfigError",
    "CoproFeedsError",
    "DeadlineExceededError",
    "EditorialAction",
    "Enclosure",
    "Entry",
    "EntryNotFoundError",
    "EntryState",
    "Explanation",
    "FeedError",
    "FetchConfig",
    "FetchError",
    "GoneError",
    "HTTPStatusError",
    "Outcome",
    "OutputConfig",
    "ParseError",
    "PublishError",
    "ResponseTooLargeError",
    "RunReport",
    "ServeError",
    "SiteConfig",
    "SourceConfig",
    "SourceResult",
    "SourceStatus",
    "StorageConfig",
    "StoreError",
    "StoredEntry",
    "__version__",
    "discover_feeds",
    "load_config",
    "make_aggregator",
]
