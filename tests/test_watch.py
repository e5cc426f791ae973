"""The config watch: an edited feeds.toml is noticed by its modification time, validated,
and a bad edit reported once."""

from __future__ import annotations

import os

import pytest

import copro_feeds
from copro_feeds._watch import watch_config
from copro_feeds.exceptions import ConfigError

VALID = '[site]\ntitle = "t"\nlink = "https://x.test/"\n[[sources]]\nname = "A"\nurl = "https://a.test/"\n'


def touch_later(path, seconds: int = 10) -> None:
    """Move the file's modification time on, as an edit a moment later would."""
    facts = path.stat()
    os.utime(path, ns=(facts.st_atime_ns, facts.st_mtime_ns + seconds * 10**9))


def test_an_unchanged_file_is_not_read_again(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(VALID)
    watcher = watch_config(copro_feeds.load_config(path))
    assert watcher.poll() is None
    # Same size, same inode, same modification time: taken as unchanged, so never read.
    facts = path.stat()
    path.write_text("x" * facts.st_size)
    os.utime(path, ns=(facts.st_atime_ns, facts.st_mtime_ns))
    assert watcher.poll() is None
    with pytest.raises(ConfigError, match="not valid TOML"):
        watcher.poll(force=True)


def test_an_edit_is_loaded_once(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(VALID)
    watcher = watch_config(copro_feeds.load_config(path))
    path.write_text(VALID + '[[sources]]\nname = "B"\nurl = "https://b.test/"\n')
    touch_later(path)
    config = watcher.poll()
    assert config is not None
    assert [source.key for source in config.sources] == ["a", "b"]
    assert watcher.poll() is None


def test_a_bad_edit_raises_once_then_waits_for_the_next_edit(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(VALID)
    watcher = watch_config(copro_feeds.load_config(path))
    path.write_text(VALID.replace("https://a.test/", "ftp://a.test/") + "oops = 1\n")
    touch_later(path)
    with pytest.raises(ConfigError) as raised:
        watcher.poll()
    assert raised.value.problems == (
        "sources[0].oops: unknown key (known keys: credentials_env, display, enabled, exclude, "
        "headers, homepage, include, interval, licence, name, slug, tags, url, user_agent)",
        "sources[0].url: not an http(s) URL",
    )
    assert watcher.poll() is None  # said once, not on every tick
    with pytest.raises(ConfigError):
        watcher.poll(force=True)  # SIGHUP asks again
    path.write_text(VALID)
    touch_later(path, 20)
    assert watcher.poll() is not None


def test_a_deleted_file_is_reported_once(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(VALID)
    watcher = watch_config(copro_feeds.load_config(path))
    path.unlink()
    with pytest.raises(ConfigError, match="no config file"):
        watcher.poll()
    assert watcher.poll() is None
