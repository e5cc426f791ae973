"""``_files``: the output folder on disk: atomic writes, modes, the publisher lock, the
clean-up after a crash (the same under a real crash and a full disk: test_publish_crash.py)."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from copro_feeds._files import (
    LOCK_FILE,
    TEMP_PREFIX,
    describe,
    folder_digest,
    make_folder,
    publish_lock,
    remove_stale_temp_files,
    write_files,
    write_if_changed,
)
from copro_feeds.exceptions import PublishError


def test_write_if_changed_reports_change(tmp_path):
    path = tmp_path / "f.xml"
    assert write_if_changed(path, b"a")
    assert not write_if_changed(path, b"a")
    assert write_if_changed(path, b"b")
    assert path.read_bytes() == b"b"
    assert os.listdir(tmp_path) == ["f.xml"]


def test_written_files_are_0644_in_0755_folders_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        path = tmp_path / "a" / "b" / "f.xml"
        assert write_if_changed(path, b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o755


def test_make_folder_leaves_an_existing_folder_alone(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    make_folder(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_write_into_a_file_path_is_a_publish_error_naming_the_folder(tmp_path):
    (tmp_path / "blocker").write_text("a file, not a folder")
    with pytest.raises(PublishError, match="blocker"):
        write_if_changed(tmp_path / "blocker" / "f.xml", b"x")


def test_stale_temp_files_anywhere_below_are_removed_and_listed(tmp_path):
    (tmp_path / "sources" / "a").mkdir(parents=True)
    stale = [tmp_path / f"{TEMP_PREFIX}1", tmp_path / "sources" / "a" / f"{TEMP_PREFIX}2"]
    for path in stale:
        path.write_text("half a feed")
    (tmp_path / "atom.xml").write_text("kept")
    assert remove_stale_temp_files(tmp_path) == sorted(stale)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["atom.xml"]


def test_folder_digest_follows_names_and_contents(tmp_path):
    assert folder_digest(None) == ""
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "index.html").write_text("one")
    first = folder_digest(tmp_path / "t")
    assert folder_digest(tmp_path / "t") == first
    (tmp_path / "t" / "index.html").write_text("two")
    second = folder_digest(tmp_path / "t")
    assert second != first
    (tmp_path / "t" / "index.html").rename(tmp_path / "t" / "base.html")
    assert folder_digest(tmp_path / "t") not in {first, second}


def test_a_second_holder_of_the_lock_waits_then_gives_up_naming_the_folder(tmp_path):
    with publish_lock(tmp_path):
        assert (tmp_path / LOCK_FILE).exists()
        busy = pytest.raises(PublishError, match="another copro-feeds is publishing to")
        with busy, publish_lock(tmp_path, timeout=0.05):
            pass  # pragma: no cover
    with publish_lock(tmp_path, timeout=0.05):  # released when the block ended
        pass


def test_describe_names_the_errno():
    assert describe(OSError(errno.EFBIG, "File too large")) == "File too large (EFBIG)"
    assert describe(OSError("plain words")) == "plain words"
    assert describe(OSError()) == "OSError"


def test_write_files_writes_on_threads_and_reports_each_file_in_order(tmp_path):
    (tmp_path / "same.xml").write_bytes(b"same")
    (tmp_path / "blocker").write_text("a file, not a folder")
    files = [(f"d{i % 7}/f{i}.xml", str(i).encode()) for i in range(100)]
    files[50:50] = [("same.xml", b"same"), ("blocker/f.xml", b"x")]
    outcomes = list(write_files(tmp_path, iter(files), threads=4))
    assert [name for name, _ in outcomes] == [name for name, _ in files]
    results = dict(outcomes)
    assert results.pop("same.xml") is False  # unchanged: not written again
    failure = results.pop("blocker/f.xml")
    assert isinstance(failure, PublishError)
    assert "blocker" in str(failure)
    assert all(result is True for result in results.values())
    for name, data in files[:50]:
        assert (tmp_path / name).read_bytes() == data
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))


def test_write_files_finishes_the_started_writes_when_the_files_fail(tmp_path):
    def files():
        for i in range(20):
            yield f"f{i}.xml", b"x" * 1000
        raise PublishError("a template is broken")

    written = []
    with pytest.raises(PublishError, match="template"):
        for name, _ in write_files(tmp_path, files(), threads=2):
            written.append(name)
    assert written == [f"f{i}.xml" for i in range(len(written))]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"f{i}.xml" for i in range(20))
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))
