"""What the store records of the last cycle and the last publish, and the verdict on them.

The aggregator records both in the store's ``meta`` table, so every process reading the
same store (``copro-feeds serve`` beside a separate daemon, or beside a scheduled
``update``) sees the same facts. :func:`assess` is pure: records and ``now`` in, a
:class:`Health` out. Healthy means the last cycle finished within two tick intervals and
the last publish (if any was ever recorded) succeeded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from copro_feeds._store import Store, format_time, parse_time
from copro_feeds.types import require_utc

CYCLE_KEY = "last_cycle"
PUBLISH_KEY = "last_publish"
TICKS_ALLOWED = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleRecord:
    """A finished :meth:`~copro_feeds.Aggregator.run_once`: when, how long it took, and
    how often one is expected (the tick)."""

    finished: datetime
    tick_seconds: float
    seconds: float = 0.0

    @property
    def expected_seconds(self) -> float:
        """How far apart finishes are expected: the tick, or the cycle's length if longer."""
        return max(self.tick_seconds, self.seconds)

    def __post_init__(self) -> None:
        require_utc(self.finished, "finished")


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishRecord:
    """The last attempt to publish: when it ended, how long it took, its error if any."""

    finished: datetime
    seconds: float
    error: str | None = None

    def __post_init__(self) -> None:
        require_utc(self.finished, "finished")


@dataclass(frozen=True, slots=True, kw_only=True)
class Health:
    """The verdict: ``problems`` says why it is not healthy (empty when it is)."""

    problems: tuple[str, ...]
    cycle: CycleRecord | None
    publish: PublishRecord | None
    now: datetime

    @property
    def healthy(self) -> bool:
        """True when there is no problem."""
        return not self.problems

    def as_json(self) -> dict[str, object]:
        """A small JSON-ready summary for ``/healthz``."""
        cycle = self.cycle
        publish = self.publish
        return {
            "status": "ok" if self.healthy else "failing",
            "problems": list(self.problems),
            "last_cycle": None
            if cycle is None
            else {
                "finished": format_time(cycle.finished),
                "seconds_ago": round((self.now - cycle.finished).total_seconds(), 1),
                "seconds": round(cycle.seconds, 3),
                "tick_seconds": cycle.tick_seconds,
            },
            "last_publish": None
            if publish is None
            else {
                "finished": format_time(publish.finished),
                "seconds": round(publish.seconds, 3),
                "ok": publish.error is None,
                "error": publish.error,
            },
        }


def record_cycle(store: Store, record: CycleRecord) -> None:
    """Save ``record`` as the last cycle."""
    value = {
        "finished": format_time(record.finished),
        "tick_seconds": record.tick_seconds,
        "seconds": record.seconds,
    }
    store.set_meta(CYCLE_KEY, json.dumps(value))


def record_publish(store: Store, record: PublishRecord) -> None:
    """Save ``record`` as the last publish."""
    value = {
        "finished": format_time(record.finished),
        "seconds": record.seconds,
        "error": record.error,
    }
    store.set_meta(PUBLISH_KEY, json.dumps(value))


def last_cycle(store: Store) -> CycleRecord | None:
    """The last cycle recorded, or None (never, or unreadable: a new store or an old one)."""
    value = _load(store, CYCLE_KEY)
    if value is None:
        return None
    try:
        return CycleRecord(
            finished=parse_time(value["finished"]),
            tick_seconds=float(value["tick_seconds"]),
            seconds=float(value.get("seconds", 0.0)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def last_publish(store: Store) -> PublishRecord | None:
    """The last publish recorded, or None."""
    value = _load(store, PUBLISH_KEY)
    if value is None:
        return None
    try:
        error = value.get("error")
        return PublishRecord(
            finished=parse_time(value["finished"]),
            seconds=float(value["seconds"]),
            error=None if error is None else str(error),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _load(store: Store, key: str) -> dict[str, Any] | None:
    text = store.get_meta(key)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def assess(cycle: CycleRecord | None, publish: PublishRecord | None, now: datetime) -> Health:
    """Healthy when the last cycle finished within two ticks of ``now`` (a tick as long as
    the last cycle, if that was longer) and the last publish succeeded (no publish
    recorded yet is no problem: nothing needed writing)."""
    problems = []
    if cycle is None:
        problems.append("no cycle recorded in the store yet")
    else:
        age = (now - cycle.finished).total_seconds()
        expected = cycle.expected_seconds
        if age > TICKS_ALLOWED * expected:
            longer = ", the length of the last cycle" if expected > cycle.tick_seconds else ""
            problems.append(
                f"the last cycle finished {age:.0f} s ago, more than {TICKS_ALLOWED} tick "
                f"intervals ({TICKS_ALLOWED} x {expected:g} s{longer})"
            )
    if publish is not None and publish.error is not None:
        problems.append(f"the last publish failed: {publish.error}")
    return Health(problems=tuple(problems), cycle=cycle, publish=publish, now=now)
