"""Publishing under stress: SIGKILL mid-write, a strict umask, a full disk, two daemons
sharing one output folder, and entries full of characters XML cannot carry.

The publishers that get killed (forked), starved of disk or raced (tests/publish_child.py)
run in child processes; the parent checks what a web server would see.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import copro_feeds
from copro_feeds import _files
from copro_feeds._publish import (
    LOCK_FILE,
    TEMP_PREFIX,
    UNTITLED,
    FeedContent,
    FeedInfo,
    publish,
    publish_lock,
    render_files,
)
from copro_feeds.exceptions import PublishError
from tests.conftest import PARTNERS, RSS, Project
from tests.factories import attribution, entry
from tests.publish_child import SITE, SOURCES, feeds

ROOT = Path(__file__).resolve().parents[1]
ATOM_NS = "{http://www.w3.org/2005/Atom}"
FEED_NAMES = [
    folder + name
    for folder in ("", "sources/scope/")
    for name in ("atom.xml", "rss.xml", "feed.json")
]
MARKER = re.compile(r"^\[(?P<generation>[^\]]+)\] post (?P<number>\d+)$")


def start(*args: object) -> subprocess.Popen[str]:
    """``python -m tests.publish_child ARGS`` with pipes for its output."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.publish_child", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_line(child: subprocess.Popen[str], timeout: float = 30) -> str:
    """The child's next line of output; fails the test when none comes in time."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    assert ready, f"the child said nothing in {timeout} s"
    line = child.stdout.readline()
    assert line, f"the child ended: {child.wait()} {child.stderr.read() if child.stderr else ''}"
    return line.strip()


def stop(child: subprocess.Popen[str]) -> None:
    """Kill a child that is still running, and reap it."""
    if child.poll() is None:
        child.kill()
    child.communicate()


def temp_files(folder: Path) -> set[Path]:
    """Temporary files anywhere under ``folder``."""
    return set(folder.rglob(f"{TEMP_PREFIX}*"))


def titles(name: str, data: bytes) -> list[str]:
    """The entry titles of a feed file, parsed strictly (any damage raises)."""
    if name.endswith(".json"):
        return [item["title"] for item in json.loads(data.decode("utf-8", "strict"))["items"]]
    root = etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))
    if name.endswith("atom.xml"):
        return [node.findtext(f"{ATOM_NS}title") for node in root.iter(f"{ATOM_NS}entry")]
    return [item.findtext("title") for item in root.iter("item")]


def generation_of(name: str, data: bytes, count: int) -> str:
    """The one generation a complete feed file holds (its entries all carry its marker)."""
    found = titles(name, data)
    expected = count if name.count("/") == 0 else (count + 1) // 2
    assert len(found) == expected, f"{name}: {len(found)} entries, not {expected}"
    generations = {MARKER.fullmatch(title)["generation"] for title in found}
    assert len(generations) == 1, f"{name} mixes generations {generations}"
    return generations.pop()


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every visible file under ``folder``: bytes, modification time and mode."""
    return {
        path.relative_to(folder).as_posix(): (
            path.read_bytes(),
            path.stat().st_mtime_ns,
            stat.S_IMODE(path.stat().st_mode),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


# -- 1. SIGKILL mid-write ---------------------------------------------------------------

KILL_COUNT = 200
KILL_WORDS = 450  # ~1.5 MB per combined feed file: each write takes a while
KILLS = 20


def fork_publisher(out: Path, generations: list[list[FeedContent]]) -> tuple[int, int]:
    """Fork a child that publishes ``generations`` in turn until it is killed.

    Forking (rather than starting Python afresh) saves the import time on each of the
    twenty restarts. Returns the child's pid and a pipe on which it writes one byte
    once its first publish is done.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: it never returns into pytest
        try:
            os.close(read_end)
            deadline = time.monotonic() + 120  # a safety net: the parent kills it long before
            turn = 0
            while time.monotonic() < deadline:
                publish(generations[turn % 2], SOURCES, SITE, out)
                if turn == 0:
                    os.write(write_end, b"p")
                turn += 1
        finally:
            os._exit(1)
    os.close(write_end)
    return pid, read_end


def kill(pid: int) -> None:
    """SIGKILL a forked child and check that it was still running."""
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status), "the publisher ended before it was killed"
    assert os.WTERMSIG(status) == signal.SIGKILL


def temp_file_appears(folder: Path, timeout: float) -> bool:
    """Wait (busily: writes are quick) until a temporary file shows in ``folder``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(name.startswith(TEMP_PREFIX) for name in os.listdir(folder)):
            return True
    return False


def test_sigkill_during_publish_leaves_each_file_complete_old_or_new(tmp_path):
    out = tmp_path / "public"
    generations = [feeds(gen, KILL_COUNT, KILL_WORDS) for gen in "AB"]
    complete = {
        gen: render_files(content, SOURCES, SITE)
        for gen, content in zip("AB", generations, strict=True)
    }
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    left_behind: set[Path] = set()
    kills_with_temp_files = 0
    for number in range(KILLS):
        pid, first_publish = fork_publisher(out, generations)
        try:
            assert select.select([first_publish], [], [], 30)[0], "no first publish in 30 s"
            assert os.read(first_publish, 1) == b"p"
            # The restarted publisher's first publish removed what the last kill left.
            assert not left_behind & temp_files(out), f"seed {seed}"
            if number % 2:  # kill while a temporary file is being written
                assert temp_file_appears(out, timeout=20)
                time.sleep(rng.uniform(0, 0.002))
            else:  # kill at any moment of rendering or writing
                time.sleep(rng.uniform(0, 0.5))
        finally:
            os.close(first_publish)
            kill(pid)
        for name in complete["A"]:
            data = (out / name).read_bytes()
            assert data in (complete["A"][name], complete["B"][name]), f"{name}, seed {seed}"
            if name in FEED_NAMES:
                assert generation_of(name, data, KILL_COUNT) in "AB"
        left_behind = temp_files(out)
        assert all(path.name.startswith(".") for path in left_behind)  # never served
        kills_with_temp_files += bool(left_behind)
    assert kills_with_temp_files >= KILLS // 4, f"only {kills_with_temp_files} kills mid-write"
    assert publish(feeds("C", 3), SOURCES, SITE, out)
    assert not temp_files(out)
    assert generation_of("atom.xml", (out / "atom.xml").read_bytes(), 3) == "C"


# -- 2. modes ---------------------------------------------------------------------------


def test_files_are_0644_and_folders_0755_even_under_umask_077(tmp_path):
    out = tmp_path / "public"
    previous = os.umask(0o077)
    try:
        written = publish(feeds("A", 4), SOURCES, SITE, out)
    finally:
        os.umask(previous)
    files = snapshot(out)
    pages = ["index.html", "sources/scope/index.html", "style.css"]
    assert sorted(files) == sorted([*FEED_NAMES, *pages, "sources.opml", "via.opml", "feed.xsl"]), (
        "every output is written"
    )
    assert sorted(path.relative_to(out).as_posix() for path in written) == sorted(files)
    assert {name: mode for name, (_, _, mode) in files.items()} == dict.fromkeys(files, 0o644)
    for folder in (out, out / "sources", out / "sources" / "scope"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755, folder


def test_an_unchanged_file_with_a_wrong_mode_is_fixed_without_rewriting(tmp_path):
    out = tmp_path / "public"
    publish(feeds("A", 4), SOURCES, SITE, out)
    (out / "atom.xml").chmod(0o600)
    before = snapshot(out)
    assert publish(feeds("A", 4), SOURCES, SITE, out) == []
    after = snapshot(out)
    assert after["atom.xml"][2] == 0o644
    assert after["atom.xml"][:2] == before["atom.xml"][:2]  # same bytes, same mtime


# -- 3. disk full -----------------------------------------------------------------------


def test_a_full_disk_names_the_file_keeps_the_old_one_and_the_next_publish_succeeds(
    tmp_path,
):
    out = tmp_path / "public"
    publish(feeds("small", 4), SOURCES, SITE, out)
    before = snapshot(out)
    child = start("fsize", out, 300, 64 * 1024)  # the new atom.xml is ~700 kB
    try:
        result = json.loads(read_line(child))
        assert child.wait(timeout=30) == 0
    finally:
        stop(child)
    error = result["error"]
    assert error is not None, "the publish should have failed"
    assert f"cannot write {out / 'atom.xml'}:" in error
    assert "File too large (EFBIG)" in error
    assert snapshot(out) == before  # old bytes, old mtimes
    assert not temp_files(out)
    # The limit is lifted (space freed): the next publish goes through.
    written = publish(feeds("big", 300), SOURCES, SITE, out)
    assert out / "atom.xml" in written
    assert generation_of("atom.xml", (out / "atom.xml").read_bytes(), 300) == "big"
    assert not temp_files(out)


def test_a_failed_publish_is_retried_next_cycle_even_with_nothing_new(project: Project):
    """core.py forgets its publish fingerprint before publishing, so a publish that
    failed is redone by the next run even when no source changed."""
    config = copro_feeds.load_config(project.config_path)
    blocked = project.public / "sources" / "scope" / "atom.xml"
    with copro_feeds.make_aggregator(config) as aggregator:
        first = aggregator.run_once()
        assert first.publish_error is None
        assert blocked.is_file()
        # Scope edits a post, but its feed file cannot be replaced (a folder is in the way).
        scope = (PARTNERS / "scope.rss.xml").read_bytes()
        edited = scope.replace(b"Disability Price Tag 2026", b"Disability Price Tag 2026, edited")
        assert edited != scope
        project.server.serve("/scope/feed/", edited, content_type=RSS)
        blocked.unlink()
        blocked.mkdir()
        failed = aggregator.run_once(all_sources=True)
        assert failed.changed
        assert failed.publish_error is not None
        assert str(blocked) in failed.publish_error
        # The obstacle goes; nothing changes at the sources, yet the next run publishes.
        blocked.rmdir()
        retried = aggregator.run_once(all_sources=True)
        assert not retried.changed
        assert retried.publish_error is None
        assert str(blocked) in retried.files_written
        assert b"Disability Price Tag 2026, edited" in blocked.read_bytes()


def test_an_unwritable_partner_folder_stops_no_other_output(tmp_path):
    """A file where a partner's folder should be: that folder fails, every other output is
    written, the error names it, and the next publish writes it once it can."""
    out = tmp_path / "public"

    def with_a_tag(generation: str) -> list[FeedContent]:  # a folder written after Scope's
        combined, scope = feeds(generation, 6)
        return [combined, scope, replace(scope, info=FeedInfo(folder="tags/news/"))]

    publish(with_a_tag("A"), SOURCES, SITE, out)
    shutil.rmtree(out / "sources" / "scope")
    (out / "sources" / "scope").write_bytes(b"in the way")
    with pytest.raises(PublishError) as caught:
        publish(with_a_tag("B"), SOURCES, SITE, out)
    message = str(caught.value)
    assert str(out / "sources" / "scope") in message
    assert "every other file was written" in message
    for name in ("atom.xml", "rss.xml", "feed.json", "tags/news/atom.xml", "tags/news/rss.xml"):
        assert generation_of(name, (out / name).read_bytes(), 6) == "B"
    for name in ("index.html", "sources.opml", "via.opml", "feed.xsl", "style.css"):
        assert (out / name).is_file(), name
    assert not temp_files(out)
    (out / "sources" / "scope").unlink()
    written = publish(with_a_tag("B"), SOURCES, SITE, out)
    assert out / "sources" / "scope" / "atom.xml" in written
    path = "sources/scope/atom.xml"
    assert generation_of(path, (out / path).read_bytes(), 6) == "B"


# -- 4. one publisher at a time -----------------------------------------------------------

RACE_ROUNDS = 20
RACE_COUNT = 30


def test_two_publishers_on_one_folder_never_mix_their_files(tmp_path):
    out = tmp_path / "public"
    out.mkdir()
    children = [start("race", out, name, RACE_ROUNDS, RACE_COUNT) for name in ("A", "B")]
    seen: list[str] = []
    try:
        while any(child.poll() is None for child in children):
            present = [name for name in FEED_NAMES if (out / name).exists()]
            for name in present:  # unlocked: every file is complete on its own
                generation_of(name, (out / name).read_bytes(), RACE_COUNT)
            with publish_lock(out, timeout=30):  # between two publishes: one whole set
                if all((out / name).exists() for name in FEED_NAMES):
                    found = {
                        generation_of(name, (out / name).read_bytes(), RACE_COUNT)
                        for name in FEED_NAMES
                    }
                    assert len(found) == 1, f"files from several publishes: {found}"
                    seen.append(found.pop())
            time.sleep(0.002)
    finally:
        for child in children:
            stop(child)
    for child in children:
        assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    # Each child exits 0 only after all its publishes succeeded; how many of them the
    # sampler catches depends on the machine's load, so only "at least one" is required.
    assert seen, "the sampler never saw a complete set"
    final = {generation_of(n, (out / n).read_bytes(), RACE_COUNT) for n in FEED_NAMES}
    assert final in ({f"A-{RACE_ROUNDS - 1}"}, {f"B-{RACE_ROUNDS - 1}"})
    assert not temp_files(out)


def test_publish_waits_for_a_held_lock_then_gives_up_naming_the_folder(tmp_path, monkeypatch):
    out = tmp_path / "public"
    holder = start("hold", out, 60)
    try:
        assert read_line(holder) == "locked"
        monkeypatch.setattr(_files, "LOCK_TIMEOUT", 0.5)
        began = time.monotonic()
        message = f"another copro-feeds is publishing to {re.escape(str(out))}"
        with pytest.raises(PublishError, match=message):
            publish(feeds("A", 3), SOURCES, SITE, out)
        assert 0.5 <= time.monotonic() - began < 10
        assert not (out / "atom.xml").exists()
        # A publisher that dies releases the lock at once.
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert publish(feeds("A", 3), SOURCES, SITE, out)
    finally:
        stop(holder)
    assert (out / LOCK_FILE).is_file()
    assert generation_of("atom.xml", (out / "atom.xml").read_bytes(), 3) == "A"


def test_publish_waits_for_the_other_publisher_to_finish(tmp_path):
    out = tmp_path / "public"
    holder = start("hold", out, 1.0)
    try:
        assert read_line(holder) == "locked"
        began = time.monotonic()
        written = publish(feeds("A", 3), SOURCES, SITE, out)
        waited = time.monotonic() - began
        assert holder.wait(timeout=30) == 0
    finally:
        stop(holder)
    assert waited >= 0.8, f"published after {waited:.2f} s, while the lock was held"
    assert out / "atom.xml" in written


# -- 5. entries with characters XML cannot carry -----------------------------------------

BAD = "\x00\x01\x08\x0b\x0c\x1b\x7f\x85\ufffe\uffff\ud800\udbff\udc00"


def parse_all(out: Path, folders: list[str]) -> dict[str, list[str]]:
    """Every feed file under ``out`` parsed strictly, and by feedparser without bozo."""
    found = {}
    for folder in folders:
        for name in ("atom.xml", "rss.xml", "feed.json"):
            data = (out / folder / name).read_bytes()
            found[folder + name] = titles(name, data)
            if name.endswith(".xml"):
                parsed = feedparser.parse(io.BytesIO(data))
                assert not parsed.bozo, (folder + name, parsed.bozo_exception)
    etree.fromstring((out / "sources.opml").read_bytes())
    return found


def test_bad_characters_are_cleaned_and_publishing_twice_changes_nothing(tmp_path):
    out = tmp_path / "public"
    dirty_source = attribution("scope", f"Sc{BAD}ope")
    entries = (
        entry(
            id="dirty",
            attribution=dirty_source,
            title=f"Dir{BAD}ty  title",
            excerpt=f"An ex{BAD}cerpt",
            authors=(f"Ann{BAD}", BAD, ""),
            categories=(f"News{BAD}", BAD),
            link=f"https://scope.example/a{BAD}b",
            content_html=f"<p>Body{BAD}</p>",
        ),
        entry(id="empty", title="", link="javascript:alert(1)"),
        entry(id="lone", title="\ud83d", link="https://scope.example/\udc00x"),
        entry(id="good", title="Good one"),
    )
    content = [
        FeedContent(info=FeedInfo(), entries=entries),
        FeedContent(info=FeedInfo(folder="tags/news/", title=f"News{BAD}"), entries=entries),
    ]
    sources = [dirty_source]
    written = publish(content, sources, SITE, out)
    assert len(written) == 12  # 2 x (3 feeds + index.html), 2 OPML files, feed.xsl, style.css
    found = parse_all(out, ["", "tags/news/"])
    expected = ["Dirty title", UNTITLED, UNTITLED, "Good one"]
    assert found == dict.fromkeys(found, expected)
    atom = etree.fromstring((out / "atom.xml").read_bytes())
    first = next(atom.iter(f"{ATOM_NS}entry"))
    assert [a.findtext(f"{ATOM_NS}name") for a in first.iter(f"{ATOM_NS}author")] == ["Ann"]
    assert [c.get("term") for c in first.iter(f"{ATOM_NS}category")] == ["News"]
    assert first.find(f"{ATOM_NS}link").get("href") == "https://scope.example/ab"
    assert first.find(f"{ATOM_NS}source").findtext(f"{ATOM_NS}title") == "Scope"
    items = json.loads((out / "feed.json").read_bytes())["items"]
    assert [item["url"] for item in items] == [
        "https://scope.example/ab",
        "https://scope.example/",  # not http(s): the partner's homepage stands in
        "https://scope.example/x",
        "https://scope.example/blog/post-1/",
    ]
    assert items[0]["_copro"]["source"]["name"] == "Scope"
    assert items[0]["authors"] == [{"name": "Ann"}]
    before = snapshot(out)
    assert publish(content, sources, SITE, out) == []
    assert snapshot(out) == before  # byte-identical, nothing rewritten (same mtimes)


def test_an_entry_no_format_can_carry_is_skipped_with_a_warning(tmp_path, caplog):
    out = tmp_path / "public"
    broken = attribution("bad\ud800key")  # the key goes into the published id as is
    entries = tuple(entry(id=f"ok-{n}", title=f"Fine {n}") for n in range(5))
    entries = (*entries[:3], entry(id="broken", title="Broken", attribution=broken), *entries[3:])
    with caplog.at_level("WARNING", logger="copro_feeds"):
        publish([FeedContent(info=FeedInfo(), entries=entries)], SOURCES, SITE, out)
    found = parse_all(out, [""])
    assert found == {name: [f"Fine {n}" for n in range(5)] for name in found}
    skipped = [r.getMessage() for r in caplog.records if "skipped entry 'broken'" in r.getMessage()]
    assert len(skipped) == 3, caplog.text  # once per format


texts = st.text(st.one_of(st.sampled_from(BAD), st.characters(exclude_categories=())), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=texts,
    excerpt=texts,
    author=texts,
    category=texts,
    link=texts,
    name=texts,
)
def test_any_text_publishes_to_strictly_valid_deterministic_files(
    title, excerpt, author, category, link, name
):
    dirty = entry(
        attribution=attribution("scope", name),
        title=title,
        excerpt=excerpt,
        authors=(author,),
        categories=(category,),
        link=f"https://scope.example/{link}",
    )
    content = [FeedContent(info=FeedInfo(), entries=(dirty, entry(id="plain")))]
    files = render_files(content, [dirty.attribution], SITE)
    for feed_name in ("atom.xml", "rss.xml", "feed.json"):
        assert len(titles(feed_name, files[feed_name])) == 2  # cleaned, not skipped
    etree.fromstring(files["sources.opml"])
    assert render_files(content, [dirty.attribution], SITE) == files
