"""A small pool of long-lived worker processes that run one function call each, with limits.

Parsing untrusted feeds is CPU-bound and may be hostile (entity expansion, huge
attributes, pathological markup). :class:`Sandbox` runs each call in a child process
with an address-space limit (``RLIMIT_AS``, set once when the worker starts) and a
wall-clock limit, so one bad feed fails only its own source::

    with Sandbox(workers=2, memory_bytes=512 * 2**20, seconds=20) as sandbox:
        parsed = sandbox.call(parse_feed, body, headers, url, 1000)

Workers are fresh interpreters started with :mod:`subprocess` (the caller is
multi-threaded, so ``fork`` is unsafe, and multiprocessing's ``spawn``/``forkserver``
would import the caller's ``__main__`` in every worker) and start lazily, on the first
call that needs one. Each worker owns one end of a socket pair wrapped in a
:class:`~multiprocessing.connection.Connection`; an idle list hands a free worker to a
caller, which sends ``(function, args)`` and waits for the answer with
``poll(remaining)``. A worker that runs out of memory, dies or overruns its time
is killed and replaced; the caller gets a :class:`ParseError` that says which.

The same pool renders the publish's folders (``_publish._parallel``): a :class:`Role`
names what the workers do in errors, which error they raise and which modules they load
before they are ready (:data:`PARSING` by default).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, TypeVar, cast

from copro_feeds.exceptions import CoproFeedsError, ParseError

T = TypeVar("T")

_MB = 1024 * 1024
_STOP_GRACE_SECONDS = 1.0
_START_SECONDS = 60.0
_READY = "ready"
_CLOSE_WAIT_SECONDS = 5.0
NO_MEMORY_LIMIT = resource.RLIM_INFINITY
"""``memory_bytes`` for workers that run our own code on our own data (no address-space
limit)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    """What a sandbox's workers do: ``worker`` and ``activity`` name it in errors ("the
    parser process died", "parsing took longer than 20 s"), ``error`` is the error their
    failures raise, and ``modules`` are imported when a worker starts, before it says it
    is ready, so that loading them is part of starting, never of a call's time limit."""

    worker: str
    activity: str
    error: type[CoproFeedsError]
    modules: tuple[str, ...]


PARSING = Role(
    worker="parser", activity="parsing", error=ParseError, modules=("copro_feeds._ingest",)
)
"""Ingesting and parsing feeds: feedparser, BeautifulSoup and nh3 load as a worker starts
(``import copro_feeds`` alone does not load them)."""


def _serve(connection: Connection, memory_bytes: int) -> None:
    """The worker's loop: receive ``(function, args)``, answer with a tagged tuple."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    if memory_bytes != NO_MEMORY_LIMIT:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    connection.send(_READY)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):  # the parent went away
            return
        if message is None:
            return
        try:
            function, args = message
            answer: tuple[Any, ...] = ("ok", function(*args))
        except MemoryError:
            answer = ("memory",)
        except CoproFeedsError as error:
            answer = ("error", type(error), str(error))
        except Exception as error:  # noqa: BLE001 - every failure goes back to the caller
            answer = ("failed", type(error).__name__, str(error))
        try:
            connection.send(answer)  # pickles first: a failed pickle sends nothing
        except MemoryError:
            connection.send(("memory",))
        except Exception as error:  # noqa: BLE001 - e.g. an unpicklable result
            connection.send(("failed", type(error).__name__, str(error)))


def worker_main(descriptor: int, memory_bytes: int, modules: tuple[str, ...]) -> None:
    """Entry point of a worker process: import ``modules``, then serve calls on the
    inherited socket ``descriptor``."""
    for module in modules:
        importlib.import_module(module)
    _serve(Connection(descriptor), memory_bytes)


class _Worker:
    """One child process and the parent's end of its socket.

    The child is a fresh interpreter (``python -c``), not a fork or a multiprocessing
    child: it never imports the caller's ``__main__``, so scripts using the library need
    no ``if __name__ == "__main__"`` guard, and no lock held by the caller's threads is
    copied into it.
    """

    def __init__(self, process: subprocess.Popen[bytes], connection: Connection) -> None:
        self.process = process
        self.connection = connection

    @classmethod
    def start(cls, memory_bytes: int, role: Role) -> _Worker:
        """Start a worker and wait until it is ready; the role's error if it does not start."""
        parent_end, child_end = socket.socketpair()
        child_fd = child_end.fileno()
        command = (
            "from copro_feeds._sandbox import worker_main; "
            f"worker_main({child_fd}, {memory_bytes}, {role.modules!r})"
        )
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                [sys.executable, "-c", command],
                pass_fds=(child_fd,),
                stdin=subprocess.DEVNULL,
                env=environment,
            )
        finally:
            child_end.close()
        worker = cls(process, Connection(parent_end.detach()))
        # Starting an interpreter takes a moment: it must not count against a call's limit.
        try:
            ready = worker.connection.poll(_START_SECONDS) and worker.connection.recv() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            worker.stop(graceful=False)
            raise role.error(f"the {role.worker} process did not start")
        return worker

    @property
    def exitcode(self) -> int | None:
        """The exit status (negative: killed by that signal), None while running."""
        return self.process.poll()

    def kill(self) -> None:
        """SIGKILL the process (reaped later by :meth:`stop` or :func:`_death`)."""
        with contextlib.suppress(OSError):
            self.process.kill()

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the process to end."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(seconds)

    def stop(self, *, graceful: bool) -> None:
        """End the process (politely when ``graceful``, else SIGKILL) and reap it."""
        if graceful:
            with contextlib.suppress(OSError):
                self.connection.send(None)
            self.wait(_STOP_GRACE_SECONDS)
        if self.process.poll() is None:
            self.kill()
        self.process.wait()
        self.connection.close()


class Sandbox:
    """A thread-safe pool of ``workers`` processes (parsers unless ``role`` says otherwise)
    with memory and time limits."""

    def __init__(
        self,
        *,
        workers: int = 2,
        memory_bytes: int = 512 * _MB,
        seconds: float = 20.0,
        role: Role = PARSING,
    ) -> None:
        if workers < 1:
            raise ValueError("a sandbox needs at least one worker")
        self.workers = workers
        self.memory_bytes = memory_bytes
        self.seconds = seconds
        self.role = role
        self._lock = threading.Condition()
        self._idle: list[_Worker | None] = [None] * workers  # None: not started yet
        self._all: set[_Worker] = set()
        self._closed = False

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` in a worker; blocks until a worker is free.

        ``function`` and ``args`` must be picklable (a module-level function). Returns
        its result; re-raises a copro_feeds error with its type and message; any other
        failure, running out of memory or time, or the worker dying is the role's error
        (ParseError for parsers).
        """
        worker = self._acquire()
        healthy = False
        try:
            answer = self._exchange(worker, function, args)
            healthy = answer[0] in ("ok", "error", "failed")
        finally:
            self._release(worker, healthy=healthy)
        return cast("T", self._unwrap(answer))

    def close(self) -> None:
        """Stop every worker and reap it; a call still running ends with the role's error.

        Idempotent. Busy workers are killed, and reaped by their callers before this
        returns (waiting at most a few seconds for them). A sandbox stays closed.
        """
        with self._lock:
            self._closed = True
            idle = [worker for worker in self._idle if worker is not None]
            self._idle = []
            self._all.difference_update(idle)
            busy = list(self._all)
            self._lock.notify_all()
        for worker in busy:
            worker.kill()
        for worker in idle:
            worker.stop(graceful=True)
        with self._lock:
            self._lock.wait_for(lambda: not self._all, timeout=_CLOSE_WAIT_SECONDS)

    def stop_idle(self) -> None:
        """Stop the idle workers, each started afresh by the next call that needs one.

        For a pool used in rare bursts (the render workers): its workers give their memory
        back between bursts instead of idling on it. Busy workers are left alone.
        """
        with self._lock:
            idle = [worker for worker in self._idle if worker is not None]
            self._idle = [None] * len(self._idle)
            self._all.difference_update(idle)
        for worker in idle:
            worker.stop(graceful=True)

    def _acquire(self) -> _Worker:
        with self._lock:
            while not self._idle and not self._closed:
                self._lock.wait()
            if self._closed:
                raise self.role.error(f"the {self.role.worker} pool is closed")
            worker = self._idle.pop()
        if worker is not None:
            return worker
        try:  # start outside the lock: other callers may use the idle workers meanwhile
            worker = _Worker.start(self.memory_bytes, self.role)
        except BaseException:
            with self._lock:
                self._idle.append(None)
                self._lock.notify_all()
            raise
        with self._lock:
            closed = self._closed
            if not closed:
                self._all.add(worker)
        if closed:
            worker.stop(graceful=False)
            raise self.role.error(f"the {self.role.worker} pool is closed")
        return worker

    def _release(self, worker: _Worker, *, healthy: bool) -> None:
        with self._lock:
            keep = healthy and not self._closed
            if keep:
                self._idle.append(worker)
            elif not self._closed:
                self._idle.append(None)  # a fresh worker starts on the next call
        if not keep:
            worker.stop(graceful=False)
        with self._lock:
            if not keep:
                self._all.discard(worker)
            self._lock.notify_all()

    def _exchange(
        self, worker: _Worker, function: Callable[..., Any], args: tuple[Any, ...]
    ) -> Any:
        """Send the call; return the worker's answer, or a tag saying how it failed."""
        try:
            worker.connection.send((function, args))
        except (OSError, ValueError):
            return _death(worker)
        deadline = time.monotonic() + self.seconds
        try:
            if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
                return ("timeout",)
            return worker.connection.recv()
        except (EOFError, OSError):
            return _death(worker)

    def _unwrap(self, answer: tuple[Any, ...]) -> Any:
        tag = answer[0]
        role = self.role
        if tag == "ok":
            return answer[1]
        if tag == "error":
            raise _rebuild(answer[1], answer[2], role.error)
        if tag == "failed":
            raise role.error(f"{role.worker} failed: {answer[1]}: {answer[2]}")
        if tag == "memory":
            limit = (
                f" (limit {self.memory_bytes // _MB} MB)"
                if self.memory_bytes != NO_MEMORY_LIMIT
                else ""
            )
            raise role.error(f"the {role.worker} ran out of memory{limit}")
        if tag == "timeout":
            raise role.error(f"{role.activity} took longer than {self.seconds:g} s")
        code = answer[1]
        how = f"exit code {code}" if code is None or code >= 0 else _signal_name(-code)
        raise role.error(f"the {role.worker} process died ({how})")


def _rebuild(
    kind: type[CoproFeedsError], message: str, fallback: type[CoproFeedsError]
) -> CoproFeedsError:
    """The same error type with the same message; ``fallback`` when it cannot be rebuilt."""
    try:
        error = kind(message)
    except TypeError:  # a constructor that needs more than a message
        return fallback(message)
    return error if str(error) == message else fallback(message)


def _death(worker: _Worker) -> tuple[str, int | None]:
    """Wait briefly for a worker whose pipe broke; report its exit code."""
    worker.wait(_STOP_GRACE_SECONDS)
    return ("died", worker.exitcode)


def _signal_name(number: int) -> str:
    try:
        return f"signal {signal.Signals(number).name}"
    except ValueError:
        return f"signal {number}"
