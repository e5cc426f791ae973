"""The progress bar of ``copro-feeds update``. This is the only module that uses tqdm.

While the bar is on the terminal, log lines are written above it (tqdm's logging
redirect), never through it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from copro_feeds.types import SourceResult

Advance = Callable[[SourceResult], None]


@contextmanager
def progress_bar(total: int) -> Iterator[Advance]:
    """A bar on stderr counting ``total`` sources; call the yielded function per result."""
    with logging_redirect_tqdm(), tqdm(total=total, unit="source", file=sys.stderr) as bar:

        def advance(result: SourceResult) -> None:
            bar.set_description_str(result.name[:30])
            bar.update()

        yield advance
