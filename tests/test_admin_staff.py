"""Signing in and out, and the staff accounts page (``_admin/_staff.py``), served for real."""

from __future__ import annotations

import pytest

from copro_feeds._admin._accounts import FAILURE_LIMIT
from tests.admin_site import ADMIN, EDITOR, PASSWORD, admin_project, serve_app


@pytest.fixture
def site(tmp_path, feed_server):
    with serve_app(admin_project(tmp_path, feed_server)) as served:
        yield served


def from_address(client, address: str, name: str, password: str):
    """Sign in as if through the local reverse proxy, for a client at ``address``."""
    token = client.token("/login")
    return client.post(
        "/login",
        {"csrf_token": token, "username": name, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_a_wrong_password_says_so_on_the_field_and_signs_nobody_in(site):
    client = site.client()
    answer = client.sign_in(EDITOR, "not the password")
    assert answer.status_code == 401
    assert "The user name or password is wrong." in answer.text
    assert 'href="#password"' in answer.text  # the summary links to the field
    assert 'aria-describedby="password-error"' in answer.text
    assert "<title>Error: Sign in" in answer.text
    assert client.get("/entries").headers["Location"] == "/login"
    empty = client.submit("/login", "/login", {"username": "", "password": ""})
    assert empty.status_code == 400
    assert 'href="#username">Enter your user name</a>' in empty.text


def test_the_throttle_holds_for_an_account_and_for_an_address(site):
    attacker = site.client()
    for attempt in range(FAILURE_LIMIT):
        answer = from_address(attacker, f"198.51.100.{attempt}", EDITOR, "guess")
        assert answer.status_code == 401
    locked = from_address(attacker, "198.51.100.99", EDITOR, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    assert attacker.get("/entries").headers["Location"] == "/login"
    # one address guessing at many accounts is stopped too
    for attempt in range(FAILURE_LIMIT):
        from_address(attacker, "203.0.113.7", f"guess{attempt}", "guess")
    assert from_address(site.client(), "203.0.113.7", ADMIN, PASSWORD).status_code == 429
    # someone else, elsewhere, is not locked out
    assert from_address(site.client(), "192.0.2.1", ADMIN, PASSWORD).status_code == 303


def test_admins_add_and_remove_accounts_with_errors_linked_to_fields(site):
    admin = site.client()
    admin.sign_in(ADMIN)
    bad = admin.submit("/users", "/users", {"name": "bad name", "role": "editor",
                                             "password": "short"})  # fmt: skip
    assert bad.status_code == 400
    assert '<a href="#name">A user name is 1 to 64' in bad.text
    assert '<a href="#password">The password must be at least 10' in bad.text
    assert site.store.user("bad name") is None
    taken = admin.submit("/users", "/users", {"name": EDITOR, "role": "admin",
                                              "password": PASSWORD})  # fmt: skip
    assert "There is already a user called" in taken.text
    added = admin.submit("/users", "/users", {"name": "cy", "role": "editor",
                                              "password": PASSWORD})  # fmt: skip
    assert (added.status_code, added.headers["Location"]) == (303, "/users")
    assert site.store.user("cy").role.value == "editor"
    assert "Added cy." in admin.get("/users").text
    assert admin.submit("/users", "/users/cy/remove").status_code == 303
    assert site.store.user("cy") is None
    admin.submit("/users", f"/users/{ADMIN}/remove")
    assert site.store.user(ADMIN) is not None  # not oneself
    assert "You cannot remove your own account." in admin.get("/users").text
    assert [(a.by, a.action, a.subject) for a in site.store.staff_actions() if a.by] == [
        ("root", "added account", "cy (editor)"),
        ("root", "removed account", "cy"),
    ]


def test_forwarded_headers_are_believed_from_the_local_proxy(site):
    # the test client is at 127.0.0.1, the trusted proxy: its X-Forwarded-For is believed
    client = site.client()
    for attempt in range(FAILURE_LIMIT):
        from_address(client, "198.51.100.1, 192.0.2.50", f"x{attempt}", "guess")
    # only the last hop counts: the address the proxy saw, not what the client claimed
    assert from_address(client, "192.0.2.50", ADMIN, PASSWORD).status_code == 429
    assert from_address(client, "198.51.100.1", ADMIN, PASSWORD).status_code == 303
