"""Differential test of an accelerated feed parser against feedparser, on the shared corpus.

Run: python benchmarks/parser_agreement.py --candidate feedparser-rs [--timing] [--json out.json]

Issue 6 allows ``feedparser-rs`` or ``fastfeedparser`` only as an option that falls back to
feedparser on any error, and only if they agree with feedparser on ids, links, titles and
dates for at least 99.5 % of entries. This script measures that agreement.

Every file of the real-world corpus (``../shared/corpus``, listed in its ``INDEX.tsv``;
gzipped bodies are unpacked) is parsed by feedparser, with the options of
``copro_feeds._parse`` (``sanitize_html=False``, relative URIs resolved against the URL in
``content-location``), and by the candidate (always handed bytes: both candidates fetch
URLs given as strings). Files declaring an XML entity in their prolog are skipped, as
``_parse`` refuses them before parsing (``--include-entity-files`` keeps them).

Entries are matched by position. Per entry, five fields are compared: ``id``, ``link``,
``title`` (stripped strings, empty as missing, as ``_parse`` reads them) and the
``published`` and ``updated`` dates (UTC, to the second; feedparser's ``updated_parsed`` is
read with ``dict.get`` as ``_parse`` does, so it is not aliased to ``published``). A field
agrees when both values are equal or both missing; an entry the candidate lacks disagrees
on every field. Agreement is reported three ways:

* ``accepted`` — over entries of files the candidate parsed without error;
* ``with_fallback`` — over all entries, a candidate failure counting as agreement (the
  proposed adapter falls back to feedparser then);
* ``strict`` — over all entries, a candidate failure counting as disagreement.

Each parse runs in a worker process with a time limit (``--timeout``) and an address
space limit (``--memory-mb``); a timeout or a crash counts as that parser failing.
Files larger than ``--max-bytes`` are skipped.

``--timing`` also times each parser alone (parse and read the compared fields), in a fresh
process pinned to one core, over the synthetic benchmark corpus (benchmarks/corpus.py,
rendered in memory, nothing cached) or over the shared corpus files both parsers accepted
(``--timing-corpus shared``), and reports MB/s, feeds/s, the speed-up and peak RSS.
"""

from __future__ import annotations

import argparse
import calendar
import gzip
import html
import io
import json
import multiprocessing
import os
import re
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"
BASE_URL = "http://127.0.0.1/feed.xml"
CANDIDATES = ("feedparser-rs", "fastfeedparser")
FIELDS = ("id", "link", "title", "published", "updated")
# "all": the five fields; "dates_as_used": (published or updated, updated or published), as
# copro_feeds._normalise reads them; "all_as_used": id, link, title and dates_as_used.
SCORES = (*FIELDS, "all", "dates_as_used", "all_as_used")
THRESHOLD = 99.5
_GZIP_LIMIT = 64 * 1024 * 1024
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")

Entry = list[str | None]  # the FIELDS of one entry, dates as ISO 8601 UTC strings


# -- reading the corpus --------------------------------------------------------------


def corpus_files(root: Path) -> list[Path]:
    """Every file listed in the corpus index, in index order."""
    lines = (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    column = header.index("path")
    return [root / line.split("\t")[column] for line in lines[1:] if line.strip()]


def read_body(path: Path) -> bytes:
    """The file's bytes, gunzipped (up to 64 MB) when it is a gzipped body."""
    body = path.read_bytes()
    if body[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            return stream.read(_GZIP_LIMIT)
    return body


def declares_entities(body: bytes) -> bool:
    """True when the prolog declares an entity (``copro_feeds._parse`` refuses those)."""
    root = _ROOT_ELEMENT.search(body)
    return bool(_ENTITY_DECLARATION.search(body[: root.start()] if root else body))


# -- the parsers, reduced to the compared fields ------------------------------------


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _from_struct(value: object) -> str | None:
    """A UTC ``time.struct_time`` (or 9-tuple) → ISO 8601; ``invalid`` when it is not one."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()  # type: ignore[arg-type]
    except (OverflowError, ValueError, OSError, TypeError):
        return f"invalid:{value!r}"


def _from_iso(value: object) -> str | None:
    """An ISO 8601 string (fastfeedparser's dates) → UTC ISO 8601 to the second."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return f"unparsed:{value}"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_feedparser(body: bytes) -> dict[str, Any]:
    """feedparser with the options of ``copro_feeds._parse``."""
    import feedparser  # noqa: PLC0415 (imported in the worker only)

    result = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": BASE_URL},
        sanitize_html=False,
        resolve_relative_uris=True,
    )
    entries = [
        [
            _text(entry.get("id")),
            _text(entry.get("link")),
            _text(entry.get("title")),
            _from_struct(entry.get("published_parsed")),
            _from_struct(dict.get(entry, "updated_parsed")),
        ]
        for entry in result.get("entries", [])
    ]
    return {"entries": entries, "version": result.get("version") or "", "bozo": bool(result.bozo)}


def parse_feedparser_rs(body: bytes) -> dict[str, Any]:
    """feedparser-rs, unsanitised, relative URIs resolved (it takes no base URL)."""
    import feedparser_rs  # noqa: PLC0415

    result = feedparser_rs.parse(body, sanitize_html=False, resolve_relative_uris=True)
    entries = [
        [
            _text(entry.get("id")),
            _text(entry.get("link")),
            _text(entry.get("title")),
            _from_struct(entry.get("published_parsed")),
            _from_struct(entry.get("updated_parsed")),
        ]
        for entry in result.entries
    ]
    return {"entries": entries, "version": result.version or "", "bozo": bool(result.bozo)}


def parse_fastfeedparser(body: bytes) -> dict[str, Any]:
    """fastfeedparser (no sanitiser, no URI resolution, dates as ISO 8601 strings)."""
    import fastfeedparser  # noqa: PLC0415

    result = fastfeedparser.parse(body)
    entries = [
        [
            _text(entry.get("id")),
            _text(entry.get("link")),
            _text(entry.get("title")),
            _from_iso(entry.get("published")),
            _from_iso(entry.get("updated")),
        ]
        for entry in result.get("entries", [])
    ]
    return {"entries": entries, "version": result.get("version") or "", "bozo": False}


PARSERS = {
    "feedparser": parse_feedparser,
    "feedparser-rs": parse_feedparser_rs,
    "fastfeedparser": parse_fastfeedparser,
}


# -- worker processes with a time limit ---------------------------------------------


def _serve(conn: Connection, memory_mb: int) -> None:
    """Worker loop: receive (path, parser), send back the outcome."""
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        path, name = task
        try:
            outcome = PARSERS[name](read_body(Path(path)))
            outcome["status"] = "ok"
        except BaseException as error:  # a candidate's failure is a result, not a crash
            outcome = {"status": "error", "error": f"{type(error).__name__}: {error}"[:300]}
        conn.send(outcome)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    task: tuple[str, str] | None = None
    deadline: float = 0.0


def _start_worker(ctx: Any, memory_mb: int) -> _Worker:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, memory_mb), daemon=True)
    process.start()
    child.close()
    return _Worker(process=process, conn=parent)


def _stop_worker(worker: _Worker) -> None:
    worker.process.kill()
    worker.process.join()
    worker.conn.close()


def run_all(
    tasks: list[tuple[str, str]], workers: int, timeout: float, memory_mb: int
) -> dict[tuple[str, str], dict[str, Any]]:
    """Run every (path, parser) task; a timeout or a dead worker is that task's outcome."""
    ctx = multiprocessing.get_context("spawn")
    pool = [_start_worker(ctx, memory_mb) for _ in range(workers)]
    pending = list(reversed(tasks))
    results: dict[tuple[str, str], dict[str, Any]] = {}
    started, next_report = time.monotonic(), 2000
    while pending or any(worker.task for worker in pool):
        for worker in pool:
            if worker.task is None and pending:
                worker.task = pending.pop()
                worker.deadline = time.monotonic() + timeout
                worker.conn.send(worker.task)
        busy = [worker for worker in pool if worker.task]
        wait_for = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
        ready = wait([worker.conn for worker in busy], timeout=wait_for)
        for index, worker in enumerate(pool):
            if worker.task is None:
                continue
            outcome: dict[str, Any] | None = None
            if worker.conn in ready:
                try:
                    outcome = worker.conn.recv()
                except (EOFError, OSError):
                    worker.process.join()
                    code = worker.process.exitcode
                    outcome = {"status": "crash", "error": f"worker died, exit code {code}"}
            elif time.monotonic() >= worker.deadline:
                outcome = {"status": "timeout", "error": f"no answer in {timeout:g} s"}
            if outcome is None:
                continue
            results[worker.task] = outcome
            if outcome["status"] in ("crash", "timeout"):
                _stop_worker(worker)
                pool[index] = _start_worker(ctx, memory_mb)
            else:
                worker.task = None
        if len(results) >= next_report:
            print(f"  {len(results)}/{len(tasks)} parses, {time.monotonic() - started:.0f} s")
            next_report += 2000
    for worker in pool:
        worker.conn.close()
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            _stop_worker(worker)
    return results


# -- comparing ------------------------------------------------------------------------


def classify(name: str, ours: str | None, theirs: str | None) -> str:
    """A short name for the kind of a disagreement."""
    if ours is None:
        return "only candidate has a value"
    if theirs is None:
        return "only feedparser has a value"
    if name in ("published", "updated"):
        if ours.startswith(("invalid", "unparsed")) or theirs.startswith(("invalid", "unparsed")):
            return "unreadable date"
        delta = abs((datetime.fromisoformat(ours) - datetime.fromisoformat(theirs)).total_seconds())
        if delta <= 14 * 3600 and delta % 900 == 0:
            return "differs by a time-zone offset"
        if delta % 86400 == 0:
            return "differs by whole days"
        return "different moment"
    if " ".join(ours.split()) == " ".join(theirs.split()):
        return "whitespace"
    if name in ("link", "id"):
        if "://" not in theirs and "://" in ours:
            return "relative URI: feedparser resolved it, the candidate did not"
        if "://" not in ours and "://" in theirs:
            return "relative URI: the candidate resolved it, feedparser did not"
        mine, other = urlsplit(ours), urlsplit(theirs)
        if mine.netloc != other.netloc and (mine.path, mine.query) == (other.path, other.query):
            return "relative URI resolved against another base"
    plain_ours = " ".join(html.unescape(_TAG.sub("", ours)).split())
    plain_theirs = " ".join(html.unescape(_TAG.sub("", theirs)).split())
    if plain_ours == plain_theirs:
        return "markup or entities"
    if plain_theirs and plain_ours.startswith(plain_theirs):
        return "candidate value truncated"
    return "other"


@dataclass
class FileResult:
    """The comparison of one file."""

    path: str
    status: str  # the candidate's: ok, error, timeout, crash
    bozo: bool
    entries: int  # feedparser's
    candidate_entries: int
    agree: dict[str, int] = field(default_factory=dict)  # per SCORES key


def compare(
    path: str, ours: dict[str, Any], theirs: dict[str, Any], examples: list[dict[str, Any]]
) -> FileResult:
    """Compare feedparser's and the candidate's entries of one file, by position."""
    mine: list[Entry] = ours["entries"]
    other: list[Entry] = theirs.get("entries", []) if theirs["status"] == "ok" else []
    result = FileResult(
        path=path,
        status=theirs["status"],
        bozo=bool(theirs.get("bozo")),
        entries=len(mine),
        candidate_entries=len(other),
        agree=dict.fromkeys(SCORES, 0),
    )
    if theirs["status"] != "ok":
        return result
    for position, entry in enumerate(mine):
        if position >= len(other):  # disagrees on every field; one example for the entry
            examples.append(
                {
                    "file": path,
                    "entry": position,
                    "field": "(entry)",
                    "class": "entry missing from the candidate",
                    "feedparser": entry[0] or entry[1] or entry[2],
                    "candidate": None,
                }
            )
            continue
        candidate = other[position]
        for index, name in enumerate(FIELDS):
            if entry[index] == candidate[index]:
                result.agree[name] += 1
                continue
            examples.append(
                {
                    "file": path,
                    "entry": position,
                    "field": name,
                    "class": classify(name, entry[index], candidate[index]),
                    "feedparser": entry[index],
                    "candidate": candidate[index],
                }
            )
        result.agree["all"] += entry == candidate
        dates = (entry[3] or entry[4], entry[4] or entry[3])
        their_dates = (candidate[3] or candidate[4], candidate[4] or candidate[3])
        result.agree["dates_as_used"] += dates == their_dates
        result.agree["all_as_used"] += dates == their_dates and entry[:3] == candidate[:3]
        if dates != their_dates:
            index = 0 if dates[0] != their_dates[0] else 1
            examples.append(
                {
                    "file": path,
                    "entry": position,
                    "field": "dates_as_used",
                    "class": classify("published", dates[index], their_dates[index]),
                    "feedparser": dates[index],
                    "candidate": their_dates[index],
                }
            )
    return result


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 3) if whole else None


def agreement(files: list[FileResult]) -> dict[str, Any]:
    """Agreement per field and overall: accepted files only, with fallback, strict."""
    accepted = [f for f in files if f.status == "ok"]
    failed_entries = sum(f.entries for f in files if f.status != "ok")
    accepted_entries = sum(f.entries for f in accepted)
    views: dict[str, Any] = {
        "entries_in_accepted_files": accepted_entries,
        "entries_in_failed_files": failed_entries,
    }
    for view in ("accepted", "with_fallback", "strict"):
        figures = {}
        for name in SCORES:
            agreed = sum(f.agree[name] for f in accepted)
            if view == "accepted":
                figures[name] = _percent(agreed, accepted_entries)
            elif view == "with_fallback":
                figures[name] = _percent(agreed + failed_entries, accepted_entries + failed_entries)
            else:
                figures[name] = _percent(agreed, accepted_entries + failed_entries)
        views[view] = figures
    return views


def summarise(
    candidate: str,
    files: list[FileResult],
    skipped: dict[str, list[str]],
    examples: list[dict[str, Any]],
    feedparser_failures: dict[str, str],
    candidate_failures: dict[str, str],
) -> dict[str, Any]:
    """The report as a JSON-able dict."""
    statuses = Counter(f.status for f in files)
    count_mismatch = [f for f in files if f.status == "ok" and f.entries != f.candidate_entries]
    classes: dict[str, Counter[str]] = defaultdict(Counter)
    for example in examples:
        classes[example["field"]][example["class"]] += 1
    # one example for each (field, class), most frequent first
    seen: set[tuple[str, str]] = set()
    top: list[dict[str, Any]] = []
    ranked = sorted(examples, key=lambda e: -classes[e["field"]][e["class"]])
    for example in ranked:
        key = (example["field"], example["class"])
        if key not in seen:
            seen.add(key)
            top.append({**example, "count": classes[example["field"]][example["class"]]})
    bozo_files = [f for f in files if f.status == "ok" and f.bozo]
    not_bozo = [f for f in files if not (f.status == "ok" and f.bozo)]
    fallback_on_bozo = [
        FileResult(f.path, "bozo", True, f.entries, 0, f.agree)
        if f.status == "ok" and f.bozo
        else f
        for f in files
    ]
    return {
        "candidate": candidate,
        "threshold_percent": THRESHOLD,
        "files_listed": len(files)
        + sum(len(v) for v in skipped.values())
        + len(feedparser_failures),
        "files_skipped": {reason: len(paths) for reason, paths in skipped.items()},
        "files_feedparser_failed": len(feedparser_failures),
        "files_compared": len(files),
        "candidate_status": dict(statuses),
        "candidate_failures": dict(sorted(candidate_failures.items())[:50]),
        "entries_compared": sum(f.entries for f in files),
        "candidate_extra_entries": sum(
            max(0, f.candidate_entries - f.entries) for f in files if f.status == "ok"
        ),
        "files_entry_count_differs": len(count_mismatch),
        "entry_count_differs_examples": [
            {"file": f.path, "feedparser": f.entries, "candidate": f.candidate_entries}
            for f in sorted(count_mismatch, key=lambda f: -abs(f.entries - f.candidate_entries))[
                :20
            ]
        ],
        "agreement": agreement(files),
        "candidate_bozo_files": len(bozo_files),
        "agreement_if_bozo_also_falls_back": agreement(fallback_on_bozo),
        "agreement_on_files_candidate_not_bozo": agreement(not_bozo)["accepted"],
        "disagreement_classes": {
            name: dict(counter.most_common()) for name, counter in classes.items()
        },
        "top_disagreements": top[:10],
        "examples_by_class": {
            f"{name} / {kind}": [e for e in examples if e["field"] == name and e["class"] == kind][
                :: max(1, count // 5)
            ][:5]
            for name, counter in classes.items()
            for kind, count in counter.items()
        },
        "skipped_files": {reason: paths[:50] for reason, paths in skipped.items()},
    }


# -- timing ---------------------------------------------------------------------------


def _synthetic_bodies(feeds: int, seed: int) -> list[bytes]:
    sys.path.insert(0, str(HERE))
    import corpus  # noqa: PLC0415 (benchmarks/corpus.py)

    return [
        corpus.render(corpus.make_feed(seed, index), f"http://feeds.test/{index}.xml")
        for index in range(feeds)
    ]


def _time_one(
    name: str, paths: list[str] | None, feeds: int, seed: int, repeat: int
) -> dict[str, Any]:
    """In a fresh child: parse every body ``repeat`` times; best wall and CPU, peak RSS."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    bodies = (
        [read_body(Path(p)) for p in paths] if paths is not None else _synthetic_bodies(feeds, seed)
    )
    parse = PARSERS[name]
    parse(bodies[0])  # import and warm up
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    best_wall, best_cpu, entries = float("inf"), float("inf"), 0
    for _ in range(repeat):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        entries = sum(len(parse(body)["entries"]) for body in bodies)
        best_wall = min(best_wall, time.perf_counter() - wall0)
        best_cpu = min(best_cpu, time.process_time() - cpu0)
    megabytes = sum(len(body) for body in bodies) / 1e6
    return {
        "parser": name,
        "feeds": len(bodies),
        "megabytes": round(megabytes, 3),
        "entries": entries,
        "wall_s": round(best_wall, 4),
        "cpu_s": round(best_cpu, 4),
        "mb_per_s": round(megabytes / best_wall, 3),
        "feeds_per_s": round(len(bodies) / best_wall, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_parsing_mb": round(baseline_kib / 1024, 1),
    }


def _timing_child(conn: Connection, *args: Any) -> None:
    conn.send(_time_one(*args))
    conn.close()


def timing(
    candidate: str, paths: list[str] | None, feeds: int, seed: int, repeat: int
) -> dict[str, Any]:
    """Time feedparser and the candidate, each in its own process on one core."""
    ctx = multiprocessing.get_context("spawn")
    runs = {}
    for name in ("feedparser", candidate):
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_timing_child, args=(child, name, paths, feeds, seed, repeat))
        process.start()
        child.close()
        runs[name] = parent.recv()
        process.join()
    ours, theirs = runs["feedparser"], runs[candidate]
    return {
        "corpus": "synthetic" if paths is None else "shared",
        "repeat": repeat,
        "feedparser": ours,
        "candidate": theirs,
        "speedup": round(ours["wall_s"] / theirs["wall_s"], 2),
        "speedup_cpu": round(ours["cpu_s"] / max(theirs["cpu_s"], 1e-9), 2),
    }


# -- the command ----------------------------------------------------------------------


def _short(value: object, width: int = 70) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def print_report(report: dict[str, Any]) -> None:
    """The human-readable summary."""
    print(f"\ncandidate: {report['candidate']}")
    print(
        f"files: {report['files_listed']} listed, {report['files_compared']} compared, "
        f"skipped {report['files_skipped']}, feedparser failed {report['files_feedparser_failed']}"
    )
    print(f"candidate outcome per file: {report['candidate_status']}")
    print(f"candidate bozo (parsed, flagged ill-formed): {report['candidate_bozo_files']} files")
    print(
        f"entries compared: {report['entries_compared']} "
        f"(in files the candidate failed: {report['agreement']['entries_in_failed_files']}); "
        f"files whose entry count differs: {report['files_entry_count_differs']}; "
        f"extra candidate entries: {report['candidate_extra_entries']}"
    )
    print(f"\n{'agreement %':<34}" + "".join(f"{name[:9]:>10}" for name in SCORES))
    views = (
        ("accepted files only", report["agreement"]["accepted"]),
        ("all, failure → fallback", report["agreement"]["with_fallback"]),
        ("all, failure = disagreement", report["agreement"]["strict"]),
        (
            "all, failure or bozo → fallback",
            report["agreement_if_bozo_also_falls_back"]["with_fallback"],
        ),
    )
    for label, figures in views:
        print(f"{label:<34}" + "".join(f"{figures[name]!s:>10}" for name in SCORES))
    verdict = (
        "met" if (report["agreement"]["with_fallback"]["all"] or 0) >= THRESHOLD else "NOT met"
    )
    print(f"issue 6 threshold ({THRESHOLD} % of entries agree on every field): {verdict}")
    print("\ndisagreement classes:")
    for name, classes in report["disagreement_classes"].items():
        print(f"  {name}: " + ", ".join(f"{kind} {count}" for kind, count in classes.items()))
    print("\ntop disagreements (one example per field and class):")
    for example in report["top_disagreements"]:
        print(
            f"  [{example['count']}] {example['field']} / {example['class']}: {example['file']} "
            f"#{example['entry']}\n      feedparser {_short(example['feedparser'])}\n"
            f"      candidate  {_short(example['candidate'])}"
        )
    if report["entry_count_differs_examples"]:
        print("\nentry counts differ (largest first):")
        for example in report["entry_count_differs_examples"][:10]:
            counts = f"feedparser {example['feedparser']}, candidate {example['candidate']}"
            print(f"  {example['file']}: {counts}")
    if "timing" in report:
        timed = report["timing"]
        print(f"\ntiming ({timed['corpus']} corpus, one core, best of {timed['repeat']}):")
        for key in ("feedparser", "candidate"):
            run = timed[key]
            print(
                f"  {run['parser']:<15} {run['feeds']} feeds, {run['megabytes']} MB, "
                f"{run['entries']} entries: {run['wall_s']} s ({run['cpu_s']} s CPU), "
                f"{run['mb_per_s']} MB/s, "
                f"{run['feeds_per_s']} feeds/s, peak RSS {run['peak_rss_mb']} MB "
                f"({run['rss_before_parsing_mb']} MB before)"
            )
        print(f"  speed-up: {timed['speedup']}x wall, {timed['speedup_cpu']}x CPU")


def main() -> None:
    """Compare the candidate with feedparser on the corpus; print and optionally save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", choices=CANDIDATES, required=True)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="shared corpus root")
    parser.add_argument("--max-bytes", type=int, default=5_000_000, help="skip larger files")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per parse")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address space per worker")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (0: all)")
    parser.add_argument("--include-entity-files", action="store_true")
    parser.add_argument("--timing", action="store_true", help="also time both parsers")
    parser.add_argument("--timing-corpus", choices=("synthetic", "shared"), default="synthetic")
    parser.add_argument("--timing-feeds", type=int, default=200, help="synthetic feeds to time")
    parser.add_argument("--seed", type=int, default=1, help="synthetic corpus seed")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (best kept)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()

    paths = corpus_files(args.corpus)
    if args.limit:
        paths = paths[: args.limit]
    skipped: dict[str, list[str]] = defaultdict(list)
    selected: list[str] = []
    for path in paths:
        name = str(path.relative_to(args.corpus))
        if not path.is_file():
            skipped["missing"].append(name)
        elif path.stat().st_size > args.max_bytes:
            skipped[f"larger than {args.max_bytes} bytes"].append(name)
        elif not args.include_entity_files and declares_entities(read_body(path)):
            skipped["declares XML entities (refused by _parse)"].append(name)
        else:
            selected.append(str(path))
    print(f"{len(selected)} files to parse with feedparser and {args.candidate}", flush=True)
    started = time.monotonic()
    tasks = [(path, name) for path in selected for name in ("feedparser", args.candidate)]
    outcomes = run_all(tasks, args.workers, args.timeout, args.memory_mb)
    print(f"parsed in {time.monotonic() - started:.0f} s", flush=True)

    files: list[FileResult] = []
    examples: list[dict[str, Any]] = []
    feedparser_failures: dict[str, str] = {}
    candidate_failures: dict[str, str] = {}
    accepted_by_both: list[str] = []
    for chosen in selected:
        name = str(Path(chosen).relative_to(args.corpus))
        ours, theirs = outcomes[(chosen, "feedparser")], outcomes[(chosen, args.candidate)]
        if ours["status"] != "ok":
            feedparser_failures[name] = f"{ours['status']}: {ours.get('error')}"
            continue
        if theirs["status"] != "ok":
            candidate_failures[name] = f"{theirs['status']}: {theirs.get('error')}"
        else:
            accepted_by_both.append(chosen)
        files.append(compare(name, ours, theirs, examples))
    report = summarise(
        args.candidate, files, skipped, examples, feedparser_failures, candidate_failures
    )
    report["feedparser_failures"] = feedparser_failures
    kinds = Counter(":".join(reason.split(":")[:2]) for reason in candidate_failures.values())
    report["candidate_failure_kinds"] = dict(kinds.most_common(20))
    if args.timing:
        shared = accepted_by_both if args.timing_corpus == "shared" else None
        report["timing"] = timing(args.candidate, shared, args.timing_feeds, args.seed, args.repeat)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
