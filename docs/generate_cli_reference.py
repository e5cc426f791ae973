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
by the `COPRO_FEEDS_CONFIG` environment variable. Exit status: 0 when the command
completed (for `update`, also when some sources failed: they are listed on stderr), 1 for
`update --strict` with failures, a runtime error (database, output folder), or an `ENTRY`
reference (of `hide`, `unhide`, `pin`, `unpin`, `explain`) that matches nothing or several
different posts (one line on stderr says which), 2 for a missing or invalid configuration.

`update` shows a progress bar on a terminal; without one it logs a plain line per source
to stderr. Both end with a summary on stdout:

```
sources: 3 updated, 0 not modified, 0 failed; entries: 6 new, 0 updated; files written: 19
```
"""


def render() -> str:
    """The whole of docs/cli.md."""
    os.environ["COLUMNS"] = "100"  # stable wrapping of the help text
    parser = build_parser()
    sections = [INTRO, "## `copro-feeds`\n\n```\n" + parser.format_help() + "```\n"]
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    for name, command in subparsers.choices.items():
        sections.append(f"## `copro-feeds {name}`\n\n```\n{command.format_help()}```\n")
    return "\n".join(sections)


if __name__ == "__main__":
    Path(__file__).with_name("cli.md").write_text(render(), encoding="utf-8")
