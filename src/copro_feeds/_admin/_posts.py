"""The posts: the list (search, partner, state), one post's page with what ``explain``
says, hide (a reason required), unhide, pin and unpin, published at once; the audit
log; the preview of the current period's roundup."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from copro_feeds._admin._desk import desk, staff_member
from copro_feeds._admin._forms import HideForm
from copro_feeds._editorial import quote
from copro_feeds.exceptions import EntryNotFoundError
from copro_feeds.types import AuditRecord, EditorialAction, EntryState, StoredEntry

MAX_LISTED = 200  # posts shown on one page of the list
_DONE = {
    EditorialAction.HIDE: "hidden",
    EditorialAction.UNHIDE: "unhidden",
    EditorialAction.PIN: "pinned",
    EditorialAction.UNPIN: "unpinned",
}

pages = Blueprint("posts", __name__)


@pages.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("posts.entries"))


@pages.get("/entries")
def entries() -> ResponseReturnValue:
    config = desk().config
    words = request.args.get("q", "").casefold().split()
    partner = request.args.get("partner", "")
    wanted = request.args.get("state", "")
    state = EntryState(wanted) if wanted in set(EntryState) else None
    source = partner if partner in {source.key for source in config.sources} else None
    found = [
        placed
        for placed in desk().aggregator.stored_entries(source=source, state=state)
        if all(word in placed.entry.title.casefold() for word in words)
    ]
    return render_template(
        "entries.html",
        title="Posts",
        found=found[:MAX_LISTED],
        total=len(found),
        query=request.args.get("q", ""),
        partner=source or "",
        state=state.value if state else "",
        sources=config.sources,
        states=list(EntryState),
    )


def _placed(key: str, digest: str) -> StoredEntry:
    try:
        return desk().aggregator.find_entries(f"{key}/{digest}")[0]
    except EntryNotFoundError:
        abort(404)


def _post_page(key: str, digest: str, hide_form: HideForm, status: int) -> ResponseReturnValue:
    aggregator = desk().aggregator
    placed = _placed(key, digest)
    history = [record for record in aggregator.audit_log() if record.ref == placed.ref]
    page = render_template(
        "entry.html",
        title=placed.entry.title,
        placed=placed,
        lines=aggregator.explain(placed.ref).lines,
        hide_form=hide_form,
        history=list(reversed(history)),
    )
    return page, status


@pages.get("/entries/<key>/<digest>")
def entry(key: str, digest: str) -> ResponseReturnValue:
    return _post_page(key, digest, HideForm(formdata=None), 200)


@pages.post("/entries/<key>/<digest>/<action>")
def edit(key: str, digest: str, action: str) -> ResponseReturnValue:
    chosen = next((each for each in EditorialAction if each.value == action), None)
    if chosen is None:
        abort(404)
    placed = _placed(key, digest)
    form = HideForm()
    if chosen is EditorialAction.HIDE and not form.validate():
        return _post_page(key, digest, form, 400)
    aggregator = desk().aggregator
    by = staff_member().name
    with desk().lock:
        reason = str(form.reason.data).strip() if chosen is EditorialAction.HIDE else None
        records = aggregator.edit(chosen, placed.ref, reason, by=by)
        written = aggregator.publish() if records else []
    title = quote(placed.entry.title)
    if records:
        flash(f"{title} is {_DONE[chosen]}, and published: {len(written)} file(s) rewritten.")
    else:
        flash(f"Nothing to do: {title} was already {_DONE[chosen]}.")
    return redirect(url_for("posts.entry", key=key, digest=digest), 303)


@pages.get("/audit")
def audit() -> ResponseReturnValue:
    records: list[AuditRecord] = list(reversed(desk().aggregator.audit_log()))
    actions = list(reversed(desk().store.staff_actions()))
    return render_template("audit.html", title="Audit log", records=records, actions=actions)


@pages.get("/roundup")
def roundup() -> ResponseReturnValue:
    return render_template(
        "roundup.html",
        title="This period's roundup",
        roundup=desk().aggregator.roundup_preview(),
        digest=desk().config.digest,
    )
