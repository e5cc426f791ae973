"""The ``copro-feeds`` command (also ``python -m copro_feeds``).

Exit status: 0 when the command completed (``update`` also when some sources failed,
listed on stderr), 1 for ``update --strict`` with failures or a runtime error
(database, output folder, an ENTRY that names no stored entry or several posts), 2 for a
missing or invalid configuration or a wrong argument.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from copro_feeds import __version__
from copro_feeds._demo import run_demo
from copro_feeds._editorial import quote
from copro_feeds._monitor import open_monitor
from copro_feeds._opml_import import import_opml
from copro_feeds._refresh import discover_feeds
from copro_feeds._schedule import run_daemon
from copro_feeds._serve import Server, serve
from copro_feeds.config import Config, FetchConfig, credential_problems, load_config
from copro_feeds.core import Aggregator, make_aggregator
from copro_feeds.exceptions import ConfigError, CoproFeedsError
from copro_feeds.types import EditorialAction, EntryState, SourceResult, StoredEntry

DEFAULT_CONFIG = "feeds.toml"
CONFIG_ENV = "COPRO_FEEDS_CONFIG"
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2

log = logging.getLogger("copro_feeds")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference in docs/)."""
    parser = argparse.ArgumentParser(
        prog="copro-feeds",
        description="Aggregate partner blogs into one combined feed, with excerpts and credit.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"the config file (default: ./{DEFAULT_CONFIG}, then ${CONFIG_ENV})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    parser.add_argument("--version", action="version", version=f"copro-feeds {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    update = commands.add_parser(
        "update", help="fetch the due sources once, store their entries, publish"
    )
    update.add_argument("--all", action="store_true", help="fetch every source, due or not")
    update.add_argument("--strict", action="store_true", help="exit 1 if any source failed")
    run = commands.add_parser(
        "run", help="the scheduler daemon: update each source on its interval"
    )
    run.add_argument("--serve", action="store_true", help="also serve the output folder over HTTP")
    _add_listen_options(run)
    serve = commands.add_parser("serve", help="serve the output folder over HTTP (waitress)")
    _add_listen_options(serve)
    demo = commands.add_parser(
        "demo", help="see it work offline: sample partners on 127.0.0.1, aggregated and served"
    )
    demo.add_argument("--port", type=int, default=0, help="port for the result (default: any)")
    commands.add_parser("publish", help="render the combined feeds from the store now")
    commands.add_parser("check", help="validate the config file (exit 2 on errors)")
    commands.add_parser("status", help="show each source's last success, error and entries")
    discover = commands.add_parser("discover", help="print the feed URLs found on a web page")
    discover.add_argument("url", help="a web page or feed URL")
    opml = commands.add_parser(
        "import-opml", help="add the feeds listed in an OPML file to the config as new sources"
    )
    opml.add_argument("file", help="an OPML file (e.g. exported from a feed reader)")
    _add_editorial_commands(commands)
    return parser


_ENTRY_HELP = "the entry: its link, its ref as `copro-feeds entries` shows it, or its id"


def _add_editorial_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    entries = commands.add_parser(
        "entries", help="list the stored entries: date, partner, state, ref and title"
    )
    entries.add_argument("--source", metavar="KEY", help="only this partner's entries (its key)")
    entries.add_argument(
        "--state", choices=[state.value for state in EntryState], help="only entries in this state"
    )
    entries.add_argument("--limit", type=_positive, metavar="N", help="at most N entries")
    for action, summary in _ACTION_HELP.items():
        command = commands.add_parser(action.value, help=summary)
        command.add_argument("entry", metavar="ENTRY", help=_ENTRY_HELP)
        command.add_argument(
            "--reason",
            required=action is EditorialAction.HIDE,
            type=_reason,
            help="why, for the audit log"
            + (" (required)" if action is EditorialAction.HIDE else ""),
        )
        command.add_argument(
            "--by",
            metavar="NAME",
            help="who is acting, for the audit log (default: your login name)",
        )
        command.add_argument(
            "--no-publish",
            action="store_true",
            help="only record it: the outputs change at the next publish or daemon cycle",
        )
    commands.add_parser("log", help="the audit log of hide, unhide, pin and unpin, oldest first")
    explain = commands.add_parser(
        "explain", help="say in plain words why an entry is or is not in the combined feed"
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


def _add_listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port to listen on (default: %(default)s)"
    )


def config_path(argument: str | None) -> Path:
    """``--config``, else ./feeds.toml if present, else $COPRO_FEEDS_CONFIG, else ./feeds.toml."""
    if argument:
        return Path(argument)
    local = Path(DEFAULT_CONFIG)
    if not local.exists() and os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return local


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    _setup_logging(verbose=args.verbose, command=args.command)
    try:
        return _COMMANDS[args.command](args)
    except ConfigError as error:
        print(f"copro-feeds: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except CoproFeedsError as error:
        print(f"copro-feeds: error: {error}", file=sys.stderr)
        return EXIT_FAILED


def _setup_logging(*, verbose: bool, command: str) -> None:
    quiet = command == "update" and sys.stderr.isatty()  # the progress bar says it instead
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    log.setLevel(level)


def _load(args: argparse.Namespace) -> Config:
    return load_config(config_path(args.config))


def _update(args: argparse.Namespace) -> int:
    config = _load(args)
    with make_aggregator(config) as aggregator:
        progress, close_progress = _progress(aggregator, all_sources=args.all)
        try:
            report = aggregator.run_once(all_sources=args.all, progress=progress)
        finally:
            close_progress()
    for failure in report.failures:
        print(f"failed: {failure.name}: {failure.error}", file=sys.stderr)
    print(report.summary())
    if report.publish_error:
        return EXIT_FAILED
    return EXIT_FAILED if args.strict and report.failures else EXIT_OK


def _progress(
    aggregator: Aggregator, *, all_sources: bool
) -> tuple[Callable[[SourceResult], None] | None, Callable[[], None]]:
    """A tqdm bar on a terminal; nothing otherwise (log lines say it)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    total = len(aggregator.config.sources) if all_sources else len(aggregator.due_sources())
    bar = tqdm(total=total, unit="source", file=sys.stderr)

    def advance(result: SourceResult) -> None:
        bar.set_description_str(result.name[:30])
        bar.update()

    return advance, bar.close


def _run(args: argparse.Namespace) -> int:
    config = _load(args)
    with make_aggregator(config) as aggregator, ExitStack() as serving:
        if args.serve:
            monitor = serving.enter_context(open_monitor(config, count_runs=True))
            aggregator.add_observer(monitor.observe)
            config.output.dir.mkdir(parents=True, exist_ok=True)
            server = Server(
                config.output.dir, host=args.host, port=args.port, routes=monitor.routes
            )
            log.info("serving %s at %s", config.output.dir, server.start())
            serving.callback(server.stop)
        run_daemon(aggregator)
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    config = _load(args)
    directory = config.output.dir
    directory.mkdir(parents=True, exist_ok=True)
    with open_monitor(config, count_runs=False) as monitor:
        serve(directory, host=args.host, port=args.port, routes=monitor.routes)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    report = run_demo(port=args.port, announce=lambda text: print(text, flush=True))
    return EXIT_FAILED if report.failures else EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    with make_aggregator(_load(args)) as aggregator:
        written = aggregator.publish()
    print(f"files written: {len(written)}" + "".join(f"\n  {path}" for path in written))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    config = _load(args)
    problems = credential_problems(config, os.environ)
    if problems:
        for problem in problems:
            print(f"{config.path}: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"{config.path}: ok, {len(config.sources)} source(s)")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    with make_aggregator(_load(args)) as aggregator:
        rows = [
            (
                status.name,
                _when(status.last_success),
                "gone (410)" if status.gone else (status.last_error or "-"),
                str(status.entries),
                _when(status.next_due) if status.enabled else "disabled",
            )
            for status in aggregator.status()
        ]
    _print_table(("source", "last success", "last error", "entries", "next due"), rows)
    return EXIT_OK


def _discover(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    settings = load_config(path).fetch if path.exists() else FetchConfig()
    print("\n".join(discover_feeds(args.url, settings)))  # raises, saying why, when none
    return EXIT_OK


def _import_opml(args: argparse.Namespace) -> int:
    result = import_opml(config_path(args.config), Path(args.file))
    for name in result.added:
        print(f"added: {name}")
    for name, reason in result.skipped:
        print(f"skipped: {name}: {reason}")
    print(f"{len(result.added)} source(s) added, {len(result.skipped)} skipped")
    return EXIT_OK


def _entries(args: argparse.Namespace) -> int:
    config = _load(args)
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
    _print_table(("date", "partner", "state", "ref", "title"), rows)
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
    action = EditorialAction(args.command)
    config = _load(args)
    names = {source.key: source.name for source in config.sources}
    done, nothing, published = _ACTION_WORDS[action]
    with make_aggregator(config) as aggregator:
        by = args.by or _login_name()
        if action is EditorialAction.HIDE:
            records = aggregator.hide(args.entry, args.reason, by=by)
        else:
            act = {
                EditorialAction.UNHIDE: aggregator.unhide,
                EditorialAction.PIN: aggregator.pin,
                EditorialAction.UNPIN: aggregator.unpin,
            }[action]
            records = act(args.entry, args.reason, by=by)
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
    return f"{quote(placed.entry.title)} from {placed.entry.attribution.name} ({placed.ref})"


def _login_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment, no passwd entry
        return None


def _log(args: argparse.Namespace) -> int:
    with make_aggregator(_load(args)) as aggregator:
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
    _print_table(("time (UTC)", "action", "by", "ref", "title", "reason"), rows)
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    with make_aggregator(_load(args)) as aggregator:
        explanation = aggregator.explain(args.entry)
    print(explanation.text)
    return EXIT_OK


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO = sys.stdout
) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
            file=out,
        )


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "update": _update,
    "run": _run,
    "publish": _publish,
    "check": _check,
    "status": _status,
    "discover": _discover,
    "import-opml": _import_opml,
    "serve": _serve,
    "demo": _demo,
    "entries": _entries,
    "hide": _edit,
    "unhide": _edit,
    "pin": _edit,
    "unpin": _edit,
    "log": _log,
    "explain": _explain,
}
