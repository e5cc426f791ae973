"""What every page works with (the facade, the store, the clock), kept on the Flask app.

The pages (``_posts``, ``_partners``, ``_staff``) reach it with :func:`desk`, and the
signed-in user with :func:`staff_member`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, g
from flask_wtf import FlaskForm

from copro_feeds._store import Store
from copro_feeds._types import StaffUser
from copro_feeds._watch import ConfigWatcher, watch_config
from copro_feeds.config import Config, FetchConfig
from copro_feeds.core import Aggregator
from copro_feeds.exceptions import ConfigError

log = logging.getLogger("copro_feeds")

Discover = Callable[[str, FetchConfig], list[str]]
_EXTENSION = "copro_feeds"


@dataclass
class Desk:
    """The facade (posts, partners), the store (accounts, throttle), the clock, how long a
    session may idle, feed discovery, and one lock for changes (one edit and its publish
    at a time)."""

    aggregator: Aggregator
    store: Store
    clock: Callable[[], datetime]
    idle: timedelta
    discover: Discover
    lock: threading.Lock = field(default_factory=threading.Lock)
    watcher: ConfigWatcher = field(init=False)

    def __post_init__(self) -> None:
        self.watcher = watch_config(self.aggregator.config)

    @property
    def config(self) -> Config:
        """The configuration in use."""
        return self.aggregator.config

    def follow_config(self) -> None:
        """Take an edited feeds.toml (by anyone) before answering; a bad edit is logged."""
        with self.lock:
            try:
                changed = self.watcher.poll()
                if changed is not None:
                    self.aggregator.reconfigure(changed)  # refuses another database
            except ConfigError as error:
                log.error(
                    "the config file changed but cannot be used; keeping the old one: %s", error
                )

    def take(self, config: Config) -> None:
        """Use ``config``, just written by the app (the daemon notices the file itself)."""
        self.aggregator.reconfigure(config)


def install(app_extensions: dict[str, object], desk_: Desk) -> None:
    """Keep ``desk_`` on the app (its ``extensions``)."""
    app_extensions[_EXTENSION] = desk_


def desk() -> Desk:
    """The desk of the app answering this request."""
    found = current_app.extensions[_EXTENSION]
    assert isinstance(found, Desk)
    return found


def staff_member() -> StaffUser:
    """The signed-in user (every page but ``/login`` has one)."""
    user = g.get("user")
    assert isinstance(user, StaffUser)
    return user


def now() -> datetime:
    """This request's one reading of the clock."""
    moment = g.get("now")
    assert isinstance(moment, datetime)
    return moment


def field_errors(form: FlaskForm) -> list[tuple[str, str]]:
    """Each problem with its field's id, in the form's order (for the error summary); a
    choice of radio buttons is reached at its first button."""
    return [
        (f"{item.id}-0" if item.type == "RadioField" else item.id, message)
        for item in form
        for message in item.errors
    ]
