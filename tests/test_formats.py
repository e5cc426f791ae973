"""Every published format, held to validity: Atom (RELAX NG + the rules it misses), RSS 2.0,
JSON Feed 1.1 (its JSON Schema), OPML 2.0, and the XSL view of the XML feeds."""

from __future__ import annotations

import email.utils
import io
import json
import re
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

import copro_feeds
from copro_feeds._opml_import import read_opml
from tests.schemas import atom_relaxng, json_feed_validator

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TAG_URI = re.compile(r"^tag:[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:[\x21-\x7e]+$")
HUB = "http://127.0.0.1:9/hub"  # loopback: refused at once, nothing leaves the machine
SUB_FOLDERS = (
    "sources/scope/",
    "sources/centre-for-welfare-reform/",
    "sources/scottish-co-production-network/",
    "tags/disability/",
    "sources/awkward-b-b-co/",
)
# Bad input a partner might send: control characters, markup in a title, no link, a
# lone-surrogate reference, U+FFFE, and an author with angle brackets.
AWKWARD_FEED = (
    b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
    b"<title>Awkward</title><link>https://awkward.test/</link><description>d</description>"
    b"<item><title>Bold &lt;b&gt;claims&lt;/b&gt; \x01here\x1f</title>"
    b"<guid isPermaLink='false'>awk-1</guid><pubDate>Tue, 03 Mar 2026 08:00:00 GMT</pubDate>"
    b"<description>Text with &amp;#xD800; and \xef\xbf\xbe and a &lt;script&gt;x()&lt;/script&gt;"
    b"</description><author>a@b.test (Ann &lt;the writer&gt;)</author></item>"
    b"</channel></rss>"
)


@pytest.fixture(scope="module")
def published(module_project):
    """The three partners aggregated (once for the module: its tests only read the files,
    but for the last one, which builds its own)."""
    return publish_partners(module_project)


def publish_partners(project):
    """The three partners aggregated, with a WebSub hub and awkward partner names; Scope
    republished in full under a licence, the awkward partner as headlines only."""
    text = project.config_path.read_text()
    text = text.replace(
        'tags = ["disability"]', 'tags = ["disability"]\ndisplay = "full"\nlicence = "CC BY 4.0"'
    )
    text = text.replace('author = "Test network"', f'author = "Test network"\nwebsub_hub = "{HUB}"')
    text = text.replace(
        'name = "Centre for Welfare Reform"', 'name = "Centre for \\"Welfare\\" & Reform"'
    )
    awkward = project.server.url("/awkward/feed")
    project.server.serve("/awkward/feed", AWKWARD_FEED, content_type="application/rss+xml")
    text += f'\n[[sources]]\nname = "Awkward <b>&</b> \'Co\'"\nurl = "{awkward}"\n'
    text += 'display = "headline"\n'
    project.config_path.write_text(text)
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
    assert report.count(copro_feeds.Outcome.ERROR) == 0, report.results
    return project.public


def public(folder: str, name: str) -> str:
    return f"https://copro.test/feeds/{folder}{name}"


def test_every_atom_feed_is_valid(published):
    schema = atom_relaxng()
    for folder in ["", *SUB_FOLDERS]:
        data = (published / folder / "atom.xml").read_bytes()
        document = etree.fromstring(data, etree.XMLParser(resolve_entities=False))
        assert schema.validate(etree.ElementTree(document)), (folder, schema.error_log)
        assert data.splitlines()[1].startswith(b'<?xml-stylesheet type="text/xsl"')
        check_atom_rules(document, folder)
        parsed = feedparser.parse(io.BytesIO(data))
        assert not parsed.bozo, (folder, parsed.get("bozo_exception"))


def check_atom_rules(feed: etree._Element, folder: str) -> None:
    """What the W3C validator checks and RELAX NG does not."""
    self_links = feed.findall(f"{ATOM}link[@rel='self']")
    assert [link.get("href") for link in self_links] == [public(folder, "atom.xml")]
    assert feed.find(f"{ATOM}link[@rel='hub']").get("href") == HUB
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    entries = feed.findall(f"{ATOM}entry")
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(ids) == len(set(ids))
    for entry_id in ids:
        assert TAG_URI.match(entry_id), entry_id
    assert feed.findtext(f"{ATOM}updated") == max(
        (entry.findtext(f"{ATOM}updated") for entry in entries),
        default=feed.findtext(f"{ATOM}updated"),
    )
    for element in feed.iter(f"{ATOM}updated", f"{ATOM}published"):
        assert RFC3339.match(element.text), element.text
    for element in feed.iter(f"{ATOM}link"):
        assert urlsplit(element.get("href")).scheme in ("http", "https"), element.get("href")
    for entry in entries:
        assert entry.find(f"{ATOM}author/{ATOM}name").text
        headline = entry.find(f"{ATOM}summary") is None  # a headline-only partner's post
        assert not headline or entry.findtext(f"{ATOM}source/{ATOM}title").startswith("Awkward")
        for name in ("title",) if headline else ("title", "summary"):
            node = entry.find(f"{ATOM}{name}")
            assert node.get("type") in (None, "text")
            assert len(node) == 0  # plain text: no child elements
        assert entry.find(f"{ATOM}content").get("type") == "html"
        assert entry.find(f"{ATOM}source/{ATOM}title").text


def test_related_links_join_the_feeds(published):
    main = etree.parse(str(published / "atom.xml")).getroot()
    related = {link.get("href") for link in main.findall(f"{ATOM}link[@rel='related']")}
    assert related == {public(folder, "atom.xml") for folder in SUB_FOLDERS}
    scope = etree.parse(str(published / "sources/scope/atom.xml")).getroot()
    back = [link.get("href") for link in scope.findall(f"{ATOM}link[@rel='related']")]
    assert back == [public("", "atom.xml")]
    titles = [e.findtext(f"{ATOM}title") for e in scope.findall(f"{ATOM}entry")]
    assert titles == ["Co-producing the cost of living guide", "Disability Price Tag 2026"]


def test_atom_rights_and_joint_credit_from_the_config(published):
    main = etree.parse(str(published / "atom.xml")).getroot()
    rights = {
        entry.findtext(f"{ATOM}source/{ATOM}title"): entry.findtext(f"{ATOM}rights")
        for entry in main.findall(f"{ATOM}entry")
    }
    assert rights["Scope"] == "CC BY 4.0"
    assert rights["Scottish Co-production Network"] is None
    (guide,) = (
        entry
        for entry in main.findall(f"{ATOM}entry")
        if entry.findtext(f"{ATOM}title") == "Co-producing the cost of living guide"
    )
    assert guide.findtext(f"{ATOM}source/{ATOM}title") == "Scope"
    credit = guide.findtext(f"{ATOM}content")
    # Joint credit: Scope's licence goes with Scope, not after both names.
    assert re.search(
        r"Via <a [^>]*>Scope</a> \(licence: CC BY 4\.0\) and "
        r"<a [^>]*>Scottish Co-production Network</a> — <a ",
        credit,
    )
    assert "— licence:" not in credit
    assert guide.findtext(f"{ATOM}source/{ATOM}rights") == "CC BY 4.0"
    scope = etree.parse(str(published / "sources/scope/atom.xml")).getroot()
    for entry in scope.findall(f"{ATOM}entry"):
        assert entry.findtext(f"{ATOM}rights") == "CC BY 4.0"
        assert "Scottish" not in entry.findtext(f"{ATOM}content")  # its own feed: Scope only


def test_every_rss_feed_is_valid(published):
    for folder in ["", *SUB_FOLDERS]:
        data = (published / folder / "rss.xml").read_bytes()
        rss = etree.fromstring(data)
        assert rss.tag == "rss" and rss.get("version") == "2.0"
        channel = rss.find("channel")
        for required in ("title", "link", "description"):
            assert channel.findtext(required), (folder, required)
        links = {x.get("rel"): x.get("href") for x in channel.findall(f"{ATOM}link")}
        assert links["self"] == public(folder, "rss.xml")
        assert links["hub"] == HUB
        assert email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate"))
        items = channel.findall("item")
        assert items
        for item in items:
            assert item.findtext("title")
            assert urlsplit(item.findtext("link")).scheme in ("http", "https")
            guid = item.find("guid")
            assert guid.get("isPermaLink") == "false" and TAG_URI.match(guid.text)
            assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).tzinfo
            assert item.find("source").get("url").startswith("http")
        parsed = feedparser.parse(io.BytesIO(data))
        assert not parsed.bozo, (folder, parsed.get("bozo_exception"))
        assert len(parsed.entries) == len(items)


def test_every_json_feed_is_valid(published):
    validator = json_feed_validator()
    for folder in ["", *SUB_FOLDERS]:
        document = json.loads((published / folder / "feed.json").read_text())
        errors = [error.message for error in validator.iter_errors(document)]
        assert errors == [], (folder, errors)
        assert document["feed_url"] == public(folder, "feed.json")
        assert document["hubs"] == [{"type": "WebSub", "url": HUB}]
        for item in document["items"]:
            source = item["_copro"]["source"]
            headline = source["name"].startswith("Awkward")
            assert ("summary" not in item) if headline else item["summary"]
            assert item["content_html"].count("Via ") == 1
            assert item["authors"][0]["name"]
            licensed = source["name"] == "Scope"
            assert set(source) == {"name", "homepage", "feed_url"} | (
                {"licence"} if licensed else set()
            )
    main = json.loads((published / "feed.json").read_text())
    scope = next(i for i in main["items"] if i["title"] == "Co-producing the cost of living guide")
    assert scope["tags"] == ["Co-production", "Cost of living", "disability"]
    assert scope["_copro"]["source"]["name"] == "Scope"
    assert scope["_copro"]["source"]["licence"] == "CC BY 4.0"
    # The Scottish network carried the same post: credited jointly, listed in the extension.
    assert [p["name"] for p in scope["_copro"]["also_via"]] == ["Scottish Co-production Network"]
    assert "Scope</a> (licence: CC BY 4.0) and <a" in scope["content_html"]
    # Scope is republished in full: more than the excerpt, then the credit and licence.
    assert len(scope["content_html"]) > len(scope["summary"]) + 200
    assert "licence: CC BY 4.0" in scope["content_html"]
    (awkward,) = (i for i in main["items"] if i["_copro"]["source"]["name"].startswith("Awk"))
    assert awkward["content_html"].startswith("<p>Via ")  # headline: the credit alone


PARTNER_NAMES = {
    "Scope",
    'Centre for "Welfare" & Reform',
    "Scottish Co-production Network",
    "Awkward <b>&</b> 'Co'",
}


def test_sources_opml_lists_each_partners_own_feed_once(published):
    opml = etree.parse(str(published / "sources.opml")).getroot()
    assert opml.get("version") == "2.0"
    outlines = opml.find("body").findall("outline")
    assert [o.findall("outline") for o in outlines] == [[]] * len(outlines)  # flat
    own = {o.get("text"): o for o in outlines}
    assert set(own) == PARTNER_NAMES
    assert len(outlines) == len(PARTNER_NAMES)
    assert own["Scope"].get("htmlUrl") == "https://scope.test/"
    assert own["Scope"].get("xmlUrl").endswith("/scope/feed/")
    base = public("", "")
    assert not [o for o in outlines if o.get("xmlUrl").startswith(base)]  # none of ours
    feeds = read_opml((published / "sources.opml").read_bytes(), "x")
    assert len(feeds) == len({feed.xml_url for feed in feeds}) == 4


def test_via_opml_lists_our_feed_of_each_partner_once(published):
    opml = etree.parse(str(published / "via.opml")).getroot()
    assert opml.get("version") == "2.0"
    outlines = opml.find("body").findall("outline")
    via = {o.get("title"): o for o in outlines}
    assert len(outlines) == len(PARTNER_NAMES)
    assert {title.rsplit(" (via ", 1)[0] for title in via} == PARTNER_NAMES
    scope = next(o for title, o in via.items() if title.startswith("Scope (via"))
    assert scope.get("xmlUrl") == public("sources/scope/", "atom.xml")
    assert scope.get("htmlUrl") == "https://scope.test/"
    feeds = read_opml((published / "via.opml").read_bytes(), "x")
    own = read_opml((published / "sources.opml").read_bytes(), "x")
    assert not {f.xml_url for f in feeds} & {f.xml_url for f in own}
    assert all(feed.xml_url.startswith(public("sources/", "")) for feed in feeds)


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_stylesheet_turns_a_feed_into_a_readable_page(published, name):
    transform = etree.XSLT(etree.parse(str(published / "feed.xsl")))
    page = str(transform(etree.parse(str(published / name))))
    assert "This is a web feed." in page
    assert "<h1>Partners' news</h1>" in page
    assert "Co-producing the cost of living guide" in page
    assert 'Via <a href="https://scope.test/">Scope</a>' in page
    assert public("", name) in page  # the address to copy into a reader
    assert 'lang="en"' in page


def test_removed_partner_loses_its_feed_folder(project):
    published = publish_partners(project)
    assert (published / "sources/scope/atom.xml").exists()
    text = project.config_path.read_text()
    start = text.index('[[sources]]\nname = "Scope"')
    end = text.index("[[sources]]", start + 5)
    project.config_path.write_text(text[:start] + text[end:])
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        aggregator.publish()
    assert not (published / "sources/scope").exists()
    assert not (published / "tags/disability").exists()
    assert (published / "sources/scottish-co-production-network/atom.xml").exists()
