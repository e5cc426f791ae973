"""The posts pages (``_admin/_posts.py``), served for real: the list, one post, hide
(a reason required) and the rest, published at once and logged under the signed-in
user; the audit log; the roundup preview."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from copro_feeds import load_config
from copro_feeds.core import make_aggregator
from tests.admin_site import admin_project, serve_app

GATHERING = "/entries/scottish-co-production-network/a8bd9534c4"  # "Co-production Gathering 2026"
PRICE_TAG = "/entries/scope/57c77323b8"  # "Disability Price Tag 2026"


@pytest.fixture
def site(tmp_path, feed_server):
    with serve_app(admin_project(tmp_path, feed_server)) as served:
        yield served


@pytest.fixture
def editor(site):
    client = site.client()
    assert client.sign_in().status_code == 303
    return client


def titles(page: str) -> list[str]:
    return re.findall(r'<td><a href="/entries/[^"]+">([^<]*)</a></td>', page)


def test_the_list_is_newest_first_searchable_and_filtered(editor):
    every = titles(editor.get("/entries").text)
    assert len(every) == 7
    assert every[0] == "Via Scope: co-producing the cost of living guide"
    assert titles(editor.get("/entries?q=CO-PRODUCTION+gathering").text) == [
        "Co-production Gathering 2026"
    ]
    assert titles(editor.get("/entries?q=gathering+price").text) == []  # every word must match
    scope = titles(editor.get("/entries?partner=scope").text)
    assert scope == ["Co-producing the cost of living guide", "Disability Price Tag 2026"]
    merged = editor.get("/entries?state=merged").text
    assert titles(merged) == ["Via Scope: co-producing the cost of living guide"]
    assert "1 post." in merged
    assert '<option value="merged" selected>' in merged
    assert len(titles(editor.get("/entries?partner=nobody&state=nonsense").text)) == 7


def test_a_post_page_says_why_it_is_in_the_feed_and_offers_the_actions(editor):
    page = editor.get(GATHERING).text
    assert "<h1>Co-production Gathering 2026</h1>" in page
    assert "Why it is in the feed" in page
    assert "Not hidden or pinned by an editor." in page
    for action in ("hide", "pin"):
        assert f'action="{GATHERING}/{action}"' in page
    assert f'action="{GATHERING}/unhide"' not in page


def test_hiding_needs_a_reason_linked_to_its_field(site, editor):
    answer = editor.submit(GATHERING, GATHERING + "/hide", {"reason": "   "})
    assert answer.status_code == 400
    assert "<title>Error: Co-production Gathering 2026" in answer.text
    assert '<a href="#reason">Enter why the post is hidden' in answer.text
    assert 'aria-describedby="reason-hint reason-error"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert site.store.audit_log() == []


def test_hide_publishes_at_once_and_logs_who_and_why(site, editor):
    atom = site.project.public / "atom.xml"
    index = site.project.public / "index.html"
    assert "Co-production Gathering 2026" in atom.read_text()
    answer = editor.submit(GATHERING, GATHERING + "/hide", {"reason": "The partner asked"})
    assert (answer.status_code, answer.headers["Location"]) == (303, GATHERING)
    assert "Co-production Gathering 2026" not in atom.read_text()
    assert "Co-production Gathering 2026" not in index.read_text()
    [record] = site.store.audit_log()
    assert (record.action.value, record.by, record.reason) == ("hide", "ann", "The partner asked")
    page = editor.get(GATHERING).text
    assert "is hidden, and published:" in page
    assert "hide by ann: “The partner asked”" in page
    assert f'action="{GATHERING}/unhide"' in page
    audit = editor.get("/audit").text
    assert re.search(r"<td>hide</td>\s*<td>ann</td>\s*<td><a href=\"" + GATHERING, audit)
    assert "<td>The partner asked</td>" in audit
    again = editor.submit(GATHERING, GATHERING + "/unhide")
    assert again.status_code == 303
    assert "Co-production Gathering 2026" in atom.read_text()
    assert [r.action.value for r in site.store.audit_log()] == ["hide", "unhide"]


def test_pin_and_unpin_move_the_post_and_say_when_nothing_changes(site, editor):
    atom = site.project.public / "atom.xml"
    editor.submit(PRICE_TAG, PRICE_TAG + "/pin")
    first = re.search(r"<entry\b.*?<title[^>]*>([^<]*)</title>", atom.read_text(), re.S)
    assert first.group(1) == "Disability Price Tag 2026"
    assert f'action="{PRICE_TAG}/unpin"' in editor.get(PRICE_TAG).text
    editor.post(PRICE_TAG + "/pin", {"csrf_token": editor.token(PRICE_TAG)})
    assert "Nothing to do" in editor.get(PRICE_TAG).text  # pinned already: nothing logged
    editor.submit(PRICE_TAG, PRICE_TAG + "/unpin")
    assert [r.action.value for r in site.store.audit_log()] == ["pin", "unpin"]
    assert editor.submit(PRICE_TAG, PRICE_TAG + "/shred").status_code == 404


def test_the_audit_log_shows_command_line_changes_too(site, editor):
    assert "Nothing yet." in editor.get("/audit").text
    with make_aggregator(load_config(site.project.config_path)) as aggregator:
        aggregator.pin(PRICE_TAG.removeprefix("/entries/"), "week's highlight", by="cli-user")
    audit = editor.get("/audit").text
    assert "<td>cli-user</td>" in audit
    assert "week&#39;s highlight" in audit


def test_the_roundup_preview_shows_the_current_period(site):
    site.clock.now = datetime(2026, 3, 3, 12, tzinfo=UTC)  # the week of 2 March
    editor = site.client()
    editor.sign_in()
    page = editor.get("/roundup").text
    assert "This period&#39;s roundup" in page
    assert "roundups are off" in page  # the test config has no [digest]
    assert "Co-producing the cost of living guide" in page
    assert "Co-production Gathering 2026" not in page  # 28 February: the week before
    site.clock.now = datetime(2026, 4, 20, tzinfo=UTC)
    editor.sign_in()  # weeks later: the session has idled out
    assert "No posts yet in this period." in editor.get("/roundup").text
