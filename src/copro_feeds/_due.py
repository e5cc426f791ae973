"""Pure scheduling decisions: when a source is due, back-off after failures, jitter."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from copro_feeds._types import SourceState

MAX_BACKOFF_SECONDS = 86400.0
SUCCESS_JITTER = 0.1  # due within ±10 % of the interval, so sources drift apart
FAILURE_JITTER = 0.25
PERMANENT_REDIRECT_HITS = 3  # consistent 301/308 answers before the stored URL moves


def is_due(state: SourceState, now: datetime) -> bool:
    """True when the source should be fetched now (never when it is gone)."""
    return not state.gone and (state.next_due is None or state.next_due <= now)


def next_due_after_success(now: datetime, interval: float, rng: random.Random) -> datetime:
    """Due again after one interval, give or take the jitter."""
    factor = rng.uniform(1 - SUCCESS_JITTER, 1 + SUCCESS_JITTER)
    return now + timedelta(seconds=interval * factor)


def next_due_after_failure(
    now: datetime,
    interval: float,
    failures: int,
    retry_after: float | None,
    rng: random.Random,
) -> datetime:
    """Exponential back-off from the interval (capped at a day, jittered), or Retry-After if later.

    ``failures`` counts consecutive failures including this one.
    """
    backoff = min(interval * 2 ** max(failures - 1, 0), MAX_BACKOFF_SECONDS)
    backoff *= rng.uniform(1 - FAILURE_JITTER, 1 + FAILURE_JITTER)
    return now + timedelta(seconds=max(backoff, retry_after or 0.0))
