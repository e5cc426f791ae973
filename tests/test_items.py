"""``_items``: where a feed document's items lie, and its head's digest (issue 13)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_feeds._items import item_digest, split_items, without_spans

RSS = (
    b"<?xml version='1.0'?>\n<rss version='2.0'><channel><title>T</title>"
    b"<lastBuildDate>Mon, 02 Mar 2026 10:00:00 GMT</lastBuildDate>\n"
    b"  <item><title>a</title><pubDate>1</pubDate></item>\n"
    b"  <item ><title>b</title></item >\n</channel></rss>"
)
ATOM = (
    b"<feed xmlns='http://www.w3.org/2005/Atom' xml:lang='cy'><updated>2026</updated>"
    b"<entry><id>1</id></entry><entry><id>2</id><source><entry-ish/></source></entry></feed>"
)
RDF = (
    b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
    b"xmlns='http://purl.org/rss/1.0/'><channel><title>T</title></channel>"
    b"<item><title>a</title></item></rdf:RDF>"
)


def pieces(body: bytes) -> list[bytes]:
    items = split_items(body)
    assert items is not None
    return [body[start:end] for start, end in items.spans]


def test_items_are_cut_exactly_at_their_tags():
    assert pieces(RSS) == [
        b"<item><title>a</title><pubDate>1</pubDate></item>",
        b"<item ><title>b</title></item >",
    ]
    assert pieces(ATOM) == [
        b"<entry><id>1</id></entry>",
        b"<entry><id>2</id><source><entry-ish/></source></entry>",
    ]
    assert pieces(RDF) == [b"<item><title>a</title></item>"]


def test_the_head_ignores_items_the_whitespace_between_them_and_feed_dates():
    head = split_items(RSS).head
    fewer = RSS.replace(b"  <item ><title>b</title></item >\n", b"")
    later = RSS.replace(b"Mon, 02 Mar", b"Tue, 03 Mar")
    assert split_items(fewer).head == split_items(later).head == head
    assert split_items(RSS.replace(b"<title>T</title>", b"<title>U</title>")).head != head
    atom = split_items(ATOM).head
    assert split_items(ATOM.replace(b"<updated>2026", b"<updated>2027")).head == atom
    assert split_items(ATOM.replace(b"'cy'", b"'en'")).head != atom
    listed = RDF.replace(
        b"</channel>", b"<items><rdf:Seq><rdf:li resource='a'/></rdf:Seq></items></channel>"
    )
    assert split_items(listed).head == split_items(RDF).head


@pytest.mark.parametrize(
    "body",
    [
        b"<rss><channel><item>a</item>",  # not well-formed
        b"<rss><channel><item/></channel></rss>",  # an empty item
        b"<rss><channel><item>a<item>b</item></item></channel></rss>",  # nested
        b"<rss><channel><x:item xmlns:x='urn:x'>a</x:item></channel></rss>",  # elsewhere
        b"<feed><entry>a</entry></feed>",  # Atom without its namespace
        b"<?xml version='1.0' encoding='shift_jis'?><rss><channel><item>a</item></channel></rss>",
        b"<!DOCTYPE rss [<!ENTITY e 'x'>]><rss><channel><item>&e;</item></channel></rss>",
    ],
)
def test_any_doubt_gives_none(body):
    assert split_items(body) is None


def test_a_single_byte_encoding_is_cut_at_its_bytes():
    body = (
        b"<?xml version='1.0' encoding='windows-1252'?>"
        b"<rss><channel><item>caf\xe9 \x93x\x94</item></channel></rss>"
    )
    assert pieces(body) == [b"<item>caf\xe9 \x93x\x94</item>"]


def test_item_digests_depend_on_the_context_and_the_bytes():
    assert item_digest("a", b"<item/>") == item_digest("a", b"<item/>")
    assert item_digest("a", b"<item/>") != item_digest("b", b"<item/>")
    assert item_digest("a", b"<item/>") != item_digest("a", b"<item />")


@given(st.lists(st.sampled_from(["a", "b", "c&amp;d"]), max_size=6), st.data())
def test_cutting_items_leaves_a_document_with_the_rest(titles, data):
    body = (
        "<rss><channel><title>T</title>"
        + "".join(f"<item><title>{t}</title></item>" for t in titles)
        + "</channel></rss>"
    ).encode()
    items = split_items(body)
    assert items is not None
    drop = data.draw(st.sets(st.integers(0, max(len(titles) - 1, 0))))
    cut = [span for number, span in enumerate(items.spans) if number in drop]
    reduced = without_spans(body, cut)
    left = split_items(reduced)
    assert left is not None
    assert left.head == items.head
    kept = [body[s:e] for n, (s, e) in enumerate(items.spans) if n not in drop]
    assert [reduced[s:e] for s, e in left.spans] == kept


def test_deep_nesting_costs_each_element_the_same():
    """100,000 nested elements inside an item: read in linear time (CPU seconds)."""
    nested = b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000
    body = b"<rss><channel><item>" + nested + b"</item></channel></rss>"
    started = time.process_time()
    items = split_items(body)
    assert time.process_time() - started < 5  # about 0.2 s; quadratic took minutes
    assert items is not None
    assert len(items.spans) == 1
