"""What the commands print, from the public types alone (no process, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from copro_feeds._cli_text import iso, nothing_due, status_record
from copro_feeds.types import RunReport, SourceStatus

SOON = datetime(2026, 3, 2, 10, 41, 30, 123456, tzinfo=UTC)


def status(name: str, *, next_due=None, gone=False, enabled=True, url="https://a.test/feed"):
    return SourceStatus(
        source_key=name.lower(),
        name=name,
        url=url,
        feed_url=None,
        entries=0,
        last_success=None,
        last_error="the feed is gone (410)" if gone else None,
        failures=1 if gone else 0,
        next_due=next_due,
        gone=gone,
        enabled=enabled,
    )


def test_nothing_due_names_the_soonest_source_and_counts_the_rest():
    statuses = [
        status("Later", next_due=SOON.replace(hour=12)),
        status("Soonest", next_due=SOON),
        status("Gone", gone=True),
        status("Off", next_due=SOON.replace(hour=9), enabled=False),
    ]
    assert nothing_due(RunReport(results=(), files_written=("a", "b")), statuses) == (
        "nothing due: 2 sources not due yet, 1 gone (410); next: Soonest at 2026-03-02 10:41 UTC;"
        " files written: 2"
    )


def test_nothing_due_without_enabled_sources_or_with_a_failed_publish():
    report = RunReport(results=(), publish_error="disk full; try again")
    assert nothing_due(report, [status("Off", enabled=False)]) == (
        "nothing due: no enabled sources; publishing failed: disk full; try again"
    )
    assert nothing_due(RunReport(results=()), [status("One", next_due=SOON)]) == (
        "nothing due: 1 source not due yet; next: One at 2026-03-02 10:41 UTC; files written: 0"
    )


def test_a_status_record_has_utc_times_and_no_credentials():
    record = status_record(status("A", next_due=SOON, url="https://me:pw@a.test/feed"))
    assert record["url"] == "https://***@a.test/feed"
    assert record["next_due"] == "2026-03-02T10:41:30Z"
    assert record["last_success"] is None
    paris_summer = timezone(timedelta(hours=2))
    assert iso(datetime(2026, 3, 2, 12, 41, 30, tzinfo=paris_summer)) == "2026-03-02T10:41:30Z"
