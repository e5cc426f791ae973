"""``types``: the public data types: frozen, slotted, keyword-only, UTC only, and what
their properties compute (the names exported: tests/test_api.py)."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone

import pytest

from copro_feeds import types
from copro_feeds.types import (
    AuditRecord,
    EditorialAction,
    Outcome,
    RunReport,
    SourceResult,
    require_utc,
)
from tests.factories import attribution, entry


def dataclasses_of(module: object) -> list[type]:
    return [
        value
        for _, value in inspect.getmembers(module, inspect.isclass)
        if dataclasses.is_dataclass(value) and value.__module__ == module.__name__  # type: ignore[attr-defined]
    ]


def test_every_type_is_frozen_slotted_and_keyword_only():
    found = dataclasses_of(types)
    assert len(found) >= 8
    for cls in found:
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen, cls
        assert "__slots__" in vars(cls), cls
        assert all(f.kw_only for f in dataclasses.fields(cls)), cls


def test_an_entry_cannot_be_changed_in_place():
    post = entry()
    with pytest.raises(FrozenInstanceError):
        post.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 3, 3), datetime(2026, 3, 3, tzinfo=timezone(timedelta(hours=1)))],
)
def test_naive_and_non_utc_times_are_refused(moment):
    with pytest.raises(ValueError, match="published must be an aware UTC datetime"):
        entry(published=moment)
    with pytest.raises(ValueError, match="updated must be an aware UTC datetime"):
        attribution(updated=moment)
    with pytest.raises(ValueError, match="at must be an aware UTC datetime"):
        AuditRecord(
            at=moment, action=EditorialAction.HIDE, ref="r", source_key="s", entry_id="e",
            title="t", link=None,
        )  # fmt: skip
    require_utc(None, "anything")  # None is allowed where a time is optional


def test_an_entry_needs_an_id_and_knows_its_source():
    with pytest.raises(ValueError, match="non-empty id"):
        entry(id="")
    assert entry(attribution=attribution("cee", "Cee")).source_key == "cee"


def test_a_run_report_counts_and_sums_up():
    results = (
        SourceResult(source_key="a", name="A", outcome=Outcome.UPDATED, new_entries=2),
        SourceResult(source_key="b", name="B", outcome=Outcome.NOT_MODIFIED, updated_entries=1),
        SourceResult(source_key="c", name="C", outcome=Outcome.ERROR, error="410 Gone"),
    )
    report = RunReport(results=results, files_written=("atom.xml", "rss.xml"))
    assert [r.name for r in report.failures] == ["C"]
    assert (report.new_entries, report.updated_entries, report.changed) == (2, 1, True)
    assert report.summary() == (
        "sources: 1 updated, 1 not modified, 1 failed; entries: 2 new, 1 updated; files written: 2"
    )
    failed = RunReport(results=results[1:2], publish_error="disk full")
    assert failed.summary().endswith("entries: 0 new, 1 updated; publishing failed: disk full")
    assert not RunReport(results=()).changed
