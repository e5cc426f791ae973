"""Atomic file writes for the output folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from copro_feeds.exceptions import PublishError

TEMP_PREFIX = ".copro-tmp-"


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace ``path`` with ``data`` (mode 0644) unless it already holds it.

    The bytes go to a temporary file in the same folder, are flushed to disk, then
    renamed over the old file: a reader sees the old file or the new one, never half.
    Returns True when the file was written.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as error:
        raise PublishError(f"cannot read {path}: {error}") from error
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    except OSError as error:
        raise PublishError(f"cannot write in {path.parent}: {error}") from error
    temp = Path(temp_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(0o644)  # mkstemp makes 0600: a web server could not read the feed
        temp.replace(path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise PublishError(f"cannot write {path}: {error}") from error
    return True


def remove_stale_temp_files(directory: Path) -> None:
    """Delete temporary files an interrupted write left anywhere under ``directory``."""
    for stale in directory.rglob(f"{TEMP_PREFIX}*"):
        stale.unlink(missing_ok=True)
