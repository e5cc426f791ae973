"""``exceptions``: the error tree, its drawing in the docstring, and what errors carry."""

from __future__ import annotations

import re

import copro_feeds
from copro_feeds import exceptions
from copro_feeds.exceptions import (
    AmbiguousEntryError,
    CoproFeedsError,
    EntryNotFoundError,
    FetchError,
    GoneError,
    HTTPStatusError,
)


def test_error_tree_docstring_matches_the_classes():
    drawn = re.findall(r"([A-Z]\w+Error)\b", exceptions.__doc__ or "")
    declared = [
        name
        for name, value in vars(exceptions).items()
        if isinstance(value, type) and issubclass(value, Exception)
    ]
    assert sorted(set(drawn)) == sorted(declared)
    for name in declared:
        assert issubclass(getattr(exceptions, name), exceptions.CoproFeedsError)
        assert name in copro_feeds.__all__


def test_the_drawn_tree_is_the_class_tree():
    # each name's parent in the drawing is its base class (indentation is depth)
    drawing = [
        line
        for line in (exceptions.__doc__ or "").splitlines()
        if "── " in line or line.strip() == "CoproFeedsError"
    ]
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in drawing:
        found = re.search(r"([A-Z]\w+Error)\b", line)
        assert found, line
        depth = found.start()
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[found.group(1)] = stack[-1][1]
        stack.append((depth, found.group(1)))
    assert len(parents) == len(drawing) - 1 >= 10
    for name, parent in parents.items():
        assert getattr(exceptions, name).__bases__ == (getattr(exceptions, parent),), name


def test_http_status_errors_carry_the_status_and_retry_after():
    error = GoneError("410 Gone", status=410)
    assert isinstance(error, HTTPStatusError)
    assert isinstance(error, FetchError)
    assert (error.status, error.retry_after, str(error)) == (410, None, "410 Gone")
    busy = HTTPStatusError("429 Too Many Requests", status=429, retry_after=120.0)
    assert (busy.status, busy.retry_after) == (429, 120.0)


def test_an_ambiguous_entry_is_an_entry_not_found_with_candidates():
    error = AmbiguousEntryError("several posts", candidates=("a1 First", "b2 Second"))
    assert isinstance(error, EntryNotFoundError)
    assert isinstance(error, CoproFeedsError)
    assert error.candidates == ("a1 First", "b2 Second")
