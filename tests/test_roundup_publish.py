"""The roundup's outputs: ``digest.xml`` (Atom), ``digest/<first day>.html`` and
``digest/index.html``; their removal; and the whole pipeline with a fixed clock against
the partner feeds served on 127.0.0.1."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
import pytest
from lxml import etree

import copro_feeds
from copro_feeds._publish import (
    DIGEST_FILE,
    RoundupFeed,
    publish,
    render_files,
    render_roundup_atom,
)
from copro_feeds._roundup_plan import plan_roundups
from copro_feeds._select import plan_feeds
from copro_feeds._types import EditorialMarks
from copro_feeds.config import DigestConfig, SiteConfig, SourceConfig
from copro_feeds.exceptions import PublishError
from copro_feeds.types import Display
from tests.factories import attribution, entry
from tests.schemas import ATOM_RNG
from tests.test_publish_html import (
    BANNED_LINK_TEXT,
    LQ,
    READABLE,
    RQ,
    accessible_name,
    assert_heading_order,
    parse,
    text_of,
)

SCHEMA = ATOM_RNG
ATOM = "{http://www.w3.org/2005/Atom}"
SITE = SiteConfig(
    title="Partners' news & views",
    link="https://copro.example/",
    feed_url="https://copro.example/feeds/atom.xml",
    author="Co-production Network",
    language="en-GB",
)
PLAIN_SITE = SiteConfig(title="News", link="https://copro.example/")
CFWR_NAME = 'Centre for "Welfare" <Reform>'
SOURCES = (
    SourceConfig(
        key="scope", name="Scope", url="https://scope.example/feed/", tags=("disability",)
    ),
    SourceConfig(key="cfwr", name=CFWR_NAME, url="https://cfwr.example/feed/"),
)
ATTRIBUTIONS = (attribution("scope", "Scope"), attribution("cfwr", CFWR_NAME))
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
WEEKLY = DigestConfig(enabled=True)
AWKWARD_TITLE = "Fish & <b>chips</b>"


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def post(key: str, ident: str, published: datetime, **overrides):
    values = {
        "id": ident,
        "attribution": ATTRIBUTIONS[0] if key == "scope" else ATTRIBUTIONS[1],
        "title": f"Post {ident}",
        "link": f"https://{key}.example/{ident}/",
        "published": published,
        "updated": published,
        "excerpt": f"Excerpt of {ident}.",
    }
    values.update(overrides)
    return entry(**values)


ENTRIES = (
    post("scope", "s1", at(3), title=AWKWARD_TITLE, excerpt="Salt & <vinegar>"),
    post("cfwr", "c1", at(5)),
    post("scope", "s2", at(10)),
    post("scope", "now", at(17)),  # this week: not yet in a roundup
)


def plan(entries=ENTRIES, *, digest=WEEKLY, now=NOW, sources=SOURCES) -> RoundupFeed:
    return plan_roundups(entries, sources, digest, EditorialMarks(), now)


def render(entries=ENTRIES, *, site=SITE, digest=WEEKLY, templates=None) -> dict[str, bytes]:
    feeds = plan_feeds(entries, SOURCES, site, 50)
    roundups = plan(entries, digest=digest)
    return render_files(feeds, ATTRIBUTIONS, site, templates=templates, roundups=roundups)


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render()


def atom(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False))


def entries_of(feed: etree._Element) -> dict[str, etree._Element]:
    return {item.findtext(f"{ATOM}id"): item for item in feed.findall(f"{ATOM}entry")}


def content(item: etree._Element) -> etree._Element:
    """An entry's HTML content, parsed as a feed reader would."""
    node = item.find(f"{ATOM}content")
    assert node.get("type") == "html"
    return lxml.html.fragment_fromstring(node.text, create_parent="div")


def xmllint_relaxng(path: Path) -> subprocess.CompletedProcess[str]:
    command = ["xmllint", "--noout", "--nonet", "--relaxng", str(SCHEMA), str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


# -- digest.xml ------------------------------------------------------------------------


@pytest.mark.parametrize("site", [SITE, PLAIN_SITE], ids=["feed_url", "no feed_url"])
def test_digest_xml_is_valid_atom(tmp_path, site):
    for name, roundups in (("full.xml", plan()), ("empty.xml", plan(()))):
        path = tmp_path / name
        path.write_bytes(render_roundup_atom(roundups, site))
        checked = xmllint_relaxng(path)
        assert checked.returncode == 0, checked.stderr
        assert "validates" in checked.stderr
        parsed = feedparser.parse(io.BytesIO(path.read_bytes()))
        assert not parsed.bozo, parsed.get("bozo_exception")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(
        path.read_bytes().replace(b"<title>", b"<name>").replace(b"</title>", b"</name>")
    )
    assert xmllint_relaxng(broken).returncode != 0  # the check really checks


def test_digest_xml_has_one_entry_per_ended_period_newest_first(files):
    feed = atom(files[DIGEST_FILE])
    assert list(entries_of(feed)) == [
        "tag:copro.example,2026:digest/week/2026-03-09",
        "tag:copro.example,2026:digest/week/2026-03-02",
    ]
    assert feed.findtext(f"{ATOM}title") == "Partners' news & views \N{EM DASH} roundup"
    assert feed.findtext(f"{ATOM}id") == "https://copro.example/feeds/digest.xml"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "self": "https://copro.example/feeds/digest.xml",
        "alternate": "https://copro.example/feeds/digest/index.html",
    }
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Co-production Network"
    assert feed.findtext(f"{ATOM}updated") == "2026-03-16T00:00:00+00:00"  # the newest end
    assert "weekly roundup" in feed.findtext(f"{ATOM}subtitle")


def test_an_entry_is_its_period(files):
    item = entries_of(atom(files[DIGEST_FILE]))["tag:copro.example,2026:digest/week/2026-03-02"]
    assert item.findtext(f"{ATOM}title") == "Partners' posts, 2 March 2026 to 8 March 2026"
    (link,) = item.findall(f"{ATOM}link")
    assert link.get("href") == "https://copro.example/feeds/digest/2026-03-02.html"
    assert link.get("rel", "alternate") == "alternate"
    assert item.findtext(f"{ATOM}published") == "2026-03-09T00:00:00+00:00"  # its end
    assert item.findtext(f"{ATOM}updated") == "2026-03-09T00:00:00+00:00"  # the period's end
    assert item.findtext(f"{ATOM}author/{ATOM}name") == "Co-production Network"
    assert item.findtext(f"{ATOM}summary") == f"2 posts from {CFWR_NAME} and Scope."


def test_the_content_is_the_roundup_with_titles_excerpts_and_credit(files):
    item = entries_of(atom(files[DIGEST_FILE]))["tag:copro.example,2026:digest/week/2026-03-02"]
    html = content(item)
    assert [text_of(h2) for h2 in html.iter("h2")] == ["Scope", CFWR_NAME]
    titles = [(text_of(h3), h3.find("a").get("href")) for h3 in html.iter("h3")]
    assert titles == [
        (AWKWARD_TITLE, "https://scope.example/s1/"),  # escaped: text, not markup
        ("Post c1", "https://cfwr.example/c1/"),
    ]
    assert html.find(".//b") is None and html.find(".//vinegar") is None
    quotes = [(q.get("cite"), text_of(q)) for q in html.iter("blockquote")]
    assert quotes == [
        ("https://scope.example/s1/", "Salt & <vinegar>"),
        ("https://cfwr.example/c1/", "Excerpt of c1."),
    ]
    credits = [p for p in html.iter("p") if text_of(p).startswith("Via ")]
    assert [(text_of(p), p.find("a").get("href")) for p in credits] == [
        ("Via Scope", "https://scope.example/"),
        (f"Via {CFWR_NAME}", "https://cfwr.example/"),
    ]
    order = [element.tag for element in html.iter("h2", "h3", "blockquote")]
    assert order == ["h2", "h3", "blockquote", "h2", "h3", "blockquote"]


def test_feedparser_reads_the_digest_back(files):
    parsed = feedparser.parse(io.BytesIO(files[DIGEST_FILE]))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [item.id for item in parsed.entries] == [
        "tag:copro.example,2026:digest/week/2026-03-09",
        "tag:copro.example,2026:digest/week/2026-03-02",
    ]
    assert [item.title for item in parsed.entries] == [
        "Partners' posts, 9 March 2026 to 15 March 2026",
        "Partners' posts, 2 March 2026 to 8 March 2026",
    ]
    assert parsed.entries[1].link == "https://copro.example/feeds/digest/2026-03-02.html"
    assert "Post c1" in parsed.entries[1].content[0].value


def test_without_a_feed_url_links_are_relative_to_the_feed():
    data = render_roundup_atom(plan(), PLAIN_SITE)
    feed = atom(data)
    assert feed.find(f"{ATOM}link[@rel='self']") is None
    assert feed.findtext(f"{ATOM}id") == "tag:copro.example,2026:digest"
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == "digest/index.html"
    hrefs = [item.find(f"{ATOM}link").get("href") for item in feed.findall(f"{ATOM}entry")]
    assert hrefs == ["digest/2026-03-09.html", "digest/2026-03-02.html"]
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "News"  # the site title stands in


def test_ids_and_bytes_are_stable_across_runs(files):
    assert render() == files
    later = render(digest=WEEKLY, entries=tuple(reversed(ENTRIES)))
    assert later[DIGEST_FILE] == files[DIGEST_FILE]
    daily = entries_of(atom(render(digest=DigestConfig(enabled=True, every="day"))[DIGEST_FILE]))
    assert list(daily) == [
        "tag:copro.example,2026:digest/day/2026-03-17",
        "tag:copro.example,2026:digest/day/2026-03-10",
        "tag:copro.example,2026:digest/day/2026-03-05",
        "tag:copro.example,2026:digest/day/2026-03-03",
    ]


def test_a_late_post_updates_its_periods_entry(files):
    late = post("cfwr", "late", at(4), updated=at(12), title="A late post")
    after = render((*ENTRIES, late))
    before_entries = entries_of(atom(files[DIGEST_FILE]))
    after_entries = entries_of(atom(after[DIGEST_FILE]))
    assert list(after_entries) == list(before_entries)  # no entry added
    key = "tag:copro.example,2026:digest/week/2026-03-02"
    assert before_entries[key].findtext(f"{ATOM}updated") == "2026-03-09T00:00:00+00:00"
    assert after_entries[key].findtext(f"{ATOM}updated") == "2026-03-12T12:00:00+00:00"
    assert "A late post" not in text_of(content(before_entries[key]))
    assert "A late post" in text_of(content(after_entries[key]))
    assert "A late post" in text_of(parse(after["digest/2026-03-02.html"]))
    other = "tag:copro.example,2026:digest/week/2026-03-09"
    assert etree.tostring(after_entries[other]) == etree.tostring(before_entries[other])


def test_grouped_by_tag_with_other_posts(files):
    tagged = render(digest=DigestConfig(enabled=True, group_by="tag"))
    item = entries_of(atom(tagged[DIGEST_FILE]))["tag:copro.example,2026:digest/week/2026-03-02"]
    assert [text_of(h2) for h2 in content(item).iter("h2")] == ["disability", "Other posts"]
    page = parse(tagged["digest/2026-03-02.html"])
    assert [text_of(h2) for h2 in page.xpath("//main/section/h2")] == [
        "disability",
        "Other posts",
    ]


def test_partners_shown_as_headlines_have_no_excerpt():
    headline = replace(ATTRIBUTIONS[1], display=Display.HEADLINE)
    entries = [replace(e, attribution=headline) if e.source_key == "cfwr" else e for e in ENTRIES]
    rendered = render(tuple(entries))
    item = entries_of(atom(rendered[DIGEST_FILE]))["tag:copro.example,2026:digest/week/2026-03-02"]
    html = content(item)
    assert [q.get("cite") for q in html.iter("blockquote")] == ["https://scope.example/s1/"]
    assert "Excerpt of c1." not in text_of(html) and "Post c1" in text_of(html)
    page = parse(rendered["digest/2026-03-02.html"])
    assert len(page.xpath("//article")) == 2
    assert len(page.xpath("//article//blockquote")) == 1
    assert "Excerpt of c1." not in text_of(page)


def test_every_partner_that_carried_a_post_is_credited():
    scn = attribution("scn", "Scottish Co-production Network")
    joint = replace(ENTRIES[1], also_via=(ATTRIBUTIONS[0], scn))
    rendered = render((ENTRIES[0], joint))
    item = entries_of(atom(rendered[DIGEST_FILE]))["tag:copro.example,2026:digest/week/2026-03-02"]
    credit = content(item).xpath("//p[starts-with(., 'Via')]")[-1]
    assert text_of(credit) == (f"Via {CFWR_NAME}, Scope and Scottish Co-production Network")
    assert credit.xpath("a/@href") == [
        "https://cfwr.example/",
        "https://scope.example/",
        "https://scn.example/",
    ]
    meta = parse(rendered["digest/2026-03-02.html"]).xpath("//article//p[@class='entry-meta']")
    assert text_of(meta[-1]) == (
        f"Via {CFWR_NAME}, Scope and Scottish Co-production Network, 5 March 2026"
    )


def test_the_licence_is_in_the_credit_line():
    licensed = replace(ATTRIBUTIONS[1], licence="CC BY 4.0")
    rendered = render((ENTRIES[0], replace(ENTRIES[1], attribution=licensed)))
    item = entries_of(atom(rendered[DIGEST_FILE]))["tag:copro.example,2026:digest/week/2026-03-02"]
    credit = [text_of(p) for p in content(item).iter("p") if text_of(p).startswith("Via")]
    assert credit == ["Via Scope", f"Via {CFWR_NAME} \N{EM DASH} licence: CC BY 4.0"]
    page = parse(rendered["digest/2026-03-02.html"])
    assert [text_of(p) for p in page.xpath("//p[@class='entry-licence']")] == ["Licence: CC BY 4.0"]


@pytest.mark.parametrize(
    ("language", "marked"),
    [("cy", "cy"), ("en-GB", None), ("EN", None), (None, None)],
)
def test_a_post_in_another_language_is_marked(language, marked):
    welsh = replace(ENTRIES[1], language=language)
    rendered = render((ENTRIES[0], welsh))
    item = entries_of(atom(rendered[DIGEST_FILE]))["tag:copro.example,2026:digest/week/2026-03-02"]
    html = content(item)
    assert [h3.get("lang") for h3 in html.iter("h3")] == [None, marked]
    assert [q.get("lang") for q in html.iter("blockquote")] == [None, marked]
    page = parse(rendered["digest/2026-03-02.html"])
    assert [article.get("lang") for article in page.iter("article")] == [None, marked]


# -- the pages ---------------------------------------------------------------------------


def digest_pages(files: dict[str, bytes]) -> dict[str, etree._Element]:
    return {name: parse(data) for name, data in files.items() if name.startswith("digest/")}


def test_a_page_per_roundup_and_a_list(files):
    assert {name for name in files if name.startswith("digest")} == {
        DIGEST_FILE,
        "digest/index.html",
        "digest/2026-03-02.html",
        "digest/2026-03-09.html",
    }
    listing = parse(files["digest/index.html"])
    items = [(accessible_name(a), a.get("href")) for a in listing.xpath("//main/ul[1]/li/a")]
    assert items == [
        ("Partners' posts, 9 March 2026 to 15 March 2026", "2026-03-09.html"),
        ("Partners' posts, 2 March 2026 to 8 March 2026", "2026-03-02.html"),
    ]
    assert text_of(listing.find(".//h1")) == "The weekly roundup"


def test_every_page_links_to_the_roundup_when_it_is_on(files):
    for name in ("index.html", "sources/scope/index.html"):
        page = parse(files[name])
        root = "../" * name.count("/")
        links = page.xpath('//a[@href="' + root + 'digest/index.html"]')
        assert [accessible_name(link) for link in links] == ["the weekly roundup"], name
    plain = render_files(plan_feeds(ENTRIES, SOURCES, SITE, 50), ATTRIBUTIONS, SITE)
    assert not parse(plain["index.html"]).xpath('//a[contains(@href, "digest/")]')


def test_the_roundup_is_off_without_a_feed():
    feeds = plan_feeds(ENTRIES, SOURCES, SITE, 50)
    plain = render_files(feeds, ATTRIBUTIONS, SITE)
    assert not [name for name in plain if name.startswith("digest")]
    empty = render_files(feeds, ATTRIBUTIONS, SITE, roundups=plan(()))
    assert {name for name in empty if name.startswith("digest")} == {
        DIGEST_FILE,
        "digest/index.html",
    }
    assert "There are no roundups yet" in text_of(parse(empty["digest/index.html"]))
    assert atom(empty[DIGEST_FILE]).find(f"{ATOM}entry") is None


def test_page_structure_headings_landmarks_and_skip_link(files):
    for name, document in digest_pages(files).items():
        assert_heading_order(name, document)
        assert document.get("lang") == "en-GB"
        body = document.find("body")
        assert len(body.findall("header")) == len(body.findall("footer")) == 1
        assert [main.get("id") for main in document.iter("main")] == ["main"]
        focusable = document.xpath("//body//a[@href]")
        assert focusable[0].get("href") == "#main"
        ids = set(document.xpath("//@id"))
        for href in document.xpath("//body//a/@href"):
            if href.startswith("#"):
                assert href[1:] in ids, (name, href)  # the site navigation works here too
    page = parse(files["digest/2026-03-02.html"])
    assert text_of(page.find(".//h1")) == "Partners' posts, 2 March 2026 to 8 March 2026"
    assert page.findtext(".//title") == (
        "Partners' posts, 2 March 2026 to 8 March 2026 \N{EN DASH} Partners' news & views"
    )
    assert [h.tag for h in page.xpath("//main//h2 | //main//h3")][:4] == ["h2", "h3", "h2", "h3"]


def test_post_titles_name_the_post_and_the_partner(files):
    page = parse(files["digest/2026-03-02.html"])
    titles = [(text_of(h3), h3.find("a").get("href")) for h3 in page.xpath("//article/h3")]
    assert titles == [
        (f"Read {LQ}{AWKWARD_TITLE}{RQ} on Scope", "https://scope.example/s1/"),
        (f"Read {LQ}Post c1{RQ} on {CFWR_NAME}", "https://cfwr.example/c1/"),
    ]
    (quote, _) = page.xpath("//article/blockquote")
    assert quote.get("cite") == "https://scope.example/s1/"
    assert text_of(quote) == "Salt & <vinegar>"
    assert page.find(".//article//b") is None
    meta = page.xpath("//article/p[@class='entry-meta']")
    assert text_of(meta[0]) == "Via Scope, 3 March 2026"
    assert meta[0].find("a").get("href") == "https://scope.example/"


def test_every_link_names_its_target_and_leads_somewhere_published(files):
    for name, document in digest_pages(files).items():
        for link in document.iter("a"):
            label = accessible_name(link)
            assert label and label.lower().strip(".!: ") not in BANNED_LINK_TEXT, (name, label)
            assert not re.match(r"^(https?://|www\.)\S+$", label), (name, label)
            parts = urlsplit(link.get("href"))
            if parts.scheme:
                assert parts.scheme == "https", (name, link.get("href"))
            elif parts.path:
                assert urljoin(name, parts.path) in files, (name, link.get("href"))
        hrefs = {urljoin(name, href) for href in document.xpath("//a/@href")}
        assert {"index.html", DIGEST_FILE} <= hrefs, name
        assert name == "digest/index.html" or "digest/index.html" in hrefs, name
        assert "sources/scope/index.html" in hrefs, name  # the partners, as on every page
        (alternate,) = document.xpath("//link[@rel='alternate']")
        assert urljoin(name, alternate.get("href")) == DIGEST_FILE
        assert alternate.get("type") == "application/atom+xml"
        assert "https://copro.example/feeds/digest.xml" in text_of(document)


def test_dates_are_machine_and_human_readable(files):
    page = parse(files["digest/2026-03-02.html"])
    times = [(time.get("datetime"), time.text) for time in page.iter("time")]
    assert times[:2] == [("2026-03-02", "2 March 2026"), ("2026-03-08", "8 March 2026")]
    assert times[2:] == [
        ("2026-03-03T12:00:00Z", "3 March 2026"),
        ("2026-03-05T12:00:00Z", "5 March 2026"),
    ]
    for _, text in times:
        assert READABLE.match(text), text
    daily = render(digest=DigestConfig(enabled=True, every="day"))
    lead = parse(daily["digest/2026-03-05.html"]).find(".//p[@class='lead']")
    assert text_of(lead).startswith("The posts our partners published on 5 March 2026.")


def test_a_users_template_overrides_the_roundup_page(tmp_path, files):
    (tmp_path / "digest.html").write_text(
        '{% extends "base.html" %}{% block content %}'
        "<h1>Our own {{ roundup.title }}</h1>{% endblock %}",
        encoding="utf-8",
    )
    custom = render(templates=tmp_path)
    page = parse(custom["digest/2026-03-02.html"])
    assert text_of(page.find(".//h1")) == "Our own Partners' posts, 2 March 2026 to 8 March 2026"
    assert custom["digest/index.html"] == files["digest/index.html"]  # the shipped one
    (tmp_path / "digest_index.html").write_text("{{ page.no_such_thing }}", encoding="utf-8")
    with pytest.raises(PublishError, match="no_such_thing"):
        render(templates=tmp_path)


# -- publishing and removing -------------------------------------------------------------


def digest_files(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.relative_to(folder).as_posix().startswith("digest")
    )


def test_publish_writes_the_roundup_and_removes_what_it_no_longer_lists(tmp_path):
    feeds = plan_feeds(ENTRIES, SOURCES, SITE, 50)
    publish(feeds, ATTRIBUTIONS, SITE, tmp_path, roundups=plan())
    assert digest_files(tmp_path) == [
        DIGEST_FILE,
        "digest/2026-03-02.html",
        "digest/2026-03-09.html",
        "digest/index.html",
    ]
    fewer = plan(digest=DigestConfig(enabled=True, periods=1))
    written = publish(feeds, ATTRIBUTIONS, SITE, tmp_path, roundups=fewer)
    assert digest_files(tmp_path) == [DIGEST_FILE, "digest/2026-03-09.html", "digest/index.html"]
    assert tmp_path / DIGEST_FILE in written
    assert publish(feeds, ATTRIBUTIONS, SITE, tmp_path, roundups=fewer) == []  # unchanged
    publish(feeds, ATTRIBUTIONS, SITE, tmp_path)  # the roundup turned off
    assert digest_files(tmp_path) == []
    assert (tmp_path / "atom.xml").is_file() and (tmp_path / "index.html").is_file()


# -- the whole pipeline ------------------------------------------------------------------


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def enable_digest(project, text: str = "enabled = true") -> None:
    config = project.config_path.read_text(encoding="utf-8")
    config = re.sub(r"\n\[digest\]\n[^\[]*", "\n", config)
    project.config_path.write_text(config + f"\n[digest]\n{text}\n", encoding="utf-8")


def run(project, clock: Clock) -> copro_feeds.RunReport:
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config, clock=clock) as aggregator:
        report = aggregator.run_once()
    assert report.count(copro_feeds.Outcome.ERROR) == 0, report.results
    return report


LATE_ITEM = b"""	<item>
		<title>A post that arrived late</title>
		<link>https://scope.test/blog/late/</link>
		<pubDate>Tue, 24 Feb 2026 10:00:00 +0000</pubDate>
		<guid isPermaLink="false">https://scope.test/?p=99</guid>
		<description>Found in the drafts.</description>
	</item>
</channel>"""


def test_the_pipeline_publishes_each_period_once_it_ends(project):
    enable_digest(project)
    clock = Clock(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))  # in the week of 2 March
    run(project, clock)
    public = project.public
    assert digest_files(public) == [
        DIGEST_FILE,
        "digest/2026-02-16.html",
        "digest/2026-02-23.html",
        "digest/index.html",
    ]
    parsed = feedparser.parse(io.BytesIO((public / DIGEST_FILE).read_bytes()))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [item.id for item in parsed.entries] == [
        "tag:copro.test,2026:digest/week/2026-02-23",
        "tag:copro.test,2026:digest/week/2026-02-16",
    ]
    assert parsed.feed.links[0].href == "https://copro.test/feeds/digest.xml"
    week = parsed.entries[0].content[0].value
    for title in ("Disability Price Tag 2026", "Scottish", "Centre for Welfare Reform"):
        assert title in week, title
    page = parse((public / "digest/2026-02-23.html").read_bytes())
    assert text_of(page.find(".//h1")) == "Partners' posts, 23 February 2026 to 1 March 2026"
    assert [text_of(h2) for h2 in page.xpath("//main/section/h2")] == [
        "Scope",
        "Centre for Welfare Reform",
        "Scottish Co-production Network",
    ]
    checked = xmllint_relaxng(public / DIGEST_FILE)
    assert checked.returncode == 0, checked.stderr

    clock.now = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # the week of 2 March has ended
    report = run(project, clock)
    assert not report.changed  # the partners' feeds answered 304
    assert "digest/2026-03-02.html" in digest_files(public)
    assert str(public / DIGEST_FILE) in report.files_written
    ids = [item.id for item in feedparser.parse(str(public / DIGEST_FILE)).entries]
    assert ids[0] == "tag:copro.test,2026:digest/week/2026-03-02"

    clock.now += timedelta(hours=1)  # nothing new: nothing is rewritten
    assert run(project, clock).files_written == ()


def test_the_pipeline_updates_a_period_when_a_late_post_arrives(project):
    enable_digest(project)
    clock = Clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    run(project, clock)
    before = entries_of(atom((project.public / DIGEST_FILE).read_bytes()))
    scope = (Path(__file__).parent / "data" / "partners" / "scope.rss.xml").read_bytes()
    project.server.serve(
        "/scope/feed/",
        scope.replace(b"</channel>", LATE_ITEM),
        content_type="application/rss+xml; charset=utf-8",
    )
    clock.now += timedelta(hours=1)
    assert run(project, clock).new_entries == 1
    after = entries_of(atom((project.public / DIGEST_FILE).read_bytes()))
    assert list(after) == list(before)
    key = "tag:copro.test,2026:digest/week/2026-02-23"
    assert "A post that arrived late" not in text_of(content(before[key]))
    assert "A post that arrived late" in text_of(content(after[key]))
    assert after[key].findtext(f"{ATOM}title") == before[key].findtext(f"{ATOM}title")


def test_turning_the_roundup_off_removes_its_files(project):
    enable_digest(project, 'enabled = true\nevery = "day"\nperiods = 2')
    clock = Clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    run(project, clock)
    assert digest_files(project.public) == [
        DIGEST_FILE,
        "digest/2026-03-01.html",
        "digest/2026-03-02.html",
        "digest/index.html",
    ]
    enable_digest(project, "enabled = false")
    clock.now += timedelta(minutes=1)
    run(project, clock)
    assert digest_files(project.public) == []
    assert (project.public / "atom.xml").is_file()
