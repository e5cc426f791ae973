"""Welsh and English: the language detector's accuracy and CPU cost, and what our words in
Welsh and a second language cost a publish.

Run: python benchmarks/languages.py [--posts 2000] [--json out.json]

1. Accuracy of ``_detect`` (lingua, restricted to cy and en) on the 240 labelled texts of
   tests/data/language/ (120 Welsh, 120 English), whole and cut to their first five words.
2. CPU time to build the detector and detect a first text (loading the models), to detect
   each text (the cache emptied first), and to give ``--posts`` posts (title and excerpt
   made from those sentences, each text its own) a language, then again (cached).
3. CPU time of ``render_files`` for the same feeds with ``[site] language`` "en" and "cy"
   (the catalogue's cost), and of planning and rendering the site once per language.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from copro_feeds import _detect
from copro_feeds._plan import language_site
from copro_feeds._publish import render_files
from copro_feeds._select import plan_feeds
from copro_feeds.config import SiteConfig, SourceConfig
from copro_feeds.types import Attribution, Entry

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "language" / "labelled.tsv"
LANGUAGES = ("cy", "en")
NOW = datetime(2026, 3, 2, tzinfo=UTC)
SITE = SiteConfig(
    title="Benchmark",
    link="https://copro.test/",
    feed_url="https://copro.test/atom.xml",
    language="cy",
    languages=LANGUAGES,
)


def labelled() -> list[tuple[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as table:
        rows = csv.DictReader(table, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["language"], row["text"]) for row in rows]


def accuracy(texts: list[tuple[str, str]]) -> dict[str, int]:
    found = [(language, _detect.detect_language(text, LANGUAGES)) for language, text in texts]
    right = sum(language == answer for language, answer in found)
    unsure = sum(answer is None for _, answer in found)
    return {"texts": len(found), "right": right, "wrong": len(found) - right - unsure,
            "unsure": unsure}  # fmt: skip


def cpu(work) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def posts(count: int, texts: list[tuple[str, str]]) -> tuple[list[SourceConfig], list[Entry]]:
    sources = [
        SourceConfig(key=f"partner-{i}", name=f"Partner {i}", url=f"https://p{i}.test/feed")
        for i in range(20)
    ]
    entries = []
    for n in range(count):
        source = sources[n % len(sources)]
        _, excerpt = texts[n % len(texts)]
        title = " ".join(excerpt.split()[:6])
        moment = NOW - timedelta(hours=n)
        attribution = Attribution(
            source_key=source.key, name=source.name, homepage=f"https://p{n % 20}.test/",
            feed_url=source.url,
        )  # fmt: skip
        entries.append(
            Entry(
                id=f"{source.key}-{n}",
                link=f"https://p.test/{n}",
                title=title,
                authors=(),
                published=moment,
                updated=moment,
                content_html=f"<p>{excerpt}</p>",
                excerpt=f"{excerpt} ({n})",  # each post's text its own: no cached answer
                categories=(),
                attribution=attribution,
            )
        )
    return sources, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    texts = labelled()
    results: dict[str, object] = {}
    # lingua loads a language's models at its first detection, not when built
    results["build_and_first_detection_cpu_s"] = cpu(
        lambda: _detect.detect_language(texts[0][1], LANGUAGES)
    )
    results["accuracy_whole"] = accuracy(texts)
    _detect._detect.cache_clear()
    short = [(language, " ".join(text.split()[:5])) for language, text in texts]
    results["accuracy_five_words"] = accuracy(short)
    _detect._detect.cache_clear()
    seconds = cpu(lambda: accuracy(texts))
    results["detect_cpu_ms_per_text"] = round(1000 * seconds / len(texts), 3)
    sources, entries = posts(options.posts, texts)
    _detect._detect.cache_clear()
    results["detect_posts_cpu_s"] = cpu(lambda: _detect.with_languages(entries, LANGUAGES))
    results["detect_posts_again_cpu_s"] = cpu(lambda: _detect.with_languages(entries, LANGUAGES))
    detected = _detect.with_languages(entries, LANGUAGES)
    one = replace(SITE, languages=())
    for language in ("en", "cy"):
        site = replace(one, language=language)
        feeds = plan_feeds(detected, sources, site, 50)
        render_files(feeds, [], site)  # warm: templates compiled, catalogue read
        results[f"render_one_language_{language}_cpu_s"] = cpu(
            lambda site=site, feeds=feeds: render_files(feeds, [], site)
        )

    def both() -> None:
        for code in LANGUAGES:
            site = language_site(SITE, code)
            render_files(plan_feeds(detected, sources, site, 50), [], site)

    results["plan_and_render_both_languages_cpu_s"] = cpu(both)
    results["posts"] = options.posts
    text = json.dumps(results, indent=1)
    print(text)
    if options.json:
        options.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
