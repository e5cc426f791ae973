"""Scheduling decisions: due, jitter, exponential back-off, Retry-After."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._due import (
    MAX_BACKOFF_SECONDS,
    is_due,
    next_due_after_failure,
    next_due_after_success,
)
from copro_feeds._types import SourceState
from tests.factories import NOW

STATE = SourceState(key="s", config_url="https://s.example/")


def test_due_when_never_fetched_or_past_due_and_never_when_gone():
    assert is_due(STATE, NOW)
    assert is_due(SourceState(key="s", config_url="u", next_due=NOW), NOW)
    assert not is_due(SourceState(key="s", config_url="u", next_due=NOW + timedelta(1)), NOW)
    assert not is_due(SourceState(key="s", config_url="u", gone=True), NOW)


def test_success_is_jittered_around_the_interval():
    rng = random.Random(1)
    dues = {next_due_after_success(NOW, 1800, rng) - NOW for _ in range(200)}
    assert len(dues) > 150  # spread, not one fixed moment
    assert all(timedelta(seconds=1620) <= due <= timedelta(seconds=1980) for due in dues)


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(2)
    medians = []
    for failures in range(1, 9):
        delays = sorted(
            (next_due_after_failure(NOW, 1800, failures, None, rng) - NOW).total_seconds()
            for _ in range(101)
        )
        assert len(set(delays)) > 90  # jittered
        medians.append(delays[50])
    assert medians[1] > 1.6 * medians[0] and medians[2] > 1.6 * medians[1]
    assert max(medians) <= MAX_BACKOFF_SECONDS * 1.25


@given(st.integers(1, 50), st.floats(60, 86400), st.integers(60, 86400 * 2))
def test_retry_after_is_honoured_when_later_than_the_backoff(failures, retry_after, interval):
    due = next_due_after_failure(NOW, interval, failures, retry_after, random.Random(0))
    assert due >= NOW + timedelta(seconds=retry_after)
