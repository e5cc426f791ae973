"""What every page works with (``_admin/_desk.py``): the config followed, a bad edit
logged and ignored, and form errors listed for the error summary."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask

from copro_feeds import load_config
from copro_feeds._admin._desk import Desk, field_errors
from copro_feeds._admin._forms import AddPartnerForm
from copro_feeds._store import open_store
from copro_feeds.core import make_aggregator, utc_now


def test_the_desk_follows_the_config_file_and_ignores_a_bad_edit(project, caplog):
    config = load_config(project.config_path)
    with make_aggregator(config) as aggregator:
        store = open_store(config.storage)
        try:
            desk = Desk(aggregator, store, utc_now, timedelta(minutes=5), lambda url, fetch: [])
            path = project.config_path
            path.write_text(path.read_text().replace('name = "Scope"', 'name = "Scope UK"'))
            desk.follow_config()
            assert desk.config.sources[0].name == "Scope UK"
            good, good_text = desk.config, path.read_text()
            path.write_text(path.read_text() + "\n[[sources]]\nname = 1\n")
            os.utime(path, ns=(1, 1))  # a different signature even within one clock tick
            with caplog.at_level(logging.ERROR, logger="copro_feeds"):
                desk.follow_config()
            assert desk.config is good
            assert "the config file changed but cannot be used; keeping the old one" in caplog.text
            assert "sources[3].name" in caplog.text
            caplog.clear()
            path.write_text(good_text + '\n[storage]\npath = "elsewhere.sqlite3"\n')
            os.utime(path, ns=(2, 2))
            with caplog.at_level(logging.ERROR, logger="copro_feeds"):
                desk.follow_config()  # another database: refused, not a crash
            assert desk.config is good
            assert "the database cannot change while running" in caplog.text
        finally:
            store.close()


def test_field_errors_link_each_problem_to_its_field_in_order():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    with app.test_request_context(method="POST", data={"homepage": "nope"}):
        form = AddPartnerForm()
        form.offer(["https://a.test/feed/"])
        form.validate()
        assert field_errors(form) == [
            ("name", "Enter the partner's name"),
            ("feed-0", "Choose one of the feeds found"),  # the first radio button
            ("homepage", "Enter the site's full address, starting with https:// or http://"),
        ]
