"""/healthz and /metrics: a real waitress server on 127.0.0.1, over a real store."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from prometheus_client.parser import text_string_to_metric_families

import copro_feeds
from copro_feeds._monitor import Monitor, open_monitor
from copro_feeds._serve import Server
from copro_feeds._store.sqlite import SQLiteStore


def get(base: str, path: str, method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def metrics(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


class Serving:
    def __init__(self, monitor: Monitor, url: str) -> None:
        self.monitor = monitor
        self.url = url


@contextmanager
def serving(project, *, count_runs: bool, clock=None) -> Iterator[Serving]:
    config = copro_feeds.load_config(project.config_path)
    project.public.mkdir(exist_ok=True)
    kwargs = {"clock": clock} if clock else {}
    with open_monitor(config, count_runs=count_runs, **kwargs) as monitor:
        server = Server(project.public, routes=monitor.routes)
        url = server.start()
        try:
            yield Serving(monitor, url)
        finally:
            server.stop()


@pytest.fixture
def standalone(project) -> Iterator[Serving]:
    """What `copro-feeds serve` runs: store-backed metrics only."""
    with serving(project, count_runs=False) as served:
        yield served


def aggregate(project, **kwargs):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        return aggregator.run_once(**kwargs)


# --- /healthz ---------------------------------------------------------------------------


def test_healthz_is_503_before_any_cycle(standalone):
    status, headers, body = get(standalone.url, "/healthz")
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert json.loads(body) == {
        "status": "failing",
        "problems": ["no cycle recorded in the store yet"],
        "last_cycle": None,
        "last_publish": None,
    }


def test_healthz_is_200_after_a_cycle_in_another_connection(project, standalone):
    aggregate(project)  # its own aggregator and store connection, as a daemon would have
    status, _, body = get(standalone.url, "/healthz")
    assert status == 200, body
    health = json.loads(body)
    assert health["status"] == "ok"
    assert health["problems"] == []
    assert health["last_cycle"]["tick_seconds"] == 1800
    assert 0 <= health["last_cycle"]["seconds_ago"] < 60
    assert health["last_publish"]["ok"] is True


def test_healthz_is_503_when_cycles_stop(project):
    aggregate(project, tick_seconds=60)
    later = datetime.now(UTC) + timedelta(seconds=150)
    with serving(project, count_runs=False, clock=lambda: later) as served:
        status, _, body = get(served.url, "/healthz")
        assert status == 503
        (problem,) = json.loads(body)["problems"]
        assert problem.startswith("the last cycle finished 15")
        assert problem.endswith("s ago, more than 2 tick intervals (2 x 60 s)")


def test_healthz_is_503_when_publishing_failed(project, standalone):
    project.public.rmdir()
    project.public.write_text("a file where the output folder should be")
    report = aggregate(project)
    status, _, body = get(standalone.url, "/healthz")
    assert status == 503
    health = json.loads(body)
    assert health["problems"] == [f"the last publish failed: {report.publish_error}"]
    assert health["last_publish"]["ok"] is False


def test_healthz_head_and_other_methods(project, standalone):
    aggregate(project)
    status, headers, body = get(standalone.url, "/healthz", method="HEAD")
    assert status == 200
    assert body == b""
    assert int(headers["Content-Length"]) > 0
    status, headers, _ = get(standalone.url, "/healthz", method="POST")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


def test_an_unreadable_store_is_503_with_the_reason(standalone):
    standalone.monitor.close()  # the store connection is gone
    status, _, body = get(standalone.url, "/healthz")
    assert status == 503
    (problem,) = json.loads(body)["problems"]
    assert problem.startswith("cannot read the store: database ")
    status, _, body = get(standalone.url, "/metrics")
    assert status == 503
    assert body.startswith(b"cannot read the store: ")


# --- /metrics ---------------------------------------------------------------------------


def test_metrics_come_from_the_store_beside_a_separate_run(project, standalone):
    aggregate(project)
    status, headers, body = get(standalone.url, "/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = metrics(body)
    names = {name for name, _ in samples}
    assert all(name.startswith("copro_feeds_") for name in names), names
    assert not any(name.startswith("copro_feeds_fetches") for name in names)  # not this process
    store = SQLiteStore.open(project.root / "copro_feeds.sqlite3")
    try:
        counts = store.entry_counts()
        states = store.states()
    finally:
        store.close()
    for key in ("scope", "centre-for-welfare-reform", "scottish-co-production-network"):
        labels = (("source", key),)
        assert samples["copro_feeds_source_entries", labels] == counts[key]
        success = states[key].last_success
        assert success is not None
        assert samples["copro_feeds_source_last_success_timestamp_seconds", labels] == (
            pytest.approx(success.timestamp())
        )
        assert samples["copro_feeds_source_consecutive_failures", labels] == 0
    assert sum(counts.values()) == 6
    assert samples["copro_feeds_healthy", ()] == 1
    assert samples["copro_feeds_tick_seconds", ()] == 1800
    assert 0 < samples["copro_feeds_last_cycle_duration_seconds", ()] < 60
    assert samples["copro_feeds_last_publish_success", ()] == 1
    assert 0 < samples["copro_feeds_last_publish_duration_seconds", ()] < 60
    published = samples["copro_feeds_last_publish_timestamp_seconds", ()]
    assert abs(published - datetime.now(UTC).timestamp()) < 120


def test_metrics_before_any_cycle_show_the_sources_unfetched(standalone):
    status, _, body = get(standalone.url, "/metrics")
    assert status == 200
    samples = metrics(body)
    assert samples["copro_feeds_source_entries", (("source", "scope"),)] == 0
    assert samples["copro_feeds_healthy", ()] == 0
    names = {name for name, _ in samples}
    assert "copro_feeds_source_last_success_timestamp_seconds" not in names
    assert "copro_feeds_last_publish_timestamp_seconds" not in names


def test_in_process_runs_are_counted_by_outcome_and_timed(project, feed_server):
    feed_server.serve("/cfwr/atom.xml", b"nope", status=500, content_type="text/plain")
    with serving(project, count_runs=True) as served:
        config = copro_feeds.load_config(project.config_path)
        with copro_feeds.make_aggregator(config) as aggregator:
            aggregator.add_observer(served.monitor.observe)
            aggregator.run_once()
            aggregator.run_once(all_sources=True)  # 304s (and the error again)
        samples = metrics(get(served.url, "/metrics")[2])
        assert samples["copro_feeds_fetches_total", (("outcome", "updated"),)] == 2
        assert samples["copro_feeds_fetches_total", (("outcome", "not modified"),)] == 2
        assert samples["copro_feeds_fetches_total", (("outcome", "error"),)] == 2
        assert samples["copro_feeds_fetch_duration_seconds_count", ()] == 6
        assert samples["copro_feeds_parse_duration_seconds_count", ()] == 2  # 304s unparsed
        assert samples["copro_feeds_fetch_duration_seconds_sum", ()] > 0
        assert not any(name.endswith("_created") for name, _ in samples)
        failures = samples[
            "copro_feeds_source_consecutive_failures", (("source", "centre-for-welfare-reform"),)
        ]
        assert failures == 2
