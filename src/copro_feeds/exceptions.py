"""The copro_feeds error tree.

Every error the library raises on purpose derives from :class:`CoproFeedsError`::

    CoproFeedsError
    ├── ConfigError            feeds.toml is missing or invalid (lists every problem)
    ├── FeedError              one source could not be refreshed
    │   ├── FetchError         the HTTP exchange failed
    │   │   ├── BlockedURLError       scheme, address or redirect refused
    │   │   ├── ResponseTooLargeError body over the size cap (after decompression)
    │   │   ├── DeadlineExceededError whole-request deadline passed
    │   │   └── HTTPStatusError       an unexpected status (carries status, retry_after)
    │   │       └── GoneError         410 Gone: polling stops until the config changes
    │   └── ParseError         the body is not a usable feed
    ├── StoreError             the SQLite database failed
    ├── EntryNotFoundError     ENTRY (hide, pin, explain …) names no stored entry
    │   └── AmbiguousEntryError   ENTRY names several posts (carries candidates)
    ├── PublishError           an output file could not be written
    └── ServeError             the HTTP server cannot listen (address in use, …)

Batch operations (:meth:`Aggregator.run_once`) never raise ``FeedError``: they return
it in the per-source result (``SourceResult.exception``, its text in ``error``).
``str(error)`` names the cause in plain words; the aggregator prefixes it with the
source's name.
"""

from __future__ import annotations


class CoproFeedsError(Exception):
    """Root of every error raised by copro_feeds."""


class ConfigError(CoproFeedsError):
    """The configuration is missing or invalid.

    ``problems`` lists every problem found, each starting with its key path
    (``sources[2].url: not an http(s) URL``).
    """

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the configuration:\n{lines}")


class FeedError(CoproFeedsError):
    """One source could not be refreshed."""


class FetchError(FeedError):
    """The HTTP exchange with a source failed."""


class BlockedURLError(FetchError):
    """The URL, its address or a redirect was refused (scheme, private network, loop)."""


class ResponseTooLargeError(FetchError):
    """The response body passed the size cap (counted after decompression)."""


class DeadlineExceededError(FetchError):
    """The whole request (connect, headers, body, redirects) passed its deadline."""


class HTTPStatusError(FetchError):
    """The server answered with a status we cannot use.

    ``retry_after`` is the server's Retry-After in seconds, already floored and
    capped, when it sent one we could read.
    """

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class GoneError(HTTPStatusError):
    """410 Gone: the source is marked gone and no longer polled."""


class ParseError(FeedError):
    """The body is not a usable RSS or Atom feed."""


class StoreError(CoproFeedsError):
    """The SQLite store failed (locked, full, corrupt)."""


class EntryNotFoundError(CoproFeedsError):
    """No stored entry matches the reference given (a link, a ref or an id)."""


class AmbiguousEntryError(EntryNotFoundError):
    """The reference matches several different posts: give more of it.

    ``candidates`` lists each match: its ref and its title.
    """

    def __init__(self, message: str, *, candidates: tuple[str, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


class PublishError(CoproFeedsError):
    """An output file could not be rendered or written."""


class ServeError(CoproFeedsError):
    """The HTTP server (``copro-feeds serve``) cannot listen: the address and the problem."""
