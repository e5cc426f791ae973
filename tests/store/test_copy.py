"""``copy_store`` (``db copy``): SQLite → an empty PostgreSQL database (``_store/_copy.py``,
``_store/_dump.py``, ``sqlite/_dump.py``, ``postgresql/_load.py``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from copro_feeds._store import copy_store
from copro_feeds._store.postgresql import PostgreSQLStore
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds._types import Role, StaffAction, StaffUser
from copro_feeds.exceptions import StoreError
from copro_feeds.types import EditorialAction, Enclosure
from tests.factories import NOW, attribution, entry

BOTH = {"scope": attribution("scope"), "other": attribution("other")}
AUDIO = Enclosure(url="https://scope.example/ep1.mp3", type="audio/mpeg", length=24_000_000)
VIDEO = Enclosure(url="https://scope.example/talk.mp4", type="video/mp4", length=None)


def filled_sqlite(path):
    store = SQLiteStore.open(path)
    store.sync_sources({"scope": "https://scope.example/", "other": "https://other.example/"})
    odd = NOW + timedelta(microseconds=7)
    state = replace(store.state("scope"), etag='"e"', next_due=odd, gone=True, failures=2)
    store.save_fetch(
        state,
        [
            entry(id="a", authors=("Ann", "Bo"), enclosures=(AUDIO, VIDEO)),
            entry(id="b", published=odd, language="cy", fingerprint=(0, 7, 2**32 - 1)),
        ],
        frozenset({"b"}),
        NOW,
        items={"digest-a": "a", "digest-b": "b"},
    )
    store.save_fetch(store.state("other"), [entry(id="c", attribution=attribution("other"))],
                     frozenset(), NOW)  # fmt: skip
    stored = store.entries(BOTH)
    store.edit(EditorialAction.HIDE, stored[:1], reason="r", by="ann", now=NOW)
    store.edit(EditorialAction.PIN, stored[1:2], reason=None, by=None, now=odd)
    store.set_meta("fingerprint", "abc")
    store.add_user(StaffUser(name="ann", role=Role.ADMIN, password_hash="$argon2id$a", created=NOW))
    store.add_user(
        StaffUser(name="bo", role=Role.EDITOR, password_hash="$argon2id$b", created=odd,
                  signed_out=odd + timedelta(hours=1))
    )  # fmt: skip
    store.note_failed_sign_in(["user:bo", "addr:127.0.0.1"], odd, forget_before=NOW)
    store.record_staff_action(StaffAction(at=odd, by="ann", action="added account", subject="bo"))
    store.record_staff_action(StaffAction(at=NOW, by=None, action="disabled partner", subject="x"))
    store.session_secret("the secret")
    return store


def everything(store):
    return (
        store.states(),
        store.entries(BOTH),
        store.editorial(),
        store.audit_log(),
        store.generation(),
        store.get_meta("fingerprint"),
        store.users(),
        store.failed_sign_ins("user:bo", NOW),
        store.failed_sign_ins("addr:127.0.0.1", NOW),
        store.staff_actions(),
        store.session_secret("not this one"),
        store.known_items("scope"),
        store.known_items("other"),
    )


def test_everything_stored_is_copied_and_edits_carry_on(tmp_path, postgres_url):
    source = filled_sqlite(tmp_path / "db.sqlite3")
    expected = everything(source)
    source.close()
    counts = copy_store(tmp_path / "db.sqlite3", postgres_url)
    assert counts == {
        "sources": 2,
        "entries": 3,
        "items": 2,
        "editorial": 2,
        "audit_log": 2,
        "meta": 3,  # the generation, the fingerprint, the session secret
        "staff_users": 2,
        "sign_in_failures": 2,
        "staff_actions": 2,
    }
    target = PostgreSQLStore.open(postgres_url)
    try:
        assert everything(target) == expected
        assert {e.id: (e.enclosures, tuple(e.fingerprint)) for e in expected[1]} == {
            "a": ((AUDIO, VIDEO), ()),
            "b": ((), (0, 7, 2**32 - 1)),
            "c": ((), ()),
        }  # so the comparison above is of real enclosures
        copied = {e.id: tuple(e.fingerprint) for e in target.entries(BOTH)}
        assert copied == {e.id: tuple(e.fingerprint) for e in expected[1]}  # not compared above
        # Digests came along: a refetch of the same entries changes nothing.
        again = target.save_fetch(
            target.state("scope"),
            [entry(id="a", authors=("Ann", "Bo"), enclosures=(AUDIO, VIDEO))],
            frozenset(),
            NOW,
        )
        assert (again.new, again.updated) == (0, 0)
        [record] = target.edit(
            EditorialAction.UNPIN, expected[1][1:2], reason=None, by=None, now=NOW
        )
        assert target.audit_log() == [*expected[3], record]
        # The logs carry on after the copied rows; accounts work as before.
        later = StaffAction(at=NOW, by="bo", action="enabled partner", subject="x")
        target.record_staff_action(later)
        assert target.staff_actions() == [*expected[9], later]
        target.note_failed_sign_in(["user:bo"], NOW, forget_before=NOW)
        assert target.failed_sign_ins("user:bo", NOW) == 2
        assert target.set_password("bo", "$argon2id$c")
        assert not target.add_user(expected[6][0])
    finally:
        target.close()


def test_a_database_holding_anything_is_refused_and_left_alone(tmp_path, postgres_url):
    filled_sqlite(tmp_path / "db.sqlite3").close()
    PostgreSQLStore.upgrade(postgres_url)
    target = PostgreSQLStore.open(postgres_url)
    target.set_meta("mine", "keep")
    with pytest.raises(StoreError, match=r"is not empty \(meta: 1 rows\): db copy only copies"):
        copy_store(tmp_path / "db.sqlite3", postgres_url)
    assert target.states() == {}
    assert target.get_meta("mine") == "keep"
    target.close()


def test_a_missing_sqlite_file_is_an_error_and_creates_nothing(tmp_path, postgres_url):
    with pytest.raises(StoreError, match="no SQLite database at"):
        copy_store(tmp_path / "missing.sqlite3", postgres_url)
    assert not (tmp_path / "missing.sqlite3").exists()
