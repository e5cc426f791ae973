"""The sweep over real-world feeds (issue 13): for every golden feed, partner feed and
feedparser test feed, reading only new and changed posts stores what reading the whole
document stores, as the feed gains a post, loses one and reorders its posts.

Variants are cut from each real document at its items (``_items.split_items``): the
document without its first item comes first (its first post then arrives as new), then
the document itself, then its items reversed, then without its last item, then the
document again. Documents that cannot be split are read whole both ways, and must agree
too.
"""

from __future__ import annotations

from collections import Counter
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from copro_feeds._ingest import ingest
from copro_feeds._items import split_items, without_spans
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.exceptions import ParseError
from copro_feeds.types import Attribution
from tests.factories import NOW, partner_facts
from tests.test_parse import FEED_URL, GOLDEN, corpus_feeds, embedded_headers

DATA = Path(__file__).parent / "data"
FACTS = partner_facts(homepage=None)


def variants(body: bytes) -> list[bytes]:
    """The documents a partner might have sent before and after ``body`` (see above)."""
    items = split_items(body)
    if items is None or not items.spans:
        return [body, body]
    spans = list(items.spans)
    if len(spans) == 1:
        return [without_spans(body, spans), body, body]
    first, last = spans[0], spans[-1]
    pieces = [body[start:end] for start, end in spans]
    reversed_ = body[: first[0]] + b"\n".join(reversed(pieces)) + body[last[1] :]
    return [without_spans(body, [first]), body, reversed_, without_spans(body, [last]), body]


def stored(store: SQLiteStore, key: str) -> list[tuple[object, ...]]:
    attribution = Attribution(source_key=key, name=key, homepage=FEED_URL, feed_url=FEED_URL)
    return [
        (e.id, e.title, e.link, e.authors, e.published, e.updated, e.content_html, e.language)
        for e in store.entries({key: attribution})
    ]


def digest(store: SQLiteStore, key: str, body: bytes, *, incremental: bool) -> tuple[int, int, int]:
    """Save one document's entries; (new, updated, entries parsed)."""
    known = store.known_items(key) if incremental else None
    try:
        facts = replace(FACTS, key=key)
        found = ingest(body, embedded_headers(body), FEED_URL, facts, NOW, known=known)
    except ParseError:
        return (-1, -1, 0)
    counts = store.save_fetch(
        store.state(key),
        found.entries,
        found.undated_ids,
        NOW,
        well_formed=found.well_formed,
        items=found.items,
    )
    return (counts.new, counts.updated, len(found.entries))


def test_incremental_digests_of_real_feeds_store_what_whole_ones_do(tmp_path):
    paths = [*GOLDEN, *sorted((DATA / "partners").iterdir()), *corpus_feeds()]
    tally: Counter[str] = Counter()
    mismatches = []
    with (
        closing(SQLiteStore.open(tmp_path / "whole.sqlite3")) as whole,
        closing(SQLiteStore.open(tmp_path / "incremental.sqlite3")) as incremental,
    ):
        keys = {path: f"feed{number}" for number, path in enumerate(paths)}
        for store in (whole, incremental):
            store.sync_sources(dict.fromkeys(keys.values(), FEED_URL))
        for path, key in keys.items():
            documents = variants(path.read_bytes())
            kind = "split" if len(documents) > 2 else "whole"
            tally[kind] += 1
            for body in documents:
                *counts, read_whole = digest(whole, key, body, incremental=False)
                *counts_now, read_now = digest(incremental, key, body, incremental=True)
                tally[f"{kind}: entries read whole"] += read_whole
                tally[f"{kind}: entries read incrementally"] += read_now
                if counts != counts_now or stored(whole, key) != stored(incremental, key):
                    mismatches.append(path.name)
            tally["feeds whose last read skipped posts"] += read_now < read_whole
    print(dict(tally))
    assert mismatches == []
    assert len(paths) > 2000
    assert tally["split"] > 1000  # most real feeds with posts can be read incrementally,
    # and skip their unchanged posts when read again: fewer than half are read.
    assert tally["feeds whose last read skipped posts"] > 1000
    assert tally["split: entries read incrementally"] < 0.5 * tally["split: entries read whole"]
