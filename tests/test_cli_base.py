"""``_cli_base``: the exit statuses and where the config file is looked for."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from copro_feeds._cli_base import (
    CONFIG_ENV,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    config_path,
    load,
)
from copro_feeds.exceptions import ConfigError


def test_the_exit_statuses() -> None:
    assert (EXIT_OK, EXIT_FAILED, EXIT_CONFIG) == (0, 1, 2)


def test_config_is_the_argument_first(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds.toml").write_text("")
    monkeypatch.setenv(CONFIG_ENV, "/elsewhere/feeds.toml")
    assert config_path("mine.toml") == Path("mine.toml")


def test_then_the_local_file_then_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CONFIG_ENV, "/elsewhere/feeds.toml")
    assert config_path(None) == Path("/elsewhere/feeds.toml")
    (tmp_path / "feeds.toml").write_text("")
    assert config_path(None) == Path("feeds.toml")


def test_with_nothing_set_it_is_the_local_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert config_path(None) == Path("feeds.toml")
    monkeypatch.setenv(CONFIG_ENV, "")
    assert config_path(None) == Path("feeds.toml")


def test_load_reads_the_named_file_and_reports_a_missing_one(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.toml"):
        load(argparse.Namespace(config=str(tmp_path / "nowhere.toml")))
