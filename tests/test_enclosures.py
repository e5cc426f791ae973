"""Audio and video enclosures end to end: republished in Atom (every one, ``rel="enclosure"``),
RSS (the first, since RSS allows one), JSON Feed (``attachments``) and on the pages (a
plain link with type and size, no player), in valid documents a real reader understands."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import feedparser
import html5lib
from lxml import etree
from reader import make_reader

from copro_feeds._publish import FeedContent, FeedInfo, render_files
from copro_feeds._publish._feedgen import render_atom, render_rss
from copro_feeds._publish._jsonfeed import render_json_feed
from copro_feeds._publish._page import entry_view, readable_size
from copro_feeds.types import Enclosure
from tests.factories import NOW, entry
from tests.schemas import atom_relaxng, json_feed_validator
from tests.test_publish import SITE

AUDIO = Enclosure(url="https://scope.example/media/ep1.mp3", type="audio/mpeg", length=24_000_000)
VIDEO = Enclosure(url="https://scope.example/media/talk.mp4", type="video/mp4", length=None)
PODCAST = entry(
    id="ep1", title="Episode one", published=NOW, updated=NOW, enclosures=(AUDIO, VIDEO)
)
PLAIN = entry(id="plain", link="https://scope.example/plain", published=NOW, updated=NOW)


def test_atom_carries_every_enclosure_and_stays_valid():
    data = render_atom([PODCAST, PLAIN], SITE)
    assert atom_relaxng().validate(etree.ElementTree(etree.fromstring(data)))
    parsed = feedparser.parse(io.BytesIO(data))
    assert not parsed.bozo
    found = [(e.href, e.type, e.get("length")) for e in parsed.entries[0].enclosures]
    assert found == [(AUDIO.url, "audio/mpeg", "24000000"), (VIDEO.url, "video/mp4", None)]
    assert parsed.entries[0].link == "https://scope.example/blog/post-1/"
    assert parsed.entries[1].enclosures == []


def test_rss_carries_the_first_enclosure_only():
    data = render_rss([PODCAST, PLAIN], SITE)
    items = etree.fromstring(data).find("channel").findall("item")
    [enclosure] = items[0].findall("enclosure")
    assert dict(enclosure.attrib) == {"url": AUDIO.url, "length": "24000000", "type": "audio/mpeg"}
    assert items[1].find("enclosure") is None
    only_video = render_rss([entry(enclosures=(VIDEO,))], SITE)
    [unknown] = etree.fromstring(only_video).iter("enclosure")
    assert unknown.get("length") == "0"  # RSS requires the attribute: 0 means unknown


def test_json_feed_attachments_are_valid():
    document = json.loads(render_json_feed([PODCAST, PLAIN], SITE))
    json_feed_validator().validate(document)
    assert document["items"][0]["attachments"] == [
        {"url": AUDIO.url, "mime_type": "audio/mpeg", "size_in_bytes": 24_000_000},
        {"url": VIDEO.url, "mime_type": "video/mp4"},
    ]
    assert "attachments" not in document["items"][1]


def test_a_real_reader_sees_the_enclosures(tmp_path):
    (tmp_path / "atom.xml").write_bytes(render_atom([PODCAST], SITE))
    reader = make_reader(str(tmp_path / "reader.sqlite"), feed_root=str(tmp_path))
    try:
        reader.add_feed("atom.xml")
        reader.update_feeds()
        [seen] = reader.get_entries()
        assert [(e.href, e.type, e.length) for e in seen.enclosures] == [
            (AUDIO.url, "audio/mpeg", 24_000_000),
            (VIDEO.url, "video/mp4", None),
        ]
    finally:
        reader.close()


def test_pages_link_to_the_files_with_type_and_size():
    view = entry_view(PODCAST, "en")
    assert [(m.kind, m.format, m.size, m.href) for m in view.media] == [
        ("audio", "MP3", "24 MB", AUDIO.url),
        ("video", "MP4", None, VIDEO.url),
    ]
    other = entry_view(
        entry(enclosures=(Enclosure(url="https://x.example/a", type="audio/x-aiff"),)), "en"
    )
    assert other.media[0].format == "AIFF"


def test_sizes_read_as_people_say_them():
    assert [readable_size(n) for n in (512, 1_500, 9_990, 24_000_000, 300_000_000)] == [
        "1 KB",
        "1.5 KB",
        "10 KB",
        "24 MB",
        "300 MB",
    ]
    assert readable_size(1_200_000_000) == "1.2 GB"


def test_the_page_shows_plain_links_and_no_player():
    feed = FeedContent(info=FeedInfo(), entries=(PODCAST,))
    page = render_files([feed], [PODCAST.attribution], SITE)["index.html"].decode()
    document = html5lib.parse(page, namespaceHTMLElements=False)
    links = document.findall(".//ul[@class='entry-media']/li/a")
    assert ["".join(link.itertext()) for link in links] == [
        "Listen to \u2018Episode one\u2019: MP3, 24 MB",
        "Watch \u2018Episode one\u2019: MP4",
    ]
    assert [link.get("href") for link in links] == [AUDIO.url, VIDEO.url]
    assert [link.get("type") for link in links] == ["audio/mpeg", "video/mp4"]
    assert not document.findall(".//audio") and not document.findall(".//video")
    assert "autoplay" not in page


def test_the_words_are_welsh_on_a_welsh_page():
    feed = FeedContent(info=FeedInfo(), entries=(PODCAST,))
    welsh = replace(SITE, language="cy")
    page = render_files([feed], [PODCAST.attribution], welsh)["index.html"].decode()
    document = html5lib.parse(page, namespaceHTMLElements=False)
    links = document.findall(".//ul[@class='entry-media']/li/a")
    assert ["".join(link.itertext()) for link in links] == [
        "Gwrando ar \u2018Episode one\u2019: MP3, 24 MB",
        "Gwylio \u2018Episode one\u2019: MP4",
    ]
