"""A publish after a small change gives what a full publish gives (copro_feeds._publishing).

Over a seeded random sequence of changes to a real SQLite store and to feeds.toml (new
posts, edited posts, reposts across partners, hidden and pinned posts, a renamed partner,
another limit), each publish into the same folder (which keeps the manifest, the reposts
found before, the entries dated before and the entries its store read before) must leave
exactly the bytes that a full publish of the same store writes into an empty folder, with
nothing kept from any publish before.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import copro_feeds
from copro_feeds import _publishing
from copro_feeds._dedupe import RepostIndex
from copro_feeds._publish._prepare import SourceDates
from copro_feeds._store.sqlite import SQLiteStore
from copro_feeds.config import Config
from copro_feeds.types import EditorialAction, Entry
from tests.factories import attribution, entry

NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
KEYS = ("alpha", "beta", "gamma", "delta")
_WORDS = 128  # a fingerprint's places, as _similarity makes them


def _config(root: Path, *, names: dict[str, str], limit: int) -> Config:
    sources = "".join(
        f'[[sources]]\nname = "{names[key]}"\nslug = "{key}"\nurl = "https://{key}.example/feed/"\n'
        f'homepage = "https://{key}.example/"\ntags = ["{"even" if i % 2 else "odd"}"]\n'
        for i, key in enumerate(KEYS)
    )
    path = root / "feeds.toml"
    path.write_text(
        '[site]\ntitle = "Partners\' news"\nlink = "https://copro.test/"\n'
        'feed_url = "https://copro.test/atom.xml"\n'
        f'[output]\ndir = "public"\nmax_entries = {limit}\n'
        f'[storage]\npath = "store.sqlite"\n{sources}',
        encoding="utf-8",
    )
    return copro_feeds.load_config(path)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


class _Partners:
    """The partners' posts as their feeds would carry them, changed at random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.posts: dict[str, list[Entry]] = {key: [] for key in KEYS}
        self.count = 0

    def fingerprint(self, like: Entry | None = None) -> tuple[int, ...]:
        if like is None:
            return tuple(self.rng.getrandbits(32) for _ in range(_WORDS))
        changed = set(self.rng.sample(range(_WORDS), self.rng.choice((4, 20, 90))))
        return tuple(
            self.rng.getrandbits(32) if place in changed else word
            for place, word in enumerate(like.fingerprint)
        )

    def new_post(self, key: str) -> Entry:
        self.count += 1
        others = [post for k, posts in self.posts.items() if k != key for post in posts]
        like = self.rng.choice(others) if others and self.rng.random() < 0.4 else None
        when = NOW - timedelta(days=self.rng.randrange(1, 90), minutes=self.count)
        post = entry(
            id=f"{key}-{self.count}",
            attribution=attribution(key, key.title()),
            title=f"Post {self.count}",
            link=f"https://{key}.example/{self.count}/",
            published=when,
            updated=when,
            excerpt=f"Words of post {self.count}",
            fingerprint=self.fingerprint(like),
        )
        self.posts[key].append(post)
        return post

    def edit_post(self) -> None:
        key = self.rng.choice([k for k in KEYS if self.posts[k]] or KEYS)
        if not self.posts[key]:
            self.new_post(key)
            return
        place = self.rng.randrange(len(self.posts[key]))
        old = self.posts[key][place]
        self.posts[key][place] = replace(
            old,
            title=old.title + " (edited)",
            updated=old.updated + timedelta(hours=1),
            fingerprint=self.fingerprint(old),
        )


def _save(store: SQLiteStore, partners: _Partners, key: str, now: datetime) -> None:
    store.save_fetch(store.state(key), partners.posts[key], frozenset(), now)


def _publish(
    config: Config,
    store: SQLiteStore,
    reposts: RepostIndex,
    dates: SourceDates,
    *,
    force: bool = False,
) -> None:
    _publishing.publish_if_needed(
        config,
        store,
        NOW,
        since=time.monotonic(),
        force=force,
        changed=True,
        reposts=reposts,
        dates=dates,
    )


@pytest.mark.parametrize("seed", range(4))
def test_each_publish_equals_a_full_publish_into_an_empty_folder(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    names = {key: key.title() for key in KEYS}
    limit = 6
    config = _config(tmp_path, names=names, limit=limit)
    store = SQLiteStore.open(config.storage.path)
    # the incremental publisher's, kept over the steps (and the entries its store read)
    kept, dates = RepostIndex(), _publishing.source_dates()
    try:
        store.sync_sources({source.key: source.url for source in config.sources})
        partners = _Partners(rng)
        for key in KEYS:
            for _ in range(3):
                partners.new_post(key)
            _save(store, partners, key, NOW)
        for step in range(10):
            change = rng.choice(("new", "new", "edit", "hide", "pin", "unhide", "config"))
            if change == "new":
                key = rng.choice(KEYS)
                for _ in range(rng.randint(1, 3)):
                    partners.new_post(key)
                _save(store, partners, key, NOW + timedelta(minutes=step))
            elif change == "edit":
                partners.edit_post()
                for key in KEYS:
                    _save(store, partners, key, NOW + timedelta(minutes=step))
            elif change in ("hide", "pin", "unhide"):
                action = {
                    "hide": EditorialAction.HIDE,
                    "pin": EditorialAction.PIN,
                    "unhide": EditorialAction.UNHIDE,
                }[change]
                chosen = rng.choice([post for posts in partners.posts.values() for post in posts])
                store.edit(action, [chosen], reason=None, by=None, now=NOW)
            else:
                renamed = rng.choice(KEYS)
                names[renamed] = names[renamed] + " Trust"
                limit = rng.choice((3, 6, 50))
                config = _config(tmp_path, names=names, limit=limit)
            _publish(config, store, kept, dates)
            incremental = _tree(config.output.dir)

            fresh = replace(config, output=replace(config.output, dir=tmp_path / f"fresh{step}"))
            alone = SQLiteStore.open(config.storage.path)  # nothing kept: not even a read
            try:
                _publish(fresh, alone, RepostIndex(), _publishing.source_dates(), force=True)
            finally:
                alone.close()
            assert incremental == _tree(fresh.output.dir), f"step {step}: {change}"
    finally:
        store.close()


def test_the_reposts_kept_between_publishes_are_those_found_afresh() -> None:
    rng = random.Random(7)
    partners = _Partners(rng)
    kept = RepostIndex()
    for _ in range(40):
        if rng.random() < 0.3 and any(partners.posts.values()):
            partners.edit_post()
        else:
            partners.new_post(rng.choice(KEYS))
        if rng.random() < 0.2:  # a post that leaves the feed (and the store's selection)
            key = rng.choice(KEYS)
            partners.posts[key] = partners.posts[key][1:]
        every = [post for posts in partners.posts.values() for post in posts]
        assert kept.posts(every, reposts=0.6) == RepostIndex().posts(every, reposts=0.6)
    assert RepostIndex().posts(every, reposts=0.6).keys  # reposts were found at all
