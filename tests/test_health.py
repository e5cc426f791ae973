"""Health records: what the aggregator writes to the store, and the verdict on them."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

import copro_feeds
from copro_feeds import Outcome
from copro_feeds._health import (
    CYCLE_KEY,
    PUBLISH_KEY,
    CycleRecord,
    PublishRecord,
    assess,
    last_cycle,
    last_publish,
    record_cycle,
    record_publish,
)
from copro_feeds._store.sqlite import SQLiteStore
from tests.conftest import PARTNERS, RSS

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def cycle(seconds_ago: float, tick: float = 60.0) -> CycleRecord:
    return CycleRecord(finished=NOW - timedelta(seconds=seconds_ago), tick_seconds=tick)


# --- the verdict (pure) -----------------------------------------------------------------


def test_no_cycle_yet_is_unhealthy():
    health = assess(None, None, NOW)
    assert not health.healthy
    assert health.problems == ("no cycle recorded in the store yet",)
    assert health.as_json()["status"] == "failing"
    assert health.as_json()["last_cycle"] is None


def test_a_recent_cycle_is_healthy_up_to_two_ticks():
    assert assess(cycle(5), None, NOW).healthy
    assert assess(cycle(120), None, NOW).healthy  # exactly two ticks
    late = assess(cycle(121), None, NOW)
    assert not late.healthy
    assert late.problems == (
        "the last cycle finished 121 s ago, more than 2 tick intervals (2 x 60 s)",
    )


def test_a_cycle_longer_than_the_tick_stretches_it():
    """The daemon never overlaps cycles: 5-minute cycles on a 1-minute tick finish 5
    minutes apart, and that is healthy; a cycle stuck past two lengths is not."""
    long = CycleRecord(finished=NOW - timedelta(seconds=590), tick_seconds=60, seconds=300)
    assert long.expected_seconds == 300
    assert assess(long, None, NOW).healthy
    stuck = CycleRecord(finished=NOW - timedelta(seconds=601), tick_seconds=60, seconds=300)
    assert assess(stuck, None, NOW).problems == (
        "the last cycle finished 601 s ago, more than 2 tick intervals "
        "(2 x 300 s, the length of the last cycle)",
    )


def test_a_failed_publish_is_unhealthy_and_says_why():
    failed = PublishRecord(finished=NOW, seconds=0.25, error="cannot write atom.xml: disk full")
    health = assess(cycle(5), failed, NOW)
    assert health.problems == ("the last publish failed: cannot write atom.xml: disk full",)
    body = health.as_json()
    assert body["last_publish"] == {
        "finished": "2026-03-02T12:00:00.000000Z",
        "seconds": 0.25,
        "ok": False,
        "error": "cannot write atom.xml: disk full",
    }


def test_both_problems_are_listed():
    failed = PublishRecord(finished=NOW, seconds=1.0, error="boom")
    assert len(assess(cycle(600), failed, NOW).problems) == 2


def test_healthy_body():
    ok = PublishRecord(finished=NOW - timedelta(seconds=30), seconds=0.1234)
    body = assess(cycle(30, tick=1800), ok, NOW).as_json()
    assert body == {
        "status": "ok",
        "problems": [],
        "last_cycle": {
            "finished": "2026-03-02T11:59:30.000000Z",
            "seconds_ago": 30.0,
            "seconds": 0.0,
            "tick_seconds": 1800,
        },
        "last_publish": {
            "finished": "2026-03-02T11:59:30.000000Z",
            "seconds": 0.123,
            "ok": True,
            "error": None,
        },
    }


def test_records_reject_naive_times():
    with pytest.raises(ValueError, match="aware UTC"):
        CycleRecord(finished=datetime(2026, 1, 1), tick_seconds=60)


# --- records in a real store -------------------------------------------------------------


def test_records_round_trip_through_the_store(tmp_path):
    store = SQLiteStore.open(tmp_path / "db.sqlite3")
    try:
        assert last_cycle(store) is None
        assert last_publish(store) is None
        record_cycle(store, CycleRecord(finished=NOW, tick_seconds=90, seconds=2.5))
        record_publish(store, PublishRecord(finished=NOW, seconds=0.5, error="x"))
    finally:
        store.close()
    # another connection, as another process has
    store = SQLiteStore.open(tmp_path / "db.sqlite3")
    try:
        assert last_cycle(store) == CycleRecord(finished=NOW, tick_seconds=90, seconds=2.5)
        assert last_publish(store) == PublishRecord(finished=NOW, seconds=0.5, error="x")
    finally:
        store.close()


@pytest.mark.parametrize("garbage", ["", "not json", "[1, 2]", '{"finished": "yesterday"}', "{}"])
def test_unreadable_records_read_as_none(tmp_path, garbage):
    store = SQLiteStore.open(tmp_path / "db.sqlite3")
    try:
        store.set_meta(CYCLE_KEY, garbage)
        store.set_meta(PUBLISH_KEY, garbage)
        assert last_cycle(store) is None
        assert last_publish(store) is None
    finally:
        store.close()


# --- what the aggregator records -----------------------------------------------------------


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_run_once_records_the_cycle_and_the_publish(project):
    config = copro_feeds.load_config(project.config_path)
    clock = Clock(datetime.now(UTC))
    with copro_feeds.make_aggregator(config, clock=clock) as aggregator:
        report = aggregator.run_once()
        store = aggregator._store
        recorded = last_cycle(store)
        assert recorded is not None
        # One reading of the clock per run: finished = its start plus the time it took.
        assert recorded.finished == clock.now + timedelta(seconds=recorded.seconds)
        assert recorded.tick_seconds == 1800.0  # 30m
        assert 0 < recorded.seconds < 60
        published = last_publish(store)
        assert published is not None
        assert published.error is None
        assert clock.now < published.finished < recorded.finished
        assert 0 < published.seconds < 60
        assert report.files_written
        # The daemon says how often it ticks; a later cycle replaces the record.
        clock.now += timedelta(minutes=1)
        aggregator.run_once(tick_seconds=60)
        again = last_cycle(store)
        assert again is not None
        assert again.finished == clock.now + timedelta(seconds=again.seconds)
        assert again.tick_seconds == 60
        assert last_publish(store) == published  # nothing changed: nothing published
        assert assess(last_cycle(store), last_publish(store), clock.now).healthy


def test_the_tick_of_a_plain_update_is_the_shortest_enabled_interval(project, feed_server):
    project.write_config(
        f"""
[[sources]]
name = "Scope"
url = "{feed_server.url("/scope/feed/")}"
interval = "10m"

[[sources]]
name = "Off"
url = "{feed_server.url("/cfwr/atom.xml")}"
interval = "1m"
enabled = false
"""
    )
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        assert aggregator.shortest_interval() == 600
        aggregator.run_once()
        recorded = last_cycle(aggregator._store)
    assert recorded is not None
    assert recorded.tick_seconds == 600


def test_a_failed_publish_is_recorded_then_cleared(project):
    project.public.write_text("a file where the output folder should be")
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
        failed = last_publish(aggregator._store)
        assert failed is not None
        assert failed.error == report.publish_error
        assert "cannot create the output folder" in failed.error
        health = assess(last_cycle(aggregator._store), failed, datetime.now(UTC))
        assert not health.healthy
        project.public.unlink()
        aggregator.run_once(all_sources=True)
        mended = last_publish(aggregator._store)
        assert mended is not None
        assert mended.error is None


def test_results_carry_fetch_and_parse_times(project):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        first = aggregator.run_once()
        second = aggregator.run_once(all_sources=True)
    for result in first.results:
        assert result.outcome is Outcome.UPDATED
        assert result.fetch_seconds is not None
        assert 0 < result.fetch_seconds < 30
        assert result.parse_seconds is not None
        assert 0 < result.parse_seconds < 30
    for result in second.results:
        assert result.outcome is Outcome.NOT_MODIFIED
        assert result.fetch_seconds is not None
        assert result.parse_seconds is None  # a 304 is not parsed


def test_discovery_requests_count_as_fetching(project, feed_server):
    body = (PARTNERS / "scope.rss.xml").read_bytes()

    def slow_feed(request):
        time.sleep(0.6)
        request.send_response(200)
        request.send_header("Content-Type", RSS)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    feed_server.route("/slow/feed", slow_feed)
    feed_server.serve(
        "/home",
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/slow/feed">'
        b"</head></html>",
        content_type="text/html",
    )
    project.write_config(f'[[sources]]\nname = "Home"\nurl = "{feed_server.url("/home")}"\n')
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        (result,) = aggregator.run_once().results
    assert result.outcome is Outcome.UPDATED, result.error
    assert result.fetch_seconds is not None
    assert result.fetch_seconds >= 0.6  # the page, then the slow feed it advertises
    assert result.parse_seconds is not None  # the page tried as a feed, then the feed


def test_observers_see_each_report_and_cannot_break_a_run(project, caplog):
    seen = []

    def broken(report):
        raise RuntimeError("observer bug")

    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        aggregator.add_observer(broken)
        aggregator.add_observer(seen.append)
        with caplog.at_level(logging.ERROR, logger="copro_feeds"):
            report = aggregator.run_once()
    assert seen == [report]
    assert "observer bug" in caplog.text
