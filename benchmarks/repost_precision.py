"""Reposts: precision and recall on the test set at several thresholds, and the cost.

Run: python benchmarks/repost_precision.py [--entries 5000] [--seed 7]

1. The test set (tests/data/reposts/posts.json: 12 true repost pairs, 26 distinct posts
   that share footers and templates, 50 posts by 4 partners): each partner's posts are
   fingerprinted together, as one feed document is at a refresh; then ``find_posts`` at
   each threshold. Precision: merged pairs that are true reposts; recall: true repost
   pairs merged. Also the lowest score among true pairs and the highest among the others
   (the margin the default sits in).
2. Cost, CPU time on one core: fingerprinting (datasketch MinHash, 128 permutations) per
   post of the test set, and ``find_posts`` over ``--entries`` synthetic fingerprints
   from 50 partners of which one in ten is a repost of another.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.*

from tests.factories import attribution, entry

from copro_feeds._dedupe import find_posts, similarity
from copro_feeds._similarity import PERMUTATIONS, with_fingerprints
from copro_feeds.config import REPOST_SIMILARITY

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "reposts" / "posts.json"


def test_set():
    posts = json.loads(DATA.read_text())["posts"]
    by_source: dict[str, list] = {}
    for post in posts:
        made = entry(
            id=post["id"],
            attribution=attribution(post["source"]),
            title=post["title"],
            link=post["link"],
            content_html=f"<p>{post['text']}</p>",
        )
        by_source.setdefault(post["source"], []).append(made)
    with_fingerprints(by_source[next(iter(by_source))])  # the first call imports datasketch
    started = time.process_time()
    entries = [e for feed in by_source.values() for e in with_fingerprints(feed)]
    per_post = (time.process_time() - started) / len(entries)
    article = {post["id"]: post["article"] for post in posts}
    truth = {
        frozenset((a.id, b.id))
        for a, b in itertools.combinations(entries, 2)
        if article[a.id] and article[a.id] == article[b.id]
    }
    return entries, truth, per_post


def measure(entries, truth, threshold):
    posts = find_posts(entries, reposts=threshold)
    groups: dict[tuple[str, ...], list[str]] = {}
    for e in entries:
        groups.setdefault(posts.key(e), []).append(e.id)
    found = {frozenset(p) for ids in groups.values() for p in itertools.combinations(ids, 2)}
    precision = len(found & truth) / len(found) if found else 1.0
    return precision, len(found & truth) / len(truth), len(found)


def synthetic(count: int, rng: random.Random):
    entries = []
    for n in range(count):
        if n % 10 == 9:  # a repost of an earlier post by another partner, lightly edited
            original = entries[rng.randrange(len(entries))]
            fingerprint = tuple(
                value if rng.random() < 0.85 else rng.getrandbits(32)
                for value in original.fingerprint
            )
        else:
            fingerprint = tuple(rng.getrandbits(32) for _ in range(PERMUTATIONS))
        entries.append(
            entry(
                id=f"p{n}",
                attribution=attribution(f"partner{n % 50}"),
                link=f"https://partner{n % 50}.example/{n}",
                fingerprint=fingerprint,
            )
        )
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    entries, truth, per_post = test_set()
    scores = {
        frozenset((a.id, b.id)): similarity(a, b)
        for a, b in itertools.combinations(entries, 2)
        if a.source_key != b.source_key
    }
    true_low = min(scores[pair] for pair in truth)
    other_high = max(score for pair, score in scores.items() if pair not in truth)
    print(f"test set: {len(entries)} posts, {len(truth)} true repost pairs")
    print(f"lowest true pair {true_low:.3f}; highest other pair {other_high:.3f}")
    print("threshold  precision  recall  pairs merged")
    for threshold in (0.5, REPOST_SIMILARITY, 0.7, 0.8, 0.85, 0.9):
        precision, recall, merged = measure(entries, truth, threshold)
        print(f"{threshold:9.2f}  {precision:9.3f}  {recall:6.3f}  {merged:12d}")
    print(f"fingerprint: {per_post * 1000:.2f} ms CPU per post (test set, 120-250 words)")
    many = synthetic(args.entries, random.Random(args.seed))
    started = time.process_time()
    posts = find_posts(many, reposts=REPOST_SIMILARITY)
    spent = time.process_time() - started
    print(
        f"find_posts over {len(many)} entries: {spent:.2f} s CPU, "
        f"{len(posts.keys)} merged into another post (expected {len(many) // 10})"
    )


if __name__ == "__main__":
    main()
