"""The app's forms and their checks (``_admin/_forms.py``), outside any server."""

from __future__ import annotations

import pytest
from flask import Flask

from copro_feeds._admin._forms import AddPartnerForm, AddUserForm, FindPartnerForm, HideForm


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    return app


def errors(app, form_class, data) -> dict:
    with app.test_request_context(method="POST", data=data):
        form = form_class()
        if isinstance(form, AddPartnerForm):
            form.offer(["https://iw.test/feed/"])
        form.validate()
        return form.errors


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("https://iw.test/", None),
        ("http://iw.test/blog/", None),
        ("", "Enter the partner's website address"),
        ("iw.test", "Enter the site's full address, starting with https:// or http://"),
        ("javascript:alert(1)", "Enter the site's full address, starting with https:// or http://"),
        ("ftp://iw.test/", "Enter the site's full address, starting with https:// or http://"),
        ("https://", "Enter the site's full address, starting with https:// or http://"),
    ],
)
def test_a_partner_address_must_be_a_web_address(app, address, problem):
    found = errors(app, FindPartnerForm, {"address": address})
    assert found == ({"address": [problem]} if problem else {})


def test_a_reason_is_required_and_bounded(app):
    assert errors(app, HideForm, {"reason": "partner asked"}) == {}
    assert "reason" in errors(app, HideForm, {"reason": "   "})
    assert errors(app, HideForm, {"reason": "x" * 501}) == {
        "reason": ["The reason must be 500 characters or fewer"]
    }


def test_a_new_partner_needs_a_name_a_feed_found_and_a_website(app):
    good = {
        "name": "Inclusion Wales",
        "feed": "https://iw.test/feed/",
        "homepage": "https://iw.test/",
    }
    assert errors(app, AddPartnerForm, good) == {}
    assert "feed" in errors(app, AddPartnerForm, good | {"feed": "https://elsewhere.test/"})
    assert errors(app, AddPartnerForm, good | {"name": ""}) == {
        "name": ["Enter the partner's name"]
    }


def test_a_new_account_is_checked_as_the_command_line_checks_it(app):
    good = {"name": "cy", "role": "editor", "password": "long enough password"}
    assert errors(app, AddUserForm, good) == {}
    assert errors(app, AddUserForm, good | {"role": "owner"}) == {"role": ["Not a valid choice."]}
    bad = errors(app, AddUserForm, good | {"name": "c y", "password": "short"})
    assert bad["name"][0].startswith("A user name is 1 to 64")
    assert bad["password"] == ["The password must be at least 10 characters long"]
