"""Where a republish's CPU goes, phase by phase, on a real project's store.

Run: python benchmarks/publish_phases.py --project DIR [--publishes 2]

``DIR`` holds a feeds.toml whose store is filled (e.g. a copy of a folder after
``benchmarks/run.py``-like rounds; 1,000 light feeds give 17,900 posts). Each publish is
forced (``publish_if_needed(force=True)``) with nothing new, so it shows the fixed cost of
a publish before any changed folder is rendered: reading the store, finding reposts,
planning the feeds and the archive, the manifest's digests. The second publish is what a
long-lived process (the daemon) pays after the first. CPU seconds (``time.process_time``)
of each phase are printed; the outputs are written into the project's own output folder.
Compare two versions of the code with ``PYTHONPATH=<checkout>/src``.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import copro_feeds
import copro_feeds._publish as publishing
import copro_feeds._publishing as facade
from copro_feeds._store.sqlite import SQLiteStore

spent: dict[str, float] = {}


def timed(label: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, adding its CPU seconds to ``spent[label]``."""

    @functools.wraps(real)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - started

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="folder with feeds.toml")
    parser.add_argument("--publishes", type=int, default=2)
    args = parser.parse_args()
    config = copro_feeds.load_config(args.project / "feeds.toml")
    for module, name in (
        (facade, "attributions"),
        (facade, "with_languages"),
        (facade, "plan_archive"),
        (facade, "plan_feeds"),
        (publishing, "digests_of"),
        (publishing, "unchanged_folders"),
        (publishing, "with_source_dates"),
        (facade, "select"),  # the selection the feeds and the archive share, where there is one
    ):
        if hasattr(module, name):
            setattr(module, name, timed(name, getattr(module, name)))
    kept = getattr(facade, "RepostIndex", None)
    reposts = kept() if kept is not None else None  # kept between publishes, as an aggregator's
    if reposts is not None:
        reposts.posts = timed("reposts", reposts.posts)  # type: ignore[method-assign]
    else:  # a version that finds them afresh at every publish
        facade.find_posts = timed("reposts", facade.find_posts)  # type: ignore[attr-defined]
    make_dates = getattr(facade, "source_dates", None)  # kept between publishes, where kept
    dates = make_dates() if make_dates is not None else None
    if dates is not None:  # dated before publish() is called, which finds them dated
        dates.feeds = timed("with_source_dates", dates.feeds)
    store = SQLiteStore.open(config.storage.path)
    store.entries = timed("store.entries", store.entries)  # type: ignore[method-assign]
    try:
        for number in range(1, args.publishes + 1):
            spent.clear()
            started = time.process_time()
            options: dict[str, Any] = {"reposts": reposts} if reposts is not None else {}
            if dates is not None:
                options["dates"] = dates
            facade.publish_if_needed(
                config,
                store,
                datetime.now(UTC),
                since=time.monotonic(),
                force=True,
                changed=True,
                **options,
            )
            total = time.process_time() - started
            print(f"publish {number}: {total:.2f} s CPU")
            for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
                print(f"  {label:18} {seconds:6.3f}")
            print(f"  {'the rest':18} {total - sum(spent.values()):6.3f}")
    finally:
        store.close()


if __name__ == "__main__":
    main()
