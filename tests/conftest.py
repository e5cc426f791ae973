"""Shared fixtures: a real HTTP server on 127.0.0.1 and a project folder using it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.feedserver import FeedServer

PARTNERS = Path(__file__).parent / "data" / "partners"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
RDF = "application/rdf+xml; charset=utf-8"


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A threaded HTTP/1.1 server on 127.0.0.1, on a free port, stopped after the test."""
    with FeedServer() as server:
        yield server


@dataclass
class Project:
    """A folder with a feeds.toml whose three partners are served by ``server``."""

    root: Path
    server: FeedServer

    @property
    def config_path(self) -> Path:
        return self.root / "feeds.toml"

    @property
    def public(self) -> Path:
        return self.root / "public"

    def write_config(self, sources: str, *, extra: str = "") -> Path:
        self.config_path.write_text(
            f"""
[site]
title = "Partners' news"
link = "https://copro.test/"
feed_url = "https://copro.test/feeds/atom.xml"
author = "Test network"

[output]
excerpt_words = 12

[fetch]
allow_private_networks = true
timeout = 5
interval = "30m"
{extra}
{sources}
""",
            encoding="utf-8",
        )
        return self.config_path


def partner_sources(server: FeedServer) -> str:
    return f"""
[[sources]]
name = "Scope"
url = "{server.url("/scope/feed/")}"
homepage = "https://scope.test/"
tags = ["disability"]

[[sources]]
name = "Centre for Welfare Reform"
url = "{server.url("/cfwr/atom.xml")}"

[[sources]]
name = "Scottish Co-production Network"
url = "{server.url("/scottish/rss.xml")}"
"""


@pytest.fixture
def project(tmp_path: Path, feed_server: FeedServer) -> Project:
    """Three partner feeds (WordPress RSS 2.0, Atom, RSS 1.0) served on 127.0.0.1."""
    feed_server.serve("/scope/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    feed_server.serve(
        "/cfwr/atom.xml", (PARTNERS / "cfwr.atom.xml").read_bytes(), content_type=ATOM
    )
    feed_server.serve(
        "/scottish/rss.xml", (PARTNERS / "scottish.rdf").read_bytes(), content_type=RDF
    )
    result = Project(root=tmp_path, server=feed_server)
    result.write_config(partner_sources(feed_server))
    return result
