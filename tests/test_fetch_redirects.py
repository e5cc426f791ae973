"""Which redirects are followed; URLs safe to show (copro_feeds._fetch._redirects)."""

from __future__ import annotations

import pytest

from copro_feeds import _fetch
from copro_feeds._fetch import redact, redirect_target
from copro_feeds.exceptions import BlockedURLError


def test_https_to_http_downgrade_is_refused() -> None:
    with pytest.raises(BlockedURLError, match="https down"):
        redirect_target("https://example.org/feed", "http://example.org/feed")
    assert redirect_target("http://example.org/a", "https://example.org/b") == (
        "https://example.org/b"
    )
    assert redirect_target("https://example.org/a/b", "../c") == "https://example.org/c"


@pytest.mark.parametrize(
    ("location", "shown"),
    [("ftp://example.org/feed", "a ftp: URL"), ("file:///etc/passwd", "a file: URL")],
)
def test_redirects_to_other_schemes_are_refused(location: str, shown: str) -> None:
    with pytest.raises(BlockedURLError, match=shown):
        redirect_target("https://example.org/feed", location)


def test_a_redirect_carrying_credentials_is_refused_and_redacted() -> None:
    with pytest.raises(BlockedURLError, match="carries credentials") as caught:
        redirect_target("https://example.org/feed", "https://user:pw@example.org/x")
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://alice:secret@example.org/feed", "https://***@example.org/feed"),
        ("//alice@example.org/", "//***@example.org/"),
        ("https://example.org/a@b", "https://example.org/a@b"),  # not in the authority
        ("https://example.org/feed", "https://example.org/feed"),
    ],
)
def test_redact_hides_only_the_userinfo(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_same_origin_fills_in_default_ports():
    assert _fetch.same_origin("https://a.example/x", "HTTPS://a.example:443/y")
    assert not _fetch.same_origin("https://a.example/", "http://a.example/")
    assert not _fetch.same_origin("https://a.example/", "https://b.example/")
    assert not _fetch.same_origin("https://a.example/", "https://a.example:8443/")
    assert not _fetch.same_origin("https://a.example/", "https://[bad/")
