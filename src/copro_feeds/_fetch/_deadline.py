"""The whole-request deadline of a fetch: sockets and threads only, no HTTP library.

A :class:`Watchdog` per fetch holds the sockets the fetch uses and shuts them down when
its deadline passes, which wakes a thread blocked reading one; one :class:`Timekeeper`
thread fires every watchdog at its time.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time


class Timekeeper:
    """One daemon thread that fires each watchdog when its deadline passes.

    Cheaper than a timer thread per fetch (starting a thread cost a fifth of a 304).
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, Watchdog]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, watchdog: Watchdog) -> None:
        """Fire ``watchdog`` at its deadline unless it has finished by then."""
        with self._condition:
            heapq.heappush(self._heap, (watchdog.expires, next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="copro-fetch-deadlines", daemon=True
                )
                self._thread.start()
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                due = self._next_due()
            due.fire()

    def _next_due(self) -> Watchdog:
        """Wait for the earliest unfinished watchdog whose deadline has passed."""
        while True:
            while self._heap and self._heap[0][2].finished:
                heapq.heappop(self._heap)
            now = time.monotonic()
            if self._heap and self._heap[0][0] <= now:
                return heapq.heappop(self._heap)[2]
            self._condition.wait(self._heap[0][0] - now if self._heap else None)


class Watchdog:
    """Shuts down the sockets of one fetch when its whole-request deadline passes.

    The clock starts when the fetch first gets a connection (:meth:`start`), not while
    it waits for one of its host's pooled connections: sources on a busy host must not
    use up their deadline in the queue.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = float("inf")
        self.finished = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._fired = False
        self._started = False

    def __enter__(self) -> Watchdog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self.finished = True
            self._sockets.clear()

    def start(self) -> None:
        """Start the clock (once: later calls, e.g. on a redirect's hop, change nothing)."""
        with self._lock:
            if self._started:
                return
            self._started = True
            self.expires = time.monotonic() + self.seconds
        _TIMEKEEPER.schedule(self)

    @property
    def expired(self) -> bool:
        """True once the deadline has passed (the sockets are then shut down)."""
        return self._fired or self.remaining() <= 0

    def remaining(self) -> float:
        """Seconds left before the deadline (all of them while the clock has not started)."""
        return min(self.expires - time.monotonic(), self.seconds)

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (at once if it has already passed)."""
        with self._lock:
            if not self._fired:
                self._sockets.append(sock)
                return
        _shutdown(sock)

    def fire(self) -> None:
        """The deadline passed: shut every socket of this fetch down."""
        with self._lock:
            if self.finished:
                return
            self._fired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)


_TIMEKEEPER = Timekeeper()


def _shutdown(sock: socket.socket) -> None:
    """Wake any thread blocked on ``sock``; it then sees end-of-file."""
    with contextlib.suppress(OSError):  # already closed: nothing is blocked on it
        sock.shutdown(socket.SHUT_RDWR)
