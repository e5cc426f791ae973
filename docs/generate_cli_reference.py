"""Write docs/cli.md from the argument parser, so the CLI reference never drifts.

Run: python docs/generate_cli_reference.py   (tests/test_api.py fails when cli.md is stale)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from copro_feeds._cli import build_parser

INTRO = """# CLI reference: `copro-feeds`

Generated from the program's own help by `docs/generate_cli_reference.py`; do not edit by
hand. `python -m copro_feeds` works the same as `copro-feeds`.

The config file is `--config PATH`, else `./feeds.toml` if it exists, else the file named
by the `COPRO_FEEDS_CONFIG` environment variable. `-v` (debugging detail) and `-q`
(warnings and errors only, no progress bar) work before or after the command.

Exit status: 0 when the command completed (for `update`, also when some sources failed:
they are listed on stderr), 1 for `update --strict` with failures, `status --strict` while
an enabled source's last attempt failed, a runtime error (database, output folder), or an
`ENTRY` reference (of `hide`, `unhide`, `pin`, `unpin`, `explain`) that matches nothing or
several different posts (one line on stderr says which), 2 for a missing or invalid
configuration, a wrong argument or an unknown source `NAME` (of `update`).

`update` shows a progress bar on a terminal, with any log line above it; without one it
logs a plain line per source to stderr. Each source that failed is listed once on stderr
(`failed: NAME: reason`). It ends with a summary on stdout:

```
sources: 3 updated, 0 not modified, 0 failed; entries: 6 new, 0 updated; files written: 24
```

or, when no source was due, says how many wait and which comes next (`--all` fetches them
all now):

```
nothing due: 3 sources not due yet; next: Scope at 2026-03-02 10:41 UTC; files written: 0
```

`status --json` prints JSON Lines: one object per source, one per line, with the keys
`name`, `slug`, `url` (any `user:password@` shown as `***@`), `enabled`, `last_success`,
`last_error`, `failures`, `next_due` and `entries`; times are ISO 8601 UTC
(`2026-03-02T10:11:12Z`) or `null`. `jq -s` turns them into one array.
"""


def render() -> str:
    """The whole of docs/cli.md."""
    os.environ["COLUMNS"] = "100"  # stable wrapping of the help text
    parser = build_parser()
    sections = [INTRO, "## `copro-feeds`\n\n```\n" + parser.format_help() + "```\n"]
    sections += _commands(parser, "copro-feeds")
    return "\n".join(sections)


def _commands(parser: argparse.ArgumentParser, prefix: str) -> list[str]:
    """A section per subcommand, and per subcommand of those (``db upgrade``)."""
    subparsers = [
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ]
    sections = []
    for action in subparsers:
        for name, command in action.choices.items():
            sections.append(f"## `{prefix} {name}`\n\n```\n{command.format_help()}```\n")
            sections += _commands(command, f"{prefix} {name}")
    return sections


if __name__ == "__main__":
    Path(__file__).with_name("cli.md").write_text(render(), encoding="utf-8")
