"""Who is signed in (``_admin/_session.py``), over the served app: the cookie's flags, a
new session at sign-in, idle expiry, signing out everywhere, a new password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from copro_feeds._admin._accounts import change_password
from copro_feeds._admin._session import COOKIE_NAME
from tests.admin_site import admin_project, serve_app


@pytest.fixture
def site(tmp_path, feed_server):
    with serve_app(admin_project(tmp_path, feed_server), idle=timedelta(minutes=30)) as served:
        yield served


def read_cookie(site, value: str) -> dict:
    """What a session cookie holds (it is signed, not encrypted)."""
    app = Flask("reader")
    app.secret_key = site.secret
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(value)


def test_the_cookie_is_httponly_samesite_lax_and_secure_over_https(site):
    client = site.client()
    answer = client.sign_in()
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE_NAME + "=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1
    over_tls = site.client()
    login = over_tls.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" in login.headers["Set-Cookie"]  # the local proxy said https


def test_a_session_from_before_sign_in_is_not_kept_after_it(site):
    client = site.client()
    client.get("/login")
    before = client.http.cookies[COOKIE_NAME]
    planted = read_cookie(site, before)
    assert "user" not in planted
    assert client.sign_in().status_code == 303
    after = client.http.cookies[COOKIE_NAME]
    signed_in = read_cookie(site, after)
    assert signed_in["user"] == "ann"
    assert signed_in["sid"]
    assert signed_in.get("csrf_token") != planted.get("csrf_token")  # nothing carried over
    assert set(planted) - {"csrf_token"} == set()
    # whoever kept the cookie from before sign-in is still signed out
    stranger = site.client()
    stranger.http.cookies.set(COOKIE_NAME, before)
    assert stranger.get("/entries").headers["Location"] == "/login"
    # and signing in again gives another session id
    again = site.client()
    again.sign_in()
    assert read_cookie(site, again.http.cookies[COOKIE_NAME])["sid"] != signed_in["sid"]


def test_a_session_idle_too_long_ends_and_a_used_one_stays(site):
    client = site.client()
    client.sign_in()
    for _ in range(3):  # used every 20 minutes: it lives on
        site.clock.now += timedelta(minutes=20)
        assert client.get("/entries").status_code == 200
    site.clock.now += site.idle + timedelta(seconds=1)
    assert client.get("/entries").headers["Location"] == "/login"
    assert client.get("/entries").headers["Location"] == "/login"  # and it stays ended


def test_signing_out_ends_the_session_even_for_a_copied_cookie(site):
    client = site.client()
    client.sign_in()
    copied = client.http.cookies[COOKIE_NAME]
    other_device = site.client()
    other_device.sign_in()
    site.clock.now += timedelta(seconds=1)
    answer = client.submit("/entries", "/logout")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/login")
    assert client.get("/entries").headers["Location"] == "/login"
    thief = site.client()
    thief.http.cookies.set(COOKIE_NAME, copied)
    assert thief.get("/entries").headers["Location"] == "/login"
    assert other_device.get("/entries").headers["Location"] == "/login"  # everywhere
    site.clock.now += timedelta(seconds=1)
    assert client.sign_in().status_code == 303  # signing in again works
    assert client.get("/entries").status_code == 200


def test_a_new_password_or_a_removed_account_ends_open_sessions(site):
    editor, admin = site.client(), site.client()
    editor.sign_in()
    admin.sign_in("root")
    change_password(site.store, "ann", "a different long password", site.clock.now, by="root")
    assert editor.get("/entries").headers["Location"] == "/login"
    site.store.remove_user("root")
    assert admin.get("/entries").headers["Location"] == "/login"
