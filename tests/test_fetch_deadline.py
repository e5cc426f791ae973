"""The whole-request deadline of a fetch (copro_feeds._fetch._deadline)."""

from __future__ import annotations

import socket
import threading
import time

from copro_feeds._fetch._deadline import Watchdog


def test_watchdog_wakes_a_blocked_reader() -> None:
    left, right = socket.socketpair()
    with left, right, Watchdog(0.3) as watchdog:
        watchdog.watch(left)
        time.sleep(0.5)
        assert not watchdog.expired  # the clock starts with the connection, not before
        watchdog.start()
        started = time.monotonic()
        reader = threading.Thread(target=left.recv, args=(1,))
        reader.start()
        reader.join(timeout=3)
        assert not reader.is_alive()  # woken within the join's 3 s
        assert watchdog.expired
        assert time.monotonic() - started >= 0.25  # not before its 0.3 s


def test_a_watchdog_not_started_keeps_all_its_time() -> None:
    with Watchdog(5.0) as watchdog:
        time.sleep(0.05)
        assert watchdog.remaining() == 5.0
        assert not watchdog.expired


def test_a_socket_watched_after_the_deadline_is_shut_at_once() -> None:
    left, right = socket.socketpair()
    with left, right, Watchdog(0.05) as watchdog:
        watchdog.start()
        deadline = time.monotonic() + 3
        while not watchdog.expired and time.monotonic() < deadline:
            time.sleep(0.01)
        watchdog.fire()  # as the timekeeper does (a second call changes nothing)
        watchdog.watch(left)
        left.settimeout(3)
        assert left.recv(1) == b""  # shut down: end-of-file at once, not a timeout


def test_a_finished_watchdog_does_not_fire() -> None:
    left, right = socket.socketpair()
    with left, right:
        with Watchdog(0.05) as watchdog:
            watchdog.watch(left)
            watchdog.start()
        time.sleep(0.3)  # the deadline passes after the fetch finished
        watchdog.fire()
        right.sendall(b"x")
        left.settimeout(3)
        assert left.recv(1) == b"x"  # still open


def test_many_watchdogs_fire_in_deadline_order() -> None:
    pairs = [socket.socketpair() for _ in range(3)]
    fired: list[int] = []
    try:
        watchdogs = [Watchdog(seconds) for seconds in (0.3, 0.1, 0.2)]
        readers = []
        for index, (watchdog, (left, _)) in enumerate(zip(watchdogs, pairs, strict=True)):
            watchdog.watch(left)
            watchdog.start()

            def read(sock: socket.socket = left, number: int = index) -> None:
                sock.recv(1)
                fired.append(number)

            readers.append(threading.Thread(target=read))
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout=5)
        assert fired == [1, 2, 0]
    finally:
        for left, right in pairs:
            left.close()
            right.close()
