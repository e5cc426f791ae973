"""Rendering a publish's folders on the render workers (copro_feeds._publish._parallel).

Real SQLite stores, real worker processes: a publish big enough to use the workers
writes the very bytes a publish in one process writes; a template error in a worker and
a worker killed mid-render stop the publish with a clear PublishError, leave no
temporary file, and the next publish completes.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import copro_feeds
from copro_feeds import _publishing
from copro_feeds._plan import Archive, ArchiveMonth
from copro_feeds._publish import (
    TEMP_PREFIX,
    FeedContent,
    FeedInfo,
    publish,
    render_files,
    render_pool,
    shared_data,
)
from copro_feeds._publish._archive import MonthCount
from copro_feeds._publish._parallel import CHUNK_POSTS, PARALLEL_MIN_POSTS
from copro_feeds._sandbox import Sandbox
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.config import Config, SiteConfig
from copro_feeds.exceptions import PublishError
from tests.factories import attribution, entry

NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
PARTNERS = 40
POSTS = 80  # per partner: 3,200 in all, over three months (two of them over)
SITE = SiteConfig(
    title="Parallel news", link="https://copro.test/", feed_url="https://copro.test/atom.xml"
)


@pytest.fixture
def pool() -> Iterator[Sandbox]:
    renderers = render_pool()
    assert renderers is not None, "these tests need two cores"
    try:
        yield renderers
    finally:
        renderers.close()


def renderer_pids() -> list[int]:
    """The render workers among this process's children."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            parent = Path(f"/proc/{name}/stat").read_text().rpartition(")")[2].split()[1]
            command = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:  # ended meanwhile
            continue
        if int(parent) == os.getpid() and b"copro_feeds._publish._parallel" in command:
            pids.append(int(name))
    return pids


@contextmanager
def watching_renderers() -> Iterator[set[int]]:
    """The render workers seen running while the block runs (they stop after a publish)."""
    seen: set[int] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.update(renderer_pids())
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"{TEMP_PREFIX}*"))


# -- the same bytes ------------------------------------------------------------------


def _config(root: Path, output: str) -> Config:
    sources = "".join(
        f'[[sources]]\nname = "Partner {i}"\nslug = "p{i}"\nurl = "https://p{i}.example/feed/"\n'
        f'homepage = "https://p{i}.example/"\ntags = ["{"even" if i % 2 else "odd"}"]\n'
        for i in range(PARTNERS)
    )
    path = root / "feeds.toml"
    path.write_text(
        '[site]\ntitle = "Partners\' news"\nlink = "https://copro.test/"\n'
        'feed_url = "https://copro.test/atom.xml"\nlanguages = ["en", "cy"]\n'
        f'[output]\ndir = "{output}"\n[storage]\npath = "store.sqlite"\n'
        f"[digest]\nenabled = true\n{sources}",
        encoding="utf-8",
    )
    return copro_feeds.load_config(path)


def _stored(root: Path) -> Config:
    """A store of 2,400 posts, half of them in Welsh, over three months before NOW."""
    config = _config(root, "unused")
    store = SQLiteStore.open(config.storage.path)
    try:
        store.sync_sources({source.key: source.url for source in config.sources})
        for i in range(PARTNERS):
            key = f"p{i}"
            posts = [
                entry(
                    id=f"{key}-{n}",
                    attribution=attribution(key, f"Partner {i}"),
                    title=f"Post {n} of partner {i}",
                    link=f"https://{key}.example/{n}/",
                    published=NOW - timedelta(hours=i + 29 * n),
                    updated=NOW - timedelta(hours=i + 29 * n),
                    excerpt=f"Words of post {n}, partner {i}",
                    language="cy" if i % 2 else "en",
                )
                for n in range(POSTS)
            ]
            store.save_fetch(store.state(key), posts, frozenset(), NOW)
    finally:
        store.close()
    return config


def _publish(root: Path, output: str, renderers: Sandbox | None) -> dict[str, bytes]:
    config = _config(root, output)
    store = SQLiteStore.open(config.storage.path)
    try:
        _publishing.publish_if_needed(
            config, store, NOW, since=time.monotonic(), force=True, changed=True,
            renderers=renderers,
        )  # fmt: skip
    finally:
        store.close()
    return tree(config.output.dir)


def test_a_publish_on_the_render_workers_writes_the_bytes_of_one_process(tmp_path, pool):
    _stored(tmp_path)
    with watching_renderers() as seen:
        one_process = _publish(tmp_path, "one", None)
    assert not seen
    with watching_renderers() as seen:
        on_workers = _publish(tmp_path, "workers", pool)
    assert seen, "the publish did not use the render workers"
    assert not renderer_pids(), "the render workers outlived the publish"
    # the project has every kind of folder: partners, tags, languages, roundup, archive
    for name in (
        "sources/p0/atom.xml", "tags/even/index.html", "lang/cy/feed.json",
        "digest.xml", "archive/2026-02/atom.xml", "archive/index.html",
        "cy/sources/p1/rss.xml", "cy/archive/2026-03/index.html",
    ):  # fmt: skip
        assert name in on_workers
    # both runs of folders went to the workers: the feeds' and the archive pages'
    feed_posts = sum(
        len(json.loads(data)["items"])
        for name, data in one_process.items()
        if name.endswith("feed.json") and not name.startswith(("archive/", "cy/"))
    )
    assert feed_posts >= PARALLEL_MIN_POSTS
    assert POSTS * PARTNERS >= PARALLEL_MIN_POSTS  # every post is on an archive page
    assert sorted(on_workers) == sorted(one_process)
    different = [name for name in one_process if one_process[name] != on_workers[name]]
    assert not different


def test_the_render_workers_are_sent_the_archives_months_not_its_posts():
    # what is pickled for the workers once a publish grows with the months, not the posts
    # (it held the whole archive: gigabytes of memory at 10,000 feeds)
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    posts = tuple(
        entry(id=f"p-{n}", published=end - timedelta(minutes=n + 1), excerpt=f"Words {n}")
        for n in range(PARALLEL_MIN_POSTS)
    )
    month = ArchiveMonth(start=start, end=end, closed=True, entries=posts)
    archive = Archive(months=(month,))
    shared = shared_data([], [], SITE, templates=None, roundups=None, archive=archive, now=NOW)
    assert shared.archived
    assert shared.months == (
        MonthCount(key="2026-03", start=start, count=PARALLEL_MIN_POSTS, closed=True),
    )
    assert len(pickle.dumps(shared)) * 50 < len(pickle.dumps(archive))


# -- failures ------------------------------------------------------------------------

SLOW_PAGE = (
    '{% if page.heading == "Slow partner" %}{% for _ in range(10 ** 10) %}{% endfor %}{% endif %}'
    "<h1>{{ page.heading }}</h1>\n"
)


def _feeds() -> list[FeedContent]:
    """The combined feed and a partner's, then partners' feeds with enough posts to be
    rendered on the workers: the slow partner's folder comes first."""
    feeds = []
    for i in range(PARTNERS):
        key = f"p{i}"
        name = "Slow partner" if i == 0 else f"Partner {i}"
        posts = tuple(
            entry(
                id=f"{key}-{n}",
                attribution=attribution(key, name),
                title=f"Post {n}",
                link=f"https://{key}.example/{n}/",
                excerpt=f"Post {n} of {name}",
            )
            for n in range(POSTS)
        )
        feeds.append(
            FeedContent(info=FeedInfo(folder=f"sources/{key}/", title=name), entries=posts)
        )
    assert sum(len(feed.entries) for feed in feeds) >= PARALLEL_MIN_POSTS
    assert POSTS < CHUNK_POSTS  # the slow folder's chunk has other folders
    return feeds


def _sources() -> list:
    return [attribution(f"p{i}", f"Partner {i}") for i in range(PARTNERS)]


def test_a_small_publish_stays_in_one_process(tmp_path, pool):
    feeds, sources = _feeds()[:3], _sources()[:3]
    with watching_renderers() as seen:
        publish(feeds, sources, SITE, tmp_path / "public", now=NOW, renderers=pool)
    assert not seen
    assert tree(tmp_path / "public") == render_files(feeds, sources, SITE, now=NOW)


def test_a_template_error_in_a_worker_stops_the_publish_as_in_one_process(tmp_path, pool):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "index.html").write_text("<h1>{{ page.no_such_thing }}</h1>\n")
    feeds, sources = _feeds(), _sources()
    with pytest.raises(PublishError) as one_process:
        publish(feeds, sources, SITE, tmp_path / "one", templates=templates, now=NOW)
    out = tmp_path / "workers"
    with watching_renderers() as seen, pytest.raises(PublishError) as on_workers:
        publish(feeds, sources, SITE, out, templates=templates, now=NOW, renderers=pool)
    assert seen, "the publish did not use the render workers"
    assert "cannot render the HTML pages (index.html)" in str(on_workers.value)
    assert "no_such_thing" in str(on_workers.value)
    assert str(on_workers.value) == str(one_process.value)
    assert not temp_files(out)


def _kill_the_busy_renderer(killed: list[int], stop: threading.Event) -> None:
    """SIGKILL the render worker that has spun longest, once it has spun for seconds
    (every other chunk of the publish takes far less)."""
    while not stop.is_set():
        for pid in renderer_pids():
            try:
                busy = cpu_seconds(pid) > 4
            except OSError:
                continue
            if busy:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
        time.sleep(0.05)


def test_a_renderer_killed_mid_render_fails_the_publish_naming_its_folders(tmp_path, pool):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "index.html").write_text(SLOW_PAGE)
    feeds, sources = _feeds(), _sources()
    out = tmp_path / "public"
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_the_busy_renderer, args=(killed, stop))
    killer.start()
    try:
        with pytest.raises(PublishError) as failed:
            publish(feeds, sources, SITE, out, templates=templates, now=NOW, renderers=pool)
    finally:
        stop.set()
        killer.join()
    assert killed
    message = str(failed.value)
    assert re.match(r"cannot render sources/p0/, sources/p1/", message), message
    assert "the renderer process died (signal SIGKILL)" in message
    assert not temp_files(out)

    (templates / "index.html").write_text("<h1>{{ page.heading }}</h1>\n")  # fixed
    with watching_renderers() as seen:
        publish(feeds, sources, SITE, out, templates=templates, now=NOW, renderers=pool)
    assert seen and killed[0] not in seen  # fresh workers rendered it
    expected = render_files(feeds, sources, SITE, templates=templates, now=NOW)
    assert tree(out) == expected
