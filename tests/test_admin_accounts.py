"""Staff accounts and signing in with its throttle (``_admin/_accounts.py``), on a real store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from copro_feeds._admin._accounts import (
    FAILURE_LIMIT,
    LOCK_WINDOW,
    AccountError,
    SignInOutcome,
    add_account,
    change_password,
    remove_account,
    sign_in,
)
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds._types import Role
from tests.factories import NOW

PASSWORD = "a long enough password"


@pytest.fixture
def store(tmp_path):
    opened = SQLiteStore.open(tmp_path / "db.sqlite3")
    add_account(opened, "ann", Role.EDITOR, PASSWORD, NOW, by=None)
    yield opened
    opened.close()


def test_the_right_password_signs_in_and_a_wrong_one_does_not(store):
    result = sign_in(store, "ann", PASSWORD, "10.0.0.1", NOW)
    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.user == store.user("ann")
    assert sign_in(store, "ann", "wrong", "10.0.0.1", NOW).outcome is SignInOutcome.WRONG
    assert sign_in(store, "nobody", PASSWORD, "10.0.0.1", NOW).outcome is SignInOutcome.WRONG


def test_five_failures_for_an_account_lock_it_even_with_the_right_password(store):
    for attempt in range(FAILURE_LIMIT):
        address = f"10.0.0.{attempt}"  # spread over addresses: the account still locks
        assert sign_in(store, "ann", "wrong", address, NOW).outcome is SignInOutcome.WRONG
    locked = sign_in(store, "ann", PASSWORD, "10.9.9.9", NOW + timedelta(minutes=1))
    assert locked.outcome is SignInOutcome.LOCKED
    assert locked.user is None
    later = NOW + LOCK_WINDOW + timedelta(seconds=1)
    assert sign_in(store, "ann", PASSWORD, "10.9.9.9", later).outcome is SignInOutcome.SIGNED_IN


def test_five_failures_from_an_address_lock_it_for_every_account(store):
    add_account(store, "bob", Role.ADMIN, PASSWORD, NOW, by="ann")
    for attempt in range(FAILURE_LIMIT):
        sign_in(store, f"guess{attempt}", "wrong", "192.0.2.7", NOW)
    assert sign_in(store, "bob", PASSWORD, "192.0.2.7", NOW).outcome is SignInOutcome.LOCKED
    assert sign_in(store, "bob", PASSWORD, "192.0.2.8", NOW).outcome is SignInOutcome.SIGNED_IN


def test_successful_sign_ins_do_not_count(store):
    for _ in range(FAILURE_LIMIT + 2):
        assert sign_in(store, "ann", PASSWORD, "10.0.0.1", NOW).outcome is SignInOutcome.SIGNED_IN
    for _ in range(FAILURE_LIMIT - 1):
        sign_in(store, "ann", "wrong", "10.0.0.1", NOW)
    assert sign_in(store, "ann", PASSWORD, "10.0.0.1", NOW).outcome is SignInOutcome.SIGNED_IN


def test_account_changes_refuse_what_cannot_be_done(store):
    with pytest.raises(AccountError, match="already a user called 'ann'"):
        add_account(store, "ann", Role.ADMIN, PASSWORD, NOW, by=None)
    with pytest.raises(AccountError, match="letters, digits"):
        add_account(store, "-ann", Role.ADMIN, PASSWORD, NOW, by=None)
    with pytest.raises(AccountError, match="at least 10"):
        add_account(store, "cy", Role.ADMIN, "short", NOW, by=None)
    with pytest.raises(AccountError, match="no user called 'zoe'"):
        change_password(store, "zoe", PASSWORD, NOW, by=None)
    with pytest.raises(AccountError, match="no user called 'zoe'"):
        remove_account(store, "zoe", NOW, by=None)
    assert [u.name for u in store.users()] == ["ann"]
    change_password(store, "ann", "another long password", NOW, by="root")
    assert sign_in(store, "ann", PASSWORD, "h", NOW).outcome is SignInOutcome.WRONG
    remove_account(store, "ann", NOW, by="root")
    assert store.users() == []
    # each change, and only the changes, is in the audit log with who made it
    assert [(a.by, a.action, a.subject) for a in store.staff_actions()] == [
        (None, "added account", "ann (editor)"),
        ("root", "set a new password", "ann"),
        ("root", "removed account", "ann"),
    ]
