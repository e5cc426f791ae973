"""Joint credit: one post carried by several partners is published once, crediting all of
them ("Via A and B", "Via A, B and C"), in every format; the first partner stays the
Atom ``<source>`` and JSON ``_copro.source``, the others are listed in ``_copro.also_via``."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import lxml.html

from copro_feeds._publish import Roundup, RoundupSection, attribution_html
from copro_feeds._publish._model import CREDIT_NS, separators
from copro_feeds._publish._roundup import roundup_html
from copro_feeds._select import combined_selection
from copro_feeds.config import SourceConfig
from tests.factories import NOW, attribution, entry
from tests.outputs import ATOM, SITE, render_all, text_of

LINK = "https://scope.example/blog/guide/"
SCOPE = attribution("scope", "Scope")
SCOTTISH = attribution("scottish", "the Scottish Co-production Network")
CFWR = attribution("cfwr", "Centre for Welfare Reform")


def source(key: str, name: str) -> SourceConfig:
    return SourceConfig(key=key, name=name, url=f"https://{key}.example/feed/")


SOURCES = [source("scope", "Scope"), source("scottish", "SCN"), source("cfwr", "CfWR")]


def copies(*partners):
    """The same post as each partner's feed carries it, the first published first."""
    return [
        entry(
            id=f"{partner.source_key}-1",
            attribution=partner,
            link=LINK,
            published=NOW + timedelta(hours=i),
            updated=NOW + timedelta(hours=i),
        )
        for i, partner in enumerate(partners)
    ]


def joint(*partners):
    (winner,) = combined_selection(copies(*partners), SOURCES, None)
    return winner


def test_list_separators():
    assert separators(1, "en") == ("",)
    assert separators(2, "en") == ("", " and ")
    assert separators(3, "en") == ("", ", ", " and ")
    assert separators(4, "en") == ("", ", ", ", ", " and ")


def test_two_partners_are_credited_a_and_b():
    winner = joint(SCOPE, SCOTTISH)
    assert winner.source_key == "scope"  # the link is on Scope's own site
    assert winner.also_via == (SCOTTISH,)
    assert attribution_html(winner, "en") == (
        '<p>Via <a href="https://scope.example/">Scope</a> and '
        '<a href="https://scottish.example/">the Scottish Co-production Network</a> — '
        f'<a href="{LINK}">read the full post</a></p>'
    )


def test_three_partners_are_credited_a_b_and_c_in_group_order():
    winner = joint(SCOPE, SCOTTISH, CFWR)
    assert [a.source_key for a in winner.also_via] == ["scottish", "cfwr"]
    html = attribution_html(winner, "en")
    assert html.startswith(
        '<p>Via <a href="https://scope.example/">Scope</a>, '
        '<a href="https://scottish.example/">the Scottish Co-production Network</a> and '
        '<a href="https://cfwr.example/">Centre for Welfare Reform</a> — '
    )


def test_every_format_carries_the_joint_credit():
    out = render_all([joint(SCOPE, SCOTTISH, CFWR)])
    (atom,) = out.atom_parsed.entries
    assert "Scope</a>, <a" in atom.content[0].value
    assert "Centre for Welfare Reform</a> — " in atom.content[0].value
    (element,) = out.atom_entries()
    assert element.findtext(f"{ATOM}source/{ATOM}title") == "Scope"  # the first partner only
    assert element.find(f"{ATOM}source/{ATOM}link[@rel='self']").get("href") == SCOPE.feed_url
    (item,) = out.rss_items()
    assert item.findtext("source") == "Scope"
    assert "the Scottish Co-production Network</a> and " in item.findtext("description")
    (json_item,) = out.json["items"]
    assert json_item["_copro"]["source"]["name"] == "Scope"
    assert json_item["_copro"]["also_via"] == [
        {
            "name": "the Scottish Co-production Network",
            "homepage": "https://scottish.example/",
            "feed_url": "https://scottish.example/feed/",
        },
        {
            "name": "Centre for Welfare Reform",
            "homepage": "https://cfwr.example/",
            "feed_url": "https://cfwr.example/feed/",
        },
    ]
    (article,) = out.articles()
    meta = article.find(".//p[@class='entry-meta']")
    assert text_of(meta) == (
        "Via Scope, the Scottish Co-production Network and Centre for Welfare Reform, 3 March 2026"
    )
    assert [(a.text, a.get("href")) for a in meta.iter("a")] == [
        ("Scope", "https://scope.example/"),
        ("the Scottish Co-production Network", "https://scottish.example/"),
        ("Centre for Welfare Reform", "https://cfwr.example/"),
    ]


def test_a_post_from_one_partner_has_no_also_via():
    (alone,) = combined_selection(copies(SCOPE), SOURCES, None)
    assert alone.also_via == ()
    out = render_all([alone])
    assert "also_via" not in out.json["items"][0]["_copro"]
    assert text_of(out.articles()[0].find(".//p[@class='entry-meta']")) == (
        "Via Scope, 3 March 2026"
    )


def test_a_partner_carrying_the_post_twice_is_credited_once_and_never_the_winner():
    twice = [
        *copies(SCOPE, SCOTTISH),
        entry(id="scottish-2", attribution=SCOTTISH, link=LINK, published=NOW + timedelta(days=1)),
        entry(id="scope-2", attribution=SCOPE, link=LINK, published=NOW + timedelta(days=2)),
    ]
    (winner,) = combined_selection(twice, SOURCES, None)
    assert winner.id == "scope-1"
    assert winner.also_via == (SCOTTISH,)


# -- each partner's licence with that partner (issue 11 item 14) ------------------------

SCOPE_BY = replace(SCOPE, licence="CC BY 4.0")
CFWR_ARR = replace(CFWR, licence="All rights reserved")


def test_each_licence_goes_with_its_partner_in_every_format():
    out = render_all([joint(SCOPE_BY, SCOTTISH, CFWR_ARR)])
    expected_text = (
        "Via Scope (licence: CC BY 4.0), the Scottish Co-production Network and "
        "Centre for Welfare Reform (licence: All rights reserved)"
    )
    (atom,) = out.atom_parsed.entries
    (item,) = out.rss_items()
    (json_item,) = out.json["items"]
    for content in (atom.content[0].value, item.findtext("description"), json_item["content_html"]):
        credit = lxml.html.fromstring(content).xpath("//p[starts-with(., 'Via ')]")[-1]
        assert credit.text_content().split(" \N{EM DASH} ")[0] == expected_text
        assert "\N{EM DASH} licence:" not in credit.text_content()  # none seems to cover all
    (element,) = out.atom_entries()
    # Atom rights: the licence of the copy republished (Scope's), also on its <source>.
    assert element.findtext(f"{ATOM}rights") == "CC BY 4.0"
    assert element.findtext(f"{ATOM}source/{ATOM}rights") == "CC BY 4.0"
    via = element.findall(f"{{{CREDIT_NS}}}via")
    assert [(v.text, v.get("licence")) for v in via] == [
        ("Scope", "CC BY 4.0"),
        ("the Scottish Co-production Network", None),
        ("Centre for Welfare Reform", "All rights reserved"),
    ]
    assert [(v.text, v.get("licence")) for v in item.findall(f"{{{CREDIT_NS}}}via")] == [
        (v.text, v.get("licence")) for v in via
    ]
    assert json_item["_copro"]["source"]["licence"] == "CC BY 4.0"
    assert [p.get("licence") for p in json_item["_copro"]["also_via"]] == [
        None,
        "All rights reserved",
    ]
    (article,) = out.articles()
    meta = article.find(".//p[@class='entry-meta']")
    assert text_of(meta) == f"{expected_text}, 3 March 2026"
    assert article.find(".//p[@class='entry-licence']") is None


def test_a_joint_credit_where_only_a_later_partner_has_a_licence():
    out = render_all([joint(SCOPE, CFWR_ARR)])
    (element,) = out.atom_entries()
    assert element.findtext(f"{ATOM}rights") is None  # Scope's copy: no licence declared
    assert "Centre for Welfare Reform</a> (licence: All rights reserved)" in element.findtext(
        f"{ATOM}content"
    )
    assert "Scope</a> (licence" not in element.findtext(f"{ATOM}content")


def test_the_roundup_shows_each_licence_with_its_partner():
    winner = joint(SCOPE_BY, CFWR_ARR)
    html = roundup_html(
        Roundup(
            start=NOW,
            end=NOW + timedelta(days=7),
            title="Week",
            posts=(winner,),
            sections=(RoundupSection(heading="Scope", entries=(winner,)),),
        ),
        SITE,
    )
    credit = lxml.html.fromstring(html).xpath("//p[starts-with(., 'Via ')]")[0]
    assert credit.text_content() == (
        "Via Scope (licence: CC BY 4.0) and Centre for Welfare Reform "
        "(licence: All rights reserved)"
    )
