"""``_xml``: building elements, writing a document, reading an untrusted one safely."""

from __future__ import annotations

import pytest

from copro_feeds._xml import XMLError, add_child, document_bytes, new_element, parse_untrusted


def test_a_built_document_reads_back() -> None:
    root = new_element("opml", version="2.0")
    head = add_child(root, "head")
    add_child(head, "title", "Partners & friends")
    add_child(root, "outline", text="Scope", xmlUrl="https://scope.example/feed/")
    data = document_bytes(root)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"Partners &amp; friends" in data
    again = parse_untrusted(data)
    assert again.tag == "opml"
    assert again.get("version") == "2.0"
    assert again.findtext("head/title") == "Partners & friends"
    assert again.find("outline").attrib == {
        "text": "Scope",
        "xmlUrl": "https://scope.example/feed/",
    }


def test_attributes_keep_their_order_and_text_is_an_attribute_name_too() -> None:
    root = new_element("body")
    child = add_child(root, "outline", type="rss", text="T", title="T2")
    assert list(child.attrib) == ["type", "text", "title"]
    assert child.text is None


def test_entities_are_not_expanded() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b"<x>&secret;</x>"
    )
    root = parse_untrusted(data)
    assert "root:" not in "".join(root.itertext())


def test_a_document_that_is_not_xml_is_an_xml_error() -> None:
    with pytest.raises(XMLError) as raised:
        parse_untrusted(b"<opml><body></opml>")
    assert isinstance(raised.value, ValueError)
    assert str(raised.value)
