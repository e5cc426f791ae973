"""Who is signed in: Flask's signed session cookie, with idle expiry and a new id at sign-in.

The cookie is signed with the session secret, not encrypted: it holds the user's name, a
session id, when the session began and was last used, and a fingerprint of the password
hash, so a new password or a removed account ends every open session. Signing out ends
every session of that account, on every device (the store keeps when; a copied cookie
is refused afterwards). The cookie is ``HttpOnly``, ``SameSite=Lax``, and ``Secure``
whenever the request came over https (directly, or through a reverse proxy on this
machine that says so).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface

from copro_feeds._store import Store
from copro_feeds._types import StaffUser

COOKIE_NAME = "copro_admin_session"
IDLE_TIMEOUT = timedelta(minutes=30)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, ``Secure`` exactly when the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def configure(app: Flask) -> None:
    """Cookie settings for ``app`` (the secret is set by whoever builds the app)."""
    app.session_interface = SessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )


def _fingerprint(user: StaffUser) -> str:
    """A short digest of the password hash: changes with the password."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def begin(user: StaffUser, now: datetime) -> None:
    """Sign ``user`` in: everything the session held before is dropped, and a new id given."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(24)
    session["user"] = user.name
    session["stamp"] = _fingerprint(user)
    session["began"] = session["seen"] = now.timestamp()


def end(store: Store, user: StaffUser, now: datetime) -> None:
    """Sign ``user`` out here and everywhere: the session is emptied, and every session of
    the account begun until ``now`` is refused from now on."""
    store.sign_out(user.name, now)
    session.clear()


def signed_in(store: Store, now: datetime, idle: timedelta) -> StaffUser | None:
    """The signed-in user, or None: no session, idle too long, account gone or password changed.

    A session that is no longer valid is emptied; a valid one is marked as seen ``now``.
    """
    name = session.get("user")
    if not isinstance(name, str):
        return None
    seen, began = session.get("seen"), session.get("began")
    user = store.user(name)
    fresh = isinstance(seen, float) and now.timestamp() - seen <= idle.total_seconds()
    ended = (
        user is not None
        and user.signed_out is not None
        and (not isinstance(began, float) or began < user.signed_out.timestamp())
    )
    if user is None or not fresh or ended or session.get("stamp") != _fingerprint(user):
        session.clear()
        return None
    session["seen"] = now.timestamp()
    return user
