"""Reposts end to end: partners' feeds served on 127.0.0.1, a real SQLite store, the real
fingerprints. The test set (tests/data/reposts/posts.json, see its README.md) holds 12
articles each reposted by another partner under its own link (a new first sentence,
light edits, sometimes "Repost:" in the title, the reposter's footer) and 26 distinct
posts by several partners that share boilerplate: weekly news with the same long
network footer, event notices on one template, short posts under the same long footer.

Measured here: precision (merged pairs that are true reposts) and recall (true reposts
merged) at the default ``[output] repost_similarity``; ``benchmarks/repost_precision.py``
prints them at other thresholds."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

import copro_feeds
from copro_feeds.config import REPOST_SIMILARITY
from copro_feeds.types import EntryState
from tests.conftest import RSS, make_project
from tests.feedserver import FeedServer

DATA = json.loads((Path(__file__).parent / "data" / "reposts" / "posts.json").read_text())
PARTNERS = DATA["partners"]
POSTS = DATA["posts"]


def rss(posts: list[dict[str, str]], name: str, homepage: str) -> bytes:
    items = "".join(
        f"<item><title>{escape(post['title'])}</title><link>{escape(post['link'])}</link>"
        f"<guid isPermaLink='false'>{post['id']}</guid>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(post['published']))}</pubDate>"
        f"<description>{escape('<p>' + escape(post['text']) + '</p>')}</description></item>"
        for post in posts
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{escape(name)}</title><link>{homepage}</link><description>d</description>"
        f"{items}</channel></rss>"
    ).encode()


def true_pairs() -> set[frozenset[str]]:
    by_article: dict[str, list[str]] = {}
    for post in POSTS:
        if post["article"]:
            by_article.setdefault(post["article"], []).append(post["id"])
    return {
        frozenset(pair) for ids in by_article.values() for pair in itertools.combinations(ids, 2)
    }


@pytest.fixture(scope="module")
def aggregated(tmp_path_factory):
    """The test set's partners served and aggregated once: the published entries, the
    groups merged (winner id → its copies' ids) and the explanation of each merged copy."""
    root = tmp_path_factory.mktemp("reposts")
    with FeedServer() as server:
        project = make_project(root, server)
        sources = ""
        for key, partner in PARTNERS.items():
            own = [post for post in POSTS if post["source"] == key]
            body = rss(own, partner["name"], partner["homepage"])
            server.serve(f"/{key}/feed", body, content_type=RSS)
            sources += (
                f'[[sources]]\nname = "{partner["name"]}"\nslug = "{key}"\n'
                f'url = "{server.url(f"/{key}/feed")}"\nhomepage = "{partner["homepage"]}"\n'
            )
        project.write_config(sources)
        config = copro_feeds.load_config(project.config_path)
        with copro_feeds.make_aggregator(config) as aggregator:
            report = aggregator.run_once()
            assert not report.failures, report.summary()
            entries = aggregator.entries(limit=1000)
            placed = aggregator.stored_entries()
            ids = {item.ref: item.entry.id for item in placed}
            groups: dict[str, list[str]] = {}
            explained = {}
            for item in placed:
                if item.state is EntryState.MERGED:
                    winner = ids[item.state_text.removeprefix("merged into ")]
                    groups.setdefault(winner, [winner]).append(item.entry.id)
                    explained[item.entry.id] = aggregator.explain(item.ref).text
    return entries, groups, explained


def test_precision_and_recall_on_the_test_set(aggregated):
    _, groups, _ = aggregated
    found = {frozenset(pair) for ids in groups.values() for pair in itertools.combinations(ids, 2)}
    expected = true_pairs()
    assert len(expected) == 12
    precision = len(found & expected) / len(found)
    recall = len(found & expected) / len(expected)
    assert (precision, recall) == (1.0, 1.0), sorted(map(sorted, found ^ expected))


def test_the_original_partner_comes_first_with_joint_credit(aggregated):
    entries, groups, _ = aggregated
    assert sorted(groups) == sorted(f"article-{n}" for n in range(12))
    shown = {entry.id: entry for entry in entries}
    for n in range(12):
        original = shown[f"article-{n}"]
        repost = next(post for post in POSTS if post["id"] == f"repost-{n}")
        assert [a.source_key for a in original.also_via] == [repost["source"]]
        assert f"repost-{n}" not in shown
    distinct = [post["id"] for post in POSTS if post["article"] is None]
    assert all(shown[post_id].also_via == () for post_id in distinct)


def test_explain_says_why_with_the_score(aggregated):
    _, _, explained = aggregated
    text = explained["repost-0"]
    assert "merged into the copy from Valleys Disability Forum" in text
    score = re.search(r"Their words are (\d\.\d\d) alike", text)
    assert score is not None, text
    assert REPOST_SIMILARITY <= float(score[1]) <= 1
    assert f"at least the {REPOST_SIMILARITY:.2f} set by [output] repost_similarity" in text
    assert "under 2 links" in text
