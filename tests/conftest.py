"""Shared fixtures: a real HTTP server on 127.0.0.1 and temporary project folders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A threaded HTTP/1.1 server on 127.0.0.1, on a free port, stopped after the test."""
    with FeedServer() as server:
        yield server
