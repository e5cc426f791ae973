"""Reading only the new and changed posts (issue 13) stores exactly what reading the whole
document stores: the same entries, dates and counts, over random sequences of edits.

Two SQLite stores take the same documents in turn: one from whole digests (no known
items), the other from incremental ones (given the items it saved last time). After each
document both must hold the same entries and report the same new and updated counts.
The sweep over real feeds lives in test_incremental_sweep.py.
"""

from __future__ import annotations

import tempfile
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copro_feeds._ingest import Ingested, SourceFacts, ingest
from copro_feeds._store import Store
from copro_feeds._store.postgresql import PostgreSQLStore
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.types import Attribution
from tests.factories import NOW, partner_facts

FEED_URL = "https://partner.example/feed.xml"
FACTS = partner_facts(key="partner", homepage=None, max_entries=6)
ATTRIBUTIONS = {
    "partner": Attribution(
        source_key="partner", name="Partner", homepage="https://p.example/", feed_url=FEED_URL
    )
}


@dataclass(frozen=True)
class Post:
    guid: str | None  # None: the entry's id is its link
    slug: str
    title: str
    body: str
    day: int | None  # days after NOW (None: undated; more than 1: from the future)
    updated_day: int | None = None
    cdata: bool = False
    language: str | None = None


@dataclass(frozen=True)
class Head:
    title: str = "Partner blog"
    link: str = "https://partner.example/"
    language: str | None = "en"
    author: str | None = None
    build: int = 0  # lastBuildDate / updated: changes with every post
    atom: bool = False


def day(offset: int) -> str:
    return (NOW + timedelta(days=offset)).strftime("%a, %d %b %Y %H:%M:%S GMT")


def iso(offset: int) -> str:
    return (NOW + timedelta(days=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


def rss_item(post: Post) -> str:
    body = f"<![CDATA[{post.body}]]>" if post.cdata else escape(post.body)
    parts = [
        f"<guid isPermaLink='false'>{escape(post.guid)}</guid>" if post.guid else "",
        f"<title>{escape(post.title)}</title>",
        f"<link>https://partner.example/{post.slug}</link>",
        f"<pubDate>{day(post.day)}</pubDate>" if post.day is not None else "",
        f"<atom:updated>{iso(post.updated_day)}</atom:updated>"
        if post.updated_day is not None
        else "",
        f"<dc:language>{post.language}</dc:language>" if post.language else "",
        f"<content:encoded>{body}</content:encoded>",
    ]
    return "<item>" + "".join(parts) + "</item>"


def atom_entry(post: Post) -> str:
    parts = [
        f"<id>{escape(post.guid)}</id>" if post.guid else "",
        f"<title>{escape(post.title)}</title>",
        f"<link href='https://partner.example/{post.slug}'/>",
        f"<published>{iso(post.day)}</published>" if post.day is not None else "",
        f"<updated>{iso(post.updated_day)}</updated>" if post.updated_day is not None else "",
        f"<content type='html'>{escape(post.body)}</content>",
    ]
    language = f" xml:lang='{post.language}'" if post.language else ""
    return f"<entry{language}>" + "".join(parts) + "</entry>"


def document(head: Head, posts: list[Post]) -> bytes:
    if head.atom:
        language = f" xml:lang='{head.language}'" if head.language else ""
        author = f"<author><name>{escape(head.author)}</name></author>" if head.author else ""
        items = "\n  ".join(atom_entry(post) for post in posts)
        return (
            f"<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'"
            f"{language}><title>{escape(head.title)}</title><link href='{head.link}'/>"
            f"<id>urn:feed</id><updated>{iso(-head.build)}</updated>{author}\n  {items}\n</feed>"
        ).encode()
    language = f"<language>{head.language}</language>" if head.language else ""
    author = f"<managingEditor>{escape(head.author)}</managingEditor>" if head.author else ""
    items = "\n    ".join(rss_item(post) for post in posts)
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0' "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/' "
        "xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:atom='http://www.w3.org/2005/Atom'>"
        f"<channel><title>{escape(head.title)}</title><link>{head.link}</link>{language}"
        f"{author}<lastBuildDate>{day(-head.build)}</lastBuildDate>\n    {items}\n"
        "</channel></rss>"
    ).encode()


words = st.sampled_from(["Hello", "world", "chart", "Our plans", "<p>a</p>", "<h2>T</h2>x"])
posts = st.builds(
    Post,
    guid=st.one_of(st.none(), st.sampled_from(["g1", "g2", "g3", "g4", "g5"])),
    slug=st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    title=st.sampled_from(["One", "Two", "Three"]),
    body=st.lists(words, min_size=1, max_size=3).map(" ".join),
    day=st.one_of(st.none(), st.integers(-30, 3)),
    updated_day=st.one_of(st.none(), st.integers(-30, 3)),
    cdata=st.booleans(),
    language=st.sampled_from([None, None, "cy", "fr"]),
)
heads = st.builds(
    Head,
    title=st.sampled_from(["Partner blog", "Blog y partner"]),
    link=st.sampled_from(["https://partner.example/", "https://partner.example/blog/"]),
    language=st.sampled_from([None, "en", "cy"]),
    author=st.sampled_from([None, "Ann"]),
    build=st.integers(0, 3),
    atom=st.just(False),
)
edit = st.one_of(
    st.tuples(st.just("add"), posts, st.integers(0, 10)),
    st.tuples(st.just("edit"), posts, st.integers(0, 10)),
    st.tuples(st.just("remove"), st.integers(0, 10)),
    st.tuples(st.just("reorder"), st.randoms(use_true_random=False)),
    st.tuples(st.just("head"), heads),
    st.tuples(st.just("later"), st.integers(1, 3)),
)


def apply(edit_: tuple, head: Head, items: list[Post], days: int) -> tuple[Head, list[Post], int]:
    kind, *args = edit_
    items = list(items)
    if kind == "add":
        items.insert(args[1] % (len(items) + 1), args[0])
    elif kind == "edit" and items:
        items[args[1] % len(items)] = args[0]
    elif kind == "remove" and items:
        del items[args[0] % len(items)]
    elif kind == "reorder":
        args[0].shuffle(items)
    elif kind == "head":
        head = replace(args[0], atom=head.atom)
    elif kind == "later":
        days += args[0]
    return head, items, days


def digest_into(
    store: Store, body: bytes, days: int, *, incremental: bool, facts: SourceFacts = FACTS
) -> tuple[Ingested, tuple[int, int]]:
    now = NOW + timedelta(days=days)
    known = store.known_items("partner") if incremental else None
    found = ingest(body, {"content-type": "application/rss+xml"}, FEED_URL, facts, now, known=known)
    counts = store.save_fetch(
        store.state("partner"),
        found.entries,
        found.undated_ids,
        now,
        well_formed=found.well_formed,
        items=found.items,
    )
    return found, (counts.new, counts.updated)


def stored(store: Store) -> list[tuple[object, ...]]:
    return [
        (e.id, e.title, e.link, e.authors, e.published, e.updated, e.content_html, e.language)
        for e in store.entries(ATTRIBUTIONS)
    ]


class Pair:
    """A store fed whole digests and one fed incremental ones, in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.whole = SQLiteStore.open(folder / "whole.sqlite3")
        self.incremental = SQLiteStore.open(folder / "incremental.sqlite3")
        for store in (self.whole, self.incremental):
            store.sync_sources({"partner": FEED_URL})
        self.skipped = 0

    def digest(self, body: bytes, days: int = 0) -> None:
        whole, whole_counts = digest_into(self.whole, body, days, incremental=False)
        found, counts = digest_into(self.incremental, body, days, incremental=True)
        assert counts == whole_counts, body
        assert stored(self.incremental) == stored(self.whole), body
        assert found.items is not None
        self.skipped += len(whole.entries) - len(found.entries)

    def close(self) -> None:
        self.whole.close()
        self.incremental.close()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    atom=st.booleans(),
    first=st.lists(posts, max_size=5),
    edits=st.lists(edit, min_size=1, max_size=6),
)
def test_incremental_and_whole_digests_store_the_same_entries(atom, first, edits):
    head, items, days = Head(atom=atom), first, 0
    with tempfile.TemporaryDirectory() as folder:
        pair = Pair(Path(folder))
        try:
            pair.digest(document(head, items), days)
            for step in edits:
                head, items, days = apply(step, head, items, days)
                pair.digest(document(head, items), days)
        finally:
            pair.close()


def test_an_unchanged_post_is_not_parsed_again(tmp_path):
    posts_ = [Post(f"g{n}", f"s{n}", f"T{n}", "<p>Hello</p>", -n) for n in range(1, 4)]
    pair = Pair(tmp_path)
    try:
        pair.digest(document(Head(), posts_))
        assert len(pair.incremental.known_items("partner")) == 3
        added = [Post("g9", "s9", "New", "<h2>T</h2>x", 0), *posts_]
        found, counts = digest_into(
            pair.incremental, document(Head(build=1), added), 0, incremental=True
        )
        assert [entry.id for entry in found.entries] == ["g9"]  # only the new post is read
        assert counts == (1, 0)
        assert len(pair.incremental.known_items("partner")) == 4
    finally:
        pair.close()


def test_a_changed_head_reads_every_post_again(tmp_path):
    posts_ = [Post(f"g{n}", f"s{n}", f"T{n}", "<p>Hello</p>", -n) for n in range(1, 4)]
    pair = Pair(tmp_path)
    try:
        pair.digest(document(Head(), posts_))
        body = document(Head(language="cy"), posts_)
        found, counts = digest_into(pair.incremental, body, 0, incremental=True)
        assert len(found.entries) == 3
        assert counts == (0, 0)  # a new language alone is not an edit
        assert {e.language for e in pair.incremental.entries(ATTRIBUTIONS)} == {"cy"}
    finally:
        pair.close()


def test_a_new_post_taking_a_known_posts_id_reads_the_whole_document(tmp_path):
    posts_ = [Post("g1", "s1", "T1", "<p>Hello</p>", -1)]
    pair = Pair(tmp_path)
    try:
        pair.digest(document(Head(), posts_))
        clash = [Post("g1", "s2", "Other", "<p>Other</p>", -2), *posts_]
        found, _ = digest_into(pair.incremental, document(Head(), clash), 0, incremental=True)
        assert [entry.title for entry in found.entries] == ["Other"]  # the first, as whole
        assert found.items == {}  # an id two items share is not remembered
    finally:
        pair.close()


def test_other_settings_read_every_post_again(tmp_path):
    posts_ = [Post(f"g{n}", f"s{n}", f"T{n}", "<p>Hello there</p>", -n) for n in range(1, 3)]
    with closing(SQLiteStore.open(tmp_path / "db.sqlite3")) as store:
        store.sync_sources({"partner": FEED_URL})
        digest_into(store, document(Head(), posts_), 0, incremental=True)
        shorter = replace(FACTS, excerpt_words=1)
        found, _ = digest_into(store, document(Head(), posts_), 0, incremental=True, facts=shorter)
        assert [entry.excerpt for entry in found.entries] == ["Hello…", "Hello…"]


def test_on_postgresql_an_unchanged_post_is_not_parsed_again(tmp_path, postgres_url):
    """The items PostgreSQL keeps work as SQLite's: only the new post is read, and what
    is stored is what a whole reading stores (in SQLite)."""
    posts_ = [Post(f"g{n}", f"s{n}", f"T{n}", "<p>Hello</p>", -n) for n in range(1, 4)]
    added = [Post("g9", "s9", "New", "<h2>T</h2>x", 0), *posts_]
    PostgreSQLStore.upgrade(postgres_url)
    with (
        closing(PostgreSQLStore.open(postgres_url)) as store,
        closing(SQLiteStore.open(tmp_path / "whole.sqlite3")) as whole,
    ):
        for each in (store, whole):
            each.sync_sources({"partner": FEED_URL})
            digest_into(each, document(Head(), posts_), 0, incremental=each is store)
        assert len(store.known_items("partner")) == 3
        found, counts = digest_into(store, document(Head(build=1), added), 0, incremental=True)
        assert [entry.id for entry in found.entries] == ["g9"]
        assert counts == digest_into(whole, document(Head(build=1), added), 0, incremental=False)[1]
        assert stored(store) == stored(whole)
        assert len(store.known_items("partner")) == 4
