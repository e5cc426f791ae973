"""What the two libraries the design card fixes cost by themselves in rounds 1 and 3: the
least CPU any copro_feeds built on them can spend (issue 13).

Run: python benchmarks/library_floor.py [--feeds 1000] [--corpus light|heavy]

On one core, in this process:

* **feedparser** over every feed of the corpus, called as copro_feeds calls it (its
  sanitiser and relative-URI resolver off, ``_parse._feedparser``) and with its
  defaults (what lemon24/reader runs);
* **feedgen**: the corpus served from 127.0.0.1 and ``benchmarks/run.py``'s rounds 1
  (every feed new) and 3 (10 % of the feeds changed) run with one aggregator
  (``CoproRunner``), every publish rendered in this process (no render workers), the
  thread CPU time spent inside ``render_atom`` and ``render_rss`` (the Atom and RSS
  documents, built by feedgen) summed, and each round's whole CPU here.

Round 1's target (copro_feeds 3x faster than reader, on 2 cores) leaves at most two
thirds of reader's CPU for everything copro_feeds does; the sum of these two libraries'
CPU is a floor under copro_feeds' own (it also fetches, normalises, fingerprints, saves
and renders the HTML pages and JSON Feed). Compare it with reader's CPU in the same
corpus's ``run.py`` results. CPU times, best of one run: the machine's load matters less.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import corpus
import feedparser
from run import copro_here, prepare

import copro_feeds._publish._folders as folders
import copro_feeds._publishing as facade


def parse_cpu(folder: Path, feeds: int, **options: Any) -> float:
    """CPU seconds of feedparser over every feed of ``folder``, with ``options``."""
    bodies = [(folder / f"{index}.xml").read_bytes() for index in range(feeds)]
    started = time.process_time()
    for body in bodies:
        feedparser.parse(io.BytesIO(body), **options)
    return time.process_time() - started


class FeedgenClock:
    """Sums the thread CPU time spent in ``_folders.render_atom`` and ``render_rss``."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, render: Callable[..., bytes]) -> Callable[..., bytes]:
        def timed(*args: Any, **kwargs: Any) -> bytes:
            started = time.thread_time()
            try:
                return render(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - started

        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--corpus", choices=("light", "heavy"), default="light")
    options = parser.parse_args()
    folder = corpus.build(options.feeds, 1, options.corpus)
    size = sum((folder / f"{index}.xml").stat().st_size for index in range(options.feeds))
    bare = parse_cpu(folder, options.feeds, sanitize_html=False, resolve_relative_uris=False)
    defaults = parse_cpu(folder, options.feeds)
    print(
        f"{options.corpus}, {options.feeds} feeds, {size / 1e6:.0f} MB: feedparser as "
        f"copro_feeds calls it {bare:.1f} s CPU, with its defaults (reader's) "
        f"{defaults:.1f} s",
        flush=True,
    )
    clock = FeedgenClock()
    folders.render_atom = clock.wrap(folders.render_atom)  # type: ignore[assignment]
    folders.render_rss = clock.wrap(folders.render_rss)  # type: ignore[assignment]
    real = facade.publish

    def in_one_process(*args: Any, **kwargs: Any) -> Any:
        kwargs["renderers"] = None
        return real(*args, **kwargs)

    facade.publish = in_one_process  # type: ignore[assignment]
    with copro_here(folder) as (server, runner):
        for name in ("first", "changed"):
            prepare(server, name, 0.10)
            clock.seconds = 0.0
            cpu, wall = time.process_time(), time.perf_counter()
            runner.round()
            print(
                f"round {name}: feedgen (render_atom + render_rss) {clock.seconds:.2f} s "
                f"CPU; this process {time.process_time() - cpu:.2f} s CPU "
                f"(the parser workers' not counted), {time.perf_counter() - wall:.2f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
