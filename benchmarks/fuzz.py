"""Run the parse → normalise → publish fuzz property (tests/test_fuzz.py) for N minutes.

    python benchmarks/fuzz.py --minutes 5            # hypothesis, rounds of fresh examples
    python benchmarks/fuzz.py --minutes 5 --atheris  # coverage-guided, if atheris installed

Hypothesis mode runs the property in rounds of ``--batch`` examples until the time is up,
keeps going after a failure, and prints each distinct failure (type and place) once with
its shrunk example. Atheris mode feeds libFuzzer's bytes to hypothesis's
``fuzz_one_input`` and stops at the first failure, as libFuzzer does.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from tests.test_fuzz import check_feed, feed_documents  # noqa: E402

COUNTS = {"examples": 0, "entries": 0}


def _signature(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "copro_feeds" in f.filename or "tests" in f.filename] or frames
    last = ours[-1] if ours else None
    where = f"{Path(last.filename).name}:{last.lineno}" if last else "?"
    return f"{type(error).__name__} at {where}"


def run_hypothesis(minutes: float, batch: int) -> int:
    deadline = time.monotonic() + minutes * 60
    failures: dict[str, str] = {}
    rounds = 0

    @settings(
        max_examples=batch,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(feed_documents())
    def prop(document: tuple[bytes, dict[str, str]]) -> None:
        COUNTS["examples"] += 1
        COUNTS["entries"] += check_feed(*document)

    while time.monotonic() < deadline:
        rounds += 1
        try:
            prop()
        except BaseException as error:  # every failure is a finding; keep fuzzing
            if isinstance(error, KeyboardInterrupt):
                break
            errors = getattr(error, "exceptions", None) or [error]
            for each in errors:
                signature = _signature(each)
                if signature not in failures:
                    failures[signature] = "".join(traceback.format_exception(each))[-3000:]
                    print(f"[{COUNTS['examples']} examples] NEW FAILURE: {signature}", flush=True)
        print(
            f"round {rounds}: {COUNTS['examples']} examples, {COUNTS['entries']} entries, "
            f"{len(failures)} distinct failures",
            flush=True,
        )
    print(f"\nRan {COUNTS['examples']} examples ({COUNTS['entries']} entries) in {minutes} min.")
    for signature, text in failures.items():
        print(f"\n=== {signature}\n{text}")
    return 1 if failures else 0


def run_atheris(minutes: float) -> int:
    import atheris  # noqa: PLC0415 (optional: pip install atheris)

    @settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(feed_documents())
    def prop(document: tuple[bytes, dict[str, str]]) -> None:
        COUNTS["examples"] += 1
        check_feed(*document)

    atheris.instrument_all()  # coverage guidance over everything imported so far
    started = time.monotonic()
    args = [sys.argv[0], f"-max_total_time={int(minutes * 60)}", "-rss_limit_mb=4096"]
    args.append("-max_len=65536")
    try:
        atheris.Setup(args, prop.hypothesis.fuzz_one_input)
        atheris.Fuzz()
    finally:
        elapsed = (time.monotonic() - started) / 60
        print(f"Ran {COUNTS['examples']} examples in {elapsed:.1f} min.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--batch", type=int, default=500, help="examples per hypothesis round")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided with atheris")
    options = parser.parse_args()
    if options.atheris:
        return run_atheris(options.minutes)
    return run_hypothesis(options.minutes, options.batch)


if __name__ == "__main__":
    sys.exit(main())
