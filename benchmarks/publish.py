"""Publish benchmark: render the combined feeds at 50 / 500 / 5,000 entries.

Run by hand: python benchmarks/publish.py [--repeat 5]
Prints, per size, the median render time of each format and the size of each file, and
writes the table as JSON (benchmarks/results/publish.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from copro_feeds._publish import (
    FeedContent,
    FeedInfo,
    render_atom,
    render_files,
    render_json_feed,
    render_rss,
)
from copro_feeds.config import SiteConfig
from copro_feeds.types import Attribution, Entry

SITE = SiteConfig(
    title="Co-production partners' news",
    link="https://copronet.wales/",
    feed_url="https://copronet.wales/partner-news/atom.xml",
    author="Co-production Network for Wales",
    language="en-GB",
)
WORDS = [
    "co-production", "people", "services", "together", "power", "lived", "experience",
    "support", "care", "community", "network", "partners", "wales", "change", "voice", "equal",
]  # fmt: skip


def make_entries(count: int) -> list[Entry]:
    """Realistic entries: 60-word excerpts, a few categories, five partners."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    partners = [
        Attribution(
            source_key=f"p{i}",
            name=f"Partner {i}",
            homepage=f"https://p{i}.example/",
            feed_url=f"https://p{i}.example/feed/",
        )
        for i in range(5)
    ]
    entries = []
    for i in range(count):
        words = [WORDS[(i * 7 + j) % len(WORDS)] for j in range(60)]
        moment = start - timedelta(hours=i)
        entries.append(
            Entry(
                id=f"https://p{i % 5}.example/?p={i}",
                attribution=partners[i % 5],
                title=f"Post {i}: {' '.join(words[:6])}",
                link=f"https://p{i % 5}.example/blog/post-{i}/",
                authors=(f"Author {i % 11}",),
                published=moment,
                updated=moment,
                content_html=f"<p>{' '.join(words)}</p>",
                excerpt=" ".join(words) + "…",
                categories=("Co-production", f"topic {i % 9}"),
            )
        )
    return entries


def timed(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = []
    print(
        f"{'entries':>7}  {'atom ms':>8}  {'rss ms':>8}  {'json ms':>8}  {'all files ms':>12}  "
        f"{'atom KB':>8}  {'rss KB':>8}  {'json KB':>8}"
    )
    for count in (50, 500, 5000):
        entries = make_entries(count)
        feeds = [FeedContent(info=FeedInfo(), entries=tuple(entries))]
        row = {
            "entries": count,
            "atom_ms": 1000 * timed(lambda e=entries: render_atom(e, SITE), args.repeat),
            "rss_ms": 1000 * timed(lambda e=entries: render_rss(e, SITE), args.repeat),
            "json_ms": 1000 * timed(lambda e=entries: render_json_feed(e, SITE), args.repeat),
            "all_files_ms": 1000 * timed(lambda f=feeds: render_files(f, [], SITE), args.repeat),
            "atom_kb": len(render_atom(entries, SITE)) / 1024,
            "rss_kb": len(render_rss(entries, SITE)) / 1024,
            "json_kb": len(render_json_feed(entries, SITE)) / 1024,
        }
        rows.append(row)
        print(
            f"{count:>7}  {row['atom_ms']:>8.1f}  {row['rss_ms']:>8.1f}  {row['json_ms']:>8.1f}  "
            f"{row['all_files_ms']:>12.1f}  {row['atom_kb']:>8.1f}  {row['rss_kb']:>8.1f}  "
            f"{row['json_kb']:>8.1f}"
        )
    out = Path(__file__).parent / "results" / "publish.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
