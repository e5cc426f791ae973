"""The partners pages (``_admin/_partners.py``), served for real: health, disable and
enable written to feeds.toml (comments kept) and followed, and adding a partner by its
site's address with discovery shown before saving."""

from __future__ import annotations

import re

import pytest

from copro_feeds import load_config
from tests.admin_site import admin_project, serve_app
from tests.conftest import PARTNERS, RSS

SITE_PAGE = b"""<!DOCTYPE html><html lang="en"><head><title>Inclusion Wales</title>
<link rel="alternate" type="application/rss+xml" title="News" href="/iw/feed/">
</head><body><p>Hello</p></body></html>"""


@pytest.fixture
def site(tmp_path, feed_server):
    with serve_app(admin_project(tmp_path, feed_server)) as served:
        yield served


@pytest.fixture
def editor(site):
    client = site.client()
    client.sign_in()
    return client


def test_each_partner_with_its_health(site, editor):
    page = editor.get("/partners").text
    rows = re.findall(r'<th scope="row">(.*?)<br>.*?</tr>', page, re.S)
    assert rows == ["Scope", "Centre for Welfare Reform", "Scottish Co-production Network",
                    "&lt;b&gt;Bold&lt;/b&gt; &amp; Co"]  # fmt: skip
    scope = page.split('<th scope="row">Scope<br>')[1].split("</tr>")[0]
    assert "<td>2</td>" in scope  # posts stored
    assert "<td>none</td>" in scope  # no error
    assert "never" not in scope  # it has succeeded
    assert 'Disable<span class="visually-hidden"> Scope</span>' in scope


def test_disable_and_enable_write_the_config_keeping_its_comments(site, editor):
    path = site.project.config_path
    original = path.read_text()
    answer = editor.submit("/partners", "/partners/scope/disable")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/partners")
    text = path.read_text()
    assert "# Partners, in the order readers see them" in text
    assert "# This one tests escaping" in text
    assert not load_config(path).source("scope").enabled
    page = editor.get("/partners").text
    assert "Scope is disabled." in page
    assert 'Enable<span class="visually-hidden"> Scope</span>' in page
    assert "disabled" in editor.get("/entries?partner=scope").text  # the app follows it
    editor.submit("/partners", "/partners/scope/enable")
    assert path.read_text() == original
    assert [(a.by, a.action, a.subject) for a in site.store.staff_actions() if a.by] == [
        ("ann", "disabled partner", "Scope"),
        ("ann", "enabled partner", "Scope"),
    ]
    audit = editor.get("/audit").text.split("Partners and staff accounts")[1]
    assert re.search(r"<td>disabled partner</td>\s*<td>ann</td>\s*<td>Scope</td>", audit)


def test_an_edit_made_by_hand_is_followed(site, editor):
    path = site.project.config_path
    path.write_text(path.read_text().replace('name = "Scope"', 'name = "Scope UK"\nslug = "scope"'))
    assert "Scope UK" in editor.get("/partners").text


def test_adding_a_partner_shows_the_feed_found_before_saving(site, editor):
    server = site.project.server
    server.serve("/iw/", SITE_PAGE, content_type="text/html; charset=utf-8")
    server.serve("/iw/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
    before = site.project.config_path.read_text()
    address = server.url("/iw/")
    found = editor.submit("/partners/new", "/partners/new", {"address": address})
    assert found.status_code == 200
    assert "<h2>Found</h2>" in found.text
    feed = server.url("/iw/feed/")
    assert re.search(f'<input checked id="feed-0" [^>]*value="{feed}">', found.text)
    assert site.project.config_path.read_text() == before  # nothing saved yet
    token = re.search(r'name="csrf_token" value="([^"]+)"', found.text).group(1)
    form = {"csrf_token": token, "offered": feed, "feed": feed, "homepage": address,
            "name": "Inclusion Wales"}  # fmt: skip
    missing = editor.post("/partners/add", form | {"name": ""})
    assert missing.status_code == 400
    assert '<a href="#name">Enter the partner&#39;s name</a>' in missing.text
    unchosen = editor.post("/partners/add", {k: v for k, v in form.items() if k != "feed"})
    assert '<a href="#feed-0">Choose one of the feeds found</a>' in unchosen.text
    assert 'id="feed-0"' in unchosen.text
    saved = editor.post("/partners/add", form)
    assert (saved.status_code, saved.headers["Location"]) == (303, "/partners")
    config = load_config(site.project.config_path)
    added = config.source("inclusion-wales")
    assert (added.url, added.homepage) == (feed, address)
    assert site.project.config_path.read_text().startswith(before)
    assert "Inclusion Wales is added." in editor.get("/partners").text
    [action] = [a for a in site.store.staff_actions() if a.by]  # not the test's own set-up
    assert (action.by, action.action, action.subject) == (
        "ann",
        "added partner",
        f"Inclusion Wales ({feed})",
    )


def test_an_address_with_no_feed_or_no_address_says_so_on_the_field(site, editor):
    server = site.project.server
    server.serve("/plain/", b"<html><body>No feeds</body></html>", content_type="text/html")
    before = site.project.config_path.read_text()
    nothing = editor.submit("/partners/new", "/partners/new", {"address": server.url("/plain/")})
    assert nothing.status_code == 400
    assert '<a href="#address">No feed was found there:' in nothing.text
    wrong = editor.submit("/partners/new", "/partners/new", {"address": "javascript:alert(1)"})
    assert '<a href="#address">Enter the site&#39;s full address' in wrong.text
    same = editor.submit("/partners/new", "/partners/new", {"address": ""})
    assert '<a href="#address">Enter the partner&#39;s website address</a>' in same.text
    assert site.project.config_path.read_text() == before
