"""The parser sandbox: results, errors, memory and time limits, crashes, parallelism, cleanup."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from copro_feeds._sandbox import NO_MEMORY_LIMIT, Role, Sandbox
from copro_feeds.exceptions import CoproFeedsError, HTTPStatusError, ParseError, PublishError

MB = 1024 * 1024


def add(a: int, b: int) -> int:
    return a + b


def raise_parse_error(message: str) -> None:
    raise ParseError(message)


def raise_http_status_error() -> None:
    raise HTTPStatusError("needs keywords", status=500)


def raise_value_error() -> None:
    raise ValueError("bad value")


def allocate(size: int) -> int:
    block = bytearray(size)
    return len(block)


def spin() -> None:
    while True:
        pass


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def sleep_span(seconds: float) -> tuple[float, float]:
    """Sleep; when it began and ended on the system-wide monotonic clock."""
    started = time.monotonic()
    time.sleep(seconds)
    return started, time.monotonic()


def exit_abruptly(code: int) -> None:
    os._exit(code)


def kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def worker_pid() -> int:
    return os.getpid()


def memory_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_AS)[0]


def loaded(*names: str) -> list[str]:
    return [name for name in names if name in sys.modules]


def children_of(pid: int) -> set[int]:
    """Live (or zombie) processes whose parent is ``pid``, read from /proc."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(status.parent.name))
    return found


@pytest.fixture(scope="module")
def sandbox():
    # A limit a loaded machine never reaches by accident; the time-limit test has its own.
    with Sandbox(workers=2, memory_bytes=256 * MB, seconds=30) as pool:
        yield pool


def test_a_call_returns_the_function_result(sandbox):
    assert sandbox.call(add, 2, 3) == 5
    assert sandbox.call(worker_pid) != os.getpid()


def test_the_memory_limit_is_applied_in_the_worker(sandbox):
    assert sandbox.call(memory_limit) == 256 * MB


def test_a_worker_has_imported_the_parser_before_its_first_call():
    # importing feedparser, bs4 and nh3 is part of starting, not of a call's time limit
    with Sandbox(workers=1, memory_bytes=256 * MB, seconds=1.0) as pool:
        assert pool.call(loaded, "feedparser", "bs4", "nh3") == ["feedparser", "bs4", "nh3"]


def test_copro_feeds_errors_keep_their_type_and_message(sandbox):
    with pytest.raises(ParseError, match=r"^not a feed: nope$"):
        sandbox.call(raise_parse_error, "not a feed: nope")


def test_an_error_that_cannot_be_rebuilt_is_a_parse_error_with_its_message(sandbox):
    with pytest.raises(CoproFeedsError, match="needs keywords") as caught:
        sandbox.call(raise_http_status_error)
    assert type(caught.value) is ParseError


def test_other_exceptions_become_parse_errors(sandbox):
    with pytest.raises(ParseError, match=r"^parser failed: ValueError: bad value$"):
        sandbox.call(raise_value_error)
    assert sandbox.call(add, 1, 1) == 2


def test_running_out_of_memory_is_a_parse_error_and_the_pool_recovers(sandbox):
    started = time.monotonic()
    with pytest.raises(ParseError, match=r"ran out of memory \(limit 256 MB\)"):
        sandbox.call(allocate, 2048 * MB)
    assert time.monotonic() - started < 5
    assert sandbox.call(allocate, 16 * MB) == 16 * MB


def test_an_endless_call_is_killed_after_the_time_limit():
    with Sandbox(workers=1, memory_bytes=256 * MB, seconds=1.0) as pool:
        started = time.monotonic()
        with pytest.raises(ParseError, match=r"took longer than 1 s"):
            pool.call(spin)
        assert 1.0 <= time.monotonic() - started < 30  # spin() alone would never end
        assert pool.call(add, 2, 2) == 4  # the pool recovers


@pytest.mark.parametrize(
    ("function", "args", "cause"),
    [(exit_abruptly, (3,), "exit code 3"), (kill_self, (), "signal SIGKILL")],
    ids=["os._exit", "SIGKILL"],
)
def test_a_dying_worker_is_a_parse_error_and_is_replaced(sandbox, function, args, cause):
    with pytest.raises(ParseError, match=rf"parser process died \({cause}\)"):
        sandbox.call(function, *args)
    assert sandbox.call(add, 3, 4) == 7


def test_two_calls_from_two_threads_run_in_parallel(sandbox):
    sandbox.call(add, 0, 0)  # both workers may start lazily: warm them up first
    threads = [threading.Thread(target=sandbox.call, args=(sleep, 0.1)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans: list[tuple[float, float]] = []
    threads = [
        threading.Thread(target=lambda: spans.append(sandbox.call(sleep_span, 0.9)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(spans) == 2
    # Both sleeps were under way at once (the monotonic clock is system-wide on Linux).
    (first_start, first_end), (second_start, second_end) = spans
    assert max(first_start, second_start) < min(first_end, second_end), spans


def test_more_callers_than_workers_wait_their_turn():
    with Sandbox(workers=1, memory_bytes=256 * MB, seconds=5) as pool:
        results: list[int] = []
        threads = [
            threading.Thread(target=lambda n=n: results.append(pool.call(add, n, 0)))
            for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [0, 1, 2, 3]


def test_close_leaves_no_child_process_and_is_idempotent():
    before = set(multiprocessing.active_children())
    pool = Sandbox(workers=2, memory_bytes=256 * MB, seconds=5)
    barrier = threading.Barrier(2)

    def busy() -> None:
        barrier.wait()
        pool.call(sleep, 0.3)

    threads = [threading.Thread(target=busy) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pids = {pool.call(worker_pid) for _ in range(4)}
    assert pids <= children_of(os.getpid()) | _forkserver_children()
    pool.close()
    pool.close()
    assert set(multiprocessing.active_children()) <= before
    alive = {pid for pid in pids if Path(f"/proc/{pid}").exists()}
    assert not alive
    with pytest.raises(ParseError, match="closed"):
        pool.call(add, 1, 2)


def test_close_ends_a_running_call_with_a_parse_error():
    before = set(multiprocessing.active_children())
    pool = Sandbox(workers=1, memory_bytes=256 * MB, seconds=30)
    pool.call(add, 0, 0)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            pool.call(sleep, 20)
        except ParseError as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    pool.close()
    thread.join(15)
    assert time.monotonic() - started < 10  # not the call's 20 s
    assert len(errors) == 1
    assert set(multiprocessing.active_children()) <= before


def _forkserver_children() -> set[int]:
    """Workers are children of the forkserver process, not of the test process."""
    found: set[int] = set()
    for child in children_of(os.getpid()):
        found |= children_of(child)
    return found


def test_stop_idle_ends_the_idle_workers_and_the_next_call_starts_a_fresh_one():
    with Sandbox(workers=1, memory_bytes=256 * MB, seconds=30) as pool:
        first = pool.call(worker_pid)
        assert first in children_of(os.getpid())
        pool.stop_idle()
        assert first not in children_of(os.getpid())  # stopped and reaped
        second = pool.call(worker_pid)
        assert second != first
        assert pool.call(add, 1, 2) == 3


def test_a_role_names_the_workers_and_the_error_they_raise():
    role = Role(worker="renderer", activity="rendering", error=PublishError, modules=())
    with Sandbox(workers=1, memory_bytes=NO_MEMORY_LIMIT, seconds=1.0, role=role) as pool:
        assert pool.call(memory_limit) == resource.RLIM_INFINITY
        assert pool.call(loaded, "feedparser") == []  # a role loads only its modules
        with pytest.raises(PublishError, match=r"^renderer failed: ValueError: bad value$"):
            pool.call(raise_value_error)
        with pytest.raises(PublishError, match=r"^rendering took longer than 1 s$"):
            pool.call(spin)
        with pytest.raises(PublishError, match=r"^the renderer process died \(signal SIGKILL\)$"):
            pool.call(kill_self)
