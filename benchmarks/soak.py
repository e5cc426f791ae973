"""Soak: run the aggregator for many cycles against a local server; report memory, open
files and temp files, which must stay flat.

Run by hand: python benchmarks/soak.py [--cycles 1000]
             python benchmarks/soak.py --feeds 1000 --cycles 100 [--change 0.01]

The first form refreshes the three test partners, one of which changes every ten
cycles. With ``--feeds N`` it refreshes N feeds of the benchmark corpus
(benchmarks/corpus.py, served by benchmarks/server.py in a process of its own, so that
the figures are copro_feeds' alone) and changes ``--change`` of them before every cycle
after the first.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402
from server import CorpusServer  # noqa: E402
from tests.feedserver import FeedServer  # noqa: E402

import copro_feeds  # noqa: E402

PARTNERS = ROOT / "tests" / "data" / "partners"
SOURCES = (("Scope", "/scope/feed/"), ("CfWR", "/cfwr/atom.xml"), ("Scottish", "/scottish/rss.xml"))


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def children_rss_kib() -> int:
    """The resident memory of copro_feeds' parse workers (children running its sandbox)."""
    total = 0
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
            command = (child / "cmdline").read_bytes()
        except OSError:
            continue
        if f"PPid:\t{os.getpid()}" in status and b"copro_feeds._sandbox" in command:
            total += next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS"))
    return total


HEADER = ("cycle", "rss KiB", "workers KiB", "open fds", "temp files", "s")


def report(cycle: int, folder: str, started: float) -> None:
    """One line of the table."""
    temps = len(list(Path(folder).rglob(".copro-tmp-*")))
    print(
        f"{cycle:>11} {rss_kib():>11} {children_rss_kib():>11} "
        f"{len(os.listdir('/proc/self/fd')):>11} {temps:>11} "
        f"{time.perf_counter() - started:>11.1f}",
        flush=True,
    )


def serve_corpus(feeds: int, connection: Connection) -> None:
    """The server's own process (so the soak measures copro_feeds alone): send the feed
    URLs, then change ``fraction`` of the feeds on each ``(fraction, round)`` received."""
    with CorpusServer(corpus.build(feeds)) as server:
        connection.send(server.urls())
        while (order := connection.recv()) is not None:
            server.change(order[0], round_number=order[1])
            connection.send("changed")


def soak_corpus(feeds: int, cycles: int, change: float) -> None:
    """Refresh ``feeds`` corpus feeds ``cycles`` times, ``change`` of them changing each time."""
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_corpus, args=(feeds, theirs), daemon=True
    )
    server.start()
    urls = ours.recv()
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "feeds.toml"
        config_path.write_text(
            '[site]\ntitle = "Soak"\nlink = "https://copro.test/"\n'
            'feed_url = "https://copro.test/atom.xml"\n'
            "[fetch]\nallow_private_networks = true\nmax_workers = 16\n"
            + "".join(
                f'[[sources]]\nname = "Partner {index}"\nurl = "{url}"\n'
                for index, url in enumerate(urls)
            )
        )
        started = time.perf_counter()
        print(" ".join(f"{name:>11}" for name in HEADER))
        with copro_feeds.make_aggregator(copro_feeds.load_config(config_path)) as aggregator:
            for cycle in range(1, cycles + 1):
                if cycle > 1:
                    ours.send((change, cycle))
                    ours.recv()
                aggregator.run_once(all_sources=True)
                if cycle in (1, 2, 10, 25, 50, 75, cycles):
                    report(cycle, folder, started)
    ours.send(None)
    server.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, help="refresh this many corpus feeds instead")
    parser.add_argument("--change", type=float, default=0.01, help="with --feeds")
    args = parser.parse_args()
    if args.feeds:
        soak_corpus(args.feeds, args.cycles, args.change)
        return
    versions = [(PARTNERS / n).read_bytes() for n in ("scope.rss.xml", "scope-v2.rss.xml")]
    with tempfile.TemporaryDirectory() as folder, FeedServer() as server:
        server.serve("/scope/feed/", versions[0])
        server.serve("/cfwr/atom.xml", (PARTNERS / "cfwr.atom.xml").read_bytes())
        server.serve("/scottish/rss.xml", (PARTNERS / "scottish.rdf").read_bytes())
        config_path = Path(folder) / "feeds.toml"
        config_path.write_text(
            '[site]\ntitle = "Soak"\nlink = "https://copro.test/"\n'
            'feed_url = "https://copro.test/atom.xml"\n[fetch]\nallow_private_networks = true\n'
            + "".join(
                f'[[sources]]\nname = "{name}"\nurl = "{server.url(path)}"\n'
                for name, path in (
                    ("Scope", "/scope/feed/"),
                    ("CfWR", "/cfwr/atom.xml"),
                    ("Scottish", "/scottish/rss.xml"),
                )
            )
        )
        config = copro_feeds.load_config(config_path)
        started = time.perf_counter()
        print(" ".join(f"{name:>11}" for name in HEADER))
        with copro_feeds.make_aggregator(config) as aggregator:
            for cycle in range(1, args.cycles + 1):
                if cycle % 10 == 0:
                    server.serve("/scope/feed/", versions[(cycle // 10) % 2])
                aggregator.run_once(all_sources=True)
                server.requests.clear()  # the test server's own log would grow, not ours
                if cycle in (1, 10, 100, 250, 500, 750, args.cycles):
                    report(cycle, folder, started)


if __name__ == "__main__":
    main()
