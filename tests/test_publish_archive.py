"""The archive's outputs: ``archive/<YYYY-MM>/`` (RFC 5005 archived feeds in Atom, RSS and
JSON Feed, and a page per month) and ``archive/index.html``; clients walking the history
back over HTTP on 127.0.0.1 (feedparser, and lemon24's reader); what is rewritten when,
and the whole pipeline with a fixed clock."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from lxml import etree
from reader import make_reader

import copro_feeds
from copro_feeds._archive_plan import plan_archive
from copro_feeds._publish import publish, published_id, render_files
from copro_feeds._publish._manifest import digests_of, unchanged_folders
from copro_feeds._select import plan_feeds
from copro_feeds._serve import Server
from copro_feeds._types import EditorialMarks
from copro_feeds.config import SiteConfig, SourceConfig
from copro_feeds.exceptions import PublishError
from tests.factories import attribution, dated_post
from tests.local_site import fetch, serve, write_tree
from tests.schemas import atom_relaxng, json_feed_validator
from tests.test_publish_html import LQ, accessible_name, assert_heading_order, parse, text_of

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
SITE = SiteConfig(
    title="Partners' news",
    link="https://copro.example/",
    feed_url="https://copro.example/feeds/atom.xml",
    author="Co-production Network",
    language="en-GB",
)
PLAIN_SITE = SiteConfig(title="News", link="https://copro.example/")
SOURCES = (
    SourceConfig(key="scope", name="Scope", url="https://scope.example/feed/"),
    SourceConfig(key="cfwr", name="Cfwr", url="https://cfwr.example/feed/"),
)
SCOPE, CFWR = attribution("scope", "Scope"), attribution("cfwr", "Cfwr")
ATTRIBUTIONS = [SCOPE, CFWR]
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LIMIT = 3
NO_MARKS = EditorialMarks()
CLOSED = ["2026-02", "2026-01", "2025-12", "2025-11"]  # newest first; March is not over


post = dated_post  # a post of SCOPE unless another partner is given


def history() -> list:
    """16 posts, one every 8 days back from 9 March 2026: November 2025 to March 2026."""
    return [
        post(f"p{n}", NOW - timedelta(days=1 + 8 * n), partner=SCOPE if n % 3 else CFWR)
        for n in range(16)
    ]


def render(posts, *, now=NOW, site=SITE, marks=NO_MARKS, templates=None):
    return render_files(
        plan_feeds(posts, SOURCES, site, LIMIT, marks=marks),
        ATTRIBUTIONS,
        site,
        archive=plan_archive(posts, SOURCES, marks, now),
        templates=templates,
        now=now,
    )


def write(folder: Path, posts, *, now=NOW, marks=NO_MARKS) -> set[str]:
    """Publish into ``folder``; the files rewritten, relative to it."""
    feeds = plan_feeds(posts, SOURCES, SITE, LIMIT, marks=marks)
    archive = plan_archive(posts, SOURCES, marks, now)
    written = publish(feeds, ATTRIBUTIONS, SITE, folder, archive=archive, now=now)
    return {path.relative_to(folder).as_posix() for path in written}


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render(history())


def links(root: etree._Element, rel: str) -> list[str]:
    return [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == rel]


def test_a_folder_per_month_with_feeds_only_once_the_month_is_over(files):
    months = sorted({name.split("/")[1] for name in files if name.startswith("archive/2")})
    assert months == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    for key in CLOSED:
        for name in ("atom.xml", "rss.xml", "feed.json", "index.html"):
            assert f"archive/{key}/{name}" in files
    assert "archive/2026-03/index.html" in files
    assert not [name for name in files if name.startswith("archive/2026-03/") and "xml" in name]
    assert "archive/2026-03/feed.json" not in files
    assert "archive/index.html" in files


def test_every_atom_document_is_valid_and_only_archives_are_marked_as_archives(files):
    schema = atom_relaxng()
    atoms = [name for name in files if name.endswith("atom.xml")]
    assert len(atoms) >= 1 + len(CLOSED)
    for name in atoms:
        root = etree.fromstring(files[name])
        assert schema.validate(etree.ElementTree(root)), (name, schema.error_log)
        archived = root.find(f"{FH}archive") is not None
        assert archived == name.startswith("archive/"), name
        assert not feedparser.parse(io.BytesIO(files[name])).bozo, name


def test_the_current_feed_links_its_newest_archive_and_each_archive_its_neighbours(files):
    base = "https://copro.example/feeds/"
    current = etree.fromstring(files["atom.xml"])
    assert links(current, "prev-archive") == [f"{base}archive/2026-02/atom.xml"]
    assert links(current, "next-archive") == links(current, "current") == []
    for index, key in enumerate(CLOSED):
        root = etree.fromstring(files[f"archive/{key}/atom.xml"])
        assert links(root, "self") == [f"{base}archive/{key}/atom.xml"]
        assert links(root, "current") == [f"{base}atom.xml"]
        older = [f"{base}archive/{CLOSED[index + 1]}/atom.xml"] if index + 1 < len(CLOSED) else []
        newer = [f"{base}archive/{CLOSED[index - 1]}/atom.xml"] if index else []
        assert links(root, "prev-archive") == older, key
        assert links(root, "next-archive") == newer, key
        # One feed: an archive has the subscription feed's id (RFC 5005 section 4).
        assert root.findtext(f"{ATOM}id") == current.findtext(f"{ATOM}id")
        assert "hub" not in {link.get("rel") for link in root.findall(f"{ATOM}link")}


def test_each_archive_holds_exactly_its_months_posts_newest_first(files):
    posts = {published_id(p, SITE): p for p in history()}
    for key in CLOSED:
        parsed = feedparser.parse(io.BytesIO(files[f"archive/{key}/atom.xml"]))
        months = [posts[item.id].published.strftime("%Y-%m") for item in parsed.entries]
        assert months and set(months) == {key}
        dates = [posts[item.id].published for item in parsed.entries]
        assert dates == sorted(dates, reverse=True)
        expected = sum(1 for p in posts.values() if p.published.strftime("%Y-%m") == key)
        assert len(parsed.entries) == expected


def test_an_archive_dates_each_partner_by_its_posts_in_that_month_only(files):
    # Scope posts after January; its <source><updated> in January's archive is still its
    # newest January post, so a partner's new post never rewrites a month that is over.
    root = etree.fromstring(files["archive/2026-01/atom.xml"])
    january = [p for p in history() if p.published.strftime("%Y-%m") == "2026-01"]
    for item in root.findall(f"{ATOM}entry"):
        name = item.findtext(f"{ATOM}source/{ATOM}title")
        newest = max(p.updated for p in january if p.attribution.name == name)
        assert item.findtext(f"{ATOM}source/{ATOM}updated") == newest.isoformat()


def test_rss_archives_carry_fh_archive_and_atom_links(files):
    channel = etree.fromstring(files["archive/2026-01/rss.xml"]).find("channel")
    assert channel.find(f"{FH}archive") is not None
    rels = {link.get("rel"): link.get("href") for link in channel.findall(f"{ATOM}link")}
    base = "https://copro.example/feeds/"
    assert rels["current"] == f"{base}rss.xml"
    assert rels["prev-archive"] == f"{base}archive/2025-12/rss.xml"
    assert rels["next-archive"] == f"{base}archive/2026-02/rss.xml"
    assert channel.findtext("link") == SITE.link  # feedgen's <link>: still the site
    current = etree.fromstring(files["rss.xml"]).find("channel")
    assert current.find(f"{FH}archive") is None
    assert [
        link.get("href")
        for link in current.findall(f"{ATOM}link")
        if link.get("rel") == "prev-archive"
    ] == [f"{base}archive/2026-02/rss.xml"]
    assert not feedparser.parse(io.BytesIO(files["archive/2026-01/rss.xml"])).bozo


def test_json_feed_archives_are_valid_and_chained_by_next_url(files):
    base = "https://copro.example/feeds/"
    validator = json_feed_validator()
    current = json.loads(files["feed.json"])
    assert current["next_url"] == f"{base}archive/2026-02/feed.json"
    assert "_copro" not in current
    for index, key in enumerate(CLOSED):
        document = json.loads(files[f"archive/{key}/feed.json"])
        assert [error.message for error in validator.iter_errors(document)] == []
        assert document["feed_url"] == f"{base}feed.json"  # the feed it belongs to
        extension = document["_copro"]
        assert extension["archive"] is True
        assert extension["current"] == f"{base}feed.json"
        if index + 1 < len(CLOSED):
            older = f"{base}archive/{CLOSED[index + 1]}/feed.json"
            assert document["next_url"] == extension["prev_archive"] == older
        else:
            assert "next_url" not in document and "prev_archive" not in extension
        assert ("next_archive" in extension) == (index > 0)


def test_without_feed_url_feeds_link_their_archives_relatively_and_json_does_not(tmp_path):
    files = render(history(), site=PLAIN_SITE)
    assert links(etree.fromstring(files["atom.xml"]), "prev-archive") == [
        "archive/2026-02/atom.xml"
    ]
    january = etree.fromstring(files["archive/2026-01/atom.xml"])
    assert links(january, "current") == ["../../atom.xml"]
    assert links(january, "prev-archive") == ["../2025-12/atom.xml"]
    assert "next_url" not in json.loads(files["feed.json"])


# -- clients walking the history over HTTP ---------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    """``history()`` published without ``feed_url`` (relative links) and with it, each
    served on 127.0.0.1; yields the base URL (the absolute links point at copro.example,
    so the walk below maps them onto the server)."""
    folder = write_tree(tmp_path_factory.mktemp("served"), render(history(), site=PLAIN_SITE))
    yield from serve(folder)


def walk(start: str, previous: Callable[[bytes, str], str | None]) -> list[str]:
    """Every document from ``start`` back along ``previous`` links, each fetched once."""
    seen = [start]
    while (following := previous(fetch(seen[-1]), seen[-1])) is not None:
        assert following not in seen, "a loop in the history"
        seen.append(following)
    return seen


def atom_previous(data: bytes, url: str) -> str | None:
    parsed = feedparser.parse(io.BytesIO(data))
    assert not parsed.bozo
    found = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
    return urljoin(url, found[0]) if found else None


def atom_ids(data: bytes) -> set[str]:
    return {item.id for item in feedparser.parse(io.BytesIO(data)).entries}


def every_id(site: SiteConfig) -> set[str]:
    return {published_id(p, site) for p in history()}


def test_a_client_walking_prev_archive_from_the_atom_feed_reaches_every_post(served):
    documents = walk(served + "atom.xml", atom_previous)
    assert documents[1:] == [f"{served}archive/{key}/atom.xml" for key in CLOSED]
    ids = set().union(*(atom_ids(fetch(url)) for url in documents))
    assert ids == every_id(PLAIN_SITE)
    assert len(atom_ids(fetch(documents[0]))) == LIMIT  # the current feed alone: 3 of 16


def test_a_client_walking_the_rss_history_reaches_every_post(served):
    documents = walk(served + "rss.xml", atom_previous)  # RSS: the same atom:link rels
    assert len(documents) == 1 + len(CLOSED)
    ids = set().union(*(atom_ids(fetch(url)) for url in documents))
    assert ids == every_id(PLAIN_SITE)


def test_a_client_following_json_next_url_reaches_every_post(tmp_path):
    # JSON Feed links need [site] feed_url: publish with it, serve, and map its URLs here.
    for name, data in render(history()).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    server = Server(tmp_path, host="127.0.0.1", port=0)
    base = server.start()
    try:

        def following(data: bytes, url: str) -> str | None:
            after = json.loads(data).get("next_url")
            return after.replace("https://copro.example/feeds/", base) if after else None

        documents = walk(base + "feed.json", following)
        ids = {item["id"] for url in documents for item in json.loads(fetch(url))["items"]}
    finally:
        server.stop()
    assert len(documents) == 1 + len(CLOSED)
    assert ids == every_id(SITE)


def test_lemon24_reader_reads_the_whole_history(served, tmp_path):
    """A real feed reader (lemon24's reader) reads the current feed and every archive the
    walk finds, and ends up with every post once, each credited to its partner."""
    documents = walk(served + "atom.xml", atom_previous)
    with make_reader(str(tmp_path / "reader.sqlite")) as feeds:
        for url in documents:
            feeds.add_feed(url)
        feeds.update_feeds()
        entries = list(feeds.get_entries())
        assert {entry.feed_url for entry in entries} == set(documents)
        ids = {entry.id for entry in entries}
        assert ids == every_id(PLAIN_SITE)
        # A post in the current feed and in its month's archive keeps one id in both.
        current = atom_ids(fetch(documents[0]))
        archived = set().union(*(atom_ids(fetch(url)) for url in documents[1:]))
        assert len(entries) == len(current) + len(archived)
        assert current & archived  # the current feed's February post is in February's too
        for document in documents:
            feed = feeds.get_feed(document)
            assert feed.last_exception is None, (document, feed.last_exception)


# -- the pages ----------------------------------------------------------------------------


def test_the_archive_page_lists_every_month_newest_first_with_its_count(files):
    page = parse(files["archive/index.html"])
    assert_heading_order("archive/index.html", page)
    main = page.find(".//main")
    months = [
        link for link in main.iter("a") if re.fullmatch(r"\d{4}-\d\d/index.html", link.get("href"))
    ]
    assert [link.get("href")[:7] for link in months] == ["2026-03", *CLOSED]
    assert text_of(months[0]) == "March 2026"
    items = [text_of(link.getparent()) for link in months]
    assert items[0] == "March 2026 (2 posts so far)"
    assert items[1].startswith("February 2026 (") and "so far" not in items[1]
    march = [p for p in history() if p.published.month == 3]
    assert items[0].startswith(f"March 2026 ({len(march)} posts")


def test_a_month_page_shows_its_posts_and_links_its_neighbours(files):
    name = "archive/2026-01/index.html"
    page = parse(files[name])
    assert_heading_order(name, page)
    assert text_of(page.find(".//h1")) == "Posts from January 2026"
    january = [p for p in history() if p.published.strftime("%Y-%m") == "2026-01"]
    titles = [text_of(article.find(".//h2")) for article in page.iter("article")]
    assert len(titles) == len(january)
    assert all(title.startswith(f"Read {LQ}Post p") for title in titles)
    hrefs = {accessible_name(link): link.get("href") for link in page.iter("a")}
    assert hrefs["Newer posts: February 2026"] == "../2026-02/index.html"
    assert hrefs["Older posts: December 2025"] == "../2025-12/index.html"
    assert hrefs["Every month"] == "../../archive/index.html"
    assert hrefs["All posts"] == "../../index.html"
    # Following new posts means the combined feed, never a month that is over.
    alternates = [link.get("href") for link in page.iter("link") if link.get("rel") == "alternate"]
    assert alternates == ["../../atom.xml", "../../rss.xml", "../../feed.json"]


def test_every_link_between_pages_resolves_to_a_published_file(files):
    pages = [name for name in files if name.endswith(".html")]
    for name in pages:
        for link in parse(files[name]).iter("a", "link"):
            href = link.get("href")
            if href.startswith(("http:", "https:", "#")) or href.startswith("mailto:"):
                continue
            target = urljoin("https://x.example/" + name, href.split("#")[0])
            assert target.removeprefix("https://x.example/") in files, (name, href)


def test_every_page_links_the_archive_from_its_navigation(files):
    for name in ("index.html", "sources/scope/index.html", "archive/2025-11/index.html"):
        nav = parse(files[name]).find(".//nav")
        archive = [link for link in nav.iter("a") if text_of(link) == "Archive"]
        assert len(archive) == 1, name
        expected = urljoin("https://x.example/" + name, archive[0].get("href"))
        assert expected == "https://x.example/archive/index.html"
    home = parse(files["index.html"])
    assert "Older posts, month by month" in [text_of(a) for a in home.iter("a")]


def test_without_posts_there_is_no_archive_and_no_link_to_it():
    files = render([])
    assert not [name for name in files if name.startswith("archive/")]
    assert b"Archive</a>" not in files["index.html"]
    assert "prev-archive" not in files["atom.xml"].decode()


def test_a_broken_archive_template_names_itself(tmp_path):
    (tmp_path / "archive.html").write_text(
        "{% extends 'base.html' %}{% block content %}{{ page.nothing }}{% endblock %}"
    )
    with pytest.raises(PublishError, match=r"archive pages \(archive.html\)"):
        render(history(), templates=tmp_path)


# -- what is rewritten, and when ------------------------------------------------------------


def test_a_month_that_is_over_is_not_rewritten_when_newer_posts_arrive(tmp_path):
    posts = history()
    first = write(tmp_path, posts)
    assert "archive/2026-01/atom.xml" in first
    # Scope publishes again in March: the current feed and March's page change, no archive.
    later = [*posts, post("new", NOW + timedelta(hours=2))]
    second = write(tmp_path, later, now=NOW + timedelta(days=1))
    assert {"atom.xml", "archive/2026-03/index.html", "archive/index.html"} <= second
    assert not [name for name in second if re.match(r"archive/20(25|26-0[12])", name)]


def test_when_a_month_ends_it_is_archived_and_only_the_previous_archive_gains_a_link(tmp_path):
    posts = history()
    write(tmp_path, posts)
    april = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    written = write(tmp_path, posts, now=april)
    march = {f"archive/2026-03/{name}" for name in ("atom.xml", "rss.xml", "feed.json")}
    assert march <= written
    # February's feeds gain their next-archive link (their only change; its page linked
    # March's already); older months stay as they were.
    assert {name for name in written if name.startswith("archive/2026-02/")} == {
        "archive/2026-02/atom.xml",
        "archive/2026-02/rss.xml",
        "archive/2026-02/feed.json",
    }
    assert not [name for name in written if re.match(r"archive/20(25|26-01)", name)]
    root = etree.fromstring((tmp_path / "archive/2026-02/atom.xml").read_bytes())
    assert links(root, "next-archive") == ["https://copro.example/feeds/archive/2026-03/atom.xml"]
    assert links(etree.fromstring((tmp_path / "atom.xml").read_bytes()), "prev-archive") == [
        "https://copro.example/feeds/archive/2026-03/atom.xml"
    ]


def test_hiding_a_post_rewrites_its_month_only(tmp_path):
    posts = history()
    write(tmp_path, posts)
    hidden = next(p for p in posts if p.published.strftime("%Y-%m") == "2025-12")
    marks = EditorialMarks(hidden=frozenset({(hidden.source_key, hidden.id)}))
    written = write(tmp_path, posts, marks=marks)
    months = {name.split("/")[1] for name in written if name.startswith("archive/2")}
    assert months == {"2025-12"}
    assert published_id(hidden, SITE) not in atom_ids(
        (tmp_path / "archive/2025-12/atom.xml").read_bytes()
    )


def test_a_month_whose_posts_are_all_hidden_is_removed_and_skipped_by_the_links(tmp_path):
    posts = history()
    write(tmp_path, posts)
    december = [p for p in posts if p.published.strftime("%Y-%m") == "2025-12"]
    marks = EditorialMarks(hidden=frozenset((p.source_key, p.id) for p in december))
    write(tmp_path, posts, marks=marks)
    assert not (tmp_path / "archive/2025-12").exists()
    january = etree.fromstring((tmp_path / "archive/2026-01/atom.xml").read_bytes())
    assert links(january, "prev-archive") == [
        "https://copro.example/feeds/archive/2025-11/atom.xml"
    ]


def test_months_that_are_over_and_unchanged_are_not_rendered_again(tmp_path):
    posts = history()
    write(tmp_path, posts)
    feeds = plan_feeds(posts, SOURCES, SITE, LIMIT)
    archive = plan_archive(posts, SOURCES, EditorialMarks(), NOW)
    shared, digests = digests_of(feeds, ATTRIBUTIONS, SITE, None, None, archive=archive)
    unchanged = unchanged_folders(tmp_path, shared, digests)
    assert {f"archive/{key}/" for key in CLOSED} <= unchanged
    assert "archive/2026-03/" not in unchanged  # the month so far: no feeds yet


# -- the whole pipeline --------------------------------------------------------------------


def test_the_pipeline_archives_a_month_once_it_ends_even_when_nothing_changed(project):
    """The three partners post in February and March 2026: on 5 March, February is
    archived; on 1 April, with no partner changed, March is too."""
    config = copro_feeds.load_config(project.config_path)
    moments = iter(
        [datetime(2026, 3, 5, 12, 0, tzinfo=UTC), datetime(2026, 4, 1, 9, 0, tzinfo=UTC)]
    )
    now = next(moments)
    with copro_feeds.make_aggregator(config, clock=lambda: now) as aggregator:
        report = aggregator.run_once()
        assert report.count(copro_feeds.Outcome.ERROR) == 0, report.results
        public = project.public
        assert (public / "archive/2026-02/atom.xml").is_file()
        assert (public / "archive/2026-03/index.html").is_file()
        assert not (public / "archive/2026-03/atom.xml").exists()
        now = next(moments)
        report = aggregator.run_once()
        assert report.new_entries == 0 and report.updated_entries == 0
    assert (public / "archive/2026-03/atom.xml").is_file()
    current = etree.fromstring((public / "atom.xml").read_bytes())
    assert links(current, "prev-archive") == ["https://copro.test/feeds/archive/2026-03/atom.xml"]


def test_a_welsh_site_has_its_archive_in_welsh():
    files = render(history(), site=replace(SITE, language="cy"))
    page = parse(files["archive/2026-01/index.html"])
    assert page.get("lang") == "cy"
    assert text_of(page.find(".//h1")) == "Negeseuon Ionawr 2026"
    assert "Archif" in [text_of(link) for link in page.find(".//nav").iter("a")]
    listing = parse(files["archive/index.html"])
    assert "Mawrth 2026 (2 neges hyd yma)" in [text_of(item) for item in listing.iter("li")]
    feed = etree.fromstring(files["archive/2026-01/atom.xml"])
    assert feed.findtext(f"{ATOM}title") == "Partners' news: Ionawr 2026"
