"""``_publish/_roundup_pages``: a page per roundup and the list of them (read as a browser
would, and through publish(): tests/test_roundup_publish.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from copro_feeds._plan import FeedContent, FeedInfo, RoundupFeed, RoundupSection
from copro_feeds._publish._roundup_pages import render_roundup_pages
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from tests.factories import attribution, entry
from tests.test_plan import MONDAY, roundup

SITE = SiteConfig(title="Partners' news", link="https://copro.example/")
SCOPE = attribution()


def digest() -> RoundupFeed:
    newer_post = entry(id="n", title="Newer <post>", published=MONDAY + timedelta(days=8))
    newer = roundup(
        start=MONDAY + timedelta(days=7),
        end=MONDAY + timedelta(days=14),
        title="Week of 9 March 2026",
        posts=(newer_post,),
        sections=(RoundupSection(heading="Scope", entries=(newer_post,)),),
    )
    return RoundupFeed(every="week", roundups=(newer, roundup()))


def render(**options: object) -> dict[str, bytes]:
    feeds = [FeedContent(info=FeedInfo(), entries=())]
    return render_roundup_pages(digest(), feeds, [SCOPE], SITE, **options)  # type: ignore[arg-type]


def test_a_page_per_roundup_and_the_list_newest_first():
    files = render()
    assert sorted(files) == [
        "digest/2026-03-02.html",
        "digest/2026-03-09.html",
        "digest/index.html",
    ]
    listing = files["digest/index.html"].decode()
    assert listing.index("2026-03-09.html") < listing.index("2026-03-02.html")
    assert "The weekly roundup" in listing
    assert 'href="../digest.xml"' in listing


def test_a_roundup_page_shows_its_posts_escaped():
    page = render()["digest/2026-03-09.html"].decode()
    assert "<title>Week of 9 March 2026 \N{EN DASH} Partners&#39; news</title>" in page
    assert "Newer &lt;post&gt;" in page
    assert "Newer <post>" not in page


def test_a_users_template_wins_and_a_broken_one_names_itself(tmp_path):
    (tmp_path / "digest_index.html").write_text("{{ roundups | length }} roundups\n")
    assert render(templates=tmp_path)["digest/index.html"] == b"2 roundups\n"
    (tmp_path / "digest.html").write_text("{{ no_such_variable }}")
    with pytest.raises(PublishError, match=r"digest\.html"):
        render(templates=tmp_path)


def test_a_welsh_site_has_welsh_roundup_pages():
    feeds = [FeedContent(info=FeedInfo(), entries=())]
    welsh = SiteConfig(title="Newyddion partneriaid", link="https://copro.example/", language="cy")
    files = render_roundup_pages(digest(), feeds, [SCOPE], welsh)
    listing = files["digest/index.html"].decode()
    assert "Y crynodeb wythnosol" in listing
    assert "(1 neges)" in listing
    assert "Ffrwd Atom y crynodeb wythnosol" in listing
    page = files["digest/2026-03-09.html"].decode()
    assert 'rhwng <time datetime="2026-03-09">9 Mawrth 2026</time>' in page
    assert "Crynodeb pob wythnos" in page
    assert "weekly" not in listing + page
