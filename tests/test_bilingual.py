"""A bilingual site end to end (``[site] languages = ["cy", "en"]``): partners' feeds served
on 127.0.0.1, one of them Welsh without a stated language, through the real pipeline to
the site in Welsh at the root and in English under ``en/``, with per-language feeds."""

from __future__ import annotations

import json

import feedparser
import html5lib

import copro_feeds
from tests.conftest import RSS, partner_sources
from tests.test_publishing import publish

WELSH_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Canolfan</title><link>https://canolfan.test/</link><description>Newyddion</description>
<item><title>Mae'r ganolfan gymunedol ar agor eto</title><guid>https://canolfan.test/1</guid>
  <link>https://canolfan.test/1</link><pubDate>Mon, 02 Mar 2026 09:00:00 GMT</pubDate>
  <description>Rydym yn falch o ddweud bod y ganolfan ar agor bob dydd o'r wythnos.</description>
</item>
</channel></rss>"""


def build(project) -> copro_feeds.RunReport:
    project.server.serve("/canolfan/feed/", WELSH_FEED, content_type=RSS)
    sources = partner_sources(project.server) + (
        f'\n[[sources]]\nname = "Canolfan"\nurl = "{project.server.url("/canolfan/feed/")}"\n'
    )
    project.write_config(sources)
    text = project.config_path.read_text(encoding="utf-8")
    project.config_path.write_text(
        text.replace("[site]\n", '[site]\nlanguages = ["cy", "en"]\n'), encoding="utf-8"
    )
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        return aggregator.run_once()


def titles(path) -> list[str]:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return [item.title for item in parsed.entries]


def document(path):
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def test_the_site_once_per_language_with_per_language_feeds(project):
    report = build(project)
    assert report.count(copro_feeds.Outcome.ERROR) == 0, report.results
    public = project.public
    welsh_post = "Mae'r ganolfan gymunedol ar agor eto"
    everything = titles(public / "atom.xml")
    assert welsh_post in everything and len(everything) > 2
    # The Welsh post's feed states no language: the detector found it; the partners'
    # English posts are in the English feed (their own feeds' language, or detected).
    for folder in ("", "en/"):
        assert titles(public / folder / "lang/cy/atom.xml") == [welsh_post]
        english = titles(public / folder / "lang/en/rss.xml")
        assert welsh_post not in english and len(english) == len(everything) - 1
        items = json.loads((public / folder / "lang/cy/feed.json").read_bytes())["items"]
        assert [item["title"] for item in items] == [welsh_post]
    root, english_home = document(public / "index.html"), document(public / "en/index.html")
    assert root.get("lang") == "cy"
    assert english_home.get("lang") == "en"
    assert root.find(".//a[@class='skip-link']").text == "Neidio i'r prif gynnwys"
    twin = root.find(".//ul[@class='site-languages']/li/a")
    assert (twin.get("href"), twin.get("hreflang"), twin.text) == ("en/index.html", "en", "English")
    back = english_home.find(".//ul[@class='site-languages']/li/a")
    assert (back.get("href"), back.get("lang"), back.text) == ("../index.html", "cy", "Cymraeg")
    by_language = [(link.get("href"), link.text) for link in root.iterfind(".//li/a")]
    assert ("lang/cy/index.html", "Negeseuon (Cymraeg)") in by_language
    assert ("lang/en/index.html", "Negeseuon (Saesneg)") in by_language
    # The Welsh post is marked on the English page, not on the Welsh one.
    assert [a.get("lang") for a in english_home.iter("article") if a.get("lang")] == ["cy"]
    assert all(a.get("lang") != "cy" for a in root.iter("article"))
    # Our words in the feeds follow the site: Welsh at the root, English under en/.
    assert b"Drwy " in (public / "atom.xml").read_bytes()
    assert b"Via " in (public / "en/atom.xml").read_bytes()
    assert b"en/atom.xml" in (public / "en/atom.xml").read_bytes()  # its own address


def test_a_missing_file_of_another_language_means_publishing_and_nothing_else_changes(project):
    build(project)
    config = copro_feeds.load_config(project.config_path)
    assert publish(config) == []  # nothing changed, nothing missing
    assert publish(config, force=True) == []  # both languages render the same bytes again
    (project.public / "en" / "feed.json").unlink()
    assert project.public / "en" / "feed.json" in publish(config)
