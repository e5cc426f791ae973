"""The staff web app (Flask): the pages of ``_posts``, ``_partners`` and ``_staff``, and
what they share.

Every page but ``/login`` needs a signed-in user and redirects to ``/login`` otherwise
(a form posted without a session too, changing nothing). Every form carries a CSRF
token (Flask-WTF); a missing or wrong one is answered 403 and changes nothing. Editors
and admins manage posts and partners; only admins reach ``/users``.

Pages are rendered on the server with autoescaping (partners' titles and names are
text, never markup) and need no JavaScript. A form with mistakes comes back with a
summary at the top, each problem linking to its field, as the GOV.UK Design System
does. A change to a post goes through the facade as ``copro-feeds hide`` does, recorded
in the audit log under the signed-in user's name, and is published at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect

from copro_feeds._admin import _partners, _posts, _session, _staff
from copro_feeds._admin._desk import Desk, Discover, desk, field_errors, install
from copro_feeds._store import Store
from copro_feeds._types import Role
from copro_feeds.core import Aggregator

_OPEN = frozenset({"staff.login", "static"})  # the endpoints that need no signed-in user
_PROBLEMS = {
    403: ("Not allowed", "Only admins can manage staff accounts."),
    404: ("Not found", "There is no such page, post, partner or account."),
}


def make_app(
    aggregator: Aggregator,
    store: Store,
    *,
    secret: str,
    clock: Callable[[], datetime],
    discover: Discover,
    idle: timedelta = _session.IDLE_TIMEOUT,
) -> Flask:
    """The app over ``aggregator`` (posts, partners) and ``store`` (accounts, throttle).

    ``secret`` signs the session cookies; ``clock`` is read once per request; a session
    unused for ``idle`` ends; ``discover`` finds a site's feeds
    (:func:`copro_feeds._refresh.discover_feeds`).
    """
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which idles out
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    _session.configure(app)
    install(app.extensions, Desk(aggregator, store, clock, idle, discover))
    app.add_template_global(field_errors)

    @app.before_request
    def require_user() -> ResponseReturnValue | None:
        g.now = desk().clock()
        g.user = _session.signed_in(desk().store, g.now, desk().idle)
        if g.user is None and request.endpoint not in _OPEN:
            return redirect(url_for("staff.login"), 303)
        desk().follow_config()
        return None

    CSRFProtect(app)  # after require_user: a form posted without a session goes to /login

    @app.errorhandler(CSRFError)
    def refused(error: CSRFError) -> ResponseReturnValue:
        message = "The form had expired or did not come from this site, so nothing changed."
        return render_template("problem.html", title="Form refused", message=message), 403

    def problem(status: int) -> Callable[[Exception], ResponseReturnValue]:
        def page(error: Exception) -> ResponseReturnValue:
            title, message = _PROBLEMS[status]
            return render_template("problem.html", title=title, message=message), status

        return page

    for status in _PROBLEMS:
        app.register_error_handler(status, problem(status))

    @app.context_processor
    def common() -> dict[str, Any]:
        return {"user": g.get("user"), "Role": Role}

    for blueprint in (_staff.pages, _posts.pages, _partners.pages):
        app.register_blueprint(blueprint)
    return app
