"""Editing feeds.toml's partners with tomlkit (``_admin/_config_file.py``): the file's
comments and layout kept, every edit checked first, nothing written when invalid."""

from __future__ import annotations

import pytest

from copro_feeds._admin._config_file import add_source, set_enabled
from copro_feeds.config import load_config
from copro_feeds.exceptions import ConfigError

CONFIG = """# Our network's feeds
[site]
title = "Partners' news"   # shown on every page
link = "https://copro.test/"
feed_url = "https://copro.test/feeds/atom.xml"

# The partners
[[sources]]
name = "Scope"  # the first
url = "https://scope.test/feed/"

[[sources]]
name = "Centre for Welfare Reform"
url = "https://cfwr.test/feed/"
enabled = false
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


def test_disabling_and_enabling_change_one_line_only(config):
    disabled = set_enabled(config, "scope", False)
    text = config.path.read_text()
    assert text == CONFIG.replace(
        'url = "https://scope.test/feed/"\n', 'url = "https://scope.test/feed/"\nenabled = false\n'
    )
    assert not disabled.source("scope").enabled
    enabled = set_enabled(disabled, "centre-for-welfare-reform", True)
    assert enabled.source("centre-for-welfare-reform").enabled
    assert "# The partners" in config.path.read_text()
    assert load_config(config.path) == enabled
    set_enabled(enabled, "scope", True)
    assert config.path.read_text() == CONFIG.replace("enabled = false\n", "")


def test_a_new_partner_is_appended_as_people_write_it(config):
    added = add_source(config, name="Inclusion Wales", url="https://iw.test/feed/",
                       homepage="https://iw.test/")  # fmt: skip
    assert config.path.read_text() == CONFIG + (
        '\n[[sources]]\nname = "Inclusion Wales"\nurl = "https://iw.test/feed/"\n'
        'homepage = "https://iw.test/"\n'
    )
    assert added.source("inclusion-wales").homepage == "https://iw.test/"
    assert load_config(config.path) == added


def test_an_invalid_edit_writes_nothing_and_says_why(config):
    with pytest.raises(ConfigError, match=r"sources\[2\].*same slug 'scope'"):
        add_source(config, name="Scope", url="https://other.test/feed/", homepage=None)
    with pytest.raises(ConfigError, match=r"sources\[2\]\.url"):
        add_source(config, name="Other", url="ftp://other.test/", homepage=None)
    assert config.path.read_text() == CONFIG


def test_a_file_changed_under_the_edit_is_not_overwritten(config):
    config.path.write_text(CONFIG.split("[[sources]]", maxsplit=1)[0] + '[[sources]]\nname = "A"\n'
                           'url = "https://a.test/"\n')  # fmt: skip
    changed = config.path.read_text()
    with pytest.raises(ConfigError, match="the file changed while it was being edited"):
        set_enabled(config, "scope", False)
    assert config.path.read_text() == changed
