"""``_progress``: the progress bar of ``copro-feeds update`` counts results on stderr."""

from __future__ import annotations

import logging

from copro_feeds._progress import progress_bar
from copro_feeds.types import Outcome, SourceResult


def result(name: str) -> SourceResult:
    return SourceResult(source_key=name.lower(), name=name, outcome=Outcome.UPDATED)


def test_the_bar_counts_each_result_and_names_the_last(capsys) -> None:
    with progress_bar(2) as advance:
        advance(result("Scope"))
        advance(result("A partner with a name far longer than thirty characters"))
    err = capsys.readouterr().err
    assert "2/2" in err
    assert "source" in err
    assert "A partner with a name far long" in err  # cut to 30 characters
    assert "A partner with a name far longer" not in err


def test_log_lines_are_written_while_the_bar_is_up(capsys) -> None:
    logger = logging.getLogger("copro_feeds")
    with progress_bar(1) as advance:
        logger.warning("fetching Scope failed")
        advance(result("Scope"))
    assert "fetching Scope failed" in capsys.readouterr().err
