"""Running the server: real sockets against waitress on 127.0.0.1, port 0; slow clients."""

from __future__ import annotations

import http.client
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from copro_feeds._serve import Limits, Server, serve
from copro_feeds.exceptions import ServeError
from tests.test_static import ATOM, FILES, Reply, fetch


@pytest.fixture
def site(tmp_path: Path) -> Path:
    public = tmp_path / "public"
    public.mkdir()
    for name in ("atom.xml", "rss.xml"):
        (public / name).write_bytes(FILES[name])
    return public


@pytest.fixture
def base(site: Path) -> Iterator[str]:
    server = Server(site)
    url = server.start()
    yield url
    server.stop()


# --- running it -------------------------------------------------------------------------------


def test_server_stop_closes_the_port(site):
    server = Server(site)
    url = server.start()
    assert fetch(url, "/rss.xml").status == 200
    server.stop()
    parts = urlsplit(url)
    with pytest.raises(OSError), socket.create_connection((parts.hostname, parts.port), 1):
        pass


def test_port_in_use_raises_and_leaves_nothing_running(site, base):
    before = threading.active_count()
    port = urlsplit(base).port
    with pytest.raises(
        ServeError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: the address is already in use"
    ):
        Server(site, port=port or 0).start()
    assert threading.active_count() == before
    assert fetch(base, "/rss.xml").status == 200


@pytest.mark.parametrize("port", [-1, 65536, 70000])
def test_a_port_out_of_range_is_refused_not_wrapped(site, port):
    with pytest.raises(
        ServeError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: a port is a number"
    ):
        Server(site, port=port).start()


def test_serve_in_a_thread_with_ready_and_stop(site, caplog):
    caplog.set_level(logging.INFO, logger="copro_feeds")
    urls: list[str] = []
    ready = threading.Event()
    stop = threading.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=serve, args=(site,), kwargs={"port": 0, "ready": on_ready, "stop": stop}
    )
    thread.start()
    try:
        assert ready.wait(5)
        assert urls[0].startswith("http://127.0.0.1:")
        assert not urls[0].endswith(":0/")
        assert fetch(urls[0], "/atom.xml").body == ATOM
        assert f"serving {site} at {urls[0]}" in caplog.text
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_serve_stops_on_sigterm(site):
    code = (
        "import sys\nfrom pathlib import Path\nfrom copro_feeds._serve import serve\n"
        "serve(Path(sys.argv[1]), port=0, ready=lambda url: print(url, flush=True))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(site)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert fetch(url, "/rss.xml").body == FILES["rss.xml"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# --- slow and idle clients -----------------------------------------------------------------


class Tricklers:
    """Real sockets that each send a request line, then one header line every ``every`` s,
    never finishing the request (a "slowloris" client)."""

    def __init__(self, url: str, count: int, every: float = 1.0) -> None:
        parts = urlsplit(url)
        self.sockets = [
            socket.create_connection((parts.hostname, parts.port), timeout=5) for _ in range(count)
        ]
        self.every = every
        self.sent_lines = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle)
        for sock in self.sockets:
            sock.sendall(b"GET /atom.xml HTTP/1.1\r\n")
        self._thread.start()

    def _trickle(self) -> None:
        line = 0
        while not self._stop.wait(self.every):
            line += 1
            for sock in self.sockets:
                try:
                    sock.sendall(f"X-Slow-{line}: 1\r\n".encode())
                    self.sent_lines += 1
                except OSError:  # closed by the server: that is the point
                    continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for sock in self.sockets:
            sock.close()


def timed_fetch(url: str, path: str) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = fetch(url, path)
    return reply, time.monotonic() - started


def closed_by_server(sock: socket.socket, within: float) -> float | None:
    """Seconds until the server closes ``sock`` (reading whatever it sends), or None."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < within:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
    return None


def test_slow_clients_cannot_starve_a_quick_one(site):
    """Issue 10 item 8: 250 connections trickling a header line a second (more than the
    default connection limit of 200, from the same address as the quick client) used to
    stop the server answering anyone. With the default limits a quick client is answered
    at once, again and again, while the tricklers keep at it."""
    server = Server(site)  # the defaults, as `copro-feeds serve` uses them
    url = server.start()
    listener = server._listeners[0]
    tricklers = Tricklers(url, count=250)
    try:
        deadline = time.monotonic() + 30
        while len(listener.active_channels) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(listener.active_channels) == 200  # the attack fills every slot
        timings = []
        for _ in range(5):
            reply, seconds = timed_fetch(url, "/atom.xml")
            assert reply.status == 200
            assert reply.body == ATOM
            timings.append(seconds)
            time.sleep(0.5)
        assert tricklers.sent_lines > 0  # they were still trickling all along
        assert max(timings) < 3.0, timings  # typically a few milliseconds
    finally:
        tricklers.close()
        server.stop()


def test_clients_that_never_read_cannot_hold_every_place(site):
    """A "slow read": whole requests for a file larger than the socket buffers, whose
    answers are never read, fill every place; a quick client takes the stalest one."""
    (site / "big.bin").write_bytes(b"x" * (8 << 20))
    server = Server(site, limits=Limits(connections=4))
    url = server.start()
    listener = server._listeners[0]
    parts = urlsplit(url)
    readers = []
    try:
        for _ in range(6):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((parts.hostname, parts.port))
            sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            readers.append(sock)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            len(listener.active_channels) == 4
            and all(
                c.total_outbufs_len and not c.requests for c in listener.active_channels.values()
            )
        ):
            time.sleep(0.05)
        stuck = list(listener.active_channels.values())
        assert len(stuck) == 4
        assert all(channel.total_outbufs_len > 0 for channel in stuck)  # answers unread
        reply, seconds = timed_fetch(url, "/rss.xml")
        assert reply.status == 200
        assert seconds < 3.0
    finally:
        for sock in readers:
            sock.close()
        server.stop()


def test_a_trickled_request_is_cut_at_the_deadline(site):
    server = Server(site, limits=Limits(request_seconds=1.0))
    url = server.start()
    tricklers = Tricklers(url, count=3, every=0.2)
    try:
        for sock in tricklers.sockets:
            closed = closed_by_server(sock, within=10)
            assert closed is not None  # closed though it never stopped sending
        assert tricklers.sent_lines >= 3
        assert fetch(url, "/rss.xml").status == 200
    finally:
        tricklers.close()
        server.stop()


def test_a_silent_connection_is_closed_at_the_request_deadline(site):
    server = Server(site, limits=Limits(request_seconds=1.0, idle_seconds=60))
    url = server.start()
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            closed = closed_by_server(sock, within=10)
            assert closed is not None
            assert closed >= 0.9
    finally:
        server.stop()


def test_kept_alive_connection_idles_then_closes(site):
    """The deadline runs per request (from its first byte); idleness has its own limit."""
    server = Server(site, limits=Limits(request_seconds=1.0, idle_seconds=3.0))
    url = server.start()
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.request("GET", "/rss.xml")
        assert conn.getresponse().read() == FILES["rss.xml"]
        time.sleep(1.8)  # longer than the request deadline, shorter than the idle limit
        conn.request("GET", "/atom.xml")
        assert conn.getresponse().read() == ATOM
        assert conn.sock is not None
        closed = closed_by_server(conn.sock, within=15)
        assert closed is not None
        assert closed >= 2.5
    finally:
        conn.close()
        server.stop()


def test_connections_being_answered_keep_their_place(site):
    """At the limit a newcomer waits (in the backlog) rather than cut off an answer."""
    release = threading.Event()
    answering = threading.Semaphore(0)

    def slow(environ, start_response):
        answering.release()  # this request is now being answered
        release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
        return [b"done"]

    server = Server(site, routes={"/slow": slow}, limits=Limits(connections=2))
    url = server.start()
    results: list[Reply] = []
    slow_clients = [
        threading.Thread(target=lambda: results.append(fetch(url, "/slow"))) for _ in range(2)
    ]
    for thread in slow_clients:
        thread.start()
    try:
        # Both requests read and being answered (connected alone is not enough: a
        # connection whose request has not arrived yet may give up its place, by design).
        assert answering.acquire(timeout=10)
        assert answering.acquire(timeout=10)
        quick: list[tuple[Reply, float]] = []
        newcomer = threading.Thread(target=lambda: quick.append(timed_fetch(url, "/rss.xml")))
        newcomer.start()
        time.sleep(1.0)
        assert quick == []  # not accepted while both places are being answered
        release.set()
        newcomer.join(10)
        for thread in slow_clients:
            thread.join(10)
        assert [reply.body for reply in results] == [b"done", b"done"]
        assert quick[0][0].status == 200
    finally:
        release.set()
        server.stop()


def test_routes_answer_their_paths(site):
    def hello(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"hi"]

    server = Server(site, routes={"/hello": hello})
    url = server.start()
    try:
        assert fetch(url, "/hello").body == b"hi"
        assert fetch(url, "/hello/").status == 404
        assert fetch(url, "/atom.xml").body == ATOM
    finally:
        server.stop()
