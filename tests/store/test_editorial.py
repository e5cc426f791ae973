"""Contract: editorial marks and the audit log (``edit``, ``editorial``, ``audit_log``)."""

from __future__ import annotations

from datetime import timedelta

from copro_feeds._editorial import short_ref
from copro_feeds.types import EditorialAction
from tests.factories import NOW, attribution, entry

ATTRIBUTIONS = {"scope": attribution("scope")}


def test_hide_marks_logs_and_bumps_the_generation_once(store):
    store.save_fetch(store.state("scope"), [entry(id="a"), entry(id="b")], frozenset(), NOW)
    stored = store.entries(ATTRIBUTIONS)
    generation = store.generation()
    records = store.edit(EditorialAction.HIDE, stored, reason="takedown", by="ann", now=NOW)
    assert [(r.action, r.entry_id, r.reason, r.by, r.at) for r in records] == [
        (EditorialAction.HIDE, "a", "takedown", "ann", NOW),
        (EditorialAction.HIDE, "b", "takedown", "ann", NOW),
    ]
    assert store.editorial().hidden == {("scope", "a"), ("scope", "b")}
    assert store.generation() == generation + 1
    again = store.edit(EditorialAction.HIDE, stored, reason="twice", by="ann", now=NOW)
    assert again == []  # already hidden: nothing logged, nothing to republish
    assert store.generation() == generation + 1
    assert store.audit_log() == records


def test_unhide_pin_and_unpin(store):
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    [stored] = store.entries(ATTRIBUTIONS)
    later = NOW + timedelta(hours=1)
    assert store.edit(EditorialAction.UNHIDE, [stored], reason=None, by=None, now=NOW) == []
    store.edit(EditorialAction.HIDE, [stored], reason="x", by=None, now=NOW)
    store.edit(EditorialAction.PIN, [stored], reason=None, by=None, now=later)
    marks = store.editorial()
    assert marks.hidden == {("scope", "post-1")}
    assert marks.pinned == {("scope", "post-1"): later}
    store.edit(EditorialAction.UNHIDE, [stored], reason="fixed", by=None, now=later)
    assert store.editorial().hidden == frozenset()
    assert store.editorial().pinned == {("scope", "post-1"): later}
    store.edit(EditorialAction.UNPIN, [stored], reason=None, by=None, now=later)
    assert store.editorial().pinned == {}
    assert [r.action for r in store.audit_log()] == [
        EditorialAction.HIDE,
        EditorialAction.PIN,
        EditorialAction.UNHIDE,
        EditorialAction.UNPIN,
    ]


def test_marks_and_log_survive_reopening(backend, store):
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    store.edit(EditorialAction.PIN, store.entries(ATTRIBUTIONS), reason="r", by="b", now=NOW)
    store.close()
    again = backend.open()
    try:
        assert again.editorial().pinned == {("scope", "post-1"): NOW}
        [record] = again.audit_log()
        assert (record.ref, record.title, record.link, record.reason, record.by) == (
            short_ref("scope", "post-1"),
            "A post",
            "https://scope.example/blog/post-1/",
            "r",
            "b",
        )
    finally:
        again.close()
