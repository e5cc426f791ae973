from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._normalise import NormaliseSettings, normalise_entry
from copro_feeds._parse import (
    _BAD_CHARACTER_REFERENCE,
    _drop_if_not_xml_char,
    looks_like_html,
    parse_feed,
)
from copro_feeds._types import ParsedFeed
from copro_feeds.exceptions import ParseError
from tests.factories import NOW, attribution

DATA = Path(__file__).parent / "data"
GOLDEN = sorted(p for p in (DATA / "golden").iterdir() if p.suffix not in (".json", ".md"))
# feedparser's test suite, unpacked from its sdist on PyPI by tests/install-tools.sh.
FEEDPARSER_TESTS = Path(__file__).parent / ".registry" / "feedparser-6.0.14"
FEED_URL = "https://partner.example/feed/"
SETTINGS = NormaliseSettings(
    attribution=attribution(),
    base_url=FEED_URL,
    tags=("partner",),
    excerpt_words=25,
    max_entry_bytes=256 * 1024,
)
_HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.+?)\s*$", re.MULTILINE)
_EXPECT = re.compile(rb"^Expect:\s*(.+?)\s*$", re.MULTILINE)


def embedded_headers(body: bytes) -> dict[str, str]:
    """feedparser's test files carry their HTTP headers in a leading comment."""
    return {m[1].decode().lower(): m[2].decode() for m in _HEADER.finditer(body[:2000])}


def summarise(path: Path) -> dict[str, object]:
    body = path.read_bytes()
    try:
        parsed = parse_feed(body, embedded_headers(body), FEED_URL, max_entries=1000)
    except ParseError as error:
        return {"error": str(error)}
    entries = [normalise_entry(raw, SETTINGS, NOW) for raw in parsed.entries]
    return {
        "version": parsed.version,
        "title": parsed.title,
        "link": parsed.link,
        "entries": [
            {
                "id": e.id,
                "link": e.link,
                "title": e.title,
                "authors": list(e.authors),
                "published": e.published.isoformat(),
                "updated": e.updated.isoformat(),
                "categories": list(e.categories),
                "excerpt": e.excerpt,
            }
            for e in entries
        ],
    }


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden(path):
    """Parse → normalise of real feeds matches the reviewed expectation beside each file.

    Regenerate with COPRO_UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
    """
    expected_path = path.with_name(path.name + ".json")
    actual = summarise(path)
    if os.environ.get("COPRO_UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n")
    assert actual == json.loads(expected_path.read_text())


def test_golden_set_is_varied():
    expectations = [json.loads(p.with_name(p.name + ".json").read_text()) for p in GOLDEN]
    versions = {e.get("version") for e in expectations}
    assert any("error" in e for e in expectations)
    assert {"rss20", "rss10", "atom10", "atom03", "rss092"} <= versions
    assert len(GOLDEN) >= 25


def real_feeds() -> list[ParsedFeed]:
    """Every golden feed, partner feed and feedparser test feed that parses, parsed (for
    differential tests over real-world posts)."""
    paths = [*GOLDEN, *sorted((DATA / "partners").iterdir()), *corpus_feeds()]
    feeds = []
    for path in paths:
        body = path.read_bytes()
        try:
            feeds.append(parse_feed(body, embedded_headers(body), FEED_URL, max_entries=1000))
        except ParseError:
            continue
    return feeds


def corpus_feeds() -> list[Path]:
    """feedparser's own test feeds, from its source distribution on PyPI."""
    if not (FEEDPARSER_TESTS / "LICENSE").is_file():
        pytest.fail(
            f"feedparser's test feeds are missing from {FEEDPARSER_TESTS}: "
            "run `bash tests/install-tools.sh` (it downloads them from PyPI)",
            pytrace=False,
        )
    return sorted(
        path
        for folder in ("wellformed", "illformed", "encoding", "entities", "http")
        for path in (FEEDPARSER_TESTS / "tests" / folder).rglob("*.xml")
    )


def feedparser_expects_no_bozo(body: bytes) -> bool:
    """Each test file states what feedparser makes of it: ``Expect: not bozo and ...``."""
    expectation = _EXPECT.search(body[:3000])
    return expectation is not None and expectation[1].startswith(b"not bozo")


def test_sweep_feedparser_corpus_never_crashes():
    """Every file of feedparser's own test suite (well-formed, ill-formed, encodings,
    entities, HTTP cases) goes through parse → normalise, or a ParseError; and every file
    feedparser reads without complaint is read too, but for the refusals we choose."""
    feeds = corpus_feeds()
    assert len(feeds) > 2000
    parsed = entries = 0
    versions: set[str] = set()
    refused_clean: dict[str, str] = {}  # files feedparser reads without bozo that we refuse
    for path in feeds:
        body = path.read_bytes()
        try:
            feed = parse_feed(body, embedded_headers(body), FEED_URL, max_entries=1000)
        except ParseError as error:
            if feedparser_expects_no_bozo(body):
                refused_clean[path.relative_to(FEEDPARSER_TESTS).as_posix()] = str(error)
            continue
        parsed += 1
        versions.add(feed.version)
        for raw in feed.entries:
            entry = normalise_entry(raw, SETTINGS, NOW)
            assert entry.id and entry.title
            entries += 1
    assert parsed > 0.95 * len(feeds), (parsed, len(feeds))
    assert entries > 1000
    assert {"rss090", "rss091u", "rss092", "rss093", "rss094", "rss10", "rss20"} <= versions
    assert {"atom03", "atom10"} <= versions
    # Refused on purpose: CDF (neither RSS nor Atom) and DOCTYPEs that declare entities.
    unexpected = {
        name: error
        for name, error in refused_clean.items()
        if not (
            (name.startswith("tests/wellformed/cdf/") and "neither RSS/Atom nor JSON Feed" in error)
            or "declares XML entities" in error
        )
    }
    assert unexpected == {}
    assert 0 < len(refused_clean) < 20, refused_clean


def test_empty_body_is_not_a_feed():
    with pytest.raises(ParseError, match="empty"):
        parse_feed(b"  \n", {}, FEED_URL, max_entries=10)


def test_html_page_is_not_a_feed():
    page = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body></html>"
    assert looks_like_html(page)
    with pytest.raises(ParseError, match="HTML page"):
        parse_feed(page, {"content-type": "text/html"}, FEED_URL, max_entries=10)


def test_json_error_is_not_a_feed():
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b'{"error": "rate limited"}', {}, FEED_URL, max_entries=10)


def test_entity_declarations_are_refused_before_parsing():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "' + b"x" * 10_000 + b'">]>'
        b"<rss version='2.0'><channel><title>&big;&big;&big;</title></channel></rss>"
    )
    with pytest.raises(ParseError, match="entities"):
        parse_feed(body, {}, FEED_URL, max_entries=10)


def test_ill_formed_feed_with_entries_is_read_with_a_warning():
    body = (
        b"<rss version='2.0'><channel><title>T & co</title>"
        b"<item><title>One</title><link>/one</link><guid>1</guid></item>"
        b"<item><title>Two</title><link>/two</link><guid>2</guid></item>"
    )  # unescaped & and no closing tags
    feed = parse_feed(body, {}, FEED_URL, max_entries=10)
    assert [e.title for e in feed.entries] == ["One", "Two"]
    assert feed.entries[0].link == "https://partner.example/one"
    assert any("not well-formed" in w for w in feed.warnings)


def test_entry_cap_keeps_the_first_entries():
    items = b"".join(
        b"<item><guid isPermaLink='false'>%d</guid><title>t</title></item>" % i for i in range(30)
    )
    feed = parse_feed(
        b"<rss version='2.0'><channel>" + items + b"</channel></rss>", {}, FEED_URL, max_entries=5
    )
    assert [e.guid for e in feed.entries] == ["0", "1", "2", "3", "4"]
    assert any("kept the first 5" in w for w in feed.warnings)


def test_bytes_that_look_like_a_path_or_url_are_not_opened():
    for body in (b"/etc/passwd", b"http://127.0.0.1:1/feed"):
        with pytest.raises(ParseError):
            parse_feed(body, {}, FEED_URL, max_entries=10)


def test_impossible_dates_become_none():
    body = (
        b"<rss version='2.0'><channel><title>t</title>"
        b"<item><guid>1</guid><pubDate>0000-00-00 00:00:00</pubDate></item>"
        b"<item><guid>2</guid><pubDate>Mon, 31 Feb 2026 25:61:00 GMT</pubDate></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(body, {}, FEED_URL, max_entries=10)
    assert [e.published for e in feed.entries] == [None, None]


def test_impossible_iso_dates_are_missing_not_rolled_over():
    """feedparser reads 2026-02-31 as 3 March and 10000-01-01 as 2010: refused here."""
    dates = ["2026-02-31T10:00:00Z", "2026-03-02T25:61:00Z", "10000-01-01T00:00:00Z",
             "2026-03-02T10:00:60Z"]  # fmt: skip
    items = "".join(
        f"<entry><id>urn:uuid:{i}</id><title>t</title><updated>{d}</updated></entry>"
        for i, d in enumerate(dates)
    )
    body = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>{items}</feed>".encode()
    feed = parse_feed(body, {}, FEED_URL, max_entries=10)
    assert [e.updated for e in feed.entries][:3] == [None, None, None]
    assert feed.entries[3].updated is not None  # a leap second is a real time


def test_rss_and_atom_enclosures_are_read_and_kept_with_type_and_length():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <link>https://partner.example/</link><item><title>Episode 1</title>
    <link>https://partner.example/ep1</link>
    <enclosure url="/media/ep1.mp3" length="24000000" type="audio/mpeg"/>
    <enclosure url="https://partner.example/ep1.pdf" length="10" type="application/pdf"/>
    </item></channel></rss>"""
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <id>urn:x</id><updated>2026-03-01T00:00:00Z</updated><entry><title>Talk</title>
    <id>urn:talk</id><updated>2026-03-01T00:00:00Z</updated>
    <link href="https://partner.example/talk"/>
    <link rel="enclosure" href="https://user:secret@partner.example/talk.mp4"
          type="video/mp4" length="300000000"/></entry></feed>"""
    [podcast] = parse_feed(rss, {}, FEED_URL, max_entries=10).entries
    [talk] = parse_feed(atom, {}, FEED_URL, max_entries=10).entries
    assert len(podcast.enclosures) == 2  # read as written; the normaliser chooses
    audio = normalise_entry(podcast, SETTINGS, NOW).enclosures
    video = normalise_entry(talk, SETTINGS, NOW).enclosures
    assert [(e.url, e.type, e.length) for e in audio] == [
        ("https://partner.example/media/ep1.mp3", "audio/mpeg", 24_000_000)
    ]
    assert [(e.url, e.type, e.length) for e in video] == [
        ("https://partner.example/talk.mp4", "video/mp4", 300_000_000)
    ]


@given(
    st.lists(
        st.one_of(st.integers(0, 0x110100), st.sampled_from([0, 9, 0xD800, 0xFFFE])), max_size=8
    ),
    st.booleans(),
    st.integers(0, 3),
)
def test_only_references_to_characters_xml_cannot_hold_are_dropped(codes, hexadecimal, zeros):
    def reference(code: int) -> bytes:
        digits = f"{code:x}" if hexadecimal else str(code)
        return f"&#{'x' if hexadecimal else ''}{'0' * zeros}{digits};".encode()

    def allowed(code: int) -> bool:
        return (
            code in (0x9, 0xA, 0xD)
            or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or (0x10000 <= code <= 0x10FFFF)
        )

    body = b"x".join(reference(code) for code in codes)
    kept = b"x".join(reference(code) if allowed(code) else b"" for code in codes)
    assert _BAD_CHARACTER_REFERENCE.sub(_drop_if_not_xml_char, body) == kept
