"""How every backend writes times and digests (``_store._encoding``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._store import format_time, parse_time
from copro_feeds._store._encoding import content_hash
from tests.factories import NOW, entry


def test_time_format_sorts_like_time():
    early, late = NOW, NOW + timedelta(microseconds=1)
    assert format_time(early) < format_time(late)
    assert parse_time(format_time(late)) == late


def test_content_hash_leaves_the_dates_of_undated_entries_out():
    dated, moved = entry(), entry(published=NOW, updated=NOW)
    assert content_hash(dated, undated=True) == content_hash(moved, undated=True)
    assert content_hash(dated, undated=False) != content_hash(moved, undated=False)
    assert content_hash(entry(title="Other"), undated=True) != content_hash(dated, undated=True)


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)))
def test_parse_time_reads_back_every_formatted_time_in_utc(moment):
    """The fast path (fromisoformat) reads what strptime with the format read."""
    text = format_time(moment)
    parsed = parse_time(text)
    assert parsed == moment == datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert parsed.tzinfo is UTC


def test_parse_time_refuses_text_format_time_never_writes():
    for text in ("2026-03-01T09:00:00.000000", "2026-03-01T09:00:00.000000+01:00", "soon"):
        with pytest.raises(ValueError):
            parse_time(text)
