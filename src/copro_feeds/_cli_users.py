"""The ``user`` commands: ``user add``, ``user list``, ``user remove`` and ``user passwd``,
the staff accounts of the web app (``copro-feeds admin``).

A password is read from a prompt (typed twice, not echoed), or with ``--password-stdin``
as the first line of standard input (for scripts); it is never an argument, which other
users of the machine could see.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from copro_feeds._cli_base import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, load
from copro_feeds._types import Role


def add_user_commands(command: Callable[[str, str, str], argparse.ArgumentParser]) -> None:
    """The ``user`` command and its subcommands, made by ``command(name, summary, details)``."""
    user = command(
        "user",
        "manage the staff accounts of the web app (copro-feeds admin)",
        "Passwords are read from a prompt, or with --password-stdin from the first line of "
        "standard input; at least 10 characters.",
    )
    actions = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add an account", description="Add a staff account.")
    add.add_argument("name", metavar="NAME", help="the user name to sign in with")
    add.add_argument(
        "--role",
        required=True,
        choices=[role.value for role in Role],
        help="editor: posts and partners; admin: also the staff's accounts",
    )
    _password_stdin(add)
    actions.add_parser(
        "list", help="list the accounts", description="List the staff accounts and their roles."
    )
    remove = actions.add_parser(
        "remove", help="delete an account", description="Delete a staff account."
    )
    remove.add_argument("name", metavar="NAME")
    passwd = actions.add_parser(
        "passwd",
        help="set a new password",
        description="Set a new password for an account (its open sessions end).",
    )
    passwd.add_argument("name", metavar="NAME")
    _password_stdin(passwd)


def _password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of a prompt",
    )


def _read_password(args: argparse.Namespace) -> str | None:
    """The new password, or None (after saying why) when none was given."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            print("copro-feeds: the two passwords differ; nothing changed", file=sys.stderr)
            return None
    if not password:
        print("copro-feeds: no password given; nothing changed", file=sys.stderr)
        return None
    return password


def _login_name() -> str | None:
    """Who runs the command, for the audit log (None when the system cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _user(args: argparse.Namespace) -> int:
    from copro_feeds._admin._accounts import (
        AccountError,
        add_account,
        change_password,
        name_problem,
        remove_account,
    )
    from copro_feeds._cli_text import print_table
    from copro_feeds._store import open_store
    from copro_feeds.core import utc_now

    config = load(args)
    action = args.user_command
    password = ""
    if action in ("add", "passwd"):
        problem = name_problem(args.name) if action == "add" else None
        if problem:
            print(f"copro-feeds: {problem}", file=sys.stderr)
            return EXIT_CONFIG
        given = _read_password(args)
        if given is None:
            return EXIT_FAILED
        password = given
    store = open_store(config.storage)
    try:
        if action == "list":
            users = store.users()
            if not users:
                print("no users yet: add one with `copro-feeds user add NAME --role admin`")
                return EXIT_OK
            print_table(
                ("name", "role", "added (UTC)"),
                [(u.name, u.role.value, u.created.strftime("%Y-%m-%d %H:%M")) for u in users],
            )
            return EXIT_OK
        try:
            by, now = _login_name(), utc_now()
            if action == "add":
                add_account(store, args.name, Role(args.role), password, now, by=by)
                print(f"Added {args.name} ({args.role}).")
            elif action == "passwd":
                change_password(store, args.name, password, now, by=by)
                print(f"New password set for {args.name}.")
            else:
                remove_account(store, args.name, now, by=by)
                print(f"Removed {args.name}.")
        except AccountError as error:
            print(f"copro-feeds: {error}; nothing changed", file=sys.stderr)
            return EXIT_FAILED
    finally:
        store.close()
    return EXIT_OK


USER_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"user": _user}
