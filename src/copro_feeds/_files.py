"""The output folder on disk: atomic file writes, a publisher lock, and crash clean-up.

Crash safety rests on three rules:

* every file is written to a hidden temporary file in its own folder, flushed to disk,
  made 0644 and renamed over the old one: a reader (or a crash, SIGKILL included) sees
  the complete old file or the complete new one, never half of either;
* temporary files start with a dot (``.copro-tmp-…``), so ``copro-feeds serve`` never
  serves one, and the next publish deletes those an interrupted one left behind;
* one publisher at a time: :func:`publish_lock` takes an exclusive ``flock`` on the
  hidden ``.copro-lock`` in the output folder, so two daemons sharing a folder never mix
  their files. The kernel drops the lock when its holder dies, so a killed publisher
  never blocks the next one.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from copro_feeds.exceptions import PublishError

TEMP_PREFIX = ".copro-tmp-"
LOCK_FILE = ".copro-lock"
LOCK_TIMEOUT = 60.0
"""Seconds :func:`publish_lock` waits for another publisher before giving up."""
FILE_MODE = 0o644
FOLDER_MODE = 0o755
WRITE_THREADS = 8
"""Files :func:`write_files` writes at once: the file system commits their flushes together."""
_LOCK_POLL_FIRST = 0.005
_LOCK_POLL_MAX = 0.1


def describe(error: OSError) -> str:
    """An OS error in plain words with its errno name: ``File too large (EFBIG)``."""
    name = errno.errorcode.get(error.errno or 0)
    if error.strerror and name:
        return f"{error.strerror} ({name})"
    return str(error) or type(error).__name__


def folder_digest(folder: Path | None) -> str:
    """A digest of the files in ``folder`` and their names ("" for None)."""
    if folder is None:
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def make_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents, each 0755 whatever the umask.

    A web server running as another user must be able to enter every folder it serves
    from; folders that already exist are left as they are.
    """
    if folder.is_dir():
        return
    make_folder(folder.parent)
    try:
        folder.mkdir()
    except FileExistsError:
        if not folder.is_dir():
            raise
        return  # another process made it first
    folder.chmod(FOLDER_MODE)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace ``path`` with ``data`` (mode 0644) unless it already holds it.

    The bytes go to a hidden temporary file in the same folder, are flushed to disk, then
    renamed over the old file (and the rename itself is flushed): a reader sees the old
    file or the new one, never half. On any failure the temporary file is removed and the
    old file is untouched. Returns True when the file was written; an unchanged file
    keeps its modification time.
    """
    try:
        current = path.stat()
        unchanged = stat.S_ISREG(current.st_mode) and path.read_bytes() == data
    except FileNotFoundError:
        unchanged = False
    except OSError as error:
        raise PublishError(f"cannot read {path}: {describe(error)}") from error
    if unchanged:
        if stat.S_IMODE(current.st_mode) != FILE_MODE:
            _chmod(path)
        return False
    try:
        make_folder(path.parent)
        descriptor, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    except OSError as error:
        raise PublishError(f"cannot write in {path.parent}: {describe(error)}") from error
    temp = Path(temp_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)  # mkstemp makes 0600: unreadable to a server
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise PublishError(f"cannot write {path}: {describe(error)}") from error
    except BaseException:  # KeyboardInterrupt, SystemExit: leave no temporary file either
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)
    return True


def write_files(
    directory: Path, files: Iterable[tuple[str, bytes]], *, threads: int = WRITE_THREADS
) -> Iterator[tuple[str, bool | PublishError]]:
    """Write each ``(name, bytes)`` of ``files`` to ``directory / name`` as
    :func:`write_if_changed` does, on ``threads`` threads; yield each name, in order, with
    whether it was written or the PublishError that kept it old.

    Waiting for the disk to flush a file is most of a write. While the threads wait, the
    caller goes on producing the next files (rendering them), and the file system commits
    several threads' flushes together. At most a few files per thread are held in memory.
    If ``files`` raises, the writes already started finish first.
    """
    pending: deque[tuple[str, Future[bool]]] = deque()
    with ThreadPoolExecutor(threads, thread_name_prefix="copro-write") as pool:
        for name, data in files:
            pending.append((name, pool.submit(write_if_changed, directory / name, data)))
            while len(pending) > 4 * threads:
                yield _outcome(*pending.popleft())
        while pending:
            yield _outcome(*pending.popleft())


def _outcome(name: str, write: Future[bool]) -> tuple[str, bool | PublishError]:
    try:
        return name, write.result()
    except PublishError as error:
        return name, error


def _chmod(path: Path) -> None:
    try:
        path.chmod(FILE_MODE)
    except OSError as error:
        raise PublishError(f"cannot make {path} readable: {describe(error)}") from error


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries, so a completed rename survives a power cut."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # not every file system lets a folder be opened; the rename is done anyway
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def remove_stale_temp_files(directory: Path) -> list[Path]:
    """Delete the temporary files interrupted writes left anywhere under ``directory``.

    Call it only while holding :func:`publish_lock`: without the lock it could delete the
    file another publisher is writing. Returns the files removed.
    """
    removed = []
    for stale in sorted(directory.rglob(f"{TEMP_PREFIX}*")):
        try:
            stale.unlink(missing_ok=True)
        except OSError as error:
            raise PublishError(f"cannot remove {stale}: {describe(error)}") from error
        removed.append(stale)
    return removed


@contextmanager
def publish_lock(directory: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive publisher lock of ``directory`` (which must exist).

    Waits up to ``timeout`` seconds (default :data:`LOCK_TIMEOUT`, read at call time) for
    another publisher to finish, then raises PublishError. The lock is an ``flock`` on the
    hidden ``.copro-lock``: it is released when the block ends or the process dies. The
    file itself stays, since deleting a lock file lets two processes lock two files.
    """
    limit = LOCK_TIMEOUT if timeout is None else timeout
    path = directory / LOCK_FILE
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    except OSError as error:
        raise PublishError(f"cannot open the lock file {path}: {describe(error)}") from error
    try:
        _acquire(descriptor, directory, limit)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _acquire(descriptor: int, directory: Path, timeout: float) -> None:
    """Take the lock, polling with a growing pause until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    pause = _LOCK_POLL_FIRST
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PublishError(
                    f"another copro-feeds is publishing to {directory} "
                    f"(still busy after {timeout:g} s; lock file {directory / LOCK_FILE})"
                ) from None
            time.sleep(min(pause, left))
            pause = min(pause * 2, _LOCK_POLL_MAX)
        except OSError as error:
            raise PublishError(f"cannot lock {directory / LOCK_FILE}: {describe(error)}") from error
        else:
            return
