"""A body cut short never destroys a stored post (issue 10, item 1).

The class: a compressed stream that stops before its end-of-stream marker (with a
Content-Length that matches what was sent), and an XML document cut inside an entry.
Either must never replace a complete stored post with a shorter or emptier copy, and the
validators and body hash of such a fetch are never kept. The decoder on its own:
tests/test_decode.py.
"""

from __future__ import annotations

import gzip
from http.server import BaseHTTPRequestHandler

import pytest

import copro_feeds
from copro_feeds._fetch import Fetcher
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.config import FetchConfig
from copro_feeds.exceptions import FetchError
from copro_feeds.types import Outcome
from tests.conftest import RSS, Project

POSTS = {
    "one": "First post. " * 30,
    "two": "Second post, a complete and long one. " * 10,
}


def rss(posts: dict[str, str]) -> bytes:
    items = "".join(
        f"<item><guid>https://partner.test/{key}</guid><title>Post {key}</title>"
        f"<link>https://partner.test/{key}</link>"
        f"<pubDate>Mon, 0{i + 1} Jun 2026 10:00:00 GMT</pubDate>"
        f"<description>{text}</description></item>"
        for i, (key, text) in enumerate(posts.items())
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Partner</title><link>https://partner.test/</link>{items}</channel></rss>"
    ).encode()


def _cut_gzip(handler: BaseHTTPRequestHandler) -> None:
    packed = gzip.compress(rss(POSTS))
    cut = packed[: len(packed) * 2 // 3]
    handler.send_response(200)
    handler.send_header("Content-Type", RSS)
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(cut)))  # matches what is sent
    handler.send_header("ETag", '"cut"')
    handler.end_headers()
    handler.wfile.write(cut)


def test_fetching_a_cut_gzip_body_is_an_error(project: Project) -> None:
    project.server.route("/cut", _cut_gzip)
    with (
        Fetcher(FetchConfig(allow_private_networks=True)) as fetcher,
        pytest.raises(FetchError, match="end-of-stream marker"),
    ):
        fetcher.fetch(project.server.url("/cut"))


def _one_partner(project: Project) -> None:
    project.write_config(
        f"""
[[sources]]
name = "Partner"
url = "{project.server.url("/feed")}"
display = "full"
"""
    )


def _run(project: Project) -> copro_feeds.RunReport:
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        return aggregator.run_once(all_sources=True)


def _stored(project: Project) -> tuple[dict[str, str], tuple[str | None, str | None, str | None]]:
    store = SQLiteStore.open(project.root / "copro_feeds.sqlite3")
    try:
        config = copro_feeds.load_config(project.config_path)
        with copro_feeds.make_aggregator(config) as aggregator:
            entries = aggregator.stored_entries()
        state = store.state("partner")
    finally:
        store.close()
    contents = {placed.entry.id.rsplit("/", 1)[1]: placed.entry.content_html for placed in entries}
    return contents, (state.etag, state.last_modified, state.body_hash)


def _complete_first(project: Project) -> tuple[dict[str, str], tuple[object, ...]]:
    _one_partner(project)
    project.server.serve("/feed", rss(POSTS), content_type=RSS, headers={})
    report = _run(project)
    assert report.count(Outcome.UPDATED) == 1
    contents, validators = _stored(project)
    assert set(contents) == {"one", "two"}
    assert validators[0] is not None
    return contents, validators


def test_a_cut_gzip_body_leaves_posts_and_validators_as_they_were(project: Project) -> None:
    before, validators = _complete_first(project)
    project.server.route("/feed", _cut_gzip)
    report = _run(project)
    assert report.count(Outcome.ERROR) == 1
    assert "end-of-stream" in (report.results[0].error or "")
    assert _stored(project) == (before, validators)


@pytest.mark.parametrize("where", ["in-text", "in-tag", "after-item", "in-next-item"])
def test_an_xml_document_cut_short_never_shortens_a_post(project: Project, where: str) -> None:
    before, validators = _complete_first(project)
    whole = rss(POSTS)
    second = whole.index(b"Second post")
    cut = {
        "in-text": second + 40,
        "in-tag": whole.index(b"</description>", second) + 5,
        "after-item": whole.index(b"</item>", second) + len(b"</item>"),
        "in-next-item": whole.index(b"</item>", second) + len(b"</item><item><gu"),
    }[where]
    body = whole[:cut]
    if where == "in-next-item":  # a third item starts, then the document stops
        body = whole[: whole.index(b"</item>", second) + 7] + b"<item><guid>https://partner.test/3"
    project.server.serve("/feed", body, content_type=RSS)  # a new ETag for the cut body
    report = _run(project)
    assert report.count(Outcome.ERROR) == 0
    after, kept = _stored(project)
    assert after == before  # no post shortened, none emptied, none half-added
    assert kept == validators  # the next poll fetches the document whole


def test_a_broken_but_whole_document_does_not_shorten_a_post(project: Project) -> None:
    before, _ = _complete_first(project)
    shorter = dict(POSTS, two="Second post & cut")  # a bare & makes it ill-formed
    project.server.serve("/feed", rss(shorter), content_type=RSS)
    _run(project)
    after, _ = _stored(project)
    assert after == before


def test_a_well_formed_shorter_edit_still_replaces_the_post(project: Project) -> None:
    before, _ = _complete_first(project)
    project.server.serve("/feed", rss(dict(POSTS, two="Edited: much shorter.")), content_type=RSS)
    report = _run(project)
    assert report.updated_entries == 1
    after, _ = _stored(project)
    assert after["one"] == before["one"]
    assert "Edited: much shorter." in after["two"]
