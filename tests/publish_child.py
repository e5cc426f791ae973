"""A publisher in a child process, for tests/test_publish_crash.py.

Run as ``python -m tests.publish_child MODE FOLDER ...`` from the project root:

``fsize FOLDER COUNT LIMIT``
    with RLIMIT_FSIZE = LIMIT bytes and SIGXFSZ ignored, publish generation "big";
    print the PublishError as JSON (``{"error": ...}``) or ``{"error": null}``.
``race FOLDER NAME ROUNDS COUNT``
    publish generations NAME-0 … NAME-(ROUNDS-1) one after the other.
``hold FOLDER SECONDS``
    take the publisher lock, print ``locked``, keep it SECONDS, then exit.

The content helpers are shared with the tests, which render the same generations to
know exactly what a complete file looks like.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

from copro_feeds._publish import FeedContent, FeedInfo, publish, publish_lock
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from tests.factories import NOW, attribution, entry

SITE = SiteConfig(
    title="Crash test network",
    link="https://copro.example/",
    feed_url="https://copro.example/feeds/atom.xml",
)
SOURCES = [attribution("scope"), attribution("cfwr", "Centre for Welfare Reform")]


def title(generation: str, number: int) -> str:
    """An entry title carrying its generation marker: ``[A] post 7``."""
    return f"[{generation}] post {number}"


def feeds(generation: str, count: int, words: int = 20) -> list[FeedContent]:
    """The combined feed and Scope's own feed: ``count`` entries of ``generation``, each
    with an excerpt of ``words`` words."""
    text = " ".join(f"word{number}" for number in range(words))
    entries = tuple(
        entry(
            id=f"post-{number}",
            attribution=SOURCES[number % 2],
            title=title(generation, number),
            link=f"https://scope.example/{number}",
            excerpt=f"{generation} {text}",
            published=NOW - timedelta(minutes=number),
            updated=NOW - timedelta(minutes=number),
        )
        for number in range(count)
    )
    scope = tuple(e for e in entries if e.source_key == "scope")
    return [
        FeedContent(info=FeedInfo(), entries=entries),
        FeedContent(info=FeedInfo(folder="sources/scope/", title="Scope"), entries=scope),
    ]


def say(line: str) -> None:
    """Tell the parent something, at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def fsize(folder: Path, count: int, limit: int) -> None:
    """Publish under a file size limit, as on a full disk."""
    content = feeds("big", count)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        publish(content, SOURCES, SITE, folder)
    except PublishError as error:
        say(json.dumps({"error": str(error)}))
    else:
        say(json.dumps({"error": None}))


def race(folder: Path, name: str, rounds: int, count: int) -> None:
    """Publish ``rounds`` generations of our own."""
    for number in range(rounds):
        publish(feeds(f"{name}-{number}", count), SOURCES, SITE, folder)


def hold(folder: Path, seconds: float) -> None:
    """Keep the publisher lock for a while."""
    folder.mkdir(parents=True, exist_ok=True)
    with publish_lock(folder):
        say("locked")
        time.sleep(seconds)


def main(argv: list[str]) -> None:
    """Dispatch on the mode."""
    mode, folder, *rest = argv
    where = Path(folder)
    if mode == "fsize":
        fsize(where, int(rest[0]), int(rest[1]))
    elif mode == "race":
        race(where, rest[0], int(rest[1]), int(rest[2]))
    elif mode == "hold":
        hold(where, float(rest[0]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
