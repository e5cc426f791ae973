"""What a failed fetch means: requests/urllib3/socket errors and unusable statuses → ours.

Every error leaves the fetcher as a :class:`~copro_feeds.exceptions.FetchError` subclass
whose text names the (redacted) URL and the cause in plain words.
"""

from __future__ import annotations

import http.client
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
import urllib3

from copro_feeds._fetch._deadline import Watchdog
from copro_feeds._fetch._redirects import redact
from copro_feeds.exceptions import (
    BlockedURLError,
    DeadlineExceededError,
    FetchError,
    GoneError,
    HTTPStatusError,
)

RETRY_AFTER_MIN = 60.0
RETRY_AFTER_MAX = 86400.0
NETWORK_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)
"""What sending a request or reading a response can raise, for :func:`translate`."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After (delta-seconds or HTTP-date) → seconds in [60, 86400]; None if unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        seconds = float(text)
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, RETRY_AFTER_MIN), RETRY_AFTER_MAX)


def status_error(response: requests.Response, url: str, now: datetime) -> HTTPStatusError:
    """The error for a status we cannot use (410 → GoneError)."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("retry-after"), now)
    where = redact(url)
    if status == 410:
        return GoneError(f"{where} is gone (HTTP 410)", status=status, retry_after=retry_after)
    reason = f" {response.reason}" if response.reason else ""
    return HTTPStatusError(
        f"{where} answered HTTP {status}{reason}", status=status, retry_after=retry_after
    )


def deadline_error(url: str, watchdog: Watchdog) -> DeadlineExceededError:
    """The error for a fetch of ``url`` that ran past ``watchdog``'s deadline."""
    return DeadlineExceededError(
        f"fetching {redact(url)} took longer than the {watchdog.seconds:g}-second deadline"
    )


def causes(error: BaseException) -> list[BaseException]:
    """``error`` and everything it wraps (causes, contexts, urllib3 reasons, args)."""
    found: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop(0)
        if current in found:
            continue
        found.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(current.args)
        pending.extend(item for item in linked if isinstance(item, BaseException))
    return found


PROBLEMS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (
        (urllib3.exceptions.NameResolutionError, socket.gaierror),
        "could not resolve the host of {url}",
    ),
    (ConnectionRefusedError, "the connection to {url} was refused"),
    (http.client.RemoteDisconnected, "{url} closed the connection without sending a response"),
    (ConnectionResetError, "the connection to {url} was reset"),
    (
        (TimeoutError, urllib3.exceptions.ReadTimeoutError, requests.Timeout),
        "{url} timed out (no data within the socket timeout)",
    ),
    (
        (http.client.IncompleteRead, urllib3.exceptions.IncompleteRead),
        "the body from {url} was truncated (shorter than announced)",
    ),
    (http.client.LineTooLong, "{url} sent a status or header line that is too long"),
    (http.client.BadStatusLine, "{url} did not send a valid HTTP status line"),
    (http.client.HTTPException, "{url} sent a malformed response ({detail})"),
    (requests.exceptions.SSLError, "the TLS handshake with {url} failed"),
)
"""The first kind found among an error's causes gives the message (in this order)."""


def translate(error: BaseException, url: str, watchdog: Watchdog) -> FetchError:
    """Our exception for a requests/urllib3/socket error (the caller chains ``from``)."""
    if watchdog.expired:
        return deadline_error(url, watchdog)
    found_causes = causes(error)
    for kinds, message in PROBLEMS:
        found = next((cause for cause in found_causes if isinstance(cause, kinds)), None)
        if found is not None:
            return FetchError(message.format(url=redact(url), detail=str(found)[:80]))
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
        return BlockedURLError(f"{redact(url)} is not a usable http(s) URL")
    return FetchError(f"fetching {redact(url)} failed ({type(found_causes[-1]).__name__})")
