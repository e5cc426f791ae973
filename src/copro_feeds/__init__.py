"""copro_feeds: aggregate partner blogs into one combined feed, with excerpts and attribution.

>>> import copro_feeds
>>> config = copro_feeds.load_config("feeds.toml")          # doctest: +SKIP
>>> with copro_feeds.make_aggregator(config) as aggregator:  # doctest: +SKIP
...     report = aggregator.run_once()
...     entries = aggregator.entries(limit=20)
"""

from copro_feeds._refresh import discover_feeds
from copro_feeds._version import __version__
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
    Entry,
    EntryState,
    Explanation,
    Outcome,
    RunReport,
    SourceResult,
    SourceStatus,
    StoredEntry,
)

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
