"""``copro-feeds demo``: the whole pipeline, offline, in one command.

Serves three bundled sample partner feeds (package data, written for this project) on
127.0.0.1, aggregates them with the real pipeline into a temporary folder, serves the
result on 127.0.0.1 and prints the addresses to open, until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import json
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from types import FrameType

from copro_feeds._serve import Server
from copro_feeds.config import load_config
from copro_feeds.core import make_aggregator
from copro_feeds.types import RunReport

_PARTNERS = (
    ("Scope", "scope/", ["disability"]),  # a homepage: its feed is discovered
    ("Centre for Welfare Reform", "cfwr/atom.xml", ["welfare reform"]),
    ("Scottish Co-production Network", "scottish/rss.xml", ["co-production"]),
)


def _write_config(folder: Path, partners_url: str, output_url: str) -> Path:
    sources = "".join(
        f'\n[[sources]]\nname = "{name}"\nurl = "{partners_url}{path}"\ntags = {json.dumps(tags)}\n'
        for name, path, tags in _PARTNERS
    )
    path = folder / "feeds.toml"
    path.write_text(
        f"""[site]
title = "Co-production partners' news (demo)"
link = "{output_url}"
feed_url = "{output_url}atom.xml"
description = "A demonstration of copro_feeds with three sample partner feeds."
language = "en-GB"

[fetch]
allow_private_networks = true  # the sample partners are served on 127.0.0.1
{sources}""",
        encoding="utf-8",
    )
    return path


def run_demo(*, port: int = 0, announce: Callable[[str], None] = print) -> RunReport:
    """Run the demo until SIGINT/SIGTERM; return the report of its one aggregation."""
    folder = Path(tempfile.mkdtemp(prefix="copro-feeds-demo-"))
    stop = threading.Event()
    try:
        partners_dir = folder / "partners"
        with resources.as_file(resources.files("copro_feeds").joinpath("data", "demo")) as demo:
            shutil.copytree(demo, partners_dir)
        output_dir = folder / "public"
        output_dir.mkdir()
        partners = Server(partners_dir)
        output = Server(output_dir, port=port)
        partners_url, output_url = partners.start(), output.start()
        try:
            config = load_config(_write_config(folder, partners_url, output_url))
            with make_aggregator(config) as aggregator:
                report = aggregator.run_once()
            addresses = (
                f"\nThe combined feed is served at {output_url}\n"
                f"  Atom:       {output_url}atom.xml   (open it in a browser, or a feed reader)\n"
                f"  RSS:        {output_url}rss.xml\n"
                f"  JSON Feed:  {output_url}feed.json\n"
                f"  Partners:   {output_url}sources.opml\n"
                f"Sample partner feeds: {partners_url}\n"
                f"Working folder: {folder}\n"
                "Press Ctrl-C to stop."
            )
            # Handlers first: a reader may stop the demo as soon as it has read the addresses.
            with _stopped_by_signals(stop):
                announce(report.summary())
                announce(addresses)
                while not stop.wait(0.5):
                    pass
        finally:
            output.stop()
            partners.stop()
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` inside the block; the old handlers return after."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
