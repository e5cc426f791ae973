"""``_publish/_jsonfeed``: JSON Feed 1.1 with each partner's credit (validated against the
schema with every other output: tests/test_formats.py)."""

from __future__ import annotations

import json
from dataclasses import replace

from copro_feeds._plan import FeedInfo
from copro_feeds._publish._jsonfeed import VERSION, render_json_feed
from copro_feeds._publish._model import published_id
from copro_feeds.config import SiteConfig
from copro_feeds.types import Display
from tests.factories import NOW, attribution, entry

SITE = SiteConfig(
    title="Partners' news",
    link="https://copro.example/",
    feed_url="https://copro.example/atom.xml",
    language="en-GB",
    websub_hub="https://hub.example/",
)


def test_the_feed_and_its_items():
    post = entry(
        published=NOW, updated=NOW, language="cy", attribution=attribution(licence="CC BY 4.0")
    )
    document = json.loads(render_json_feed([post], SITE, FeedInfo(folder="tags/news/")))
    assert document["version"] == VERSION
    assert document["feed_url"] == "https://copro.example/tags/news/feed.json"
    assert document["language"] == "en-GB"
    assert document["hubs"] == [{"type": "WebSub", "url": "https://hub.example/"}]
    (item,) = document["items"]
    assert item["id"] == published_id(post, SITE)
    assert item["url"] == post.link
    assert item["summary"] == post.excerpt
    assert item["date_published"] == NOW.isoformat()
    assert item["authors"] == [{"name": "Ann"}]
    assert item["tags"] == ["News"]
    assert item["language"] == "cy"
    assert item["_copro"]["source"] == {
        "name": "Scope",
        "homepage": "https://scope.example/",
        "feed_url": "https://scope.example/feed/",
        "licence": "CC BY 4.0",
    }
    assert "also_via" not in item["_copro"]


def test_headlines_have_no_summary_and_joint_credit_lists_every_partner():
    post = entry(authors=(), attribution=attribution(display=Display.HEADLINE))
    joint = replace(post, also_via=(attribution("cee", "Cee"),))
    (item,) = json.loads(render_json_feed([joint], SITE))["items"]
    assert "summary" not in item
    assert item["authors"] == [{"name": "Scope"}]  # no author: the partner
    assert [p["name"] for p in item["_copro"]["also_via"]] == ["Cee"]


def test_no_feed_url_no_self_link_and_the_output_is_deterministic():
    bare = SiteConfig(title="t", link="https://copro.example/")
    data = render_json_feed([entry()], bare)
    assert "feed_url" not in json.loads(data)
    assert data == render_json_feed([entry()], bare)
    assert data.endswith(b"\n")
