"""The staff web app served for real on 127.0.0.1 (waitress, port 0) over a project whose
three partners were fetched and published, with two accounts; and a ``requests`` client
that signs in and posts forms with their CSRF token, as a browser would."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests

import copro_feeds
from copro_feeds._admin._accounts import add_account
from copro_feeds._admin._app import make_app
from copro_feeds._refresh import discover_feeds
from copro_feeds._serve import Server
from copro_feeds._store import Store, open_store
from copro_feeds._types import Role
from copro_feeds.core import make_aggregator
from tests.conftest import ATOM, Project, make_project, partner_sources
from tests.factories import NOW
from tests.feedserver import FeedServer

EDITOR, ADMIN = "ann", "root"
PASSWORD = "a long enough password"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Clock:
    """A clock the test moves: the app reads it once per request."""

    now: datetime = NOW + timedelta(days=30)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Site:
    """The app's base URL, its clock, the project and a store connection of the test's own."""

    url: str
    clock: Clock
    project: Project
    store: Store
    secret: str
    idle: timedelta = field(default=timedelta(minutes=30))

    def client(self) -> Client:
        return Client(self.url)


class Client:
    """A browser-like session: cookies kept, redirects not followed unless asked."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False  # never a proxy: only 127.0.0.1

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.base + path, data=data or {}, timeout=30, **kwargs)

    def token(self, path: str) -> str:
        """The CSRF token of the first form on the page at ``path``."""
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        found = _TOKEN.search(page.text)
        assert found, f"no CSRF token on {path}"
        return html.unescape(found.group(1))

    def submit(self, page: str, action: str, data: dict | None = None) -> requests.Response:
        """Post a form found on ``page`` to ``action`` with the page's token."""
        return self.post(action, {"csrf_token": self.token(page), **(data or {})})

    def sign_in(self, name: str = EDITOR, password: str = PASSWORD) -> requests.Response:
        return self.submit("/login", "/login", {"username": name, "password": password})


# A partner whose name and post title carry markup: the app must show it as text.
MARKUP_NAME = "<b>Bold</b> & Co"
MARKUP_TITLE = "<img src=x onerror=alert(1)> <i>Tricky</i> title"
_MARKUP_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Markup</title><id>https://markup.test/</id><updated>2026-03-01T10:00:00Z</updated>
  <link href="https://markup.test/"/>
  <entry>
    <title type="text">&lt;img src=x onerror=alert(1)&gt; &lt;i&gt;Tricky&lt;/i&gt; title</title>
    <id>https://markup.test/tricky</id><link href="https://markup.test/tricky/"/>
    <updated>2026-03-01T10:00:00Z</updated>
    <summary>Plain words about co-production.</summary>
  </entry>
</feed>
"""


def admin_project(root, server: FeedServer) -> Project:
    """The three partners, and a fourth whose name and post title carry markup."""
    project = make_project(root, server)
    server.serve("/markup/atom.xml", _MARKUP_FEED, content_type=ATOM)
    project.write_config(
        "# Partners, in the order readers see them\n"
        + partner_sources(server)
        + f"""
# This one tests escaping
[[sources]]
name = "<b>Bold</b> & Co"
url = "{server.url("/markup/atom.xml")}"
"""
    )
    return project


@contextmanager
def serve_app(project: Project, *, idle: timedelta = timedelta(minutes=30)) -> Iterator[Site]:
    """The app over ``project`` (fetched and published first), served until the block ends."""
    config = copro_feeds.load_config(project.config_path)
    with make_aggregator(config) as aggregator:
        report = aggregator.run_once()
        assert not report.failures, report.results
    clock = Clock()
    store = open_store(config.storage)
    add_account(store, EDITOR, Role.EDITOR, PASSWORD, NOW, by=None)
    add_account(store, ADMIN, Role.ADMIN, PASSWORD, NOW, by=None)
    secret = "test secret " + "x" * 40
    try:
        with make_aggregator(config, clock=clock) as aggregator:
            app_store = open_store(config.storage)
            app = make_app(
                aggregator,
                app_store,
                secret=secret,
                clock=clock,
                discover=discover_feeds,
                idle=idle,
            )
            server = Server(app=app, host="127.0.0.1", port=0, trusted_proxy="127.0.0.1")
            base = server.start()
            try:
                yield Site(
                    url=base, clock=clock, project=project, store=store, secret=secret, idle=idle
                )
            finally:
                server.stop()
                app_store.close()
    finally:
        store.close()
