"""What a failed fetch means (copro_feeds._fetch._errors)."""

from __future__ import annotations

import http.client
import socket
from datetime import UTC, datetime

import pytest
import requests
import urllib3

from copro_feeds._fetch import parse_retry_after
from copro_feeds._fetch._deadline import Watchdog
from copro_feeds._fetch._errors import causes, translate
from copro_feeds.exceptions import BlockedURLError, DeadlineExceededError, FetchError


def test_parse_retry_after_uses_the_given_now() -> None:
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 01 Jan 2024 13:00:00 GMT", now) == 3600
    assert parse_retry_after(None, now) is None


def test_causes_follow_causes_contexts_reasons_and_args() -> None:
    root = ConnectionRefusedError("refused")
    reason = urllib3.exceptions.NewConnectionError(None, "failed")  # type: ignore[arg-type]
    reason.__cause__ = root
    wrapper = urllib3.exceptions.MaxRetryError(None, "/", reason)  # type: ignore[arg-type]
    outer = requests.ConnectionError(wrapper)
    assert causes(outer) == [outer, wrapper, reason, root]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (socket.gaierror(-2, "Name or service not known"), "could not resolve the host of"),
        (ConnectionRefusedError(), "was refused"),
        (http.client.RemoteDisconnected("x"), "closed the connection without sending"),
        (requests.ConnectionError(ConnectionResetError()), "was reset"),
        (requests.ReadTimeout(), "timed out"),
        (http.client.IncompleteRead(b"", 10), "was truncated"),
        (http.client.BadStatusLine("x"), "did not send a valid HTTP status line"),
        (requests.exceptions.SSLError(), "the TLS handshake with"),
    ],
)
def test_known_causes_get_plain_words(error: BaseException, message: str) -> None:
    with Watchdog(30) as watchdog:
        translated = translate(error, "https://u:p@feeds.example/rss", watchdog)
    assert type(translated) is FetchError
    assert message in str(translated)
    assert "https://***@feeds.example/rss" in str(translated)


def test_an_unusable_url_is_blocked() -> None:
    with Watchdog(30) as watchdog:
        translated = translate(requests.exceptions.InvalidSchema(), "x://y", watchdog)
    assert isinstance(translated, BlockedURLError)


def test_an_unknown_error_names_its_innermost_kind() -> None:
    with Watchdog(30) as watchdog:
        translated = translate(OSError(ValueError("odd")), "https://feeds.example/", watchdog)
    assert str(translated) == "fetching https://feeds.example/ failed (ValueError)"


def test_past_the_deadline_every_error_is_the_deadline() -> None:
    with Watchdog(0.01) as watchdog:
        watchdog.start()
        watchdog.fire()
        translated = translate(ConnectionResetError(), "https://feeds.example/", watchdog)
    assert isinstance(translated, DeadlineExceededError)
    assert "0.01-second deadline" in str(translated)
