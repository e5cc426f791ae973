"""Digest speed (parse + normalise) on content-heavy feeds, the excerpt alone, and the
incremental digest of a re-fetched feed (issue 13).

Run: python benchmarks/ingest_speed.py [--corpus heavy|light|own] [--feeds 120] [--seed 13]

``--corpus heavy`` (the default) takes the first ``--feeds`` feeds of
``benchmarks/corpus.py``'s content-heavy style (WordPress block markup, 5-20 KB a post,
with a ``description`` summary); ``light`` its ordinary style; ``own`` this file's own
generator (``--entries`` posts a feed of paragraphs, headings, lists, links, images with
alt text and figure captions). Then, on one core, in this process:

* the excerpt (60 words) of every sanitised post: today's ``make_excerpt`` against the
  BeautifulSoup one it replaced (kept in tests/test_excerpt_differential.py);
* ``feedparser.parse`` with its defaults (what lemon24/reader runs), and bare (its
  sanitiser and relative-URI resolver off, as copro_feeds calls it);
* copro_feeds's parse alone (``_parse.parse_feed``), its normalising alone (every parsed
  entry through ``normalise_entry``), and both (``_ingest.ingest``, the whole digest);
* the incremental digest: each feed digested once, then changed as blogs change (1-3 new
  posts on top, as many old ones off the bottom: ``corpus.changed_feed``) and digested
  again with the items known from the first time, against the whole digest of the same
  changed document (not available for ``own``).

Prints the best of ``--repeat`` runs in MB/s of feed XML (of post HTML, for the excerpt)
and the ratios, in CPU time of this one process. The machine is shared and noisy:
compare ratios within one run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.*

from benchmarks import corpus
from tests.test_excerpt_differential import reference_excerpt

from copro_feeds._ingest import SourceFacts, ingest
from copro_feeds._normalise import NormaliseSettings, normalise_entry
from copro_feeds._parse import parse_feed
from copro_feeds._text import make_excerpt
from copro_feeds.types import Attribution

NOW = datetime(2026, 3, 2, tzinfo=UTC)  # after every corpus post, so none is "future"
HEADERS = {"content-type": "application/rss+xml; charset=UTF-8"}
VOCABULARY = (
    "the of and to in a is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "community partners volunteers project funding report housing energy support local "
    "council members meeting network training digital charity event research results "
    "families services children health survey garden library workshop archive heritage"
)
WORDS = tuple(VOCABULARY.split())


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 22))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + rng.choice(".....?!")


def paragraph(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(2, 6)):
        text = escape(sentence(rng))
        if rng.random() < 0.3:
            word = rng.choice(WORDS)
            text += f' See <a href="https://partner.example/{word}/">our {word} page</a>.'
        if rng.random() < 0.2:
            text = text.replace(" the ", " <strong>the</strong> ", 1)
        parts.append(text)
    return "<p>" + " ".join(parts) + "</p>"


def figure(rng: random.Random, n: int) -> str:
    alt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
    image = (
        f'<img class="wp-image-{n}" src="https://partner.example/wp-content/uploads/{n}.jpg" '
        f'alt="{alt}" width="1024" height="683" loading="lazy" '
        f'srcset="https://partner.example/wp-content/uploads/{n}-300x200.jpg 300w">'
    )
    if rng.random() < 0.5:
        return f"<p>{image}</p>"
    caption = escape(sentence(rng))
    figure_class = "wp-block-image size-large"
    return f'<figure class="{figure_class}">{image}<figcaption>{caption}</figcaption></figure>'


def post(rng: random.Random) -> str:
    """5 to 20 KB of WordPress-like HTML."""
    target = rng.randint(5_000, 20_000)
    blocks = [figure(rng, rng.randint(1, 9999))] if rng.random() < 0.5 else []
    while sum(map(len, blocks)) < target:
        roll = rng.random()
        if roll < 0.6:
            blocks.append(paragraph(rng))
        elif roll < 0.7:
            level = rng.choice((2, 3))
            blocks.append(f"<h{level}>{escape(sentence(rng).rstrip('.?!'))}</h{level}>")
        elif roll < 0.8:
            tag = rng.choice(("ul", "ol"))
            items = "".join(f"<li>{escape(sentence(rng))}</li>" for _ in range(rng.randint(2, 6)))
            blocks.append(f"<{tag}>{items}</{tag}>")
        elif roll < 0.9:
            blocks.append(figure(rng, rng.randint(1, 9999)))
        else:
            blocks.append(f"<blockquote>{paragraph(rng)}</blockquote>")
    return "\n".join(blocks)


def feed(rng: random.Random, number: int, entries: int) -> bytes:
    items = []
    for i in range(entries):
        date = format_datetime(NOW - timedelta(days=i, hours=number))
        title = escape(sentence(rng).rstrip(".?!"))
        link = f"https://partner{number}.example/{2026 - i // 50}/post-{i}/"
        content = post(rng).replace("]]>", "]]]]><![CDATA[>")
        items.append(
            f"<item><title>{title}</title><link>{link}</link>"
            f"<pubDate>{date}</pubDate><dc:creator><![CDATA[Author {i % 4}]]></dc:creator>"
            f"<category><![CDATA[News]]></category>"
            f'<guid isPermaLink="false">https://partner{number}.example/?p={i}</guid>'
            f"<description><![CDATA[{escape(sentence(rng))} [&#8230;]]]></description>"
            f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Partner {number}</title><link>https://partner{number}.example/</link>"
        f"<description>A partner</description><language>en-GB</language>{''.join(items)}"
        "</channel></rss>"
    ).encode()


def timed(work: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``work()``, in seconds of this process's CPU time
    (one core; what other processes on a shared machine take is not counted)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def corpus_bodies(style: str, feeds: int, seed: int) -> tuple[list[bytes], list[bytes]]:
    """The first ``feeds`` feeds of the benchmark corpus, and each after one change."""
    before, after = [], []
    for index in range(feeds):
        feed_ = corpus.make_feed(seed, index, style)
        url = f"https://partner{index}.example/feed/"
        before.append(corpus.render(feed_, url))
        after.append(corpus.render(corpus.changed_feed(feed_, seed, 1, style), url))
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=("heavy", "light", "own"), default="heavy")
    parser.add_argument("--feeds", type=int, default=120)
    parser.add_argument("--entries", type=int, default=10, help="posts a feed, for --corpus own")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    if args.corpus == "own":
        rng = random.Random(args.seed)
        bodies, changed = [feed(rng, n, args.entries) for n in range(args.feeds)], []
    else:
        bodies, changed = corpus_bodies(args.corpus, args.feeds, args.seed)
    urls = [f"https://partner{n}.example/feed/" for n in range(args.feeds)]
    sources = list(zip(bodies, urls, strict=True))
    xml_mb = sum(map(len, bodies)) / 1e6
    facts = SourceFacts(
        key="partner",
        name="Partner",
        homepage=None,
        stored_homepage=None,
        tags=(),
        excerpt_words=60,
        max_entry_bytes=256 * 1024,
        max_entries=1000,
    )

    def run_ingest() -> list[Any]:
        return [ingest(body, HEADERS, url, facts, NOW) for body, url in sources]

    ingested = run_ingest()  # warm up (imports, regex compiles) and collect the posts
    posts = [entry.content_html for result in ingested for entry in result.entries]
    html_mb = sum(map(len, posts)) / 1e6
    print(
        f"corpus {args.corpus}: {args.feeds} feeds, {len(posts)} posts, {xml_mb:.1f} MB of "
        f"XML, seed {args.seed}"
    )

    repeat = args.repeat
    new_excerpt = timed(lambda: [make_excerpt(p, 60) for p in posts], repeat)
    old_excerpt = timed(lambda: [reference_excerpt(p, 60) for p in posts], repeat)
    per_post = 1e6 / len(posts)
    print(
        f"excerpt, new (regex)        {html_mb / new_excerpt:8.1f} MB/s of post HTML, "
        f"{new_excerpt * per_post:.0f} µs a post"
    )
    print(
        f"excerpt, old (BeautifulSoup){html_mb / old_excerpt:8.1f} MB/s, "
        f"{old_excerpt * per_post:.0f} µs a post"
    )
    print(f"  new / old speed: {old_excerpt / new_excerpt:.1f}x")

    parsed = [parse_feed(b, HEADERS, u, max_entries=1000) for b, u in sources]
    settings = [
        NormaliseSettings(
            attribution=Attribution(source_key="p", name="P", homepage=u, feed_url=u),
            base_url=u,
            tags=(),
            excerpt_words=60,
            max_entry_bytes=256 * 1024,
            language="en-GB",
        )
        for u in urls
    ]
    whole = timed(run_ingest, repeat)
    parse_only = timed(
        lambda: [parse_feed(b, HEADERS, u, max_entries=1000) for b, u in sources],
        repeat,
    )
    normalise_only = timed(
        lambda: [
            normalise_entry(raw, setting, NOW)
            for result, setting in zip(parsed, settings, strict=True)
            for raw in result.entries
        ],
        repeat,
    )
    defaults = timed(
        lambda: [feedparser.parse(body, response_headers=HEADERS) for body in bodies], repeat
    )
    bare = timed(
        lambda: [
            feedparser.parse(
                body, response_headers=HEADERS, sanitize_html=False, resolve_relative_uris=False
            )
            for body in bodies
        ],
        repeat,
    )
    print(f"feedparser.parse, defaults  {xml_mb / defaults:8.2f} MB/s of feed XML")
    print(f"feedparser.parse, bare      {xml_mb / bare:8.2f} MB/s")
    print(f"copro parse (parse_feed)    {xml_mb / parse_only:8.2f} MB/s")
    print(f"copro normalise alone       {xml_mb / normalise_only:8.2f} MB/s")
    print(f"copro digest (ingest)       {xml_mb / whole:8.2f} MB/s")
    print(f"  digest / feedparser-defaults speed: {defaults / whole:.2f}x")
    print(f"  normalise time / bare parse time:   {normalise_only / bare:.2f}")
    if not changed:
        return

    known = [ingest(b, HEADERS, u, facts, NOW, known={}).items or {} for b, u in sources]
    later = NOW + timedelta(days=1)
    pairs = list(zip(changed, urls, known, strict=True))

    def again(*, incremental: bool) -> list[Any]:
        return [
            ingest(b, HEADERS, u, facts, later, known=k if incremental else None)
            for b, u, k in pairs
        ]

    read = sum(len(result.entries) for result in again(incremental=True))
    full = sum(len(result.entries) for result in again(incremental=False))
    changed_mb = sum(map(len, changed)) / 1e6
    incremental = timed(lambda: again(incremental=True), repeat)
    whole_again = timed(lambda: again(incremental=False), repeat)
    print(
        f"re-fetched after 1-3 new posts ({changed_mb:.1f} MB): incremental digest reads "
        f"{read} of {full} posts"
    )
    print(
        f"  whole {whole_again * 1e3 / len(pairs):.1f} ms a feed, incremental "
        f"{incremental * 1e3 / len(pairs):.1f} ms a feed: {whole_again / incremental:.1f}x faster"
    )


if __name__ == "__main__":
    main()
