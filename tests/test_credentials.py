"""Feeds behind a login (issue 10 item 10): credentials are used to fetch and never
published, stored in the outputs, logged or shown. Two ways to give them: in the URL
(``https://user:secret@host/feed``) or, better, ``credentials_env``."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

import copro_feeds
from copro_feeds import Outcome
from copro_feeds._credentials import source_credentials
from copro_feeds._urls import without_credentials
from copro_feeds.config import SourceConfig
from copro_feeds.exceptions import ConfigError
from tests.conftest import Project

USER, SECRET = "alice", "s3cr3t-Pa55word"
VARIABLE = "COPRO_TEST_SCOPE_AUTH"
# A feed with no channel link (the credit's homepage then comes from the feed URL) and
# relative links (resolved against the feed URL), republished whole.
PRIVATE_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Members only</title>
<item><title>For members</title><link>/members/post-1</link><guid>/members/post-1</guid>
<pubDate>Mon, 02 Mar 2026 09:00:00 GMT</pubDate>
<description>&lt;p&gt;See &lt;a href="/members/more"&gt;more&lt;/a&gt; and
&lt;img src="pic.png" alt="a picture"&gt;&lt;/p&gt;</description></item>
</channel></rss>"""


def _needs_login(handler: BaseHTTPRequestHandler) -> None:
    expected = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    if handler.headers.get("Authorization") != expected:
        body, status, extra = b"login needed\n", 401, [("WWW-Authenticate", 'Basic realm="x"')]
    else:
        body, status, extra = PRIVATE_FEED, 200, []
    handler.send_response(status)
    handler.send_header("Content-Type", "application/rss+xml" if status == 200 else "text/plain")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in extra:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def _config(project: Project, scope: str) -> Path:
    """Scope as given, and an ordinary partner; the roundup on, so its pages are checked."""
    server = project.server
    return project.write_config(
        f"""
{scope}
tags = ["members"]

[[sources]]
name = "Centre for Welfare Reform"
url = "{server.url("/cfwr/atom.xml")}"
""",
        extra='[digest]\nenabled = true\nevery = "day"\nperiods = 400\n',
    )


def _every_published_file(public: Path) -> Iterator[tuple[Path, bytes]]:
    for path in sorted(public.rglob("*")):
        if path.is_file() and not path.name.startswith(".copro-lock"):
            yield path, path.read_bytes()


def _assert_secret_nowhere(public: Path, texts: list[str]) -> None:
    encoded = base64.b64encode(f"{USER}:{SECRET}".encode())
    files = list(_every_published_file(public))
    names = {path.relative_to(public).as_posix() for path, _ in files}
    assert {"sources.opml", "via.opml", "digest.xml", "tags/members/atom.xml"} <= names
    assert any(name.startswith("digest/2026-") for name in names)
    for path, data in files:
        assert SECRET.encode() not in data, path
        assert f"{USER}:".encode() not in data, path
        assert encoded not in data, path
    for text in texts:
        assert SECRET not in text


@pytest.fixture
def private(project: Project) -> Project:
    project.server.route("/private/feed.xml", _needs_login)
    return project


def test_credentials_in_the_url_fetch_and_are_never_published(private: Project, caplog):
    url = private.server.url("/private/feed.xml").replace("://", f"://{USER}:{SECRET}@")
    _config(private, f'[[sources]]\nname = "Scope"\nurl = "{url}"\ndisplay = "full"\n')
    caplog.set_level(logging.DEBUG, logger="copro_feeds")
    config = copro_feeds.load_config(private.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
        entries = aggregator.entries()
        explained = aggregator.explain(entries[-1].link or "")
    scope = next(result for result in report.results if result.name == "Scope")
    assert scope.outcome is Outcome.UPDATED, scope.error
    assert report.publish_error is None
    post = next(entry for entry in entries if entry.title == "For members")
    host = private.server.url("/").split("//")[1]
    assert post.link == f"http://{host}members/post-1"
    assert post.attribution.feed_url == private.server.url("/private/feed.xml")
    assert post.attribution.homepage == f"http://{host}"
    assert SECRET not in post.content_html
    assert f"http://{host}members/more" in post.content_html
    _assert_secret_nowhere(private.public, [caplog.text, explained.text, repr(entries)])
    # The OPML still lists the partner's own feed, without the login.
    opml = (private.public / "sources.opml").read_text()
    assert private.server.url("/private/feed.xml") in opml


def test_credentials_env_is_sent_as_basic_auth_and_never_published(
    private: Project, monkeypatch, caplog
):
    monkeypatch.setenv(VARIABLE, f"{USER}:{SECRET}")
    url = private.server.url("/private/feed.xml")
    _config(private, f'[[sources]]\nname = "Scope"\nurl = "{url}"\ncredentials_env = "{VARIABLE}"')
    caplog.set_level(logging.DEBUG, logger="copro_feeds")
    config = copro_feeds.load_config(private.config_path)
    assert SECRET not in repr(config)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
        statuses = aggregator.status()
    assert {result.name: result.outcome for result in report.results} == {
        "Scope": Outcome.UPDATED,
        "Centre for Welfare Reform": Outcome.UPDATED,
    }
    logins = [r.headers.get("authorization") for r in private.server.requests]
    assert logins.count(None) == 1  # the other partner gets no login
    assert len(logins) == 2
    _assert_secret_nowhere(private.public, [caplog.text, repr(statuses)])
    database = config.storage.path.read_bytes()
    assert SECRET.encode() not in database


def test_a_missing_variable_fails_that_source_naming_the_variable(private: Project, monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    url = private.server.url("/private/feed.xml")
    _config(private, f'[[sources]]\nname = "Scope"\nurl = "{url}"\ncredentials_env = "{VARIABLE}"')
    config = copro_feeds.load_config(private.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
    results = {result.name: result for result in report.results}
    assert results["Centre for Welfare Reform"].outcome is Outcome.UPDATED
    assert results["Scope"].outcome is Outcome.ERROR
    assert VARIABLE in (results["Scope"].error or "")
    assert "not set" in (results["Scope"].error or "")
    assert private.server.hits("/private/feed.xml") == 0  # nothing sent without the login


def test_check_refuses_a_missing_or_malformed_variable(private: Project):
    url = private.server.url("/private/feed.xml")
    _config(private, f'[[sources]]\nname = "Scope"\nurl = "{url}"\ncredentials_env = "{VARIABLE}"')
    env = {key: value for key, value in os.environ.items() if key != VARIABLE}

    def check(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "copro_feeds", "--config", str(private.config_path), "check"],
            capture_output=True,
            text=True,
            env={**env, **extra},
            timeout=60,
            check=False,
        )

    missing = check({})
    assert missing.returncode == 2
    assert f"the environment variable {VARIABLE} is not set" in missing.stderr
    malformed = check({VARIABLE: "no-colon-secret"})
    assert malformed.returncode == 2
    assert VARIABLE in malformed.stderr
    assert "no-colon-secret" not in malformed.stderr + malformed.stdout
    good = check({VARIABLE: f"{USER}:{SECRET}"})
    assert good.returncode == 0, good.stderr
    assert SECRET not in good.stdout + good.stderr


def test_source_credentials_reads_user_and_password_at_the_first_colon():
    source = SourceConfig(key="s", name="S", url="https://s.example/", credentials_env="V")
    assert source_credentials(source, {"V": "user:pa:ss"}) == ("user", "pa:ss")
    assert source_credentials(SourceConfig(key="s", name="S", url="https://s/"), {}) is None
    for bad in ({}, {"V": ""}, {"V": "nocolon"}, {"V": ":password-only"}):
        with pytest.raises(ConfigError) as caught:
            source_credentials(source, bad)
        assert "V" in str(caught.value)
        assert "password-only" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:secret@host.example/feed", "https://host.example/feed"),
        ("https://user@host.example:8443/feed?a=b@c", "https://host.example:8443/feed?a=b@c"),
        ("http://u:p%40ss@h.example/#x@y", "http://h.example/#x@y"),
        ("https://a@b:c@h.example/", "https://h.example/"),
        ("https://host.example/feed", "https://host.example/feed"),
        ("https://host.example/p?next=//x@y", "https://host.example/p?next=//x@y"),
    ],
)
def test_without_credentials(url, shown):
    assert without_credentials(url) == shown
