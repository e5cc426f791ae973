"""The public API: names, the error tree, and the documentation kept in step with the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import copro_feeds
from copro_feeds.config import FetchConfig

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_all_lists_exactly_the_public_names():
    # dir() is what a user sees: the public names are imported when first used (PEP 562)
    public = {name for name in dir(copro_feeds) if not name.startswith("_")}
    modules = {"config", "core", "exceptions", "types"}
    assert set(copro_feeds.__all__) == (public - modules) | {"__version__"}
    for name in copro_feeds.__all__:
        getattr(copro_feeds, name)
    loaded = {name for name in vars(copro_feeds) if not name.startswith("_")}
    assert loaded - modules == public - modules


def test_every_public_name_has_a_docstring():
    for name in copro_feeds.__all__:
        if name != "__version__":
            assert getattr(copro_feeds, name).__doc__, name


def test_cli_reference_is_generated_from_the_parser():
    text = (DOCS / "cli.md").read_text()
    spec = importlib.util.spec_from_file_location("gen", DOCS / "generate_cli_reference.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert text == generator.render(), "docs/cli.md is stale: run docs/generate_cli_reference.py"
    for command in (
        "update", "run", "publish", "check", "status", "discover",
        "entries", "hide", "unhide", "pin", "unpin", "log", "explain",
    ):  # fmt: skip
        assert f"## `copro-feeds {command}`" in text, command


def test_every_config_key_is_documented():
    text = (DOCS / "configuration.md").read_text()
    keys = set(FetchConfig.__dataclass_fields__) | {
        "title",
        "link",
        "feed_url",
        "description",
        "author",
        "language",
        "dir",
        "max_entries",
        "excerpt_words",
        "path",
        "name",
        "url",
        "homepage",
        "interval",
        "tags",
        "include",
        "exclude",
        "user_agent",
        "slug",
    }
    for key in keys:
        assert f"| `{key}` |" in text, key
