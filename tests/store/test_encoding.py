"""How every backend writes times, digests, enclosures and fingerprints
(``_store._encoding``)."""

from __future__ import annotations

from array import array
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._store import format_time, parse_time
from copro_feeds._store._encoding import (
    content_hash,
    decode_enclosures,
    encode_enclosures,
    pack_fingerprint,
    unpack_fingerprint,
)
from copro_feeds.types import Enclosure
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


def test_enclosures_are_written_as_json_lists_and_read_back():
    audio = Enclosure(url="https://scope.example/ep1.mp3", type="audio/mpeg", length=24_000_000)
    video = Enclosure(url="https://scope.example/talk.mp4", type="video/mp4", length=None)
    text = encode_enclosures((audio, video))
    assert text == (
        '[["https://scope.example/ep1.mp3", "audio/mpeg", 24000000], '
        '["https://scope.example/talk.mp4", "video/mp4", null]]'
    )  # what SQLite stores since migration 4: db copy moves this text as it is
    assert decode_enclosures(text) == (audio, video)
    assert encode_enclosures(()) is None
    assert decode_enclosures(None) == ()


@given(st.lists(st.integers(min_value=0, max_value=2**32 - 1), max_size=64))
def test_fingerprints_are_little_endian_32_bit_words_and_read_back(words):
    packed = pack_fingerprint(tuple(words))
    if words:
        assert packed is not None
        assert len(packed) == 4 * len(words)
        assert packed[:4] == words[0].to_bytes(4, "little")
    else:
        assert packed is None
    unpacked = unpack_fingerprint(packed)
    assert tuple(unpacked) == tuple(words)
    if words:  # one word of memory each, not a Python int
        assert isinstance(unpacked, array)
        assert unpacked.itemsize == 4
