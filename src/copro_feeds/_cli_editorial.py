"""The editorial commands: ``entries``, ``hide``, ``unhide``, ``pin``, ``unpin``, ``log`` and
``explain`` (their arguments, and what each prints).

Like the other commands, each imports the facade when it runs, so that building the parser
(``copro-feeds --help``) loads no feed, HTTP or template library.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from copro_feeds._cli_base import EXIT_CONFIG, EXIT_OK, load
from copro_feeds.types import EditorialAction, EntryState, StoredEntry

_ENTRY_HELP = "the entry: its link, its ref as `copro-feeds entries` shows it, or its id"


def add_editorial_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """The editorial subcommands, each made by ``command(name, summary)``."""
    entries = command("entries", "list the stored entries: date, partner, state, ref and title")
    entries.add_argument("--source", metavar="KEY", help="only this partner's entries (its key)")
    entries.add_argument(
        "--state", choices=[state.value for state in EntryState], help="only entries in this state"
    )
    entries.add_argument("--limit", type=_positive, metavar="N", help="at most N entries")
    for action, summary in _ACTION_HELP.items():
        edit = command(action.value, summary)
        edit.add_argument("entry", metavar="ENTRY", help=_ENTRY_HELP)
        edit.add_argument(
            "--reason",
            required=action is EditorialAction.HIDE,
            type=_reason,
            help="why, for the audit log"
            + (" (required)" if action is EditorialAction.HIDE else ""),
        )
        edit.add_argument(
            "--by",
            metavar="NAME",
            help="who is acting, for the audit log (default: your login name)",
        )
        edit.add_argument(
            "--no-publish",
            action="store_true",
            help="only record it: the outputs change at the next publish or daemon cycle",
        )
    command("log", "show the audit log of hide, unhide, pin and unpin, oldest first")
    explain = command(
        "explain", "say in plain words why an entry is or is not in the combined feed"
    )
    explain.add_argument("entry", metavar="ENTRY", help=_ENTRY_HELP)


_ACTION_HELP = {
    EditorialAction.HIDE: "take a post down from every output, then publish (every copy of it)",
    EditorialAction.UNHIDE: "put a hidden post back, then publish",
    EditorialAction.PIN: "keep a post at the top of the feeds until unpinned, then publish",
    EditorialAction.UNPIN: "let a pinned post take its place by date again, then publish",
}


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _reason(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text.strip()


def _entries(args: argparse.Namespace) -> int:
    from copro_feeds._cli_text import print_table
    from copro_feeds.core import make_aggregator

    config = load(args)
    keys = [source.key for source in config.sources]
    if args.source is not None and args.source not in keys:
        print(
            f"copro-feeds: no source with the key {args.source!r} (keys: {', '.join(keys)})",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    state = EntryState(args.state) if args.state else None
    with make_aggregator(config) as aggregator:
        found = aggregator.stored_entries(source=args.source, state=state, limit=args.limit)
    if not found:
        print("no stored entries" + (" match" if args.source or args.state else " yet"))
        return EXIT_OK
    rows = [
        (
            placed.entry.published.date().isoformat(),
            placed.entry.attribution.name,
            placed.state_text,
            placed.ref,
            placed.entry.title,
        )
        for placed in found
    ]
    print_table(("date", "partner", "state", "ref", "title"), rows)
    return EXIT_OK


# What each action did, what nothing-to-do looks like, and what publishing brought.
_ACTION_WORDS = {
    EditorialAction.HIDE: ("Hidden", "already hidden", "the post is gone from every output."),
    EditorialAction.UNHIDE: (
        "Unhidden",
        "not hidden",
        "the post is back wherever its filters and the newest-N limit allow.",
    ),
    EditorialAction.PIN: ("Pinned", "already pinned", "the post is at the top of the feeds."),
    EditorialAction.UNPIN: ("Unpinned", "not pinned", "the post takes its place by date again."),
}


def _edit(args: argparse.Namespace) -> int:
    from copro_feeds._editorial import quote
    from copro_feeds.core import make_aggregator

    action = EditorialAction(args.command)
    config = load(args)
    names = {source.key: source.name for source in config.sources}
    done, nothing, published = _ACTION_WORDS[action]
    with make_aggregator(config) as aggregator:
        by = args.by or _login_name()
        records = aggregator.edit(action, args.entry, args.reason, by=by)
        if not records:
            named = aggregator.find_entries(args.entry)[0]
            print(f"Nothing to do: {_described(named)} is {nothing}.")
            return EXIT_OK
        for record in records:
            print(f"{done} {quote(record.title)} from {names[record.source_key]} ({record.ref}).")
        if args.reason:
            print(f"Reason: {args.reason}")
        if args.no_publish:
            print(
                "Not published yet (--no-publish): the outputs change at the next "
                "`copro-feeds publish` or the daemon's next cycle."
            )
            return EXIT_OK
        written = aggregator.publish()
    print(f"Published: {len(written)} file(s) rewritten; {published}")
    return EXIT_OK


def _described(placed: StoredEntry) -> str:
    from copro_feeds._editorial import quote

    return f"{quote(placed.entry.title)} from {placed.entry.attribution.name} ({placed.ref})"


def _login_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment, no passwd entry
        return None


def _log(args: argparse.Namespace) -> int:
    from copro_feeds._cli_text import print_table
    from copro_feeds.core import make_aggregator

    with make_aggregator(load(args)) as aggregator:
        records = aggregator.audit_log()
    if not records:
        print("no editorial actions yet")
        return EXIT_OK
    rows = [
        (
            record.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            record.action.value,
            record.by or "-",
            record.ref,
            record.title,
            record.reason or "-",
        )
        for record in records
    ]
    print_table(("time (UTC)", "action", "by", "ref", "title", "reason"), rows)
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from copro_feeds.core import make_aggregator

    with make_aggregator(load(args)) as aggregator:
        explanation = aggregator.explain(args.entry)
    print(explanation.text)
    return EXIT_OK


EDITORIAL_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "entries": _entries,
    "hide": _edit,
    "unhide": _edit,
    "pin": _edit,
    "unpin": _edit,
    "log": _log,
    "explain": _explain,
}
