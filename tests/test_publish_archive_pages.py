"""The archive's months in pages (``ARCHIVE_PAGE_SIZE`` posts each): the chain of archived
documents, what a change renders again, and the pages' navigation."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from lxml import etree

from copro_feeds._archive_plan import plan_archive
from copro_feeds._plan import ARCHIVE_PAGE_SIZE, ArchiveMonth
from copro_feeds._publish import iter_files, publish, published_id, render_files
from copro_feeds._publish._archive import open_pages
from copro_feeds._publish._manifest import digests_of, unchanged_folders
from copro_feeds._select import plan_feeds
from copro_feeds._types import EditorialMarks
from copro_feeds.config import SiteConfig, SourceConfig
from tests.factories import attribution, dated_post
from tests.local_site import fetch, serve, write_tree
from tests.test_publish_html import parse, text_of

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = SiteConfig(title="News", link="https://copro.example/")  # relative archive links
SOURCES = (
    SourceConfig(key="scope", name="Scope", url="https://scope.example/feed/"),
    SourceConfig(key="cfwr", name="Cfwr", url="https://cfwr.example/feed/"),
)
SCOPE, CFWR = attribution("scope", "Scope"), attribution("cfwr", "Cfwr")
ATTRIBUTIONS = [SCOPE, CFWR]
NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)  # March is over, April is not
MARCH = datetime(2026, 3, 1, tzinfo=UTC)
LIMIT = 5
MARKS = EditorialMarks()
SIZE = ARCHIVE_PAGE_SIZE


def month_of(count: int, start: datetime = MARCH, prefix: str = "m") -> list:
    """``count`` posts, one every 5 minutes from ``start``, the partners taking turns."""
    return [
        dated_post(f"{prefix}{n}", start + timedelta(minutes=5 * n), SCOPE if n % 3 else CFWR)
        for n in range(count)
    ]


def history() -> list:
    """March 2026 in three pages (2.5 pages' worth), February in two, April so far in one."""
    return [
        *month_of(SIZE * 2 + SIZE // 2),
        *month_of(SIZE + 7, datetime(2026, 2, 1, tzinfo=UTC), "f"),
        *month_of(12, datetime(2026, 4, 1, tzinfo=UTC), "a"),
    ]


def render(posts, *, now=NOW):
    archive = plan_archive(posts, SOURCES, MARKS, now)
    feeds = plan_feeds(posts, SOURCES, SITE, LIMIT)
    return render_files(feeds, ATTRIBUTIONS, SITE, archive=archive, now=now)


def write(folder: Path, posts, *, now=NOW, marks=MARKS) -> set[str]:
    """Publish into ``folder``; the files rewritten, relative to it."""
    feeds = plan_feeds(posts, SOURCES, SITE, LIMIT, marks=marks)
    archive = plan_archive(posts, SOURCES, marks, now)
    written = publish(feeds, ATTRIBUTIONS, SITE, folder, archive=archive, now=now)
    return {path.relative_to(folder).as_posix() for path in written}


def rendered(folder: Path, posts, *, now=NOW) -> set[str]:
    """The archive files a publish into ``folder`` would render (the manifest's skip
    applied, as ``publish`` does), relative to it."""
    feeds = plan_feeds(posts, SOURCES, SITE, LIMIT)
    archive = plan_archive(posts, SOURCES, MARKS, now)
    shared, digests = digests_of(feeds, ATTRIBUTIONS, SITE, None, None, archive=archive)
    skip = unchanged_folders(folder, shared, digests, pages_only=open_pages(archive))
    files = iter_files(feeds, ATTRIBUTIONS, SITE, archive=archive, skip=skip, now=now)
    return {name for name, _data in files if name.startswith("archive/")}


def folders_of(names: set[str]) -> set[str]:
    return {name.rpartition("/")[0] + "/" for name in names}


# -- the plan -----------------------------------------------------------------------------


def test_pages_are_counted_from_the_oldest_post_and_only_the_newest_is_short():
    (march,) = plan_archive(month_of(SIZE * 2 + 3), SOURCES, MARKS, NOW).months
    pages = march.pages
    assert [(page.number, page.newest, len(page.entries)) for page in pages] == [
        (3, True, 3),
        (2, False, SIZE),
        (1, False, SIZE),
    ]
    assert [page.folder for page in pages] == [
        "archive/2026-03/",
        "archive/2026-03/2/",
        "archive/2026-03/1/",
    ]
    assert [post for page in pages for post in page.entries] == list(march.entries)


def test_a_month_of_exactly_one_full_page_has_one_page():
    month = ArchiveMonth(
        start=MARCH,
        end=datetime(2026, 4, 1, tzinfo=UTC),
        closed=True,
        entries=tuple(month_of(SIZE)),
    )
    (page,) = month.pages
    assert (page.number, page.newest, page.folder) == (1, True, "archive/2026-03/")


# -- the chain of archived documents --------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    yield from serve(write_tree(tmp_path_factory.mktemp("paged"), render(history())))


def strict_atom(data: bytes) -> etree._Element:
    """The document parsed by lxml's strict parser (no recovery, no network)."""
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def link(root: etree._Element, rel: str) -> str | None:
    found = [e.get("href") for e in root.findall(f"{ATOM}link") if e.get("rel") == rel]
    assert len(found) <= 1
    return found[0] if found else None


def walk_atom(start: str, rel: str) -> list[tuple[str, list[str]]]:
    """Every Atom document from ``start`` along ``rel`` links, with its entries' ids in
    document order, each strictly parsed (and by feedparser, without bozo)."""
    documents: list[tuple[str, list[str]]] = []
    url: str | None = start
    while url is not None:
        assert url not in [seen for seen, _ids in documents], "a loop in the history"
        data = fetch(url)
        root = strict_atom(data)
        parsed = feedparser.parse(io.BytesIO(data))
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        ids = [entry.findtext(f"{ATOM}id") for entry in root.findall(f"{ATOM}entry")]
        assert ids == [entry.id for entry in parsed.entries]
        documents.append((url, ids))
        following = link(root, rel)
        url = urljoin(url, following) if following else None
    return documents


def test_following_prev_archive_covers_every_archived_post_once_in_order(served):
    documents = walk_atom(served + "atom.xml", "prev-archive")
    assert [url.removeprefix(served) for url, _ids in documents] == [
        "atom.xml",  # the current feed, then March's pages newest first, then February's
        "archive/2026-03/atom.xml",
        "archive/2026-03/2/atom.xml",
        "archive/2026-03/1/atom.xml",
        "archive/2026-02/atom.xml",
        "archive/2026-02/1/atom.xml",
    ]
    archived = [post_id for _url, ids in documents[1:] for post_id in ids]
    closed = [p for p in history() if p.published < datetime(2026, 4, 1, tzinfo=UTC)]
    newest_first = sorted(closed, key=lambda p: p.published, reverse=True)
    assert archived == [published_id(p, SITE) for p in newest_first]  # once each, in order
    assert [len(ids) for _url, ids in documents[1:]] == [SIZE // 2, SIZE, SIZE, 7, SIZE]


def test_following_next_archive_walks_the_same_documents_back(served):
    backwards = walk_atom(served + "archive/2026-02/1/atom.xml", "next-archive")
    forwards = walk_atom(served + "atom.xml", "prev-archive")[1:]
    assert backwards == forwards[::-1]


def test_rss_and_json_pages_chain_like_atom(served):
    url: str | None = served + "rss.xml"
    rss = []
    while url is not None:
        parsed = feedparser.parse(io.BytesIO(fetch(url)))
        assert not parsed.bozo
        rss.append(url.removeprefix(served))
        found = [item.href for item in parsed.feed.links if item.rel == "prev-archive"]
        url = urljoin(url, found[0]) if found else None
    assert rss[1:] == [
        "archive/2026-03/rss.xml",
        "archive/2026-03/2/rss.xml",
        "archive/2026-03/1/rss.xml",
        "archive/2026-02/rss.xml",
        "archive/2026-02/1/rss.xml",
    ]
    page = json.loads(fetch(served + "archive/2026-03/2/feed.json"))
    assert page["_copro"]["archive"] is True
    assert len(page["items"]) == SIZE


# -- what a change renders again ------------------------------------------------------------


def test_a_post_at_the_newest_end_renders_only_the_newest_page(tmp_path):
    posts = history()
    write(tmp_path, posts)
    assert rendered(tmp_path, posts) == {"archive/index.html"}  # the list of months only
    late = dated_post("late", datetime(2026, 3, 31, 23, 0, tzinfo=UTC))
    again = rendered(tmp_path, [*posts, late])
    assert folders_of(again) == {"archive/", "archive/2026-03/"}
    written = write(tmp_path, [*posts, late])
    assert {name for name in written if name.startswith("archive/2026-03")} == {
        f"archive/2026-03/{name}" for name in ("atom.xml", "rss.xml", "feed.json", "index.html")
    }
    newest = strict_atom((tmp_path / "archive/2026-03/atom.xml").read_bytes())
    assert newest.findtext(f"{ATOM}entry/{ATOM}id") == published_id(late, SITE)


def test_when_the_newest_page_fills_a_new_one_starts_and_older_pages_stay(tmp_path):
    posts = month_of(SIZE * 2)  # two full pages
    write(tmp_path, posts)
    late = dated_post("late", datetime(2026, 3, 31, 23, 0, tzinfo=UTC))
    again = rendered(tmp_path, [*posts, late])
    # The full page moves from the month's folder to 2/, page 1's newer link follows it,
    # and the new page holds the one new post.
    assert folders_of(again) == {"archive/", "archive/2026-03/", "archive/2026-03/2/"} | {
        "archive/2026-03/1/"
    }
    write(tmp_path, [*posts, late])
    assert len(strict_atom((tmp_path / "archive/2026-03/atom.xml").read_bytes())) > 0
    page = parse((tmp_path / "archive/2026-03/1/index.html").read_bytes())
    assert page.xpath("//a[normalize-space()='Newer posts: page 2']/@href") == ["../2/index.html"]
    # A third post at the newest end: only the newest page again.
    later = dated_post("later", datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    assert folders_of(rendered(tmp_path, [*posts, late, later])) == {
        "archive/",
        "archive/2026-03/",
    }


def test_a_new_post_in_the_month_so_far_renders_its_newest_page_only(tmp_path):
    april = month_of(SIZE + 20, datetime(2026, 4, 1, tzinfo=UTC), "a")
    now = datetime(2026, 4, 30, tzinfo=UTC)
    write(tmp_path, april, now=now)
    assert sorted(p.name for p in (tmp_path / "archive/2026-04").iterdir()) == ["1", "index.html"]
    new = dated_post("new", datetime(2026, 4, 29, tzinfo=UTC))
    assert rendered(tmp_path, [*april, new], now=now) == {
        "archive/index.html",
        "archive/2026-04/index.html",
    }


def test_a_new_month_renders_only_its_own_page_and_its_neighbours(tmp_path):
    posts = history()
    write(tmp_path, posts)
    may = dated_post("may", datetime(2026, 5, 2, tzinfo=UTC))
    again = rendered(tmp_path, [*posts, may], now=datetime(2026, 5, 3, tzinfo=UTC))
    # April is over now (its page gains feeds and a link to May); March and February,
    # with their newer neighbours' posts counted differently, are not rendered at all.
    assert folders_of(again) == {"archive/", "archive/2026-05/", "archive/2026-04/"} | {
        "archive/2026-03/"  # its newest page's next-archive goes to April now
    }


def test_a_late_post_in_the_middle_renders_the_pages_it_shifts_and_loses_nothing(tmp_path):
    posts = history()
    write(tmp_path, posts)
    middle = dated_post("middle", MARCH + timedelta(minutes=5 * 150 + 2))  # on page 2
    again = rendered(tmp_path, [*posts, middle])
    march = {f for f in folders_of(again) if f.startswith("archive/2026-03")}
    assert march == {"archive/2026-03/", "archive/2026-03/2/"}  # page 1 is older than it
    write(tmp_path, [*posts, middle])
    ids = []
    for page in ("archive/2026-03/", "archive/2026-03/2/", "archive/2026-03/1/"):
        root = strict_atom((tmp_path / page / "atom.xml").read_bytes())
        ids += [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    in_march = [p for p in [*posts, middle] if p.published.month == 3]
    expected = sorted(in_march, key=lambda p: p.published, reverse=True)
    assert ids == [published_id(p, SITE) for p in expected]


def test_pages_no_longer_needed_are_removed(tmp_path):
    posts = history()
    write(tmp_path, posts)
    assert (tmp_path / "archive/2026-03/2/atom.xml").is_file()
    march = [p for p in posts if p.published.month == 3]
    marks = EditorialMarks(hidden=frozenset((p.source_key, p.id) for p in march[:SIZE]))
    write(tmp_path, posts, marks=marks)
    assert not (tmp_path / "archive/2026-03/2").exists()  # 150 posts: pages 1 and 2 (newest)
    assert (tmp_path / "archive/2026-03/1/atom.xml").is_file()
    assert (tmp_path / "archive/2026-02/1/atom.xml").is_file()  # other months untouched


def test_a_hostile_post_is_cleaned_on_its_page():
    hostile = dated_post("x", MARCH + timedelta(minutes=1), title="A\x00 post\ufffe")
    files = render([*month_of(SIZE + 1), hostile])
    root = strict_atom(files["archive/2026-03/1/atom.xml"])
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert "A post" in titles


# -- the pages people read ------------------------------------------------------------------


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render(history())


def test_a_month_of_one_page_is_as_before(files):
    april = sorted(name for name in files if name.startswith("archive/2026-04/"))
    assert april == ["archive/2026-04/index.html"]  # not over: a page only, no subfolder
    page = parse(files["archive/2026-04/index.html"])
    assert text_of(page.xpath("//h1")[0]) == "Posts from April 2026"
    assert not page.xpath("//nav[@class='pages']")
    assert len(page.xpath("//main//article")) == 12


def test_each_page_says_where_it_is_and_links_its_neighbours_in_plain_words(files):
    newest = parse(files["archive/2026-03/index.html"])
    assert text_of(newest.xpath("//h1")[0]) == "Posts from March 2026, page 3 of 3"
    nav = newest.xpath("//nav[@class='pages']")[0]
    assert text_of(nav.xpath("h2")[0]) == "Pages of March 2026"
    assert "page 3 of 3" in text_of(nav.xpath("p")[0])
    assert [(text_of(a), a.get("href"), a.get("aria-current")) for a in nav.xpath(".//a")] == [
        ("This page: page 3", "index.html", "page"),
        ("Older posts: page 2", "2/index.html", None),
        ("Oldest posts: page 1", "1/index.html", None),
    ]
    middle = parse(files["archive/2026-03/2/index.html"])
    assert text_of(middle.xpath("//h1")[0]) == "Posts from March 2026, page 2"
    links = middle.xpath("//nav[@class='pages']//a")
    assert [(text_of(a), a.get("href"), a.get("aria-current")) for a in links] == [
        ("Newer posts: page 3", "../index.html", None),
        ("This page: page 2", "index.html", "page"),
        ("Older posts: page 1", "../1/index.html", None),
    ]
    assert len(middle.xpath("//main//article")) == SIZE
    # The months before and after, from a page one folder deeper.
    assert middle.xpath("//a[normalize-space()='Older posts: February 2026']/@href") == [
        "../../2026-02/index.html"
    ]


def test_every_link_between_archive_pages_resolves_to_a_published_file(files):
    for name, data in files.items():
        if not (name.startswith("archive/") and name.endswith(".html")):
            continue
        for href in parse(data).xpath("//a/@href"):
            if re.match(r"[a-z]+:", href) or href.startswith("#"):
                continue
            target = urljoin("https://x.example/" + name, href).removeprefix("https://x.example/")
            assert target.split("#")[0] in files, (name, href)


def test_page_titles_are_unique(files):
    titles = [
        text_of(parse(data).xpath("//title")[0])
        for name, data in files.items()
        if name.startswith("archive/") and name.endswith(".html")
    ]
    assert len(titles) == len(set(titles))


def test_a_welsh_site_has_its_pages_in_welsh():
    posts = history()
    welsh = replace(SITE, language="cy")
    archive = plan_archive(posts, SOURCES, MARKS, NOW)
    feeds = plan_feeds(posts, SOURCES, welsh, LIMIT)
    files = render_files(feeds, ATTRIBUTIONS, welsh, archive=archive, now=NOW)
    page = parse(files["archive/2026-03/2/index.html"])
    assert text_of(page.xpath("//h1")[0]) == "Negeseuon Mawrth 2026, tudalen 2"
    assert text_of(page.xpath("//nav[@class='pages']/h2")[0]) == "Tudalennau Mawrth 2026"
    feed = strict_atom(files["archive/2026-03/2/atom.xml"])
    assert feed.findtext(f"{ATOM}title") == "News: Mawrth 2026, tudalen 2"
