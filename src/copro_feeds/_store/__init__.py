"""Storage: the :class:`Store` protocol and its backends.

* ``protocol`` — :class:`Store`, what the rest of copro_feeds may ask of a store, and
  :class:`SaveCounts`, the one type it adds to ``_types``/``types``.
* ``_open`` — :func:`open_store` and :func:`upgrade_store`: the backend ``[storage]`` names,
  imported when first opened (the only place that chooses one).
* ``_copy`` and ``_dump`` — :func:`copy_store` (``db copy``): one backend dumps its tables
  as plain rows, the other loads them.
* ``_saving`` — :func:`~copro_feeds._store._saving.plan_save`, the pure rules of a save
  that both backends follow.
* ``_encoding`` — how times and content digests are written, shared by every backend
  (``format_time`` and ``parse_time`` are re-exported: the health records use them).
* ``_known`` — :class:`~copro_feeds._store._known.KnownEntries`, the entries a store's
  last read decoded, kept by source and id with their stored values for the next read
  (an equal row read again gives the same entry), in every backend.
* ``sqlite/`` — the SQLite backend (the only code that uses sqlite3).
* ``postgresql/`` — the PostgreSQL backend (the only code that uses psycopg), installed
  with the ``postgresql`` extra.

No module here outside ``sqlite/`` and ``postgresql/`` imports a database driver; no
module outside ``_store`` imports a backend: the factories (``core.make_aggregator``,
``_monitor.open_monitor``, the ``db`` commands) call :func:`open_store`.
"""

from __future__ import annotations

from copro_feeds._store._copy import copy_store
from copro_feeds._store._encoding import format_time, parse_time
from copro_feeds._store._open import open_store, upgrade_store
from copro_feeds._store.protocol import SaveCounts, Store

__all__ = [
    "SaveCounts",
    "Store",
    "copy_store",
    "format_time",
    "open_store",
    "parse_time",
    "upgrade_store",
]
