"""``_opml_import``: reading an OPML file and appending its new feeds to the config (the
``import-opml`` command around it: tests/test_cli.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from copro_feeds._opml_import import OutlineFeed, import_opml, read_opml
from copro_feeds.config import load_config
from copro_feeds.exceptions import ConfigError

CONFIG = """[site]
title = "Partners' news"
link = "https://copro.example/"

[[sources]]
name = "Scope"
url = "https://scope.example/feed/"
"""

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>Reader export</title></head><body>
  <outline text="Blogs">
    <outline text="Scope again" xmlUrl="https://scope.example/feed/"/>
    <outline title="Cee &quot;Trust&quot;" text="ignored" xmlUrl=" https://cee.example/rss "
             htmlUrl="https://cee.example/"/>
    <outline text="Scope" xmlUrl="https://other.example/feed/"/>
    <outline text="Mail" xmlUrl="mailto:news@example.org"/>
    <outline xmlUrl="https://untitled.example/atom.xml"/>
  </outline>
</body></opml>
"""


def test_read_opml_lists_nested_web_feeds_only():
    assert read_opml(OPML, "export.opml") == [
        OutlineFeed(title="Scope again", xml_url="https://scope.example/feed/", html_url=None),
        OutlineFeed(
            title='Cee "Trust"', xml_url="https://cee.example/rss", html_url="https://cee.example/"
        ),
        OutlineFeed(title="Scope", xml_url="https://other.example/feed/", html_url=None),
        OutlineFeed(
            title="https://untitled.example/atom.xml",
            xml_url="https://untitled.example/atom.xml",
            html_url=None,
        ),
    ]


@pytest.mark.parametrize(
    ("data", "why"),
    [(b"<opml><body>", "not an OPML file"), (b"<rss/>", "the root element is <rss>")],
)
def test_a_file_that_is_not_opml_is_a_config_error(data, why):
    with pytest.raises(ConfigError, match=why):
        read_opml(data, "export.opml")


def test_new_feeds_are_appended_and_the_others_reported(tmp_path):
    config, opml = tmp_path / "feeds.toml", tmp_path / "export.opml"
    config.write_text(CONFIG)
    opml.write_bytes(OPML)
    result = import_opml(config, opml, now=datetime(2026, 3, 3, tzinfo=UTC))
    assert result.added == ['Cee "Trust"', "https://untitled.example/atom.xml"]
    assert result.skipped == [
        ("Scope again", "already configured (same url)"),
        ("Scope", "a source with slug 'scope' exists"),
    ]
    text = config.read_text()
    assert text.startswith(CONFIG)  # appended to, never rewritten
    assert "# Imported from export.opml on 2026-03-03\n" in text
    sources = load_config(config).sources
    assert [(s.name, s.url, s.homepage) for s in sources[1:]] == [
        ('Cee "Trust"', "https://cee.example/rss", "https://cee.example/"),
        ("https://untitled.example/atom.xml", "https://untitled.example/atom.xml", None),
    ]


def test_importing_again_adds_nothing_and_leaves_the_file_alone(tmp_path):
    config, opml = tmp_path / "feeds.toml", tmp_path / "export.opml"
    config.write_text(CONFIG)
    opml.write_bytes(OPML)
    import_opml(config, opml)
    before = config.read_bytes()
    again = import_opml(config, opml)
    assert again.added == []
    assert len(again.skipped) == 4  # every web feed of the file
    assert config.read_bytes() == before


def test_a_missing_opml_file_is_a_config_error_and_nothing_is_written(tmp_path):
    config = tmp_path / "feeds.toml"
    config.write_text(CONFIG)
    with pytest.raises(ConfigError, match="cannot read the OPML file"):
        import_opml(config, tmp_path / "missing.opml")
    assert config.read_text() == CONFIG
