"""``_publish/_roundup``: a roundup's id and its HTML for feed readers (the whole roundup
publish, pages and pipeline: tests/test_roundup_publish.py)."""

from __future__ import annotations

from dataclasses import replace

from copro_feeds._plan import RoundupSection
from copro_feeds._publish._roundup import roundup_html, roundup_id
from copro_feeds.config import SiteConfig
from copro_feeds.types import Display
from tests.factories import attribution, entry
from tests.test_plan import roundup

SITE = SiteConfig(title="Partners' news", link="https://copro.example/news/", language="en-GB")


def test_the_id_depends_only_on_the_period_and_the_site_host():
    week = roundup()
    assert roundup_id("week", week, SITE) == "tag:copro.example,2026:digest/week/2026-03-02"
    later = replace(week, title="Another title", posts=(entry(id="other"),))
    assert roundup_id("week", later, SITE) == roundup_id("week", week, SITE)


def test_sections_posts_and_credit_are_escaped():
    post = entry(
        title="Cakes & <ale>",
        excerpt="Tea & biscuits",
        link="https://scope.example/a?b=1&c=2",
        attribution=attribution("scope", "Scope & Co"),
    )
    text = roundup_html(
        roundup(posts=(post,), sections=(RoundupSection(heading="News & views", entries=(post,)),)),
        SITE,
    )
    assert text.splitlines()[0] == "<h2>News &amp; views</h2>"
    assert (
        '<h3><a href="https://scope.example/a?b=1&amp;c=2">Cakes &amp; &lt;ale&gt;</a></h3>' in text
    )
    assert "<blockquote" in text
    assert "<p>Tea &amp; biscuits</p>" in text
    assert "Scope &amp; Co</a>" in text
    assert "read the full post" not in text  # the title is the link


def test_headlines_have_no_excerpt_and_another_language_is_marked():
    post = entry(excerpt="Shh", language="cy", attribution=attribution(display=Display.HEADLINE))
    text = roundup_html(
        roundup(posts=(post,), sections=(RoundupSection(heading="Scope", entries=(post,)),)),
        SITE,
    )
    assert "<blockquote" not in text
    assert "Shh" not in text
    assert '<h3 lang="cy">' in text
