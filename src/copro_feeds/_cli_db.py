"""The ``db`` commands: ``db upgrade`` (create or migrate the store's schema) and
``db copy --to URL`` (an SQLite store into an empty PostgreSQL database).

Like the other commands, each imports the store when it runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from copro_feeds._cli_base import EXIT_OK, load
from copro_feeds.config import StorageConfig


def add_db_commands(
    command: Callable[[str, str, str], argparse.ArgumentParser],
    verbosity: argparse.ArgumentParser,
) -> None:
    """``db`` and its subcommands, ``db`` made by ``command(name, summary, details)``, each
    subcommand taking the ``verbosity`` options (-v, -q) too."""
    db = command(
        "db",
        "look after the store: create or migrate its schema, copy it to PostgreSQL",
        "SQLite migrates by itself whenever a command opens it; PostgreSQL only with `db upgrade`.",
    )
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    actions.add_parser(
        "upgrade",
        parents=[verbosity],
        help="create or migrate the store's schema to this version's",
        description="Create or migrate the store's schema to this version's: run it once "
        "after installing or upgrading copro_feeds on PostgreSQL (every other command "
        "refuses an out-of-date schema). On SQLite it does what every command does anyway.",
    )
    copy = actions.add_parser(
        "copy",
        parents=[verbosity],
        help="copy the SQLite store ([storage] path) into an empty PostgreSQL database",
        description="Copy the SQLite store ([storage] path): sources and their state, "
        "entries, editorial marks, the audit log and bookkeeping, into an empty PostgreSQL "
        "database, in one transaction. Its schema is created first. A database that holds "
        "anything is refused and left as it was. Stop every process using the SQLite file "
        "first.",
    )
    copy.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="postgresql://user@host:port/database (the password is better kept in "
        "PGPASSWORD or ~/.pgpass than on the command line)",
    )


def _db(args: argparse.Namespace) -> int:
    from copro_feeds._store import copy_store, upgrade_store

    config = load(args)
    if args.db_command == "upgrade":
        before, after = upgrade_store(config.storage)
        change = f"from {before} to {after}" if before != after else f"already at {after}"
        print(f"{config.storage.shown}: schema {change}")
        if config.storage.url is not None:  # the workers' queue lives beside the store
            from copro_feeds._queue import upgrade_schema

            queue = upgrade_schema(config.storage.url)
            print(f"{config.storage.shown}: work queue {queue.describe()}")
        return EXIT_OK
    copied = copy_store(config.storage.path, args.to)
    target = StorageConfig(path=config.storage.path, url=args.to).shown
    rows = ", ".join(f"{table} {count}" for table, count in copied.items())
    print(f"copied {config.storage.path} to {target}: {rows}")
    return EXIT_OK


DB_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"db": _db}
