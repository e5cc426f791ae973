"""How every backend writes times and digests (``_store._encoding``)."""

from __future__ import annotations

from datetime import timedelta

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
