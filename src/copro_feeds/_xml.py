"""XML trees through lxml (the only module importing it): build elements, write a document,
read an untrusted one.

feedgen hands its extensions lxml elements (``_publish/_feedgen`` adds Atom ``<source>``
and ``<copro:via>`` to them); the OPML lists are built here and OPML files read here.
Reading never fetches anything: no DTD, no entities, no network.
"""

from __future__ import annotations

from lxml import etree


class XMLError(ValueError):
    """A document that is not well-formed XML; ``str()`` is lxml's reason."""


def new_element(tag: str, **attributes: str) -> etree._Element:
    """A root element ``tag`` with ``attributes`` (in the given order)."""
    return etree.Element(tag, attributes)


def add_child(
    parent: etree._Element, tag: str, content: str | None = None, /, **attributes: str
) -> etree._Element:
    """A new last child ``tag`` of ``parent``, with ``attributes`` (in order; any name,
    ``text`` included) and ``content`` as its text."""
    child = etree.SubElement(parent, tag, attributes)
    if content is not None:
        child.text = content
    return child


def document_bytes(root: etree._Element) -> bytes:
    """``root`` as a pretty-printed UTF-8 document with an XML declaration."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def parse_untrusted(data: bytes) -> etree._Element:
    """The root element of ``data``, read without DTD, entities or network access.

    Raises XMLError when ``data`` is not well-formed XML.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise XMLError(str(error)) from error
