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
from copro_feeds._credentials import source_credentials, source_headers
from copro_feeds._urls import without_credentials
from copro_feeds.config import SourceConfig
from copro_feeds.exceptions import ConfigError
from tests.conftest import Project
from tests.feedserver import FeedServer

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


# ``[[sources]] headers`` (issue 15): sent to the feed's own origin only, never shown.
TOKEN, TOKEN_VARIABLE = "t0ken-Xy9-very-secret", "COPRO_TEST_SCOPE_TOKEN"
HEADERS = f'headers = {{ X-Api-Key = "${{{TOKEN_VARIABLE}}}", X-Hello = "plain ${{}}" }}'


def _needs_token(handler: BaseHTTPRequestHandler) -> None:
    ok = handler.headers.get("X-Api-Key") == TOKEN
    body = PRIVATE_FEED if ok else b"token needed\n"
    handler.send_response(200 if ok else 403)
    handler.send_header("Content-Type", "application/rss+xml" if ok else "text/plain")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _scope_with_headers(project: Project, path: str) -> Path:
    url = project.server.url(path)
    return _config(project, f'[[sources]]\nname = "Scope"\nurl = "{url}"\n{HEADERS}')


def test_headers_are_sent_to_the_feed_and_never_logged_shown_or_published(
    project: Project, monkeypatch, caplog
):
    project.server.route("/token/feed.xml", _needs_token)
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    _scope_with_headers(project, "/token/feed.xml")
    caplog.set_level(logging.DEBUG, logger="copro_feeds")
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
        statuses = aggregator.status()
        entries = aggregator.entries()
    outcomes = {result.name: result.outcome for result in report.results}
    assert outcomes == {"Scope": Outcome.UPDATED, "Centre for Welfare Reform": Outcome.UPDATED}
    sent = {r.path: r.headers for r in project.server.requests}
    assert sent["/token/feed.xml"]["x-api-key"] == TOKEN
    assert sent["/token/feed.xml"]["x-hello"] == "plain ${}"  # no variable: as written
    assert "x-api-key" not in sent["/cfwr/atom.xml"]  # another partner: not sent
    assert sent["/token/feed.xml"]["user-agent"] == sent["/cfwr/atom.xml"]["user-agent"]
    status = subprocess.run(
        [sys.executable, "-m", "copro_feeds", "--config", str(project.config_path), "status"],
        capture_output=True,
        text=True,
        env={**os.environ, TOKEN_VARIABLE: TOKEN},
        timeout=60,
        check=False,
    )
    assert status.returncode == 0, status.stderr
    texts = [caplog.text, repr(statuses), repr(entries), repr(config), status.stdout]
    for text in texts:
        assert TOKEN not in text
    for path, data in _every_published_file(project.public):
        assert TOKEN.encode() not in data, path
    assert TOKEN.encode() not in config.storage.path.read_bytes()


def test_headers_do_not_follow_a_redirect_to_another_origin(project: Project, monkeypatch):
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    with FeedServer() as elsewhere:
        elsewhere.serve("/feed.xml", PRIVATE_FEED)
        target = elsewhere.url("/feed.xml")

        def moved(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", target)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        project.server.route("/moving/feed.xml", moved)
        _scope_with_headers(project, "/moving/feed.xml")
        config = copro_feeds.load_config(project.config_path)
        with copro_feeds.make_aggregator(config) as aggregator:
            report = aggregator.run_once()
        assert all(result.outcome is Outcome.UPDATED for result in report.results)
        (first,) = [r for r in project.server.requests if r.path == "/moving/feed.xml"]
        assert first.headers["x-api-key"] == TOKEN
        (second,) = elsewhere.requests
        assert "x-api-key" not in second.headers
        assert "x-hello" not in second.headers


def test_a_missing_header_variable_fails_that_source_and_check_says_so(
    project: Project, monkeypatch
):
    project.server.route("/token/feed.xml", _needs_token)
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    _scope_with_headers(project, "/token/feed.xml")
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
    results = {result.name: result for result in report.results}
    assert results["Centre for Welfare Reform"].outcome is Outcome.UPDATED
    assert results["Scope"].outcome is Outcome.ERROR
    assert f"headers.X-Api-Key: the environment variable {TOKEN_VARIABLE} is not set" in (
        results["Scope"].error or ""
    )
    assert project.server.hits("/token/feed.xml") == 0
    env = {key: value for key, value in os.environ.items() if key != TOKEN_VARIABLE}
    for extra, code in (
        ({}, 2),
        ({TOKEN_VARIABLE: "a\nb-hidden"}, 2),
        ({TOKEN_VARIABLE: TOKEN}, 0),
    ):
        checked = subprocess.run(
            [sys.executable, "-m", "copro_feeds", "--config", str(project.config_path), "check"],
            capture_output=True,
            text=True,
            env={**env, **extra},
            timeout=60,
            check=False,
        )
        assert checked.returncode == code, checked.stderr
        assert (TOKEN_VARIABLE in checked.stderr) is (code == 2)
        assert "hidden" not in checked.stderr + checked.stdout
        assert TOKEN not in checked.stderr + checked.stdout


def test_source_headers_reads_each_variable():
    source = SourceConfig(
        key="s",
        name="S",
        url="https://s.example/",
        headers=(("Authorization", "Bearer ${A}"), ("X-Two", "${A}-${B}"), ("X-Lit", "$A")),
    )
    assert source_headers(source, {"A": "x", "B": "y"}) == {
        "Authorization": "Bearer x",
        "X-Two": "x-y",
        "X-Lit": "$A",
    }
    with pytest.raises(ConfigError) as caught:
        source_headers(source, {"A": "ok-secret", "B": "bad\r\nInjected: 1"})
    assert caught.value.problems == (
        "sources['s'].headers.X-Two: the environment variable B holds a line break or NUL",
    )
    assert "secret" not in str(caught.value) and "Injected" not in str(caught.value)
    assert "ok-secret" not in repr(source) and "Bearer" not in repr(source)
