"""Noticing an edited config file: its modification time, looked at on every daemon tick.

A changed file is read and validated before anyone uses it. A bad edit raises its
:class:`~copro_feeds.exceptions.ConfigError` once; the same bad file is not read again
until it changes (or a reload is forced, as SIGHUP does).
"""

from __future__ import annotations

from pathlib import Path

from copro_feeds.config import Config, load_config

# What tells one version of the file from another without reading it.
Signature = tuple[int, int, int] | None


def signature(path: Path) -> Signature:
    """The file's modification time, size and inode; None when it cannot be looked at."""
    try:
        facts = path.stat()
    except OSError:
        return None
    return (facts.st_mtime_ns, facts.st_size, facts.st_ino)


class ConfigWatcher:
    """Loads the config file at ``path`` again when it changes.

    ``seen`` is the signature of the version already loaded (see :func:`watch_config`).
    """

    def __init__(self, path: Path, seen: Signature) -> None:
        self.path = path
        self._seen = seen

    def poll(self, *, force: bool = False) -> Config | None:
        """The new configuration if the file changed (or ``force``), else None.

        Raises ConfigError, listing every problem, the first time a changed file is
        invalid (or missing); later calls return None until the file changes again.
        """
        current = signature(self.path)
        if current == self._seen and not force:
            return None
        self._seen = current
        return load_config(self.path)


def watch_config(config: Config) -> ConfigWatcher:
    """A watcher of the file ``config`` was loaded from, taking its current version as seen."""
    return ConfigWatcher(config.path, signature(config.path))
