"""What every ``copro-feeds`` command shares: the exit statuses and the config file.

A leaf under :mod:`copro_feeds._cli` and :mod:`copro_feeds._cli_editorial`, so that the
two import it and not each other.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from copro_feeds.config import Config, load_config

DEFAULT_CONFIG = "feeds.toml"
CONFIG_ENV = "COPRO_FEEDS_CONFIG"
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def config_path(argument: str | None) -> Path:
    """``--config``, else ./feeds.toml if present, else $COPRO_FEEDS_CONFIG, else ./feeds.toml."""
    if argument:
        return Path(argument)
    local = Path(DEFAULT_CONFIG)
    if not local.exists() and os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return local


def load(args: argparse.Namespace) -> Config:
    """The configuration the command line names (``--config`` or the default)."""
    return load_config(config_path(args.config))
