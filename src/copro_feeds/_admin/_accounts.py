"""Staff accounts: adding, removing, new passwords (each recorded in the audit log with who
did it), and signing in with its throttle.

Used by the ``copro-feeds user`` commands and by the web app, over any
:class:`~copro_feeds._store.Store`. Signing in is throttled: after
:data:`FAILURE_LIMIT` failed attempts within :data:`LOCK_WINDOW` for one account, or from
one address, every attempt for that account or from that address is refused, even with
the right password, until the window has passed. Successful sign-ins are not counted.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from copro_feeds._admin._passwords import hash_password, password_problem, verify_password
from copro_feeds._store import Store
from copro_feeds._types import Role, StaffAction, StaffUser

FAILURE_LIMIT = 5
LOCK_WINDOW = timedelta(minutes=15)
_FORGET_AFTER = timedelta(days=1)  # failed sign-ins older than this are deleted
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class AccountError(ValueError):
    """A request about accounts that cannot be done; ``str()`` says why, in plain words."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an account name; None when it can."""
    if not _NAME.fullmatch(name):
        return (
            "a user name is 1 to 64 letters, digits, dots, hyphens, underscores or @, "
            "starting with a letter or digit"
        )
    return None


def add_account(
    store: Store, name: str, role: Role, password: str, now: datetime, *, by: str | None
) -> StaffUser:
    """Add an account; AccountError when the name or password cannot be used or is taken."""
    problem = name_problem(name) or password_problem(password)
    if problem:
        raise AccountError(problem)
    user = StaffUser(name=name, role=role, password_hash=hash_password(password), created=now)
    if not store.add_user(user):
        raise AccountError(f"there is already a user called {name!r}")
    _record(store, now, by, "added account", f"{name} ({role.value})")
    return user


def change_password(
    store: Store, name: str, password: str, now: datetime, *, by: str | None
) -> None:
    """Give ``name`` a new password; AccountError when it cannot be used or no such user."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if not store.set_password(name, hash_password(password)):
        raise AccountError(f"there is no user called {name!r}")
    _record(store, now, by, "set a new password", name)


def remove_account(store: Store, name: str, now: datetime, *, by: str | None) -> None:
    """Delete the account ``name``; AccountError when there is none."""
    if not store.remove_user(name):
        raise AccountError(f"there is no user called {name!r}")
    _record(store, now, by, "removed account", name)


def _record(store: Store, now: datetime, by: str | None, action: str, subject: str) -> None:
    store.record_staff_action(StaffAction(at=now, by=by, action=action, subject=subject))


class SignInOutcome(enum.Enum):
    """What came of an attempt to sign in."""

    SIGNED_IN = "signed in"
    WRONG = "wrong name or password"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class SignIn:
    """An attempt's outcome, and the account when it succeeded."""

    outcome: SignInOutcome
    user: StaffUser | None = None


def _keys(name: str, address: str) -> list[str]:
    return [f"user:{name}", f"address:{address}"]


def sign_in(store: Store, name: str, password: str, address: str, now: datetime) -> SignIn:
    """Check a name and password from ``address``, under the throttle (module docstring)."""
    since = now - LOCK_WINDOW
    if any(store.failed_sign_ins(key, since) >= FAILURE_LIMIT for key in _keys(name, address)):
        return SignIn(SignInOutcome.LOCKED)
    user = store.user(name)
    if verify_password(user.password_hash if user else None, password) and user is not None:
        return SignIn(SignInOutcome.SIGNED_IN, user)
    store.note_failed_sign_in(_keys(name, address), now, forget_before=now - _FORGET_AFTER)
    return SignIn(SignInOutcome.WRONG)
