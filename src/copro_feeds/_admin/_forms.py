"""The app's forms (Flask-WTF): each carries a CSRF token, and says what is wrong in plain
words, field by field, for the error summary at the top of the page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3
from wtforms.validators import DataRequired, Length, ValidationError

from copro_feeds._admin._accounts import name_problem
from copro_feeds._admin._passwords import password_problem
from copro_feeds._types import Role


class SignInForm(FlaskForm):
    """``POST /login``: ``username`` and ``password``."""

    username = StringField("User name", [DataRequired("Enter your user name")])
    password = PasswordField("Password", [DataRequired("Enter your password")])


class HideForm(FlaskForm):
    """Hiding a post: why is required, and kept in the audit log."""

    reason = TextAreaField(
        "Why is it hidden?",
        [
            DataRequired("Enter why the post is hidden: it is kept in the audit log"),
            Length(max=500, message="The reason must be 500 characters or fewer"),
        ],
    )


def _web_address(form: FlaskForm, field: Field) -> None:
    parts = urlsplit(str(field.data or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter the site's full address, starting with https:// or http://")


class FindPartnerForm(FlaskForm):
    """Adding a partner, first step: the site's address, for discovery."""

    address = StringField(
        "The partner's website address",
        [DataRequired("Enter the partner's website address"), _web_address],
    )


class AddPartnerForm(FlaskForm):
    """Adding a partner, second step: its name and the feed chosen among those found."""

    name = StringField(
        "The partner's name, as readers will see it",
        [
            DataRequired("Enter the partner's name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )
    feed = RadioField("Which feed", [DataRequired("Choose one of the feeds found")], choices=[])

    def offer(self, feeds: list[str]) -> None:
        """The feeds discovery found, to choose from."""
        self.feed.choices = [SelectChoice(url, url) for url in feeds]

    homepage = StringField("Website", [DataRequired("Enter the website address"), _web_address])


def _password_rules(form: FlaskForm, field: Field) -> None:
    problem = password_problem(str(field.data or ""))
    if problem:
        raise ValidationError(problem[0].upper() + problem[1:])


def _name_rules(form: FlaskForm, field: Field) -> None:
    problem = name_problem(str(field.data or ""))
    if problem:
        raise ValidationError(problem[0].upper() + problem[1:])


class AddUserForm(FlaskForm):
    """A new staff account (admins only)."""

    name = StringField("User name", [DataRequired("Enter a user name"), _name_rules])
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(Role.EDITOR.value, "Editor: posts and partners"),
            SelectChoice(Role.ADMIN.value, "Admin: also staff accounts"),
        ],
    )
    password = PasswordField(
        "Password (at least 10 characters)", [DataRequired("Enter a password"), _password_rules]
    )
