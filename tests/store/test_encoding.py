"""How every backend writes times (``_store._encoding``)."""

from __future__ import annotations

from datetime import timedelta

from copro_feeds._store import format_time, parse_time
from tests.factories import NOW


def test_time_format_sorts_like_time():
    early, late = NOW, NOW + timedelta(microseconds=1)
    assert format_time(early) < format_time(late)
    assert parse_time(format_time(late)) == late
