"""Signing in and out, and the staff accounts page (admins only)."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from copro_feeds._admin import _session
from copro_feeds._admin._accounts import (
    AccountError,
    SignInOutcome,
    add_account,
    remove_account,
    sign_in,
)
from copro_feeds._admin._desk import desk, now, staff_member
from copro_feeds._admin._forms import AddUserForm, SignInForm
from copro_feeds._types import Role, StaffUser

log = logging.getLogger("copro_feeds")

pages = Blueprint("staff", __name__)

_WRONG = "The user name or password is wrong."
_LOCKED = (
    "Too many failed attempts to sign in to this account or from this address. "
    "Try again in 15 minutes."
)


@pages.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = SignInForm()
    if request.method == "GET":
        return render_template("login.html", form=SignInForm(formdata=None), title="Sign in")
    if not form.validate():
        return render_template("login.html", form=form, title="Sign in"), 400
    address = request.remote_addr or "unknown"
    result = sign_in(desk().store, str(form.username.data), str(form.password.data), address, now())
    if result.user is not None:
        _session.begin(result.user, now())
        log.info("%s signed in to the staff web app from %s", result.user.name, address)
        return redirect(url_for("posts.entries"), 303)
    locked = result.outcome is SignInOutcome.LOCKED
    form.password.errors = [_LOCKED if locked else _WRONG]
    return render_template("login.html", form=form, title="Sign in"), 429 if locked else 401


@pages.post("/logout")
def logout() -> ResponseReturnValue:
    _session.end(desk().store, staff_member(), now())
    flash("You have signed out.")
    return redirect(url_for("staff.login"), 303)


def _admin() -> StaffUser:
    user = staff_member()
    if user.role is not Role.ADMIN:
        abort(403)
    return user


def _users_page(form: AddUserForm, status: int) -> ResponseReturnValue:
    page = render_template(
        "users.html", title="Staff accounts", users=desk().store.users(), form=form
    )
    return page, status


@pages.route("/users", methods=["GET", "POST"])
def users() -> ResponseReturnValue:
    admin = _admin()
    if request.method == "GET":
        return _users_page(AddUserForm(formdata=None), 200)
    form = AddUserForm()
    if form.validate():
        name = str(form.name.data)
        try:
            role = Role(str(form.role.data))
            add_account(desk().store, name, role, str(form.password.data), now(), by=admin.name)
        except AccountError as error:
            form.name.errors = [str(error)[0].upper() + str(error)[1:]]
        else:
            log.info("staff account %s added by %s", name, admin.name)
            flash(f"Added {name}.")
            return redirect(url_for("staff.users"), 303)
    return _users_page(form, 400)


@pages.post("/users/<name>/remove")
def remove(name: str) -> ResponseReturnValue:
    admin = _admin()
    if name == admin.name:
        flash("You cannot remove your own account.")
        return redirect(url_for("staff.users"), 303)
    try:
        remove_account(desk().store, name, now(), by=admin.name)
    except AccountError:
        abort(404)
    log.info("staff account %s removed by %s", name, admin.name)
    flash(f"Removed {name}.")
    return redirect(url_for("staff.users"), 303)
