"""Archive benchmark: what the monthly archive costs a publish, on years of posts.

Run by hand: python benchmarks/archive.py [--posts 12000] [--every-hours 4] [--repeat 3]
Posts from five partners, one every ``--every-hours`` back from 10 March 2026 (12,000
posts 4 hours apart: 2,000 days, 66 months). Prints CPU seconds (``time.process_time``:
the machine is shared, so wall time would measure the neighbours) for planning the
archive, for publishing into an empty folder without and with the archive, for a publish
where nothing changed, for one where a new post arrives (the month so far changes), and
for the publish when a month ends; with each, how many files were written. Writes the
table as JSON (benchmarks/results/archive.json).

Months of many posts (the archive's pages, 100 posts each): ``--every-hours 0.05`` puts
the 12,000 posts in February and March 2026 (about 6,000 a month).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from copro_feeds._archive_plan import plan_archive
from copro_feeds._publish import publish
from copro_feeds._select import plan_feeds
from copro_feeds._types import EditorialMarks
from copro_feeds.config import SiteConfig, SourceConfig
from copro_feeds.types import Attribution, Entry

SITE = SiteConfig(
    title="Co-production partners' news",
    link="https://copronet.wales/",
    feed_url="https://copronet.wales/partner-news/atom.xml",
    author="Co-production Network for Wales",
    language="en-GB",
)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MONTH_END = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
SOURCES = tuple(
    SourceConfig(key=f"p{i}", name=f"Partner {i}", url=f"https://p{i}.example/feed/")
    for i in range(5)
)
ATTRIBUTIONS = [
    Attribution(
        source_key=source.key,
        name=source.name,
        homepage=f"https://{source.key}.example/",
        feed_url=source.url,
    )
    for source in SOURCES
]
WORDS = [
    "co-production",
    "people",
    "services",
    "together",
    "power",
    "lived",
    "experience",
    "support",
    "care",
]
MARKS = EditorialMarks()


def post(i: int, moment: datetime) -> Entry:
    words = [WORDS[(i * 7 + j) % len(WORDS)] for j in range(60)]
    return Entry(
        id=f"https://p{i % 5}.example/?p={i}",
        attribution=ATTRIBUTIONS[i % 5],
        title=f"Post {i}: {' '.join(words[:6])}",
        link=f"https://p{i % 5}.example/blog/post-{i}/",
        authors=(f"Author {i % 11}",),
        published=moment,
        updated=moment,
        content_html=f"<p>{' '.join(words)}</p>",
        excerpt=" ".join(words) + "…",
        categories=("Co-production",),
    )


def make_posts(count: int, every: timedelta) -> list[Entry]:
    return [post(i, NOW - timedelta(hours=1) - every * i) for i in range(count)]


def cpu(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    result = work()
    return time.process_time() - started, result


def write(folder: Path, posts: list[Entry], now: datetime, *, archive: bool) -> int:
    feeds = plan_feeds(posts, SOURCES, SITE, 50, marks=MARKS)
    plan = plan_archive(posts, SOURCES, MARKS, now) if archive else None
    return len(publish(feeds, ATTRIBUTIONS, SITE, folder, archive=plan, now=now))


def run_once(posts: list[Entry]) -> dict[str, tuple[float, int]]:
    rows: dict[str, tuple[float, int]] = {}
    rows["plan archive"] = (cpu(lambda: plan_archive(posts, SOURCES, MARKS, NOW))[0], 0)
    with tempfile.TemporaryDirectory() as plain:
        rows["first publish, no archive"] = cpu(
            lambda: write(Path(plain), posts, NOW, archive=False)
        )
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rows["first publish, archive"] = cpu(lambda: write(folder, posts, NOW, archive=True))
        rows["again, nothing changed"] = cpu(lambda: write(folder, posts, NOW, archive=True))
        newer = [post(len(posts), NOW), *posts]
        rows["a new post this month"] = cpu(lambda: write(folder, newer, NOW, archive=True))
        rows["the month ends"] = cpu(lambda: write(folder, newer, MONTH_END, archive=True))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=12000)
    parser.add_argument("--every-hours", type=float, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    posts = make_posts(args.posts, timedelta(hours=args.every_hours))
    months = len(plan_archive(posts, SOURCES, MARKS, NOW).months)
    print(f"{args.posts} posts over {months} months, median of {args.repeat} runs (CPU seconds)")
    runs = [run_once(posts) for _ in range(args.repeat)]
    table = []
    for step in runs[0]:
        seconds = statistics.median(run[step][0] for run in runs)
        written = runs[0][step][1]
        table.append({"step": step, "cpu_seconds": round(seconds, 3), "files_written": written})
        print(f"{step:<28} {seconds:>8.3f} s  {written:>6} files written")
    out = Path(__file__).parent / "results" / "archive.json"
    out.parent.mkdir(exist_ok=True)
    result = {"posts": args.posts, "months": months, "repeat": args.repeat, "steps": table}
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
