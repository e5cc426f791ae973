"""Shared fixtures: a real HTTP server on 127.0.0.1 and a project folder using it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from tests.feedserver import FeedServer
from tests.postgres_server import PostgresServer

# Hypothesis's per-example deadline is wall-clock time: on a loaded 2-core machine (the
# suite runs under xdist beside parser and browser processes) a 30 ms example took 280 ms
# and failed as "flaky". Examples are bounded by their count, not by the clock.
settings.register_profile("copro", deadline=None)
settings.load_profile("copro")

PARTNERS = Path(__file__).parent / "data" / "partners"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
RDF = "application/rdf+xml; charset=utf-8"


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A threaded HTTP/1.1 server on 127.0.0.1, on a free port, stopped after the test."""
    with FeedServer() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL 15 server on 127.0.0.1, one per xdist worker, stopped after the
    session (about two seconds to start: only tests that use it pay for it)."""
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A URL to a fresh, empty schema on the test PostgreSQL server (its own search path)."""
    return postgres_server.fresh_url()


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


def make_project(root: Path, server: FeedServer) -> Project:
    """Three partner feeds (WordPress RSS 2.0, Atom, RSS 1.0) served by ``server``."""
    server.serve("/scope/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    server.serve("/cfwr/atom.xml", (PARTNERS / "cfwr.atom.xml").read_bytes(), content_type=ATOM)
    server.serve("/scottish/rss.xml", (PARTNERS / "scottish.rdf").read_bytes(), content_type=RDF)
    result = Project(root=root, server=server)
    result.write_config(partner_sources(server))
    return result


@pytest.fixture
def project(tmp_path: Path, feed_server: FeedServer) -> Project:
    """Three partner feeds (WordPress RSS 2.0, Atom, RSS 1.0) served on 127.0.0.1."""
    return make_project(tmp_path, feed_server)


@pytest.fixture(scope="module")
def module_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """The same three partners, one project for a whole module: for fixtures that build
    a site once which the module's tests then only read (pages in a browser, schemas)."""
    with FeedServer() as server:
        yield make_project(tmp_path_factory.mktemp("project"), server)
