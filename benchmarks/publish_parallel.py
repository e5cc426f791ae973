"""The first publish and a republish, rendered on the render workers or in one process.

Run: python benchmarks/publish_parallel.py [--feeds 200] [--parallel on|off]

Serves the light corpus from 127.0.0.1 and runs ``benchmarks/run.py``'s rounds 1 (every
feed new) and 3 (10 % of the feeds changed) in this process with one aggregator
(``CoproRunner``). Each publish's wall time, this process's CPU and its children's CPU
(the render workers; read from /proc, since they are not reaped until they stop) are
printed, with the resident memory (MB) of any render worker still running after a
publish (none: they stop when it ends), this process's peak memory in the round and the
largest peak of a child that has ended (a render worker's, once it stops). With
``--parallel off`` every publish renders in this process, as before parallel rendering.
Repeat the runs (alternating on and off) on a busy machine: wall time swings with it.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from typing import Any

import corpus
from run import copro_here, prepare

import copro_feeds._publishing as facade

timings: list[tuple[float, float, float, list[int]]] = []


def children() -> list[tuple[int, bytes, str]]:
    """This process's children: pid, command line and /proc status."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
            command = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:
            continue
        if f"PPid:\t{os.getpid()}\n" in status:
            found.append((int(name), command, status))
    return found


def children_cpu() -> float:
    """CPU seconds of the children running now and of those that ended (reaped)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid, _, _ in children():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total / tick + reaped.ru_utime + reaped.ru_stime


def renderers_rss_mb() -> list[int]:
    return [
        int(status.split("VmRSS:")[1].split()[0]) // 1024
        for _, command, status in children()
        if b"copro_feeds._publish._parallel" in command and "VmRSS:" in status
    ]


def high_water_mb() -> tuple[int, int]:
    """This process's peak resident memory since the last :func:`reset_high_water`, and
    the largest peak of any child reaped so far (the render workers, once stopped), MB."""
    status = Path("/proc/self/status").read_text()
    own = int(status.split("VmHWM:")[1].split()[0]) // 1024
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def reset_high_water() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--parallel", choices=("on", "off"), default="on")
    options = parser.parse_args()
    real = facade.publish

    def publish(*args: Any, **kwargs: Any) -> Any:
        if options.parallel == "off":
            kwargs["renderers"] = None
        wall, cpu, workers = time.perf_counter(), time.process_time(), children_cpu()
        try:
            return real(*args, **kwargs)
        finally:
            rss = renderers_rss_mb()  # stopped by then: an empty list
            timings.append(
                (
                    time.perf_counter() - wall,
                    time.process_time() - cpu,
                    children_cpu() - workers,
                    rss,
                )
            )

    facade.publish = publish
    folder = corpus.build(options.feeds, 1, "light")
    with copro_here(folder) as (server, runner):
        for name in ("first", "changed"):
            prepare(server, name, 0.10)
            timings.clear()
            reset_high_water()
            started = time.perf_counter()
            runner.round()
            round_wall = time.perf_counter() - started
            wall, cpu, workers = (sum(timing[i] for timing in timings) for i in range(3))
            own_peak, child_peak = high_water_mb()
            print(
                f"parallel {options.parallel}, {options.feeds} feeds, round {name}: "
                f"{round_wall:.2f} s; publish wall {wall:.2f} s, CPU {cpu:.2f} s here "
                f"+ {workers:.2f} s in children; render workers left: "
                f"{[timing[3] for timing in timings]} MB; peak memory here {own_peak} MB, "
                f"largest child so far {child_peak} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
