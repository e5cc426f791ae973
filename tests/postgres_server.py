"""A real PostgreSQL 15 server for the tests, started from scratch and stopped afterwards.

Nothing is installed here (``tests/install-tools.sh`` installs Debian's ``postgresql-15``).
:class:`PostgresServer` runs ``initdb`` in a new temporary folder — as the ``postgres`` user
when the tests run as root, because initdb refuses root — and starts the server listening on
127.0.0.1 only, on a free port (never the default 5432), with no Unix socket. Each pytest-xdist
worker process starts its own (the fixture in ``tests/conftest.py`` is session-scoped), and
:meth:`PostgresServer.create_database` makes a fresh, empty database (about a second: it
copies a template and checkpoints); :meth:`PostgresServer.fresh_url` gives every test a
fresh, empty schema of its own in one shared database instead (milliseconds), through a URL
whose ``search_path`` names it, so that everything the test creates lands there.

Durability settings are off (``fsync``, ``synchronous_commit``, ``full_page_writes``): they only
matter when the machine itself crashes, which no test does; a killed client or a killed
server process still sees PostgreSQL's real transactions.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
SHARED = "tests"  # the database whose schemas fresh_url hands out
USER = "postgres"  # the database superuser initdb creates (the OS user's name when not root)


class PostgresServerError(RuntimeError):
    """The server could not be set up: the message says which step failed and why."""


def _as_server_user() -> list[str]:
    """The prefix that runs a server program as an OS user it accepts (never root)."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(command: list[str], step: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise PostgresServerError(f"{step} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder; use it as a context manager."""

    def __init__(self, *, durable: bool = False) -> None:
        """``durable``: keep PostgreSQL's own fsync settings (for benchmarks)."""
        self.durable = durable
        self.port = 0
        self._folder: Path | None = None
        self._names = itertools.count(1)

    @property
    def data(self) -> Path:
        if self._folder is None:
            raise PostgresServerError("the server is not started")
        return self._folder / "data"

    def url(self, database: str = "postgres") -> str:
        """A libpq URL for ``database`` as the superuser (trust authentication, no password)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def fresh_url(self) -> str:
        """A URL whose search path is a new, empty schema of the database ``tests``."""
        name = f"t{next(self._names)}"
        self.psql(f"CREATE SCHEMA {name}", self.url(SHARED))
        return f"{self.url(SHARED)}?options=-csearch_path%3D{name}"

    @property
    def user(self) -> str:
        if os.geteuid() == 0:
            return USER
        import getpass  # noqa: PLC0415 — only when the tests do not run as root

        return getpass.getuser()

    def start(self) -> None:
        if not (BIN / "initdb").exists():
            raise PostgresServerError(
                f"{BIN / 'initdb'} is missing: run tests/install-tools.sh (postgresql-15)"
            )
        self._folder = Path(tempfile.mkdtemp(prefix="copro-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self._folder, USER, USER)
        prefix = _as_server_user()
        _run(
            [
                *prefix,
                str(BIN / "initdb"),
                "--pgdata",
                str(self.data),
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            ],
            "initdb",
        )
        # A free port can be taken between probing and binding (xdist workers start at the
        # same moment): try a few.
        for _attempt in range(5):
            self.port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                "-c max_connections=200"
            )
            if not self.durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            started = subprocess.run(
                [
                    *prefix,
                    str(BIN / "pg_ctl"),
                    "--pgdata",
                    str(self.data),
                    "--log",
                    str(self._folder / "server.log"),
                    "--options",
                    options,
                    "--wait",
                    "--timeout",
                    "60",
                    "start",
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
            if started.returncode == 0:
                self.psql(f"CREATE DATABASE {SHARED}")
                return
        log = (self._folder / "server.log").read_text(encoding="utf-8", errors="replace")
        raise PostgresServerError(f"pg_ctl start failed: {started.stderr.strip()}\n{log[-2000:]}")

    def stop(self) -> None:
        if self._folder is None:
            return
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *_as_server_user(),
                    str(BIN / "pg_ctl"),
                    "--pgdata",
                    str(self.data),
                    "--mode",
                    "immediate",
                    "--wait",
                    "stop",
                ],
                capture_output=True,
                check=False,
                timeout=120,
            )
        shutil.rmtree(self._folder, ignore_errors=True)
        self._folder = None

    def psql(self, sql: str, url: str | None = None) -> str:
        """Run ``sql`` with psql as the superuser on ``url`` (by default the database
        ``postgres``); its output, unaligned and without headers."""
        command = [str(BIN / "psql"), "-XqAt", "-v", "ON_ERROR_STOP=1", "-d", url or self.url()]
        return _run([*command, "-c", sql], f"psql {sql!r}")

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database; its URL."""
        name = f"{prefix}_{next(self._names)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
