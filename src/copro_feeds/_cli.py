"""The ``copro-feeds`` command (also ``python -m copro_feeds``).

Each command imports what it needs when it runs, so ``copro-feeds --help`` and argument
errors load no feed, HTTP or template library.

Exit status: 0 when the command completed (``update`` also when some sources failed,
listed on stderr), 1 for ``update --strict`` with failures, ``status --strict`` with an
enabled source whose last attempt failed, or a runtime error (database, output folder,
an ENTRY that names no stored entry or several posts), 2 for a missing or invalid
configuration or a wrong argument (an unknown source NAME too).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from copro_feeds._cli_base import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    config_path,
    load,
)
from copro_feeds._cli_db import DB_COMMANDS, add_db_commands
from copro_feeds._cli_editorial import EDITORIAL_COMMANDS, add_editorial_commands
from copro_feeds._cli_users import USER_COMMANDS, add_user_commands
from copro_feeds._credentials import credential_problems
from copro_feeds._version import __version__
from copro_feeds.config import Config, FetchConfig, SourceConfig, load_config
from copro_feeds.exceptions import ConfigError, CoproFeedsError

log = logging.getLogger("copro_feeds")
ADMIN_PORT = 8081  # the staff web app's default port, beside the feeds' 8080


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference in docs/)."""
    parser = argparse.ArgumentParser(
        prog="copro-feeds",
        description="Aggregate partner blogs into one combined feed, with excerpts and credit.",
        epilog="-v and -q also work after the COMMAND.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"the config file (default: ./{DEFAULT_CONFIG}, then ${CONFIG_ENV})",
    )
    _add_verbosity(parser, default=False)
    parser.add_argument("--version", action="version", version=f"copro-feeds {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    verbosity = argparse.ArgumentParser(add_help=False)
    _add_verbosity(verbosity, default=argparse.SUPPRESS)

    def command(name: str, summary: str, details: str = "") -> argparse.ArgumentParser:
        """A subcommand whose --help starts with its summary as a sentence."""
        sentence = summary[0].upper() + summary[1:] + "."
        return commands.add_parser(
            name,
            help=summary,
            description=f"{sentence} {details}".strip(),
            parents=[verbosity],
        )

    update = command(
        "update",
        "fetch the due sources once, store their entries, publish",
        "With NAMEs, fetch those sources now, due or not. The last line on stdout is a "
        "summary; each failed source is listed on stderr.",
    )
    update.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="only these sources, due or not: a name or slug (key) from the config",
    )
    update.add_argument("--all", action="store_true", help="fetch every source, due or not")
    update.add_argument("--strict", action="store_true", help="exit 1 if any source failed")
    run = command(
        "run",
        "the scheduler daemon: update each source on its interval",
        "It follows the config file: an edit is picked up on the next tick, SIGHUP reloads "
        "it at once, and an invalid edit is logged and ignored. SIGTERM or SIGINT stop it "
        "after the write in progress. On a PostgreSQL store it is a worker: its jobs come "
        "from a queue in the database (procrastinate) that all workers share; SIGTERM or "
        "SIGINT stop it after its current jobs; restart it to follow a config edit.",
    )
    run.add_argument("--serve", action="store_true", help="also serve the output folder over HTTP")
    workers = run.add_argument_group(
        "workers (a PostgreSQL store only: start any number of them, on any machines)"
    )
    workers.add_argument(
        "--concurrency",
        type=_positive_int,
        metavar="N",
        help="refresh jobs in flight in this worker (default: 4)",
    )
    workers.add_argument(
        "--no-publish",
        action="store_true",
        help="never write the output folder (another worker publishes)",
    )
    workers.add_argument(
        "--stall-timeout",
        type=float,
        metavar="SECONDS",
        help="retry a silent worker's jobs after this long (default: 120; never less than "
        "[fetch] timeout)",
    )
    workers.add_argument(
        "--publish-delay",
        type=float,
        metavar="SECONDS",
        help="start a publish this long after the change that queued it, so that a round's "
        "changes are published together (default: 10; longer for thousands of partners)",
    )
    _add_listen_options(run)
    run.add_argument(
        "--admin", action="store_true", help="also serve the staff web app (see `admin`)"
    )
    run.add_argument(
        "--admin-host",
        default="127.0.0.1",
        help="address the web app listens on (default: %(default)s)",
    )
    run.add_argument(
        "--admin-port",
        type=int,
        default=ADMIN_PORT,
        help="port the web app listens on (default: %(default)s)",
    )
    serve = command("serve", "serve the output folder over HTTP (waitress)")
    _add_listen_options(serve)
    admin = command(
        "admin",
        "serve the staff web app: posts, partners, audit log, roundup (waitress)",
        "Staff sign in with an account from `copro-feeds user add`. It listens on 127.0.0.1 "
        "unless told otherwise: put a reverse proxy with TLS in front of it.",
    )
    _add_listen_options(admin, port=ADMIN_PORT)
    demo = command(
        "demo", "see it work offline: sample partners on 127.0.0.1, aggregated and served"
    )
    demo.add_argument("--port", type=int, default=0, help="port for the result (default: any)")
    command("publish", "render the combined feeds from the store now")
    command("check", "validate the config file (exit 2 on errors)")
    status = command(
        "status",
        "show each source's last success, error and entries",
        "With --json, one JSON object per source per line (JSON Lines), times in ISO 8601 "
        "UTC or null.",
    )
    status.add_argument(
        "--json", action="store_true", help="one JSON object per line for each source"
    )
    status.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if any enabled source's last attempt failed (for monitoring)",
    )
    discover = command("discover", "print the feed URLs found on a web page")
    discover.add_argument("url", help="a web page or feed URL")
    opml = command(
        "import-opml", "add the feeds listed in an OPML file to the config as new sources"
    )
    opml.add_argument("file", help="an OPML file (e.g. exported from a feed reader)")
    add_editorial_commands(command)
    add_user_commands(command)
    add_db_commands(command, verbosity)
    return parser


def _add_verbosity(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log debugging detail"
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="log warnings and errors only; no progress bar",
    )


def _add_listen_options(parser: argparse.ArgumentParser, *, port: int = 8080) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=port, help="port to listen on (default: %(default)s)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose and args.quiet:
        parser.error("-v/--verbose and -q/--quiet cannot be used together")
    if args.command == "update" and args.names and args.all:
        parser.error("update: give source NAMEs or --all, not both")
    _setup_logging(verbose=args.verbose, quiet=args.quiet or _shows_progress(args))
    try:
        return _COMMANDS[args.command](args)
    except ConfigError as error:
        print(f"copro-feeds: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except CoproFeedsError as error:
        print(f"copro-feeds: error: {error}", file=sys.stderr)
        return EXIT_FAILED


def _shows_progress(args: argparse.Namespace) -> bool:
    """``update`` on a terminal shows a bar instead of a log line per source (not with -q)."""
    return args.command == "update" and not args.quiet and sys.stderr.isatty()


def _setup_logging(*, verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    log.setLevel(level)


def _update(args: argparse.Namespace) -> int:
    from copro_feeds._cli_text import nothing_due
    from copro_feeds._progress import progress_bar
    from copro_feeds.core import make_aggregator

    config = load(args)
    named, problems = _named_sources(config, args.names)
    for problem in problems:
        print(f"copro-feeds: {problem}", file=sys.stderr)
    if problems:
        return EXIT_CONFIG
    only = {source.key for source in named} if args.names else None
    with make_aggregator(config) as aggregator:
        if _shows_progress(args):
            if only is not None:
                total = len(only)
            else:
                total = len(config.active_sources if args.all else aggregator.due_sources())
            with progress_bar(total) as advance:
                report = aggregator.run_once(all_sources=args.all, only=only, progress=advance)
        else:
            report = aggregator.run_once(all_sources=args.all, only=only)
        statuses = aggregator.status() if not report.results else []
    for failure in report.failures:
        print(f"failed: {failure.name}: {failure.error}", file=sys.stderr)
    print(nothing_due(report, statuses) if not report.results else report.summary())
    if report.publish_error:
        return EXIT_FAILED
    return EXIT_FAILED if args.strict and report.failures else EXIT_OK


def _named_sources(config: Config, names: Sequence[str]) -> tuple[list[SourceConfig], list[str]]:
    """The enabled sources ``names`` name (by name or slug), and a problem for any other."""
    found: list[SourceConfig] = []
    problems: list[str] = []
    for name in names:
        source = config.named(name)
        if source is None:
            known = ", ".join(f"{s.name} ({s.key})" for s in config.sources)
            problems.append(f"no source named {name!r} (sources: {known})")
        elif not source.enabled:
            problems.append(f"{source.name!r} is disabled (enabled = false in the config)")
        else:
            found.append(source)
    return found, problems


def _run(args: argparse.Namespace) -> int:
    from copro_feeds._monitor import open_monitor
    from copro_feeds._schedule import run_daemon
    from copro_feeds._serve import Server
    from copro_feeds.core import make_aggregator

    config = load(args)
    worker_options = (args.concurrency, args.stall_timeout, args.publish_delay)
    if config.storage.url is None and (args.no_publish or worker_options != (None, None, None)):
        raise ConfigError(
            str(config.path),
            [
                "--concurrency, --no-publish, --stall-timeout and --publish-delay need a "
                "PostgreSQL store ([storage] url)"
            ],
        )
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
        if args.admin:
            from copro_feeds._admin._serving import admin_server

            admin = serving.enter_context(
                admin_server(config, host=args.admin_host, port=args.admin_port)
            )
            log.info("staff web app at %s", admin.start())
            serving.callback(admin.stop)
        if config.storage.url is None:
            run_daemon(aggregator)
        else:
            from copro_feeds._queue import WorkerSettings, run_worker

            settings = WorkerSettings(publish=not args.no_publish)
            if args.concurrency is not None:
                settings = replace(settings, concurrency=args.concurrency)
            if args.stall_timeout is not None:
                settings = replace(settings, stall_timeout=args.stall_timeout)
            if args.publish_delay is not None:
                settings = replace(settings, publish_delay=args.publish_delay)
            run_worker(aggregator, config.storage.url, settings)
    return EXIT_OK


def _positive_int(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def _serve(args: argparse.Namespace) -> int:
    from copro_feeds._monitor import open_monitor
    from copro_feeds._serve import serve

    config = load(args)
    directory = config.output.dir
    directory.mkdir(parents=True, exist_ok=True)
    with open_monitor(config, count_runs=False) as monitor:
        serve(directory, host=args.host, port=args.port, routes=monitor.routes)
    return EXIT_OK


def _admin(args: argparse.Namespace) -> int:
    from copro_feeds._admin._serving import serve_admin

    serve_admin(load(args), host=args.host, port=args.port)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from copro_feeds._demo import run_demo

    report = run_demo(port=args.port, announce=lambda text: print(text, flush=True))
    return EXIT_FAILED if report.failures else EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    from copro_feeds.core import make_aggregator

    with make_aggregator(load(args)) as aggregator:
        written = aggregator.publish()
    print(f"files written: {len(written)}" + "".join(f"\n  {path}" for path in written))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    config = load(args)
    problems = credential_problems(config, os.environ)
    if problems:
        for problem in problems:
            print(f"{config.path}: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"{config.path}: ok, {len(config.sources)} source(s)")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from copro_feeds._cli_text import print_status_table, status_record
    from copro_feeds.core import make_aggregator

    with make_aggregator(load(args)) as aggregator:
        statuses = aggregator.status()
    if args.json:
        for status in statuses:
            print(json.dumps(status_record(status), ensure_ascii=False))
    else:
        print_status_table(statuses)
    failing = [status.name for status in statuses if status.enabled and status.last_error]
    if args.strict and failing:
        print(f"copro-feeds: last attempt failed: {', '.join(failing)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _discover(args: argparse.Namespace) -> int:
    from copro_feeds._refresh import discover_feeds

    path = config_path(args.config)
    settings = load_config(path).fetch if path.exists() else FetchConfig()
    print("\n".join(discover_feeds(args.url, settings)))  # raises, saying why, when none
    return EXIT_OK


def _import_opml(args: argparse.Namespace) -> int:
    from copro_feeds._opml_import import import_opml

    result = import_opml(config_path(args.config), Path(args.file))
    for name in result.added:
        print(f"added: {name}")
    for name, reason in result.skipped:
        print(f"skipped: {name}: {reason}")
    print(f"{len(result.added)} source(s) added, {len(result.skipped)} skipped")
    return EXIT_OK


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
    "admin": _admin,
    **EDITORIAL_COMMANDS,
    **USER_COMMANDS,
    **DB_COMMANDS,
}
