"""``_publish`` (the package): publish() writes every output once, atomically, and cleans
up after a crash. Each format on its own: tests/test_publish_<module>.py."""

from __future__ import annotations

import stat
from datetime import timedelta

from copro_feeds._publish import (
    TEMP_PREFIX,
    FeedContent,
    FeedInfo,
    publish,
)
from copro_feeds.config import SiteConfig
from tests.factories import NOW, attribution, entry

SITE = SiteConfig(
    title="Partners' news & views",
    link="https://copro.example/",
    feed_url="https://copro.example/feeds/atom.xml",
    description="Posts from our partners",
    author="Co-production Network",
    language="en-GB",
)
ENTRIES = [
    entry(
        id="1",
        title="First <b>&</b> best",
        published=NOW,
        updated=NOW,
        link="https://scope.example/1",
        excerpt="Hello & welcome",
    ),
    entry(
        id="2",
        attribution=attribution("cfwr", 'Centre for "Welfare" Reform'),
        link="https://cfwr.example/2",
        published=NOW - timedelta(days=1),
        updated=NOW - timedelta(days=1),
        categories=("Policy",),
    ),
]


MAIN = [FeedContent(info=FeedInfo(), entries=tuple(ENTRIES))]
SOURCES = [attribution("scope"), attribution("cfwr", "Centre for Welfare Reform")]


def test_publish_writes_once_atomically_with_0644(tmp_path):
    out = tmp_path / "public"
    written = publish(MAIN, SOURCES, SITE, out)
    assert sorted(p.name for p in written) == [
        "atom.xml",
        "feed.json",
        "feed.xsl",
        "index.html",
        "rss.xml",
        "sources.opml",
        "style.css",
        "via.opml",
    ]
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    before = {p: p.stat().st_mtime_ns for p in written}
    assert publish(MAIN, SOURCES, SITE, out) == []
    assert {p: p.stat().st_mtime_ns for p in written} == before
    assert not list(out.glob(f"{TEMP_PREFIX}*"))


def test_stale_temp_files_are_removed(tmp_path):
    out = tmp_path / "public"
    out.mkdir()
    (out / f"{TEMP_PREFIX}abc").write_text("half a feed")
    publish(MAIN, SOURCES, SITE, out)
    assert not list(out.glob(f"{TEMP_PREFIX}*"))
