"""Contract: entries (``save_fetch``, ``entries``, ``entry_counts``, ``generation``)."""

from __future__ import annotations

import gc
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest

from copro_feeds.exceptions import StoreError
from copro_feeds.types import Enclosure
from tests.factories import NOW, attribution, entry

ATTRIBUTIONS = {"scope": attribution("scope")}


def test_reopening_keeps_data(backend, store):
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    store.close()
    again = backend.open()
    assert [e.id for e in again.entries(ATTRIBUTIONS)] == ["post-1"]
    again.close()


def test_entries_and_validators_are_saved_together(store):
    state = replace(
        store.state("scope"), etag='"v1"', last_modified="Mon, 02 Mar 2026 10:00:00 GMT"
    )
    counts = store.save_fetch(state, [entry(id="a"), entry(id="b")], frozenset(), NOW)
    assert (counts.new, counts.updated) == (2, 0)
    assert store.state("scope").etag == '"v1"'
    assert store.entry_counts() == {"scope": 2}


def test_failed_transaction_saves_neither_entries_nor_validators(store):
    state = replace(store.state("scope"), etag='"v2"')
    bad = entry(id="x")
    object.__setattr__(bad, "title", None)  # violates NOT NULL in the middle of the save
    with pytest.raises(StoreError):
        store.save_fetch(state, [entry(id="ok"), bad], frozenset(), NOW)
    assert store.state("scope").etag is None
    assert store.entry_counts() == {}


def test_refetch_without_changes_adds_nothing(store):
    state = store.state("scope")
    store.save_fetch(state, [entry()], frozenset(), NOW)
    counts = store.save_fetch(state, [entry()], frozenset(), NOW)
    assert (counts.new, counts.updated) == (0, 0)
    assert store.entry_counts() == {"scope": 1}


def test_edited_entry_is_updated_once(store):
    state = store.state("scope")
    store.save_fetch(state, [entry()], frozenset(), NOW)
    edited = entry(content_html="<p>Edited</p>", excerpt="Edited")
    assert store.save_fetch(state, [edited], frozenset(), NOW).updated == 1
    assert store.save_fetch(state, [edited], frozenset(), NOW).updated == 0
    [stored] = store.entries(ATTRIBUTIONS)
    assert stored.excerpt == "Edited"


def test_undated_entry_keeps_first_seen_date(store):
    state = store.state("scope")
    first = entry(published=NOW, updated=NOW)
    store.save_fetch(state, [first], frozenset({"post-1"}), NOW)
    later = NOW + timedelta(hours=5)
    edited = entry(published=later, updated=later, content_html="<p>new</p>")
    store.save_fetch(state, [edited], frozenset({"post-1"}), later)
    [stored] = store.entries(ATTRIBUTIONS)
    assert stored.published == NOW
    assert stored.content_html == "<p>new</p>"


def test_same_id_in_two_sources_is_two_entries(store):
    store.sync_sources({"scope": "https://scope.example/", "other": "https://other.example/"})
    store.save_fetch(store.state("scope"), [entry(id="same")], frozenset(), NOW)
    copier = entry(id="same", attribution=attribution("other"), title="Copied")
    store.save_fetch(store.state("other"), [copier], frozenset(), NOW)
    both = store.entries({"scope": attribution("scope"), "other": attribution("other")})
    assert sorted((e.source_key, e.title) for e in both) == [
        ("other", "Copied"),
        ("scope", "A post"),
    ]


def test_language_round_trips(store):
    store.save_fetch(store.state("scope"), [entry(language="cy")], frozenset(), NOW)
    [stored] = store.entries(ATTRIBUTIONS)
    assert stored.language == "cy"


def test_a_new_language_alone_is_saved_without_counting_as_an_edit(store):
    """Entries stored before languages were kept get theirs quietly, and are republished."""
    state = store.state("scope")
    store.save_fetch(state, [entry()], frozenset(), NOW)
    generation = store.generation()
    counts = store.save_fetch(state, [entry(language="en-GB")], frozenset(), NOW)
    assert (counts.new, counts.updated) == (0, 0)
    assert store.entries(ATTRIBUTIONS)[0].language == "en-GB"
    assert store.generation() == generation + 1
    store.save_fetch(state, [entry(language="en-GB")], frozenset(), NOW)
    assert store.generation() == generation + 1


# -- what the store promises beyond the cases above ------------------------------------


def test_entries_are_newest_first_and_only_of_the_sources_asked(store):
    store.sync_sources({"scope": "https://scope.example/", "other": "https://other.example/"})
    old = entry(id="old", published=NOW - timedelta(hours=1))
    # Stored neither in the order read back nor in its reverse.
    store.save_fetch(store.state("scope"), [entry(id="b", published=NOW), old], frozenset(), NOW)
    other = entry(id="c", attribution=attribution("other"), published=NOW)
    store.save_fetch(store.state("other"), [other], frozenset(), NOW)
    store.save_fetch(store.state("scope"), [entry(id="a", published=NOW)], frozenset(), NOW)
    both = {"scope": attribution("scope"), "other": attribution("other")}
    assert [(e.source_key, e.id) for e in store.entries(both)] == [
        ("other", "c"),  # the same time: by source key, then id
        ("scope", "a"),
        ("scope", "b"),
        ("scope", "old"),
    ]
    assert [e.id for e in store.entries(ATTRIBUTIONS)] == ["a", "b", "old"]
    assert store.entries({}) == []
    assert store.entry_counts() == {"scope": 3, "other": 1}


def test_content_is_read_only_for_the_sources_asked(store):
    store.sync_sources({"scope": "https://scope.example/", "other": "https://other.example/"})
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    other = entry(attribution=attribution("other"), content_html="<p>Other</p>")
    store.save_fetch(store.state("other"), [other], frozenset(), NOW)
    both = {"scope": attribution("scope"), "other": attribution("other")}
    bodies = {e.source_key: (e.content_html, e.excerpt) for e in store.entries(both)}
    assert bodies == {"scope": ("<p>Hello</p>", "Hello"), "other": ("<p>Other</p>", "Hello")}
    only_scope = {e.source_key: e.content_html for e in store.entries(both, content={"scope"})}
    assert only_scope == {"scope": "<p>Hello</p>", "other": ""}
    assert {e.content_html for e in store.entries(both, content=set())} == {""}


def test_a_broken_document_never_shortens_a_stored_entry(store):
    state = store.state("scope")
    store.save_fetch(state, [entry(content_html="<p>The whole post</p>")], frozenset(), NOW)
    cut = entry(content_html="<p>The wh</p>")
    assert store.save_fetch(state, [cut], frozenset(), NOW, well_formed=False).updated == 0
    assert store.entries(ATTRIBUTIONS)[0].content_html == "<p>The whole post</p>"
    longer = entry(content_html="<p>The whole post, and more</p>")
    assert store.save_fetch(state, [longer], frozenset(), NOW, well_formed=False).updated == 1
    assert store.save_fetch(state, [cut], frozenset(), NOW).updated == 1  # well-formed: an edit
    assert store.entries(ATTRIBUTIONS)[0].content_html == "<p>The wh</p>"


def test_the_store_is_usable_after_a_failed_save(store):
    bad = entry(id="x")
    object.__setattr__(bad, "title", None)
    with pytest.raises(StoreError):
        store.save_fetch(replace(store.state("scope"), etag='"bad"'), [bad], frozenset(), NOW)
    counts = store.save_fetch(
        replace(store.state("scope"), etag='"ok"'), [entry()], frozenset(), NOW
    )
    assert (counts.new, counts.updated) == (1, 0)
    assert store.state("scope").etag == '"ok"'


def test_threads_share_one_store(store):
    keys = [f"t{n}" for n in range(4)]
    store.sync_sources({key: f"https://{key}.example/" for key in keys})

    def work(key: str) -> None:
        for n in range(10):
            batch = [entry(id=f"{key}-{n}", attribution=attribution(key))]
            store.save_fetch(replace(store.state(key), etag=f'"{n}"'), batch, frozenset(), NOW)
            assert len(store.entries({key: attribution(key)})) == n + 1

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, keys))
    assert store.entry_counts() == dict.fromkeys(keys, 10)
    assert {store.state(key).etag for key in keys} == {'"9"'}


def test_concurrent_saves_of_one_source_take_turns(backend, store):
    """Two workers that fetched the same source save overlapping entries at once: each
    entry is stored once, counted new once, and neither save fails."""
    stores = [backend.open() for _ in range(4)]

    def save(n: int) -> int:
        batch = [entry(id=f"post-{k}") for k in range(n, n + 20)]  # overlaps its neighbours
        return stores[n % 4].save_fetch(store.state("scope"), batch, frozenset(), NOW).new

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            new = sum(pool.map(save, [0, 10, 20, 30]))
    finally:
        for opened in stores:
            opened.close()
    assert store.entry_counts() == {"scope": 50}
    assert new == 50


def test_enclosures_and_fingerprints_round_trip(store):
    audio = Enclosure(url="https://scope.example/ep1.mp3", type="audio/mpeg", length=24_000_000)
    video = Enclosure(url="https://scope.example/talk.mp4", type="video/mp4", length=None)
    post = entry(enclosures=(audio, video), fingerprint=(0, 7, 2**32 - 1))
    store.save_fetch(store.state("scope"), [post], frozenset(), NOW)
    [stored] = store.entries(ATTRIBUTIONS, content=())
    assert stored.enclosures == (audio, video)
    assert tuple(stored.fingerprint) == (0, 7, 2**32 - 1)


def test_a_changed_enclosure_is_an_edit(store):
    audio = Enclosure(url="https://scope.example/ep1.mp3", type="audio/mpeg", length=1)
    state = store.state("scope")
    store.save_fetch(state, [entry(enclosures=(audio,))], frozenset(), NOW)
    moved = replace(audio, url="https://cdn.scope.example/ep1.mp3")
    counts = store.save_fetch(state, [entry(enclosures=(moved,))], frozenset(), NOW)
    assert counts.updated == 1
    assert store.entries(ATTRIBUTIONS)[0].enclosures == (moved,)


def test_an_entry_saved_without_a_fingerprint_gets_one_without_an_edit(store):
    """As for entries saved before fingerprints existed: the first fingerprint is saved
    alone (a change to publish, not an edit)."""
    state = store.state("scope")
    store.save_fetch(state, [entry()], frozenset(), NOW)
    assert tuple(store.entries(ATTRIBUTIONS)[0].fingerprint) == ()
    before = store.generation()
    counts = store.save_fetch(state, [entry(fingerprint=(1, 2, 2**32 - 1))], frozenset(), NOW)
    assert (counts.new, counts.updated) == (0, 0)
    assert store.generation() > before
    assert tuple(store.entries(ATTRIBUTIONS)[0].fingerprint) == (1, 2, 2**32 - 1)
    later = store.generation()
    store.save_fetch(state, [entry(fingerprint=(9, 9))], frozenset(), NOW)
    assert store.generation() == later  # only a first fingerprint is saved so
    assert tuple(store.entries(ATTRIBUTIONS)[0].fingerprint) == (1, 2, 2**32 - 1)


# -- a read after a read: what the last one decoded is reused, never stale -------------


def _everything(entries):
    """What is compared of entries: every field, the fingerprint too."""
    return [(e, tuple(e.fingerprint)) for e in entries]


def test_a_second_read_sees_every_change_another_connection_made(backend, store):
    """The entries a read decoded are kept for the next read by their stored values: an
    entry changed in any way since (an edit, a first language or fingerprint, a new
    entry), by another connection, is read as it now is; the others are the same objects."""
    state = store.state("scope")
    posts = [entry(id=f"p{n}", published=NOW - timedelta(hours=n)) for n in range(5)]
    store.save_fetch(state, posts, frozenset(), NOW)
    first = store.entries(ATTRIBUTIONS)
    other = backend.open()
    try:
        changed = [
            replace(posts[0], title="Edited"),
            replace(posts[1], language="cy"),  # a first language: no edit, still a change
            replace(posts[2], fingerprint=(1, 2, 3)),  # a first fingerprint: the same
            *posts[3:],
            entry(id="new", published=NOW + timedelta(hours=1)),
        ]
        other.save_fetch(other.state("scope"), changed, frozenset(), NOW)
        expected = other.entries(ATTRIBUTIONS)
    finally:
        other.close()
    second = store.entries(ATTRIBUTIONS)
    assert _everything(second) == _everything(expected)
    assert [e.id for e in second] == ["new", "p0", "p1", "p2", "p3", "p4"]
    assert (second[1].title, second[2].language, tuple(second[3].fingerprint)) == (
        "Edited",
        "cy",
        (1, 2, 3),
    )
    assert second[4] is first[3] and second[5] is first[4]  # unchanged: decoded once


def test_a_second_read_keeps_one_copy_of_each_unchanged_post(store):
    # the rows read again are let go: the texts kept are the first read's, which its
    # entries share (keeping the new rows held every unchanged post twice)
    posts = [
        entry(id=f"p{n}", published=NOW - timedelta(hours=n), excerpt=f"{n} " + "w" * 10_000)
        for n in range(300)
    ]  # 3 MB of excerpts
    store.save_fetch(store.state("scope"), posts, frozenset(), NOW)
    first = store.entries(ATTRIBUTIONS)
    gc.collect()
    tracemalloc.start()
    try:
        second = store.entries(ATTRIBUTIONS)
        gc.collect()
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(a is b for a, b in zip(first, second, strict=True))
    assert kept < 1_000_000, kept


def test_a_second_read_carries_the_attribution_and_content_asked_for(store):
    store.save_fetch(store.state("scope"), [entry()], frozenset(), NOW)
    [before] = store.entries(ATTRIBUTIONS, content=())
    renamed = {"scope": attribution("scope", "Scope Cymru")}
    [after] = store.entries(renamed, content={"scope"})
    assert before.content_html == ""
    assert (after.attribution.name, after.content_html) == ("Scope Cymru", "<p>Hello</p>")
