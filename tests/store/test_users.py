"""Contract: staff accounts, failed sign-ins and the session secret (the web app's needs)."""

from __future__ import annotations

import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds._types import Role, StaffAction, StaffUser
from tests.factories import NOW


def staff(name="ann", role=Role.EDITOR, password_hash="$argon2id$one"):
    return StaffUser(name=name, role=role, password_hash=password_hash, created=NOW)


def test_accounts_are_added_read_listed_and_removed(store):
    assert store.users() == []
    assert store.user("ann") is None
    assert store.add_user(staff("ann"))
    assert store.add_user(staff("Bob", Role.ADMIN))
    assert store.user("ann") == staff("ann")
    assert store.user("ANN") is None  # names are compared exactly
    assert [user.name for user in store.users()] == ["Bob", "ann"]
    assert store.remove_user("ann")
    assert not store.remove_user("ann")
    assert [user.name for user in store.users()] == ["Bob"]


def test_a_taken_name_is_refused_and_the_first_account_kept(store):
    assert store.add_user(staff("ann", Role.EDITOR, "first"))
    assert not store.add_user(staff("ann", Role.ADMIN, "second"))
    assert store.user("ann") == staff("ann", Role.EDITOR, "first")


def test_a_password_hash_is_replaced_only_for_an_existing_account(store):
    store.add_user(staff("ann"))
    assert store.set_password("ann", "$argon2id$two")
    assert store.user("ann").password_hash == "$argon2id$two"
    assert not store.set_password("nobody", "x")
    assert store.user("nobody") is None


def test_signing_out_is_recorded_per_account(store):
    store.add_user(staff("ann"))
    store.add_user(staff("bob"))
    assert store.user("ann").signed_out is None
    store.sign_out("ann", NOW + timedelta(hours=1))
    store.sign_out("nobody", NOW)  # no such account: nothing happens
    assert store.user("ann").signed_out == NOW + timedelta(hours=1)
    assert store.user("bob").signed_out is None
    assert store.user("nobody") is None


def test_times_come_back_aware_utc_to_the_microsecond(store):
    created = NOW.replace(microsecond=123456)
    store.add_user(StaffUser(name="ann", role=Role.ADMIN, password_hash="h", created=created))
    assert store.user("ann").created == created


def test_a_naive_creation_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        StaffUser(name="a", role=Role.EDITOR, password_hash="h", created=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        StaffUser(
            name="a",
            role=Role.EDITOR,
            password_hash="h",
            created=NOW,
            signed_out=NOW.replace(tzinfo=None),
        )


def test_failed_sign_ins_are_counted_per_key_since_a_time_and_forgotten_when_old(store):
    minute = timedelta(minutes=1)
    old = NOW - timedelta(days=2)
    store.note_failed_sign_in(["user:ann", "addr:1"], old, forget_before=old - minute)
    for offset in range(3):
        store.note_failed_sign_in(
            ["user:ann", "addr:1"], NOW + offset * minute, forget_before=NOW - timedelta(days=1)
        )
    store.note_failed_sign_in(["addr:1"], NOW + 5 * minute, forget_before=NOW)
    assert store.failed_sign_ins("user:ann", NOW) == 3
    assert store.failed_sign_ins("user:ann", NOW + minute) == 2
    assert store.failed_sign_ins("addr:1", NOW) == 4
    # the record from two days ago was forgotten, not merely outside the window
    assert store.failed_sign_ins("user:ann", old) == 3
    assert store.failed_sign_ins("user:bob", old) == 0


def test_the_session_secret_is_the_first_one_stored(backend):
    first, second = backend.open(), backend.open()
    try:
        assert first.session_secret("alpha") == "alpha"
        assert second.session_secret("beta") == "alpha"
        assert first.session_secret("gamma") == "alpha"
    finally:
        first.close()
        second.close()


def test_copies_starting_at_once_agree_on_one_secret(backend):
    stores = [backend.open() for _ in range(4)]
    barrier = threading.Barrier(len(stores))

    def first_start(pair):
        number, store = pair
        barrier.wait()
        return store.session_secret(f"candidate {number}")

    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            secrets = set(pool.map(first_start, enumerate(stores)))
        assert len(secrets) == 1
        assert secrets <= {f"candidate {number}" for number in range(len(stores))}
    finally:
        for store in stores:
            store.close()


def test_the_sqlite_file_becomes_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = SQLiteStore.open(path)
    try:
        path.chmod(0o644)
        store.session_secret("s")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)
        store.add_user(staff())
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if companion.exists():
                assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0
    finally:
        store.close()


def test_staff_actions_are_kept_in_order_with_aware_times(store):
    assert store.staff_actions() == []
    first = StaffAction(at=NOW, by="ann", action="disabled partner", subject="Scope")
    second = StaffAction(
        at=NOW - timedelta(hours=1, microseconds=7), by=None, action="added account", subject="cy"
    )
    store.record_staff_action(first)
    store.record_staff_action(second)
    assert store.staff_actions() == [first, second]  # in the order recorded
    with pytest.raises(ValueError, match="timezone-aware"):
        StaffAction(at=NOW.replace(tzinfo=None), by=None, action="x", subject="y")
