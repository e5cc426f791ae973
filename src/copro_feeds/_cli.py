"""The ``copro-feeds`` command (also ``python -m copro_feeds``).

Exit status: 0 when the command completed (``update`` also when some sources failed,
listed on stderr), 1 for ``update --strict`` with failures or a runtime error
(database, output folder), 2 for a missing or invalid configuration.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from copro_feeds import __version__
from copro_feeds._demo import run_demo
from copro_feeds._opml_import import import_opml
from copro_feeds._schedule import run_daemon
from copro_feeds._serve import Server, serve
from copro_feeds.config import Config, FetchConfig, load_config
from copro_feeds.core import Aggregator, discover_feeds, make_aggregator
from copro_feeds.exceptions import ConfigError, CoproFeedsError
from copro_feeds.types import SourceResult

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
    return parser


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
    server = None
    if args.serve:
        config.output.dir.mkdir(parents=True, exist_ok=True)
        server = Server(config.output.dir, host=args.host, port=args.port)
    with make_aggregator(config) as aggregator:
        if server is not None:
            log.info("serving %s at %s", config.output.dir, server.start())
        try:
            run_daemon(aggregator)
        finally:
            if server is not None:
                server.stop()
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    directory = _load(args).output.dir
    directory.mkdir(parents=True, exist_ok=True)
    serve(directory, host=args.host, port=args.port)
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
    found = discover_feeds(args.url, settings)
    if not found:
        print(f"no feed advertised on {args.url}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(found))
    return EXIT_OK


def _import_opml(args: argparse.Namespace) -> int:
    result = import_opml(config_path(args.config), Path(args.file))
    for name in result.added:
        print(f"added: {name}")
    for name, reason in result.skipped:
        print(f"skipped: {name}: {reason}")
    print(f"{len(result.added)} source(s) added, {len(result.skipped)} skipped")
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
}
