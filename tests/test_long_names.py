"""Names make folders: however long a partner's name or tag, publishing writes every
output (issue 10 item 7: a 308-character name once stopped every publish)."""

from __future__ import annotations

import os

import copro_feeds
from copro_feeds.config import MAX_SLUG_CHARS
from tests.conftest import Project

NAME_308 = ("Scope for Disabled People " * 12)[:308].strip()
TAG_300 = "t" * 300


def test_a_308_character_name_and_a_300_character_tag_publish_everything(project: Project):
    server = project.server
    project.write_config(
        f"""
[[sources]]
name = "{NAME_308}"
url = "{server.url("/scope/feed/")}"
tags = ["{TAG_300}"]

[[sources]]
name = "{NAME_308} in Wales"
url = "{server.url("/cfwr/atom.xml")}"
tags = ["{TAG_300}"]

[[sources]]
name = "Scottish Co-production Network"
url = "{server.url("/scottish/rss.xml")}"
"""
    )
    config = copro_feeds.load_config(project.config_path)
    keys = [source.key for source in config.sources]
    assert len(set(keys)) == 3
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
    assert report.publish_error is None, report.publish_error
    public = project.public
    for name in ("atom.xml", "rss.xml", "feed.json", "index.html", "sources.opml", "feed.xsl"):
        assert (public / name).is_file(), name
    for key in keys:
        assert (public / "sources" / key / "atom.xml").is_file()
    tags = sorted(path.name for path in (public / "tags").iterdir())
    assert len(tags) == 1
    assert len(tags[0]) <= MAX_SLUG_CHARS
    assert (public / "tags" / tags[0] / "feed.json").is_file()
    for path, folders, files in os.walk(public):
        for name in folders + files:
            assert len(name.encode()) <= 80, os.path.join(path, name)
