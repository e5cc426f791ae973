"""The partners: each with its health; disable or enable one; add one by its site's
address (discovery finds the feed, shown before anything is saved). Changes are written
to feeds.toml (``_config_file``), which the daemon follows."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from copro_feeds._admin import _config_file
from copro_feeds._admin._desk import desk, now, staff_member
from copro_feeds._admin._forms import AddPartnerForm, FindPartnerForm
from copro_feeds._types import StaffAction
from copro_feeds.exceptions import ConfigError, CoproFeedsError

log = logging.getLogger("copro_feeds")

pages = Blueprint("partners", __name__)


def _record(action: str, subject: str) -> None:
    """Log the change, and keep it in the audit log under the signed-in user's name."""
    by = staff_member().name
    log.info("%s: %s %s by %s", desk().config.path, action, subject, by)
    desk().store.record_staff_action(StaffAction(at=now(), by=by, action=action, subject=subject))


@pages.get("/partners")
def partners() -> ResponseReturnValue:
    return render_template("partners.html", title="Partners", statuses=desk().aggregator.status())


@pages.post("/partners/<key>/<switch>")
def switch(key: str, switch: str) -> ResponseReturnValue:
    config = desk().config
    source = next((source for source in config.sources if source.key == key), None)
    if source is None or switch not in ("enable", "disable"):
        abort(404)
    with desk().lock:
        try:
            desk().take(_config_file.set_enabled(config, key, switch == "enable"))
        except ConfigError as error:
            flash(f"Nothing changed: {error}")
            return redirect(url_for("partners.partners"), 303)
    _record(f"{switch}d partner", source.name)
    flash(f"{source.name} is {switch}d. The daemon follows the change at its next tick.")
    return redirect(url_for("partners.partners"), 303)


def _page(
    find: FindPartnerForm, add: AddPartnerForm, found: list[str], status: int
) -> ResponseReturnValue:
    add.offer(found)
    page = render_template(
        "partner_new.html", title="Add a partner", form=find, add_form=add, found=found
    )
    return page, status


@pages.route("/partners/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    form = FindPartnerForm()
    if request.method == "GET":
        return _page(FindPartnerForm(formdata=None), AddPartnerForm(formdata=None), [], 200)
    if not form.validate():
        return _page(form, AddPartnerForm(formdata=None), [], 400)
    address = str(form.address.data).strip()
    try:
        found = desk().discover(address, desk().config.fetch)
    except CoproFeedsError as error:
        form.address.errors = [f"No feed was found there: {error}"]
        return _page(form, AddPartnerForm(formdata=None), [], 400)
    add = AddPartnerForm(formdata=None, homepage=address, feed=found[0])
    return _page(form, add, found, 200)


@pages.post("/partners/add")
def add() -> ResponseReturnValue:
    form = AddPartnerForm()
    offered = request.form.getlist("offered")
    form.offer(offered)
    if form.validate():
        name = str(form.name.data).strip()
        config = desk().config
        with desk().lock:
            try:
                changed = _config_file.add_source(
                    config,
                    name=name,
                    url=str(form.feed.data),
                    homepage=str(form.homepage.data).strip(),
                )
            except ConfigError as error:
                form.name.errors = [f"It cannot be added so: {'; '.join(error.problems)}"]
            else:
                desk().take(changed)
                _record("added partner", f"{name} ({form.feed.data})")
                flash(f"{name} is added. Its posts arrive at the daemon's next tick.")
                return redirect(url_for("partners.partners"), 303)
    find = FindPartnerForm(formdata=None, address=form.homepage.data)
    return _page(find, form, offered, 400)
