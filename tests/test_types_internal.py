"""``_types``: the internal transfer types between fetch, parse, ingest and the store:
frozen, slotted and keyword-only like the public ones, with safe defaults."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError

import pytest

from copro_feeds import _types
from copro_feeds._types import FetchResponse, ParsedFeed, SourceState
from tests.factories import raw_entry
from tests.test_types import dataclasses_of


def test_every_transfer_type_is_frozen_slotted_and_keyword_only():
    found = dataclasses_of(_types)
    assert {cls.__name__ for cls in found} >= {
        "FetchResponse", "RawEntry", "ParsedFeed", "SourceState", "EditorialMarks",
    }  # fmt: skip
    for cls in found:
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        assert "__slots__" in vars(cls), cls
        assert all(f.kw_only for f in dataclasses.fields(cls)), cls


def test_defaults_say_nothing_is_known_yet():
    state = SourceState(key="scope", config_url="https://scope.example/")
    assert (state.feed_url, state.etag, state.last_success, state.failures) == (
        None, None, None, 0,
    )  # fmt: skip
    parsed = ParsedFeed(version="rss20", title=None, link=None, author=None, entries=())
    assert (parsed.warnings, parsed.well_formed, parsed.complete) == ((), True, True)
    response = FetchResponse(
        url="https://scope.example/feed/", status=200, body=b"", headers={},
        etag=None, last_modified=None,
    )  # fmt: skip
    assert response.permanent_redirect is None


def test_a_raw_entry_cannot_be_changed_in_place():
    raw = raw_entry()
    assert raw.language is None
    with pytest.raises(FrozenInstanceError):
        raw.title = "changed"  # type: ignore[misc]
