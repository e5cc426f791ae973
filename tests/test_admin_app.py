"""The app as a whole (``_admin/_app.py``), served for real: every page needs a session,
every form its CSRF token, only admins manage accounts, partner content is text."""

from __future__ import annotations

import html

import pytest

from tests.admin_site import ADMIN, MARKUP_NAME, MARKUP_TITLE, admin_project, serve_app

PAGES = ["/", "/entries", "/entries/scope/0123456789", "/audit", "/partners",
         "/partners/new", "/roundup", "/users", "/static/../entries"]  # fmt: skip
FORMS = ["/logout", "/entries/scope/0123456789/hide", "/partners/scope/disable",
         "/partners/new", "/partners/add", "/users", "/users/ann/remove"]  # fmt: skip


@pytest.fixture
def site(tmp_path, feed_server):
    with serve_app(admin_project(tmp_path, feed_server)) as served:
        yield served


def test_every_page_and_form_without_a_session_redirects_to_login(site):
    client = site.client()
    config_before = site.project.config_path.read_bytes()
    for path in PAGES:
        answer = client.get(path)
        assert (answer.status_code, answer.headers["Location"]) == (303, "/login"), path
    for path in FORMS:
        answer = client.post(path, {"reason": "r", "name": "x", "feed": "https://x.test/"})
        assert (answer.status_code, answer.headers["Location"]) == (303, "/login"), path
    assert client.get("/login").status_code == 200
    assert client.get("/static/admin.css").status_code == 200  # the sign-in page's style
    assert site.project.config_path.read_bytes() == config_before
    assert site.store.audit_log() == []


def test_a_form_without_or_with_a_wrong_token_is_refused_and_changes_nothing(site):
    client = site.client()
    assert client.sign_in().status_code == 303
    other = site.client()
    other.sign_in(ADMIN)
    page = "/entries/scope/" + _scope_digest(client)
    action = page + "/hide"
    foreign = other.token("/entries")  # a real token, of another session
    for token in (None, "", "not-a-token", foreign):
        data = {"reason": "spam"} | ({} if token is None else {"csrf_token": token})
        answer = client.post(action, data)
        assert answer.status_code == 403, token
        assert "Form refused" in answer.text
    before = site.project.config_path.read_bytes()
    assert client.post("/partners/scope/disable", {"csrf_token": "x"}).status_code == 403
    assert site.project.config_path.read_bytes() == before
    assert site.store.audit_log() == []
    assert site.store.editorial().hidden == frozenset()
    # the same form with its token works
    assert client.submit(page, action, {"reason": "spam"}).status_code == 303
    records = site.store.audit_log()
    assert records  # every copy of the post, each recorded under the signed-in user
    assert {(record.by, record.reason) for record in records} == {("ann", "spam")}


def _scope_digest(client) -> str:
    listing = client.get("/entries?partner=scope").text
    return listing.split('href="/entries/scope/')[1].split('"')[0]


def test_an_editor_cannot_reach_user_management(site):
    editor = site.client()
    editor.sign_in()
    assert "Staff accounts" not in editor.get("/entries").text  # not offered in the menu
    assert editor.get("/users").status_code == 403
    token = editor.token("/entries")
    new = {"csrf_token": token, "name": "mallory", "role": "admin", "password": "x" * 12}
    assert editor.post("/users", new).status_code == 403
    assert editor.post("/users/root/remove", {"csrf_token": token}).status_code == 403
    assert {user.name for user in site.store.users()} == {"ann", "root"}
    admin = site.client()
    admin.sign_in(ADMIN)
    assert admin.get("/users").status_code == 200
    assert "Staff accounts" in admin.get("/entries").text


def test_partner_names_and_titles_carrying_markup_show_as_text(site):
    client = site.client()
    client.sign_in()
    listing = client.get("/entries?q=tricky")
    assert listing.status_code == 200
    assert html.escape(MARKUP_TITLE, quote=False) in listing.text
    assert html.escape(MARKUP_NAME, quote=False) in listing.text
    post = listing.text.split('href="/entries/b-bold-b-co/')[1].split('"')[0]
    pages = [listing.text, client.get(f"/entries/b-bold-b-co/{post}").text,
             client.get("/partners").text]  # fmt: skip
    for text in pages:
        assert "<img src=x" not in text
        assert "<i>Tricky</i>" not in text
        assert "<b>Bold</b>" not in text
    assert html.escape(MARKUP_NAME, quote=False) in pages[2]


def test_unknown_pages_and_posts_are_404_with_a_page_saying_so(site):
    client = site.client()
    client.sign_in()
    for path in ("/entries/scope/0000000000", "/entries/nobody/0123456789", "/nothing"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "<h1>Not found</h1>" in answer.text
    token = client.token("/entries")
    assert client.post("/entries/scope/0000000000/pin", {"csrf_token": token}).status_code == 404
    assert client.post("/partners/nobody/disable", {"csrf_token": token}).status_code == 404
