"""Refresh benchmark: copro_feeds, lemon24/reader and the HTTP floor, side by side.

Run: python benchmarks/run.py --feeds 1000 [--corpus light,heavy] [--latency-ms 50]
     python benchmarks/run.py --feeds 10000 --rounds first,changed --skip-reader

Each corpus (benchmarks/corpus.py: ``light``, and ``heavy``, posts as WordPress sends
them) is served by one local server (benchmarks/server.py), and each contender runs the
rounds against it in a fresh child process (spawned, so memory and CPU never mix):

1. ``first`` — every feed is new (all 200);
2. ``unchanged`` — nothing changed (all 304);
3. ``changed`` — a fraction of the feeds (``--change``, 10 %) has 1-3 new posts on top
   of the old ones, the rest 304;
4. ``identical`` — the server ignores the validators and sends identical bodies (all 200).

``--rounds`` picks some of them (in this order; ``first`` always runs). The tables and
ratios are printed per corpus and written as JSON (``--json``, by default
``benchmarks/results/run-<feeds>.json``).

Contenders: copro_feeds through its library (``run_once(all_sources=True)``), reader
(``update_feeds_iter(workers=N, scheduled=False)``) and the floor: one ``requests``
Session fetching the same URLs with the previous round's validators in a thread pool, no
parsing. The server is reset before each contender, so all see the same bytes.

Worker counts: unless one is given, each candidate count is tried on a subset of the
corpus (``--calibrate`` feeds, rounds 1-2) and the fastest is kept for the full run.

CPU time counts the contender's process (``RUSAGE_SELF``), its reaped children
(``RUSAGE_CHILDREN``) and every live descendant read from ``/proc/<pid>/stat`` (user,
system and their reaped children's time): copro_feeds' parser workers are long-lived
children of the multiprocessing fork server, so ``RUSAGE_CHILDREN`` alone never sees them.
Peak RSS is the sum of ``VmHWM`` over the contender and its descendants, reset before each
round through ``/proc/<pid>/clear_refs`` — an upper bound of the simultaneous peak.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import corpus
from server import CorpusServer

ROUNDS = ("first", "unchanged", "changed", "identical")
CONTENDERS = ("copro", "reader", "floor")
_TICKS = os.sysconf("SC_CLK_TCK")


# -- measuring a process tree ------------------------------------------------------


def _descendants(root: int) -> list[int]:
    """The pids of every live descendant of ``root``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        kids = children.get(pending.pop(), [])
        found += kids
        pending += kids
    return found


def _process_cpu(pid: int) -> float:
    """User + system seconds of ``pid`` and of its reaped children (0 if it is gone)."""
    with suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(value) for value in fields[11:15]) / _TICKS
    return 0.0


def _high_water_kib(pid: int) -> int:
    with suppress(OSError, StopIteration):
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
    return 0


def _reset_high_water(pid: int) -> None:
    with suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


@dataclass(frozen=True, slots=True)
class Measurement:
    """One round of one contender (``tail_s``: copro_feeds only, see CoproRunner)."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    feeds_per_s: float
    outcomes: dict[str, int]
    tail_s: float | None = None


def _tree_cpu(cpu_by_pid: dict[int, float]) -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    base = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    return base + sum(cpu_by_pid.values())


def measure(work: Callable[[], tuple[dict[str, int], float | None]], feeds: int) -> Measurement:
    """Run ``work`` once; wall, CPU and peak RSS of this process tree meanwhile."""
    me = os.getpid()
    before = {pid: _process_cpu(pid) for pid in _descendants(me)}
    for pid in (me, *before):
        _reset_high_water(pid)
    cpu_before = _tree_cpu(before)
    started = time.perf_counter()
    outcomes, tail = work()
    wall = time.perf_counter() - started
    tree = _descendants(me)
    cpu_after = _tree_cpu({pid: _process_cpu(pid) for pid in tree})
    peak = sum(_high_water_kib(pid) for pid in (me, *tree)) / 1024
    return Measurement(
        wall_s=wall,
        cpu_s=cpu_after - cpu_before,
        peak_rss_mb=peak,
        feeds_per_s=feeds / wall,
        outcomes=outcomes,
        tail_s=tail,
    )


# -- the contenders (each runs inside its own child process) -----------------------


class CoproRunner:
    """copro_feeds through its library, one aggregator kept open over the rounds.

    ``tail`` is the time from the last source's result to the end of ``run_once``: the
    parent's work once every feed is in (saving what is left, selecting, publishing).
    """

    def __init__(self, urls: list[str], workers: int, folder: Path) -> None:
        import copro_feeds  # noqa: PLC0415 (imported in the child only)

        sources = "".join(
            f'[[sources]]\nname = "Partner {i}"\nurl = "{url}"\n' for i, url in enumerate(urls)
        )
        path = folder / "feeds.toml"
        path.write_text(
            '[site]\ntitle = "Benchmark"\nlink = "https://copro.test/"\n'
            'feed_url = "https://copro.test/atom.xml"\n'
            f"[fetch]\nallow_private_networks = true\nmax_workers = {workers}\n{sources}"
        )
        self._aggregator = copro_feeds.make_aggregator(copro_feeds.load_config(path))

    def round(self) -> tuple[dict[str, int], float | None]:
        last = [time.perf_counter()]

        def heard(_result: object) -> None:
            last[0] = time.perf_counter()

        report = self._aggregator.run_once(all_sources=True, progress=heard)
        tail = time.perf_counter() - last[0]
        return dict(Counter(str(result.outcome) for result in report.results)), tail

    def close(self) -> None:
        self._aggregator.close()


@contextmanager
def copro_here(folder: Path) -> Iterator[tuple[CorpusServer, CoproRunner]]:
    """The corpus in ``folder`` served from 127.0.0.1, and one aggregator in this process
    (for measuring from inside it); :func:`prepare` the server before each round."""
    with tempfile.TemporaryDirectory() as project, CorpusServer(folder, hosts=50) as server:
        runner = CoproRunner(server.urls(), 16, Path(project))
        try:
            yield server, runner
        finally:
            runner.close()


class ReaderRunner:
    """lemon24/reader with a fresh database, every URL added once."""

    def __init__(self, urls: list[str], workers: int, folder: Path) -> None:
        from reader import make_reader  # noqa: PLC0415 (imported in the child only)

        self._reader = make_reader(str(folder / "reader.sqlite"))
        for url in urls:
            self._reader.add_feed(url)
        self._workers = workers

    def round(self) -> tuple[dict[str, int], float | None]:
        outcomes: Counter[str] = Counter()
        for result in self._reader.update_feeds_iter(workers=self._workers, scheduled=False):
            if isinstance(result.value, Exception):
                outcomes["error"] += 1
            elif result.value is None:
                outcomes["not_modified"] += 1
            else:
                outcomes["updated" if result.value.new or result.value.modified else "same"] += 1
        return dict(outcomes), None

    def close(self) -> None:
        self._reader.close()


class FloorRunner:
    """Plain requests: conditional GETs in a thread pool, bodies read and dropped."""

    def __init__(self, urls: list[str], workers: int, folder: Path) -> None:
        import requests  # noqa: PLC0415 (imported in the child only)
        from requests.adapters import HTTPAdapter  # noqa: PLC0415

        del folder  # nothing to store
        self._urls = urls
        self._workers = workers
        self._session = requests.Session()
        self._session.trust_env = False
        adapter = HTTPAdapter(pool_connections=len(urls), pool_maxsize=workers)
        self._session.mount("http://", adapter)
        self._validators: dict[str, dict[str, str]] = {}

    def _get(self, url: str) -> str:
        with self._session.get(url, headers=self._validators.get(url, {}), timeout=30) as reply:
            _ = reply.content
            headers = {}
            if "ETag" in reply.headers:
                headers["If-None-Match"] = reply.headers["ETag"]
            if "Last-Modified" in reply.headers:
                headers["If-Modified-Since"] = reply.headers["Last-Modified"]
            self._validators[url] = headers
            return str(reply.status_code)

    def round(self) -> tuple[dict[str, int], float | None]:
        with ThreadPoolExecutor(self._workers) as pool:
            return dict(Counter(pool.map(self._get, self._urls))), None

    def close(self) -> None:
        self._session.close()


RUNNERS = {"copro": CoproRunner, "reader": ReaderRunner, "floor": FloorRunner}


def contender_main(name: str, urls: list[str], workers: int, connection: Connection) -> None:
    """The child process: build the runner, then run one round per message until None."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
        runner = RUNNERS[name](urls, workers, Path(folder))
        try:
            while connection.recv() is not None:
                connection.send(asdict(measure(runner.round, len(urls))))
        finally:
            runner.close()


# -- the orchestration (parent process, which also runs the server) ---------------


def prepare(server: CorpusServer, round_name: str, change: float) -> None:
    """Put the server in the state a round needs (rounds run in order)."""
    if round_name == "first":
        server.reset()
    elif round_name == "changed":
        server.change(change, round_number=3)
    elif round_name == "identical":
        server.ignore_conditional = True


def run_contender(
    server: CorpusServer, name: str, urls: list[str], workers: int, rounds: list[str], change: float
) -> dict[str, Any]:
    """Run ``rounds`` for one contender in a fresh spawned child; its measurements."""
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    child = context.Process(target=contender_main, args=(name, urls, workers, child_end))
    child.start()
    child_end.close()
    results: dict[str, Any] = {}
    try:
        for round_name in rounds:
            prepare(server, round_name, change)
            server.take_counts()
            load = os.getloadavg()[0]  # other work on the machine, as the round starts
            parent_end.send(round_name)
            results[round_name] = parent_end.recv()
            results[round_name]["load_average"] = load
            results[round_name]["server"] = server.take_counts()
            print(f"  {name:6} workers={workers:<3} {round_name:10} {_brief(results[round_name])}")
        parent_end.send(None)
    finally:
        child.join()
    server.reset()
    return results


def _brief(result: dict[str, Any]) -> str:
    tail = "" if result["tail_s"] is None else f" tail {result['tail_s']:.2f} s"
    return (
        f"{result['wall_s']:7.2f} s wall {result['cpu_s']:7.2f} s cpu "
        f"{result['peak_rss_mb']:6.0f} MB  {result['outcomes']}{tail}"
    )


def best_workers(
    server: CorpusServer, name: str, urls: list[str], candidates: list[int], change: float
) -> tuple[int, dict[int, float]]:
    """The candidate worker count with the least wall time over rounds 1-2 on ``urls``."""
    if len(candidates) == 1:
        return candidates[0], {}
    totals = {}
    for workers in candidates:
        results = run_contender(server, name, urls, workers, ["first", "unchanged"], change)
        totals[workers] = sum(result["wall_s"] for result in results.values())
    return min(totals, key=lambda workers: totals[workers]), totals


def table(results: dict[str, dict[str, Any]], rounds: list[str]) -> str:
    """The side-by-side Markdown table: per round, each contender and the ratios."""
    head = (
        "| round | copro wall s | copro CPU s | copro tail s | copro RSS MB "
        "| reader wall s | reader CPU s | reader RSS MB | floor wall s | floor CPU s "
        "| copro/reader | copro/floor | copro/reader CPU |"
    )
    lines = [head, "|" + " --- |" * (head.count("|") - 1)]
    for name in rounds:
        copro, reader, floor = (results.get(c, {}).get(name) for c in CONTENDERS)
        cells = [name]
        cells += _cells(copro, ("wall_s", "cpu_s", "tail_s", "peak_rss_mb"))
        cells += _cells(reader, ("wall_s", "cpu_s", "peak_rss_mb"))
        cells += _cells(floor, ("wall_s", "cpu_s"))
        cells.append(_ratio(copro, reader))
        cells.append(_ratio(copro, floor))
        cells.append(_ratio(copro, reader, "cpu_s"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cells(result: dict[str, Any] | None, keys: tuple[str, ...]) -> list[str]:
    if result is None:
        return ["-"] * len(keys)
    return [f"{result[key]:.2f}" if result[key] < 10 else f"{result[key]:.0f}" for key in keys]


def _ratio(mine: dict[str, Any] | None, theirs: dict[str, Any] | None, key: str = "wall_s") -> str:
    if mine is None or theirs is None:
        return "-"
    return f"{mine[key] / theirs[key]:.2f}x"


def _workers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def run_corpus(
    folder: Path, args: argparse.Namespace, rounds: list[str], contenders: list[str]
) -> dict[str, Any]:
    """Serve one built corpus; choose worker counts; run every contender; its results."""
    with CorpusServer(folder, hosts=args.hosts) as server:
        server.latency = args.latency_ms / 1000
        urls = server.urls()
        sample = urls[: min(args.calibrate, len(urls))]
        chosen: dict[str, Any] = {}
        copro_workers, sweep = best_workers(
            server, "copro", sample, args.copro_workers, args.change
        )
        chosen["copro"] = {"workers": copro_workers, "sweep_wall_s": sweep}
        if "reader" in contenders:
            reader_workers, sweep = best_workers(
                server, "reader", sample, args.reader_workers, args.change
            )
            chosen["reader"] = {"workers": reader_workers, "sweep_wall_s": sweep}
        chosen["floor"] = {"workers": copro_workers}
        print(f"workers: { {name: value['workers'] for name, value in chosen.items()} }")
        results = {
            name: run_contender(server, name, urls, chosen[name]["workers"], rounds, args.change)
            for name in contenders
        }
    return {
        "corpus": corpus.stats(folder),
        "workers": chosen,
        "results": results,
        "ratios": {
            name: {
                "copro/reader": _plain_ratio(results, name, "reader"),
                "copro/floor": _plain_ratio(results, name, "floor"),
                "copro/reader CPU": _plain_ratio(results, name, "reader", "cpu_s"),
                "copro/floor CPU": _plain_ratio(results, name, "floor", "cpu_s"),
            }
            for name in rounds
        },
    }


def main() -> None:
    """Build each corpus, serve it, run every contender, print and save the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", default=",".join(corpus.STYLES), help="light, heavy or both")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="per request")
    parser.add_argument("--hosts", type=int, default=50, help="ports the feeds spread over")
    parser.add_argument("--change", type=float, default=0.10, help="fraction changed, round 3")
    parser.add_argument("--rounds", default=",".join(ROUNDS), help="some of: " + ", ".join(ROUNDS))
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--skip-reader", action="store_true", help="copro_feeds and floor only")
    parser.add_argument("--copro-workers", type=_workers, default=[8, 16, 32])
    parser.add_argument("--reader-workers", type=_workers, default=[1, 4, 16])
    parser.add_argument("--calibrate", type=int, default=200, help="feeds for the worker sweep")
    parser.add_argument("--json", type=Path, help="default: benchmarks/results/run-<feeds>.json")
    args = parser.parse_args()
    wanted = set(args.rounds.split(",")) | {"first"}  # the later rounds build on the first
    rounds = [name for name in ROUNDS if name in wanted]
    contenders = [name for name in CONTENDERS if name in args.contenders.split(",")]
    if args.skip_reader and "reader" in contenders:
        contenders.remove("reader")
    styles = [style for style in corpus.STYLES if style in args.corpus.split(",")]
    if not styles or not contenders or wanted - set(ROUNDS):
        parser.error("--corpus, --rounds or --contenders names nothing known")

    started = time.perf_counter()
    path = args.json or Path(__file__).resolve().parent / "results" / f"run-{args.feeds}.json"
    document: dict[str, Any] = {
        "feeds": args.feeds,
        "latency_ms": args.latency_ms,
        "hosts": args.hosts,
        "change": args.change,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "command": " ".join(sys.argv),
        "corpora": {},
    }
    for style in styles:
        folder = corpus.build(args.feeds, args.seed, style)
        print(f"corpus {folder.name}: {json.dumps(corpus.stats(folder))} ({_since(started)})")
        document["corpora"][style] = run_corpus(folder, args, rounds, contenders)
        path.write_text(json.dumps(document, indent=1))  # each corpus kept as it is done
        print(f"\n{style} corpus, {args.feeds} feeds:\n")
        print(table(document["corpora"][style]["results"], rounds))
        print(f"wrote {path}\n")
    print(f"{args.feeds} feeds, latency {args.latency_ms:g} ms, total {_since(started)}")


def _plain_ratio(
    results: dict[str, dict[str, Any]], round_name: str, other: str, key: str = "wall_s"
) -> float | None:
    mine = results.get("copro", {}).get(round_name)
    theirs = results.get(other, {}).get(round_name)
    if mine is None or theirs is None:
        return None
    return round(mine[key] / theirs[key], 3)


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.0f} s"


if __name__ == "__main__":
    main()
