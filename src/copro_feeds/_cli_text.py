"""The text the commands print: tables, summary lines and JSON records.

Pure functions over the public types (and :func:`~copro_feeds._fetch.redact`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from copro_feeds._fetch import redact
from copro_feeds.types import RunReport, SourceStatus


def nothing_due(report: RunReport, statuses: Sequence[SourceStatus]) -> str:
    """Why ``update`` fetched nothing: how many sources wait, and when the next is due."""
    published = report.summary().split("; ", 2)[2]  # files written, or publishing failed
    enabled = [status for status in statuses if status.enabled]
    if not enabled:
        return f"nothing due: no enabled sources; {published}"
    waiting = [status for status in enabled if not status.gone]
    gone = len(enabled) - len(waiting)
    text = f"nothing due: {count(len(waiting), 'source')} not due yet"
    if gone:
        text += f", {gone} gone (410)"
    timed = [status for status in waiting if status.next_due is not None]
    if timed:
        first = min(timed, key=lambda status: status.next_due or datetime.max.replace(tzinfo=UTC))
        text += f"; next: {first.name} at {when(first.next_due)}"
    return f"{text}; {published}"


def count(number: int, noun: str) -> str:
    """``"1 source"``, ``"3 sources"``."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


def print_status_table(statuses: Sequence[SourceStatus]) -> None:
    """``status``'s table: each source's last success and error, entries and next due."""
    rows = [
        (
            status.name,
            when(status.last_success),
            "gone (410)" if status.gone else (status.last_error or "-"),
            str(status.entries),
            when(status.next_due) if status.enabled else "disabled",
        )
        for status in statuses
    ]
    print_table(("source", "last success", "last error", "entries", "next due"), rows)


def status_record(status: SourceStatus) -> dict[str, object]:
    """One source for ``status --json``: times in ISO 8601 UTC, the URL without credentials."""
    return {
        "name": status.name,
        "slug": status.source_key,
        "url": redact(status.url),
        "enabled": status.enabled,
        "last_success": iso(status.last_success),
        "last_error": status.last_error,
        "failures": status.failures,
        "next_due": iso(status.next_due),
        "entries": status.entries,
    }


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC to the second (``2026-03-02T10:11:12Z``), or None."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def when(moment: datetime | None) -> str:
    """A time for people (``2026-03-02 10:11 UTC``), or ``-``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO = sys.stdout
) -> None:
    """Columns padded to their widest cell, the header first."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
            file=out,
        )
