"""A psycopg connection pool shared by threads: opening, transactions, reads, errors in our words.

* One :class:`psycopg_pool.ConnectionPool` per store: each call borrows a connection for
  one transaction, so threads run side by side and a connection the server dropped is
  replaced instead of failing every later call.
* Every session runs in UTC with a ``lock_timeout``: a write that waits longer than that
  for another transaction's lock fails with a :class:`StoreError` saying so.
* Errors name the store by its URL without user or password
  (:func:`~copro_feeds._urls.without_credentials`); the password is also scrubbed from the
  driver's message, which can quote the connection string.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
import psycopg_pool
from psycopg.rows import DictRow, dict_row

from copro_feeds._urls import without_credentials
from copro_feeds.exceptions import StoreError

LOCK_TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 10.0
MAX_CONNECTIONS = 8

Db = psycopg.Connection[DictRow]


class Connection:
    """A pool of connections to one database, named in errors without its credentials."""

    def __init__(
        self, pool: psycopg_pool.ConnectionPool[Db], url: str, lock_timeout: float
    ) -> None:
        self.pool = pool
        self.lock_timeout = lock_timeout
        self.display = without_credentials(url)
        self._password = _password(url)

    def close(self) -> None:
        """Close every connection of the pool."""
        self.pool.close()

    @contextmanager
    def transaction(self) -> Iterator[Db]:
        """One transaction on a borrowed connection: committed at the end, rolled back on
        any error; psycopg and pool errors become StoreError carrying the first cause."""
        try:
            with self.pool.connection() as db:
                yield db
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            raise self.error(error) from error

    def read(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> list[DictRow]:
        """The rows of one query, as dicts."""
        with self.transaction() as db:
            return db.execute(sql, parameters).fetchall()

    def error(self, error: BaseException) -> StoreError:
        """``error`` in plain words, naming the store and never its password."""
        if isinstance(error, psycopg.errors.LockNotAvailable):
            reason = (
                f"{error}: another transaction held the lock for longer than the lock timeout "
                f"of {self.lock_timeout:g} s"
            )
        elif isinstance(error, psycopg_pool.PoolTimeout):
            reason = f"no connection to the database within {CONNECT_TIMEOUT_SECONDS:g} s"
        else:
            reason = str(error).strip()
        return StoreError(f"database {self.display}: {self.scrub(reason)}")

    def scrub(self, text: str) -> str:
        """``text`` with the password, if it appears, replaced by ``***``."""
        return text.replace(self._password, "***") if self._password else text


def connect(
    url: str,
    *,
    max_connections: int = MAX_CONNECTIONS,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> Connection:
    """A pool of up to ``max_connections`` to ``url``, with one connection made and tried;
    a write waits at most ``lock_timeout`` seconds for another transaction's lock.

    Raises StoreError, naming the database without its credentials, when it cannot be
    reached or refuses us.
    """
    shown = without_credentials(url)
    try:
        # Tried once without the pool: its own failure would only say it timed out.
        psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT_SECONDS)).close()
    except psycopg.Error as error:
        reason, password = str(error).strip(), _password(url)
        if not password or password not in reason:
            raise StoreError(f"cannot open the database {shown}: {reason}") from error
        reason = reason.replace(password, "***")  # and no cause that would print it
        raise StoreError(f"cannot open the database {shown}: {reason}") from None
    pool: psycopg_pool.ConnectionPool[Db] = psycopg_pool.ConnectionPool(
        url,
        min_size=1,
        max_size=max_connections,
        kwargs={"row_factory": dict_row, "connect_timeout": int(CONNECT_TIMEOUT_SECONDS)},
        configure=functools.partial(_configure, lock_timeout=lock_timeout),
        timeout=CONNECT_TIMEOUT_SECONDS,
        check=psycopg_pool.ConnectionPool.check_connection,
        name=shown,
        open=False,
    )
    pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
    return Connection(pool, url, lock_timeout)


def _configure(db: Db, *, lock_timeout: float) -> None:
    """Set up a new connection of the pool: UTC, and how long a write waits for a lock.

    SET, not the ``options`` connection parameter, which would replace any the URL gives
    (such as a ``search_path``).
    """
    db.execute("SET timezone TO 'UTC'")
    db.execute(f"SET lock_timeout = {max(1, round(lock_timeout * 1000))}")
    db.commit()


def _password(url: str) -> str:
    try:
        return unquote(urlsplit(url).password or "")
    except ValueError:  # not a URL at all: libpq will say so
        return ""
