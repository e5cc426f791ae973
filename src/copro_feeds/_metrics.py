"""Prometheus metrics in the text format (the only module using prometheus_client).

Every metric is named ``copro_feeds_…``. Two kinds, in one registry of our own (no
process or platform collectors):

* **From the store**, read afresh at each scrape by :class:`StoreCollector`, so they
  are true in a ``copro-feeds serve`` beside a separate daemon or a scheduled
  ``update``: entries stored, last success and consecutive failures per source; the
  last cycle's finish time, duration and tick; the last publish's time, duration and success;
  and the health verdict of ``/healthz``.
* **Counted in this process** by :class:`RunMetrics` from each run's report: fetches by
  outcome, fetch and parse durations. Only a process that runs the cycles has them
  (``copro-feeds run --serve``); they start from zero when it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from copro_feeds._health import Health
from copro_feeds.types import Outcome, RunReport, SourceStatus

# No `…_created` series beside each counter and histogram: they double the output and
# only say when this process started. (A process-wide switch; this is its only user.)
disable_created_metrics()  # type: ignore[no-untyped-call]
# The classic text format every scraper reads; generate_latest writes it for our names.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Fetches take from milliseconds (a 304 nearby) to the fetch deadline (30 s by default).
_FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_PARSE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 20.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreFacts:
    """What the store says at one moment: each source's status and the health verdict."""

    sources: tuple[SourceStatus, ...]
    health: Health


class StoreCollector:
    """Gauges read from the store at each scrape (``read`` may raise StoreError)."""

    def __init__(self, read: Callable[[], StoreFacts]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        """The store's gauges (called by the registry at each scrape)."""
        facts = self._read()
        entries = GaugeMetricFamily(
            "copro_feeds_source_entries", "Entries stored, per source.", labels=["source"]
        )
        success = GaugeMetricFamily(
            "copro_feeds_source_last_success_timestamp_seconds",
            "When the source was last fetched successfully (Unix time; absent if never).",
            labels=["source"],
        )
        failures = GaugeMetricFamily(
            "copro_feeds_source_consecutive_failures",
            "Failed fetches of the source since its last success.",
            labels=["source"],
        )
        for source in facts.sources:
            entries.add_metric([source.source_key], source.entries)
            failures.add_metric([source.source_key], source.failures)
            if source.last_success is not None:
                success.add_metric([source.source_key], source.last_success.timestamp())
        yield from (entries, success, failures)
        yield from _health_gauges(facts.health)


def _health_gauges(health: Health) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "copro_feeds_healthy",
        "1 when /healthz answers 200: a recent cycle and a successful last publish.",
        value=1 if health.healthy else 0,
    )
    if health.cycle is not None:
        yield GaugeMetricFamily(
            "copro_feeds_last_cycle_timestamp_seconds",
            "When the last cycle (run_once: daemon tick or update) finished (Unix time).",
            value=health.cycle.finished.timestamp(),
        )
        yield GaugeMetricFamily(
            "copro_feeds_last_cycle_duration_seconds",
            "How long the last cycle took.",
            value=health.cycle.seconds,
        )
        yield GaugeMetricFamily(
            "copro_feeds_tick_seconds",
            "How often a cycle is expected, as the last one recorded it.",
            value=health.cycle.tick_seconds,
        )
    if health.publish is not None:
        yield GaugeMetricFamily(
            "copro_feeds_last_publish_timestamp_seconds",
            "When the last publish finished, successful or not (Unix time).",
            value=health.publish.finished.timestamp(),
        )
        yield GaugeMetricFamily(
            "copro_feeds_last_publish_duration_seconds",
            "How long the last publish took.",
            value=health.publish.seconds,
        )
        yield GaugeMetricFamily(
            "copro_feeds_last_publish_success",
            "1 when the last publish wrote every output, 0 when it failed.",
            value=1 if health.publish.error is None else 0,
        )


class RunMetrics:
    """Counters and histograms of this process's runs, fed by :meth:`observe`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._fetches = Counter(
            "copro_feeds_fetches",
            "Sources refreshed by this process, by outcome (updated, not modified, error).",
            ["outcome"],
            registry=registry,
        )
        for outcome in Outcome:
            self._fetches.labels(outcome.value)  # every outcome shows, even at zero
        self._fetch_seconds = Histogram(
            "copro_feeds_fetch_duration_seconds",
            "Time spent on HTTP per source refresh (discovery and redirects included).",
            buckets=_FETCH_BUCKETS,
            registry=registry,
        )
        self._parse_seconds = Histogram(
            "copro_feeds_parse_duration_seconds",
            "Time spent parsing and normalising a changed feed body in the parser sandbox "
            "(waiting for a parser process included), per source refresh.",
            buckets=_PARSE_BUCKETS,
            registry=registry,
        )

    def observe(self, report: RunReport) -> None:
        """Count one run's results (an :meth:`Aggregator.add_observer` callback)."""
        for result in report.results:
            self._fetches.labels(result.outcome.value).inc()
            if result.fetch_seconds is not None:
                self._fetch_seconds.observe(result.fetch_seconds)
            if result.parse_seconds is not None:
                self._parse_seconds.observe(result.parse_seconds)


class Metrics:
    """The registry behind ``/metrics``: the store's gauges, and this process's runs if
    ``count_runs`` (a process that runs cycles)."""

    def __init__(self, read: Callable[[], StoreFacts], *, count_runs: bool) -> None:
        self._registry = CollectorRegistry()
        self._registry.register(StoreCollector(read))
        self.runs = RunMetrics(self._registry) if count_runs else None

    def render(self) -> bytes:
        """Every metric in the Prometheus text format (:data:`CONTENT_TYPE`)."""
        return generate_latest(self._registry)
