"""``_publish/_model``: what every format shares: ids, public URLs, credit and licence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from copro_feeds._publish._model import (
    ATOM_FILE,
    attribution_html,
    entry_html,
    entry_language,
    entry_summary,
    public_base,
    public_url,
    published_id,
    separators,
    stylesheet_href,
)
from copro_feeds.config import SiteConfig
from copro_feeds.types import Display
from tests.factories import attribution, entry
from tests.test_publish import SITE


def test_same_guid_from_two_partners_gets_two_ids():
    a = entry(id="same")
    b = entry(id="same", attribution=attribution("other"))
    assert published_id(a, SITE) != published_id(b, SITE)


def test_public_urls_come_from_the_site_feed_url():
    assert public_base(SITE) == "https://copro.example/feeds/"
    assert public_url(SITE, "sources/scope/", ATOM_FILE) == (
        "https://copro.example/feeds/sources/scope/atom.xml"
    )
    bare = SiteConfig(title="t", link="https://copro.example/")
    assert public_base(bare) is None
    assert public_url(bare, "", ATOM_FILE) is None


def test_the_stylesheet_is_found_from_any_folder():
    assert stylesheet_href("") == "feed.xsl"
    assert stylesheet_href("tags/robots/") == "../../feed.xsl"


@pytest.mark.parametrize(
    ("count", "before"), [(1, ("",)), (2, ("", " and ")), (3, ("", ", ", " and "))]
)
def test_separators_read_as_a_list(count, before):
    assert separators(count, "en") == before


def test_the_credit_escapes_links_and_places_the_licence():
    alone = entry(attribution=attribution("scope", "Scope & Co", licence="CC BY 4.0"))
    assert attribution_html(alone, "en") == (
        '<p>Via <a href="https://scope.example/">Scope &amp; Co</a> — licence: CC BY 4.0'
        ' — <a href="https://scope.example/blog/post-1/">read the full post</a></p>'
    )
    joint = replace(alone, also_via=(attribution("cee", "Cee"),))
    assert attribution_html(joint, "en", read_more=False) == (
        '<p>Via <a href="https://scope.example/">Scope &amp; Co</a> (licence: CC BY 4.0)'
        ' and <a href="https://cee.example/">Cee</a></p>'
    )


def test_what_readers_get_follows_the_partners_display():
    post = entry(content_html="<p>Whole <em>post</em></p>", excerpt="Whole post")
    by = {display: entry_html(replace(post, attribution=attribution(display=display)), "en")
          for display in Display}  # fmt: skip
    assert by[Display.EXCERPT].startswith("<p>Whole post</p><p>Via ")
    assert by[Display.FULL].startswith("<p>Whole <em>post</em></p><p>Via ")
    assert by[Display.HEADLINE].startswith("<p>Via ")
    headline = replace(post, attribution=attribution(display=Display.HEADLINE))
    assert entry_summary(headline) is None
    assert entry_summary(post) == "Whole post"


@pytest.mark.parametrize(
    ("language", "feed", "marked"),
    [("cy", "en-GB", "cy"), ("en-US", "en-GB", None), (None, "en-GB", None), ("fr", None, "fr")],
)
def test_only_another_primary_language_is_marked(language, feed, marked):
    assert entry_language(entry(language=language), feed) == marked
