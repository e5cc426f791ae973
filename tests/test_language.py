"""Each entry's language: read from the feed (the entry's ``xml:lang`` or ``dc:language``,
else the feed's), cleaned into a language tag, and published where it is not the feed's
(Atom ``xml:lang``, RSS ``dc:language``, JSON Feed ``language``, ``lang`` on the page)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from copro_feeds._ingest import ingest
from copro_feeds._normalise import NormaliseSettings, language_tag, normalise_entry
from copro_feeds._parse import parse_feed
from copro_feeds.config import SiteConfig
from tests.factories import NOW, attribution, entry, partner_facts, raw_entry
from tests.outputs import ATOM, DC, XML_LANG, render_all, text_of

URL = "https://partner.example/feed"
HEADERS = {"content-type": "application/atom+xml"}
ATOM_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-gb">
<title>Partner</title><id>urn:partner</id><updated>2026-03-01T00:00:00Z</updated>
<link href="https://partner.example/"/>
<entry xml:lang="CY"><title>Newyddion</title><id>urn:1</id>
  <updated>2026-03-01T00:00:00Z</updated><link href="https://partner.example/1"/>
  <content type="html">&lt;p&gt;Shwmae, croeso i bawb.&lt;/p&gt;</content></entry>
<entry><title>News</title><id>urn:2</id><updated>2026-03-01T00:00:00Z</updated>
  <link href="https://partner.example/2"/><summary>Hello, all.</summary></entry>
<entry><title>Mixed</title><id>urn:3</id><updated>2026-03-01T00:00:00Z</updated>
  <link href="https://partner.example/3"/><content xml:lang="fr">Bonjour</content></entry>
</feed>"""
RSS_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Partner</title><link>https://partner.example/</link><description>d</description>
<language>en_US</language>
<item><title>Un</title><guid>1</guid><description>Shwmae</description>
  <dc:language>cy</dc:language></item>
<item><title>Two</title><guid>2</guid><description>Hello</description></item>
<item><title>Three</title><guid>3</guid><description>Hi</description>
  <dc:language>not a language!</dc:language></item>
</channel></rss>"""
SETTINGS = NormaliseSettings(
    attribution=attribution(),
    base_url=URL,
    tags=(),
    excerpt_words=5,
    max_entry_bytes=256 * 1024,
)
NO_LANGUAGE_FEED = RSS_FEED.replace(b"<language>en_US</language>", b"")


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("cy", "cy"),
        (" CY ", "cy"),
        ("en-gb", "en-GB"),
        ("en_US", "en-US"),
        ("EN-gb", "en-GB"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("de-CH-1996", "de-CH-1996"),
        ("", None),
        (None, None),
        ("english please", None),
        ("en-", None),
        ("-en", None),
        ("en--gb", None),
        ("toolongprimary", None),
        ("en-toolongsub1", None),
        ("12", None),
        ("cy;DROP", None),
        ('cy" onload="x', None),
    ],
)
def test_language_tag_is_clean_or_none(value, tag):
    assert language_tag(value) == tag


def test_atom_entry_xml_lang_wins_over_the_feeds():
    parsed = parse_feed(ATOM_FEED, HEADERS, URL, max_entries=10)
    assert parsed.language == "en-gb"
    assert [raw.language for raw in parsed.entries] == ["CY", "en-gb", "fr"]
    found = ingest(ATOM_FEED, HEADERS, URL, partner_facts(), NOW)
    assert [e.language for e in found.entries] == ["cy", "en-GB", "fr"]


def test_rss_dc_language_wins_over_the_channels_and_junk_falls_back_to_it():
    parsed = parse_feed(RSS_FEED, {"content-type": "application/rss+xml"}, URL, max_entries=10)
    assert parsed.language == "en_US"
    assert [raw.language for raw in parsed.entries] == ["cy", None, "not a language!"]
    found = ingest(RSS_FEED, {"content-type": "application/rss+xml"}, URL, partner_facts(), NOW)
    assert [e.language for e in found.entries] == ["cy", "en-US", "en-US"]


def test_no_language_anywhere_is_none():
    found = ingest(NO_LANGUAGE_FEED, {}, URL, partner_facts(), NOW)
    assert [e.language for e in found.entries] == ["cy", None, None]


def test_normalise_prefers_the_entrys_own_valid_language():
    assert normalise_entry(raw_entry(language="cy"), SETTINGS, NOW).language == "cy"
    assert normalise_entry(raw_entry(), SETTINGS, NOW).language is None
    settings = replace(SETTINGS, language="en-GB")
    assert normalise_entry(raw_entry(language="x y"), settings, NOW).language == "en-GB"
    assert normalise_entry(raw_entry(language="cy"), settings, NOW).language == "cy"


WELSH = entry(id="cy", language="cy", title="Newyddion", excerpt="Shwmae, croeso i bawb.")
ENGLISH = entry(id="en", language="en-US", link="https://scope.example/en")
UNKNOWN = entry(id="none", link="https://scope.example/none")


def test_a_welsh_entry_in_an_english_feed_is_marked_in_every_format():
    out = render_all([WELSH, ENGLISH, UNKNOWN])
    assert out.atom.get(XML_LANG) == "en-GB"
    assert [e.get(XML_LANG) for e in out.atom_entries()] == ["cy", None, None]
    parsed = out.atom_parsed.entries
    assert parsed[0].title_detail.language == "cy"
    assert parsed[2].title_detail.language == "en-GB"
    assert [item.findtext(f"{DC}language") for item in out.rss_items()] == ["cy", None, None]
    assert out.json["language"] == "en-GB"
    assert [item.get("language") for item in out.json["items"]] == ["cy", None, None]
    welsh, english, unknown = out.articles()
    assert welsh.get("lang") == "cy"
    assert english.get("lang") is None and unknown.get("lang") is None  # English is English
    # Our own words in the Welsh article stay in the page's language.
    assert welsh.find(".//p[@class='entry-meta']").get("lang") == "en-GB"
    hidden = welsh.xpath(".//span[@class='visually-hidden']")
    assert [span.get("lang") for span in hidden] == ["en-GB", "en-GB"]
    assert english.find(".//p[@class='entry-meta']").get("lang") is None
    assert text_of(welsh.find(".//p[@class='entry-excerpt']")) == "Shwmae, croeso i bawb."


def test_without_a_site_language_every_known_language_is_stated():
    site = SiteConfig(title="News", link="https://copro.example/")
    out = render_all([WELSH, ENGLISH, UNKNOWN], site)
    assert out.atom.get(XML_LANG) is None
    assert [e.get(XML_LANG) for e in out.atom_entries()] == ["cy", "en-US", None]
    assert [item.get("language") for item in out.json["items"]] == ["cy", "en-US", None]
    assert "language" not in out.json
    assert out.page.get("lang") == "en"  # the page's default: only Welsh differs
    assert [a.get("lang") for a in out.articles()] == ["cy", None, None]
    assert out.atom_entries()[0].find(f"{ATOM}title").text == "Newyddion"
