"""The Prometheus boundary: what the store's facts and the runs' reports become."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from copro_feeds._health import CycleRecord, PublishRecord, assess
from copro_feeds._metrics import Metrics, StoreFacts
from copro_feeds.types import Outcome, RunReport, SourceResult, SourceStatus

SRC = Path(__file__).resolve().parent.parent / "src" / "copro_feeds"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def status(key: str, *, entries: int, last_success: datetime | None, failures: int = 0):
    return SourceStatus(
        source_key=key,
        name=key.title(),
        url=f"https://{key}.test/feed",
        feed_url=None,
        entries=entries,
        last_success=last_success,
        last_error=None,
        failures=failures,
        next_due=None,
        gone=False,
    )


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text.decode())
        for sample in family.samples
    }


def test_store_facts_become_gauges():
    health = assess(
        CycleRecord(finished=NOW, tick_seconds=60),
        PublishRecord(finished=NOW, seconds=0.5, error="disk full"),
        NOW,
    )
    facts = StoreFacts(
        sources=(
            status("scope", entries=7, last_success=NOW),
            status("cfwr", entries=0, last_success=None, failures=3),
        ),
        health=health,
    )
    found = samples(Metrics(lambda: facts, count_runs=False).render())
    assert found["copro_feeds_source_entries", (("source", "scope"),)] == 7
    assert found["copro_feeds_source_entries", (("source", "cfwr"),)] == 0
    assert found["copro_feeds_source_last_success_timestamp_seconds", (("source", "scope"),)] == (
        NOW.timestamp()
    )
    assert ("copro_feeds_source_last_success_timestamp_seconds", (("source", "cfwr"),)) not in found
    assert found["copro_feeds_source_consecutive_failures", (("source", "cfwr"),)] == 3
    assert found["copro_feeds_healthy", ()] == 0  # the publish failed
    assert found["copro_feeds_last_publish_success", ()] == 0
    assert found["copro_feeds_last_publish_duration_seconds", ()] == 0.5
    assert found["copro_feeds_last_cycle_timestamp_seconds", ()] == NOW.timestamp()
    assert all(name.startswith("copro_feeds_") for name, _ in found)


def test_the_store_is_read_at_each_scrape():
    reads = []

    def read() -> StoreFacts:
        reads.append(1)
        return StoreFacts(sources=(), health=assess(None, None, NOW))

    metrics = Metrics(read, count_runs=False)
    metrics.render()
    metrics.render()
    assert len(reads) == 2


def test_runs_are_counted_and_timed():
    metrics = Metrics(
        lambda: StoreFacts(sources=(), health=assess(None, None, NOW)), count_runs=True
    )
    assert metrics.runs is not None
    metrics.runs.observe(
        RunReport(
            results=(
                SourceResult(
                    source_key="a",
                    name="A",
                    outcome=Outcome.UPDATED,
                    fetch_seconds=0.2,
                    parse_seconds=0.03,
                ),
                SourceResult(
                    source_key="b", name="B", outcome=Outcome.NOT_MODIFIED, fetch_seconds=0.07
                ),
                SourceResult(source_key="c", name="C", outcome=Outcome.ERROR),  # gone: no fetch
            )
        )
    )
    found = samples(metrics.render())
    assert found["copro_feeds_fetches_total", (("outcome", "updated"),)] == 1
    assert found["copro_feeds_fetches_total", (("outcome", "not modified"),)] == 1
    assert found["copro_feeds_fetches_total", (("outcome", "error"),)] == 1
    assert found["copro_feeds_fetch_duration_seconds_count", ()] == 2
    assert found["copro_feeds_fetch_duration_seconds_sum", ()] == pytest.approx(0.27)
    assert found["copro_feeds_fetch_duration_seconds_bucket", (("le", "0.1"),)] == 1
    assert found["copro_feeds_parse_duration_seconds_count", ()] == 1


def imports_of(library: str) -> set[str]:
    """The modules under src/copro_feeds that import ``library``."""
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            if any(name == library or name.startswith(library + ".") for name in names):
                found.add(path.relative_to(SRC).as_posix())
    return found


def test_each_serving_library_lives_behind_one_module():
    assert imports_of("prometheus_client") == {"_metrics.py"}
    assert imports_of("waitress") == {"_serve.py"}
