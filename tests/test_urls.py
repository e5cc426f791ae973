"""``_urls``: URLs shown or published never carry a source's credentials."""

from __future__ import annotations

import pytest

from copro_feeds._urls import without_credentials


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:secret@partner.example/feed/", "https://partner.example/feed/"),
        ("https://user@partner.example/", "https://partner.example/"),
        ("http://a:b@partner.example:8080/x?y=1#z", "http://partner.example:8080/x?y=1#z"),
        # the last "@" of the authority ends the userinfo (a password may hold an "@")
        ("https://user:p@ss@partner.example/", "https://partner.example/"),
        ("  https://user:pw@partner.example/  ", "https://partner.example/"),
    ],
)
def test_the_userinfo_is_removed(url: str, shown: str) -> None:
    assert without_credentials(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.example/feed/",
        # an "@" in the path, query or fragment is not a login
        "https://partner.example/@ann/feed",
        "https://partner.example/feed?by=ann@partner.example",
        "https://partner.example/#mail@me",
    ],
)
def test_a_url_without_credentials_is_unchanged(url: str) -> None:
    assert without_credentials(url) == url
