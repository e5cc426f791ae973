"""Stage costs of one copro_feeds refresh, each timed alone on one core (no HTTP, no threads).

Run: python benchmarks/stages.py --feeds 200 [--corpus heavy]

Takes the first ``--feeds`` feeds of the benchmark corpus (benchmarks/corpus.py) and
times, in this process: feedparser through ``parse_feed``; the whole ``ingest`` (parse +
normalise) and, inside normalising, nh3 sanitising and the excerpt; pickling a body to a
parser worker and what it ingested back; saving every result in a fresh store (new
entries), then again (unchanged entries), then saving only state (a 304); reading the
stored entries back; planning the published feeds; rendering them; and writing them
(atomic, fsynced); then, as in the benchmark's round 3, republishing once the newest post
of 10 % of the partners changed (planning again, the manifest's digests, only the
changed folders rendered and written).
Prints seconds per stage, per feed and MB/s of feed XML, and writes JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import corpus

from copro_feeds._ingest import Ingested, SourceFacts, ingest
from copro_feeds._parse import parse_feed
from copro_feeds._publish import publish, render_files
from copro_feeds._select import plan_feeds
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds._text import make_excerpt, sanitise_html
from copro_feeds.config import FetchConfig, OutputConfig, SiteConfig, SourceConfig
from copro_feeds.types import Attribution, Entry

NOW = datetime(2026, 3, 2, tzinfo=UTC)
SITE = SiteConfig(title="Benchmark", link="https://copro.test/", feed_url="https://copro.test/a")
HEADERS = {"content-type": "application/xml; charset=UTF-8"}


def timed(stage: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``stage()`` took, and what it returned."""
    started = time.perf_counter()
    result = stage()
    return time.perf_counter() - started, result


def load(feeds: int, seed: int, style: str) -> tuple[list[SourceConfig], list[bytes]]:
    """The sources and bodies of the first ``feeds`` feeds of the cached corpus."""
    folder = corpus.build(feeds, seed, style)
    sources = [
        SourceConfig(key=f"partner-{i}", name=f"Partner {i}", url=f"http://feeds.test/{i}.xml")
        for i in range(feeds)
    ]
    bodies = [(folder / f"{i}.xml").read_bytes() for i in range(feeds)]
    return sources, bodies


def facts_for(source: SourceConfig) -> SourceFacts:
    """What ``ingest`` is told about a source, with the default settings."""
    fetch, output = FetchConfig(), OutputConfig(dir=Path())
    return SourceFacts(
        key=source.key,
        name=source.name,
        homepage=None,
        stored_homepage=None,
        tags=(),
        excerpt_words=output.excerpt_words,
        max_entry_bytes=fetch.max_entry_bytes,
        max_entries=fetch.max_entries_per_feed,
    )


def parse_stages(sources: list[SourceConfig], bodies: list[bytes]) -> dict[str, Any]:
    """Parse, ingest, sanitise, excerpt and pickling costs over every body."""
    pairs = list(zip(sources, bodies, strict=True))
    seconds: dict[str, float] = {}
    seconds["parse (feedparser)"], parsed = timed(
        lambda: [parse_feed(body, HEADERS, s.url, max_entries=1000) for s, body in pairs]
    )
    seconds["ingest (parse + normalise)"], ingested = timed(
        lambda: [ingest(body, HEADERS, s.url, facts_for(s), NOW) for s, body in pairs]
    )
    contents = [raw.content or "" for feed in parsed for raw in feed.entries]
    seconds["  nh3 sanitise"], cleaned = timed(lambda: [sanitise_html(c) for c in contents])
    seconds["  excerpt (60 words)"], _ = timed(lambda: [make_excerpt(c, 60) for c in cleaned])
    seconds["pickle body to worker"], _ = timed(
        lambda: [pickle.loads(pickle.dumps(body)) for body in bodies]
    )
    seconds["pickle ingested back"], _ = timed(
        lambda: [pickle.loads(pickle.dumps(item)) for item in ingested]
    )
    return {"seconds": seconds, "ingested": ingested}


def store_and_publish_stages(
    sources: list[SourceConfig], ingested: list[Ingested], folder: Path
) -> dict[str, float]:
    """Saving, reading back, planning, rendering and writing costs."""
    seconds: dict[str, float] = {}
    store = SQLiteStore.open(folder / "store.sqlite3")
    try:
        store.sync_sources({source.key: source.url for source in sources})
        states = store.states()
        updated = [replace(states[s.key], body_hash="x", last_success=NOW) for s in sources]

        def save_all() -> None:
            for state, one in zip(updated, ingested, strict=True):
                store.save_fetch(state, one.entries, one.undated_ids, NOW)

        seconds["store: save new entries"], _ = timed(save_all)
        seconds["store: save unchanged entries"], _ = timed(save_all)
        seconds["store: save state only (304)"], _ = timed(lambda: store.save_states(updated))
        attributions = {
            s.key: Attribution(
                source_key=s.key, name=s.name, homepage="https://x.test/", feed_url=s.url
            )
            for s in sources
        }
        seconds["store: read all entries"], entries = timed(lambda: store.entries(attributions))
    finally:
        store.close()
    seconds["publish: plan feeds"], feeds = timed(lambda: plan_feeds(entries, sources, SITE, 50))
    credits = list(attributions.values())
    seconds["publish: render files"], files = timed(lambda: render_files(feeds, credits, SITE))
    seconds["publish: render + write (fsync)"], _ = timed(
        lambda: publish(feeds, credits, SITE, folder / "public")
    )
    seconds["publish: files"] = len(files)
    changed = {s.key for s in sources[:: max(1, round(1 / 0.1))]}  # 10 % of the partners
    remaining = list(entries)
    entries = [*(edit_newest(remaining, key) for key in changed), *remaining]
    seconds["republish, 10 % changed: plan"], feeds = timed(
        lambda: plan_feeds(entries, sources, SITE, 50)
    )
    seconds["republish, 10 % changed: render + write"], _ = timed(
        lambda: publish(feeds, credits, SITE, folder / "public")
    )
    return seconds


def edit_newest(entries: list[Entry], key: str) -> Entry:
    """Source ``key``'s newest entry, taken out of ``entries``, with a new title."""
    newest = next(entry for entry in entries if entry.source_key == key)
    entries.remove(newest)
    return replace(newest, title=newest.title + " (edited)")


def main() -> None:
    """Time every stage and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", choices=corpus.STYLES, default="light")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sources, bodies = load(args.feeds, args.seed, args.corpus)
    megabytes = sum(len(body) for body in bodies) / 1e6
    parsed = parse_stages(sources, bodies)
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as folder:
        seconds = parsed["seconds"] | store_and_publish_stages(
            sources, parsed["ingested"], Path(folder)
        )
    entries = sum(len(item.entries) for item in parsed["ingested"])
    print(f"{args.feeds} {args.corpus} feeds, {entries} entries, {megabytes:.1f} MB, one core\n")
    print("| stage | seconds | ms per feed | MB/s |")
    print("| --- | --- | --- | --- |")
    files = seconds.pop("publish: files")
    for stage, value in seconds.items():
        rate = megabytes / value if value else float("inf")
        print(f"| {stage} | {value:.2f} | {1000 * value / args.feeds:.1f} | {rate:.1f} |")
    print(f"\npublish wrote {files:.0f} files")
    if args.json:
        document = {"feeds": args.feeds, "corpus": args.corpus, "entries": entries}
        document["megabytes"] = megabytes
        args.json.write_text(json.dumps(document | {"seconds": seconds, "files": files}, indent=1))


if __name__ == "__main__":
    main()
