"""The facade's publishing: when to render, the fingerprint, health records
(copro_feeds._publishing). WebSub pings: tests/test_websub.py."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import copro_feeds
from copro_feeds import Outcome, _publishing
from copro_feeds._health import CycleRecord, last_cycle
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.config import Config
from copro_feeds.exceptions import StoreError

# After the test partners' months (February and March 2026) are over, as by the real clock
# the runs below use: the archive is the same either way.
NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)


def run(project, **kwargs):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        return aggregator.run_once(**kwargs), aggregator.entries(), aggregator.status()


def publish(config: Config, **flags: bool) -> list[Path]:
    store = SQLiteStore.open(config.storage.path)
    try:
        return _publishing.publish_if_needed(
            config,
            store,
            NOW,
            since=time.monotonic(),
            force=flags.get("force", False),
            changed=False,
        )
    finally:
        store.close()


def test_a_failed_publish_is_reported_and_retried_next_cycle(project):
    project.public.write_text("a file where the output folder should be")
    report, _, _ = run(project)
    assert report.new_entries == 6  # stored all the same
    assert "cannot create the output folder" in report.publish_error
    assert "publishing failed" in report.summary()
    project.public.unlink()
    report, _, _ = run(project, all_sources=True)  # nothing new: 304s
    assert report.count(Outcome.NOT_MODIFIED) == 3
    assert report.publish_error is None
    assert (project.public / "atom.xml").exists()


def test_nothing_is_rendered_when_nothing_changed(project):
    run(project)
    config = copro_feeds.load_config(project.config_path)
    assert publish(config) == []
    assert publish(config, force=True) == []  # rendered again: no file's bytes changed


def test_a_missing_file_means_publishing(project):
    run(project)
    (project.public / "feed.json").unlink()
    config = copro_feeds.load_config(project.config_path)
    assert project.public / "feed.json" in publish(config)


def test_a_change_in_what_shapes_the_outputs_means_publishing(project):
    run(project)
    text = project.config_path.read_text(encoding="utf-8")
    moved = text.replace(
        'homepage = "https://scope.test/"', 'homepage = "https://scope.test/home/"'
    )
    project.config_path.write_text(moved, encoding="utf-8")
    assert publish(copro_feeds.load_config(project.config_path)) != []


def test_a_record_that_cannot_be_kept_is_logged_not_raised(tmp_path, caplog):
    store = SQLiteStore.open(tmp_path / "db.sqlite3")
    record = CycleRecord(finished=NOW, tick_seconds=60.0, seconds=1.0)
    try:
        _publishing.record(store, record)
        assert last_cycle(store) == record
    finally:
        store.close()

    class Broken:
        def set_meta(self, key: str, value: str) -> None:
            raise StoreError("the disk is full")

    with caplog.at_level(logging.WARNING, logger="copro_feeds"):
        _publishing.record(Broken(), record)  # type: ignore[arg-type]
    assert "could not record the CycleRecord for /healthz: the disk is full" in caplog.text


def test_the_first_run_publishes_through_it(project):
    report, _, _ = run(project)
    assert report.count(Outcome.UPDATED) == 3
    assert str(project.public / "atom.xml") in report.files_written


def test_archived_feeds_are_told_apart_in_every_language_from_a_partner_called_archive():
    assert _publishing._archived(("archive", "2026-02", "atom.xml"))
    assert _publishing._archived(("en", "archive", "2026-02", "feed.json"))
    assert not _publishing._archived(("sources", "archive", "atom.xml"))  # a partner's slug
    assert not _publishing._archived(("en", "atom.xml"))
