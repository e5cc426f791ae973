"""Hostile and broken XML through parse → normalise → publish, and through the sandbox.

Every case ends in entries whose text is clean Unicode and whose published Atom and RSS
parse strictly (lxml) and without bozo (feedparser), or in a ParseError: never a crash,
a hang, a blown memory budget or a network request.
"""

from __future__ import annotations

import contextlib
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import feedparser
import pytest
from lxml import etree

from copro_feeds._normalise import NormaliseSettings, normalise_entry
from copro_feeds._parse import parse_feed
from copro_feeds._publish import render_atom, render_rss
from copro_feeds._sandbox import Sandbox
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import ParseError
from copro_feeds.types import Entry
from tests.factories import NOW, attribution
from tests.feedserver import FeedServer

MB = 1024 * 1024
T = TypeVar("T")
FEED_URL = "https://partner.example/feed/"
SETTINGS = NormaliseSettings(
    attribution=attribution(),
    base_url=FEED_URL,
    tags=(),
    excerpt_words=25,
    max_entry_bytes=256 * 1024,
)
SITE = SiteConfig(title="Partners", link="https://copro.example/", feed_url=None)
# What stored text must never contain: C0/C1 controls but \t \n \r, DEL, surrogates, U+FFFE/F.
UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
STRICT = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def rss(items: bytes, *, prolog: bytes = b"", attributes: bytes = b"") -> bytes:
    return (
        prolog + b"<rss version='2.0'" + attributes + b"><channel><title>Partner</title>"
        b"<link>https://partner.example/</link>" + items + b"</channel></rss>"
    )


def item(index: int, *, title: bytes = b"Post", extra: bytes = b"") -> bytes:
    return (
        b"<item><title>%s %d</title><link>https://partner.example/%d</link>"
        b"<guid isPermaLink='false'>id-%d</guid>%s</item>" % (title, index, index, index, extra)
    )


def parse_and_normalise(
    body: bytes, headers: dict[str, str], max_entries: int = 1000
) -> list[Entry]:
    """The fetch thread's work (module level: the sandbox pickles it by name)."""
    parsed = parse_feed(body, headers, FEED_URL, max_entries=max_entries)
    return [normalise_entry(raw, SETTINGS, NOW) for raw in parsed.entries]


def cpu_timed(function: Callable[..., T], *args: Any) -> tuple[T | str, float]:
    """Run in the sandbox worker: ``function``'s result, or its ParseError's message, and
    the CPU seconds the worker spent on it (not the wall clock, which a loaded machine
    stretches, nor importing this module on a fresh worker)."""
    started = time.process_time()
    try:
        outcome: T | str = function(*args)
    except ParseError as error:
        outcome = f"ParseError: {error}"
    return outcome, time.process_time() - started


def assert_clean(entries: list[Entry]) -> None:
    """Stored text is clean Unicode; the published feeds are valid XML and valid feeds."""
    for entry in entries:
        for text in (entry.id, entry.title, entry.content_html, entry.excerpt, entry.link or ""):
            assert not UNCLEAN.search(text), repr(text)
            text.encode("utf-8")  # no lone surrogates
    for document in (render_atom(entries, SITE), render_rss(entries, SITE)):
        document.decode("utf-8")
        etree.fromstring(document, STRICT)
        reread = feedparser.parse(document)
        assert not reread.bozo, reread.get("bozo_exception")
        assert len(reread.entries) == len(entries)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    # The wall-clock limit is only a backstop here: the tests bound CPU time themselves.
    with Sandbox(workers=2, memory_bytes=512 * MB, seconds=60) as pool:
        yield pool


@pytest.fixture(scope="module")
def small_sandbox() -> Iterator[Sandbox]:
    with Sandbox(workers=1, memory_bytes=256 * MB, seconds=3) as pool:
        yield pool


# -- entity expansion --------------------------------------------------------------------

LAUGHS = b'<!ENTITY lol0 "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10)
)
BIG = b'<!ENTITY big "' + b"x" * 200_000 + b'">'
ENTITY_ATTACKS = {
    "billion laughs": rss(item(1, title=b"&lol9;"), prolog=b"<!DOCTYPE rss [" + LAUGHS + b"]>"),
    "big entity many times": rss(
        item(1, title=b"&big;" * 2000), prolog=b"<!DOCTYPE rss [\n" + BIG + b"\n]>"
    ),
}


@pytest.mark.parametrize("body", ENTITY_ATTACKS.values(), ids=ENTITY_ATTACKS.keys())
def test_entity_expansion_is_refused_quickly_in_little_memory(small_sandbox, body):
    with pytest.raises(ParseError, match="entities"):
        small_sandbox.call(parse_and_normalise, body, {})
    outcome, cpu_seconds = small_sandbox.call(cpu_timed, parse_and_normalise, body, {})
    assert isinstance(outcome, str) and "entities" in outcome, outcome
    assert cpu_seconds < 0.5  # refused before expanding anything (expanding takes minutes)
    assert small_sandbox.call(parse_and_normalise, rss(item(1)), {})[0].title == "Post 1"


HIDDEN_DECLARATIONS = {
    # UTF-16 without a BOM, the charset only in the HTTP header.
    "utf-16 without BOM": (
        (b"<!DOCTYPE rss [" + LAUGHS + b"]>").decode().encode("utf-16-le")
        + rss(item(1, title=b"&lol9;")).decode().encode("utf-16-le"),
        {"content-type": "application/xml; charset=utf-16le"},
    ),
    # An element-like string in a comment ends a naive "prolog" before the DOCTYPE.
    "after a comment": (
        rss(item(1, title=b"&big;"), prolog=b"<!-- <a> --><!DOCTYPE rss [" + BIG + b"]>"),
        {},
    ),
    "lower-case": (rss(item(1), prolog=b'<!DOCTYPE rss [<!entity x "y">]>'), {}),
}


@pytest.mark.parametrize("case", HIDDEN_DECLARATIONS.values(), ids=HIDDEN_DECLARATIONS.keys())
def test_hidden_entity_declarations_are_refused(case):
    body, headers = case
    with pytest.raises(ParseError, match="entities"):
        parse_feed(body, headers, FEED_URL, max_entries=10)


def test_xxe_is_refused_and_the_file_never_appears(sandbox):
    body = rss(
        item(1, title=b"&xxe;", extra=b"<description>&xxe;</description>"),
        prolog=b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    )
    with pytest.raises(ParseError, match="entities") as caught:
        sandbox.call(parse_and_normalise, body, {})
    assert "root:" not in str(caught.value)


# -- nothing is ever fetched ---------------------------------------------------------------


@pytest.fixture
def recorder(feed_server: FeedServer) -> FeedServer:
    """The recording server, serving whatever a parser might want to fetch."""
    for path in ("/evil.dtd", "/param.dtd", "/style.xsl", "/include.xml", "/probe"):
        feed_server.serve(path, b'<?xml version="1.0"?><secret>LEAKED</secret>')
    with urllib.request.urlopen(feed_server.url("/probe")) as _:  # the recorder records
        pass
    assert feed_server.hits("/probe") == 1
    return feed_server


def test_no_outgoing_request_for_dtds_stylesheets_or_xinclude(sandbox, recorder):
    url = recorder.url
    allowed = {
        "external DTD": rss(
            item(1), prolog=b'<!DOCTYPE rss SYSTEM "%s">' % url("/evil.dtd").encode()
        ),
        "public DTD": rss(
            item(1),
            prolog=b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "%s">'
            % url("/evil.dtd").encode(),
        ),
        "xml-stylesheet": rss(
            item(1),
            prolog=b'<?xml-stylesheet type="text/xsl" href="%s"?>' % url("/style.xsl").encode(),
        ),
        "xinclude": rss(
            item(
                1,
                extra=b'<description><xi:include href="%s" parse="xml"/></description>'
                % url("/include.xml").encode(),
            ),
            attributes=b' xmlns:xi="http://www.w3.org/2001/XInclude"',
        ),
    }
    for name, body in allowed.items():
        entries = sandbox.call(parse_and_normalise, body, {})
        assert [entry.title for entry in entries] == ["Post 1"], name
        assert all("LEAKED" not in entry.content_html for entry in entries), name
        assert_clean(entries)
    parameter_entity = rss(
        item(1),
        prolog=b'<!DOCTYPE rss [<!ENTITY %% p SYSTEM "%s"> %%p;]>' % url("/param.dtd").encode(),
    )
    with pytest.raises(ParseError, match="entities"):
        sandbox.call(parse_and_normalise, parameter_entity, {})
    time.sleep(0.2)  # a request made in the background would be recorded by now
    assert [request.path for request in recorder.requests] == ["/probe"]


# -- size and shape ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [8 * MB, 64 * MB], ids=["8MB", "64MB"])
def test_huge_attribute_ends_within_the_sandbox_limits(small_sandbox, size):
    body = rss(item(1, extra=b"<category domain='" + b"x" * size + b"'>c</category>"))
    started = time.monotonic()
    try:
        entries = small_sandbox.call(parse_and_normalise, body, {})
    except ParseError as error:
        assert re.search("longer than|memory|died|parser failed", str(error))
    else:
        assert [entry.title for entry in entries] == ["Post 1"]
    # The sandbox's wall-clock limit, with room for a loaded machine to kill and reap.
    assert time.monotonic() - started < small_sandbox.seconds + 5
    assert small_sandbox.call(parse_and_normalise, rss(item(2)), {})[0].title == "Post 2"


def test_deeply_nested_elements(sandbox):
    nested = b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000
    body = rss(item(1, extra=b"<description>" + nested + b"</description>"))
    entries = sandbox.call(parse_and_normalise, body, {})
    assert [entry.title for entry in entries] == ["Post 1"]
    assert_clean(entries)


def test_200k_items_keep_only_max_entries_quickly(sandbox):
    body = rss(b"".join(item(n) for n in range(200_000)))
    entries, cpu_seconds = sandbox.call(cpu_timed, parse_and_normalise, body, {}, 1000)
    assert cpu_seconds < 5
    assert isinstance(entries, list), entries
    assert len(entries) == 1000
    assert (entries[0].id, entries[-1].id) == ("id-0", "id-999")


@pytest.mark.parametrize(
    "filler",
    [b"<item/>", b"<item />", b"<entry/>", b"<item></item>", b"<rss:item/>"],
    ids=["item/", "item /", "entry/", "empty pair", "prefixed"],
)
def test_a_million_empty_items_after_real_ones_keep_the_first_quickly(filler):
    """Issue 10 item 2: 1,500 real items then 1,000,000 empty ones (7 MB, under the size
    cap): the first max_entries are kept, in well under the parse time limit (CPU time)."""
    body = rss(b"".join(item(n) for n in range(1500)) + filler * 1_000_000)
    started = time.process_time()
    entries = parse_and_normalise(body, {}, 1000)
    assert time.process_time() - started < 5  # was the whole 30 s parse limit
    assert len(entries) == 1000
    assert (entries[0].id, entries[-1].id) == ("id-0", "id-999")


def test_truncated_documents_keep_their_complete_entries():
    body = rss(b"".join(item(n) for n in range(3)))
    entries = parse_and_normalise(body[: body.index(b"<item>", 300) + 20], {})
    assert [entry.id for entry in entries][:2] == ["id-0", "id-1"]
    assert_clean(entries)
    for cut in range(1, len(body), 23):
        with contextlib.suppress(ParseError):  # a ParseError is an acceptable outcome
            assert_clean(parse_and_normalise(body[:cut], {}))


# -- encodings and characters -------------------------------------------------------------

CAFE = "Café “déjà vu” — ☕"
ENCODING_CASES = {
    "utf-8 labelled iso-8859-1": (
        rss(item(1, title=CAFE.encode())),
        {"content-type": "application/rss+xml; charset=iso-8859-1"},
    ),
    "utf-16 BOM, utf-8 declaration": (
        b"\xff\xfe"
        + ('<?xml version="1.0" encoding="utf-8"?>' + rss(item(1)).decode()).encode("utf-16-le"),
        {},
    ),
    "windows-1252 labelled utf-8": (
        rss(item(1, title="“quoted” café".encode("cp1252"))),
        {"content-type": "application/rss+xml; charset=utf-8"},
    ),
}


@pytest.mark.parametrize("case", ENCODING_CASES.values(), ids=ENCODING_CASES.keys())
def test_wrong_charset_labels_give_clean_unicode(case):
    body, headers = case
    entries = parse_and_normalise(body, headers)
    assert len(entries) == 1
    assert re.search("post|caf", entries[0].title, re.IGNORECASE), entries[0].title
    assert_clean(entries)


def test_forbidden_characters_are_removed():
    body = rss(
        item(
            1,
            title=b"A\x00B&#xD800;C&#xFFFE;D&#x0;E",
            extra=b"<description>x&#x0;y\x00z&#xFFFF;</description>",
        )
    )
    entries = parse_and_normalise(body, {})
    assert len(entries) == 1
    assert re.fullmatch(r"A ?B ?C ?D ?E 1", entries[0].title), entries[0].title
    assert_clean(entries)


# -- URLs and markup -----------------------------------------------------------------------


def test_javascript_base_never_reaches_an_entry():
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="javascript:alert(1)//">'
        b"<title>t</title><id>urn:t</id><updated>2026-01-01T00:00:00Z</updated>"
        b'<entry xml:base="javascript:alert(2)/"><title>x</title><id>relative-id</id>'
        b'<link href="page"/><updated>2026-01-01T00:00:00Z</updated>'
        b'<content type="html">&lt;a href="next"&gt;n&lt;/a&gt;&lt;img src="i.png"&gt;</content>'
        b"</entry></feed>"
    )
    entries = parse_and_normalise(body, {})
    assert len(entries) == 1
    assert "javascript" not in repr(entries[0]).lower()
    assert_clean(entries)


def test_javascript_and_data_links_and_guids_are_dropped():
    body = rss(
        b"<item><title>x</title><link>javascript:alert(1)</link>"
        b"<guid isPermaLink='false'>data:text/html,&lt;script&gt;</guid></item>"
        b"<item><title>y</title><guid>JavaScript:alert(2)</guid></item>"
    )
    entries = parse_and_normalise(body, {})
    assert [entry.link for entry in entries] == [None, None]
    for entry in entries:
        assert not re.search("javascript|data:", repr(entry), re.IGNORECASE)
    assert_clean(entries)


def test_markup_in_titles_is_escaped_exactly_once():
    entries = parse_and_normalise(
        rss(b"<item><guid>1</guid><title>AT&amp;T &lt;b&gt;</title></item>"), {}
    )
    assert entries[0].title == "AT&T <b>"
    for document in (render_atom(entries, SITE), render_rss(entries, SITE)):
        assert document.count(b"AT&amp;T &lt;b&gt;") >= 1
        assert b"&amp;amp;" not in document
        assert b"AT&T" not in document
    assert_clean(entries)


# -- dates ---------------------------------------------------------------------------------


def dated(*dates: bytes) -> list[Entry]:
    items = b"".join(item(n, extra=b"<pubDate>%s</pubDate>" % date) for n, date in enumerate(dates))
    return parse_and_normalise(rss(items), {})


def test_future_dates_are_clamped_and_impossible_dates_are_missing():
    impossible = [
        b"Thu, 01 Jan 2099 00:00:00 GMT",
        b"-0001-01-01T00:00:00Z",
        b"0000-00-00 00:00:00",
        b"Sat, 01 Jan 10000 00:00:00 GMT",
        b"Tue, 31 Feb 2026 10:00:00 GMT",
        b"Mon, 02 Mar 2026 25:61:00 GMT",
    ]
    entries = dated(*impossible)
    assert [entry.published for entry in entries] == [NOW] * len(impossible)
    assert_clean(entries)


def test_offsets_and_zone_names_give_the_right_utc():
    entries = dated(
        b"Mon, 02 Mar 2026 10:00:00 +1400",
        b"Mon, 02 Mar 2026 10:00:00 EST",
        b"Sun, 09 Mar 2025 01:59:59 EST",  # US summer time starts at 02:00 local
        b"Sun, 09 Mar 2025 03:00:00 EDT",
        b"2025-03-30T03:30:00+02:00",  # the first hour of EU summer time
    )
    assert [entry.published for entry in entries] == [
        datetime(2026, 3, 1, 20, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        datetime(2025, 3, 9, 6, 59, 59, tzinfo=UTC),
        datetime(2025, 3, 9, 7, 0, tzinfo=UTC),
        datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
    ]


# -- one enormous entry -----------------------------------------------------------------------


def test_a_5mb_entry_is_capped_before_sanitising():
    words = b"<p>" + b"word " * (MB) + b"</p>"
    body = rss(item(1, extra=b"<description><![CDATA[" + words + b"]]></description>"))
    assert len(body) > 5 * MB
    started = time.process_time()
    entries = parse_and_normalise(body, {})
    assert time.process_time() - started < 10
    assert len(entries[0].content_html.encode()) <= SETTINGS.max_entry_bytes + 64
    assert entries[0].excerpt.startswith("word word")
    assert_clean(entries)
