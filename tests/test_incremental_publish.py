"""Publishing renders again only the folders whose inputs changed, and stays correct.

Each test compares the incremental output with a full publish of the same inputs into an
empty folder: whatever was skipped, the files must be byte-identical.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import html

from copro_feeds._publish import MANIFEST_FILE, FeedContent, FeedInfo, _folders, publish
from copro_feeds.config import SiteConfig
from copro_feeds.types import Attribution, Entry
from tests.factories import NOW, attribution, entry

SITE = SiteConfig(
    title="Partners' news",
    link="https://copro.example/",
    feed_url="https://copro.example/atom.xml",
    language="en-GB",
)
PARTNERS = [attribution(key, key.title()) for key in ("alpha", "beta", "gamma")]


def _feeds(posts: dict[str, list[Entry]]) -> list[FeedContent]:
    related = tuple((source.name, f"sources/{source.source_key}/") for source in PARTNERS)
    combined = sorted((e for group in posts.values() for e in group), key=lambda e: e.id)
    feeds = [FeedContent(info=FeedInfo(related=related), entries=tuple(combined))]
    feeds += [
        FeedContent(
            info=FeedInfo(folder=f"sources/{source.source_key}/", title=source.name),
            entries=tuple(posts[source.source_key]),
        )
        for source in PARTNERS
    ]
    return feeds


def _posts(**extra: list[Entry]) -> dict[str, list[Entry]]:
    posts = {
        source.source_key: [
            entry(
                id=f"{source.source_key}-1",
                attribution=source,
                link=f"https://{source.source_key}.example/1",
                published=NOW - timedelta(days=1),
                updated=NOW - timedelta(days=1),
            )
        ]
        for source in PARTNERS
    }
    for key, entries in extra.items():
        posts[key] = posts[key] + entries
    return posts


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _full(feeds: list[FeedContent], tmp_path: Path, sources: list[Attribution]) -> dict[str, bytes]:
    fresh = tmp_path / "fresh"
    publish(feeds, sources, SITE, fresh)
    return _tree(fresh)


@pytest.fixture
def rendered_folders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders whose Atom feed is rendered, in order (a spy on the real renderer)."""
    seen: list[str] = []
    real = _folders.render_atom

    def spy(entries: Any, site: SiteConfig, info: FeedInfo) -> bytes:
        seen.append(info.folder)
        return real(entries, site, info)

    monkeypatch.setattr(_folders, "render_atom", spy)  # where each folder is rendered
    return seen


@pytest.fixture
def published(tmp_path: Path, rendered_folders: list[str]) -> tuple[Path, list[FeedContent]]:
    """An output folder after a first publish of the three partners' posts; the spy cleared."""
    out, feeds = tmp_path / "out", _feeds(_posts())
    publish(feeds, PARTNERS, SITE, out)
    rendered_folders.clear()
    return out, feeds


def test_a_second_publish_renders_only_the_partner_that_changed(
    tmp_path: Path, rendered_folders: list[str]
) -> None:
    out = tmp_path / "out"
    publish(_feeds(_posts()), PARTNERS, SITE, out)
    assert sorted(rendered_folders) == ["", "sources/alpha/", "sources/beta/", "sources/gamma/"]
    rendered_folders.clear()

    new = entry(id="beta-2", attribution=PARTNERS[1], link="https://beta.example/2")
    feeds = _feeds(_posts(beta=[new]))
    written = publish(feeds, PARTNERS, SITE, out)

    assert sorted(rendered_folders) == ["", "sources/beta/"]
    assert out / "sources" / "beta" / "atom.xml" in written
    assert not any("alpha" in str(path) or "gamma" in str(path) for path in written)
    assert _tree(out) == _full(feeds, tmp_path, PARTNERS)


def test_nothing_changed_renders_only_the_combined_feed(
    published: tuple[Path, list[FeedContent]], rendered_folders: list[str]
) -> None:
    out, feeds = published
    assert publish(feeds, PARTNERS, SITE, out) == []
    assert rendered_folders == [""]


def test_a_deleted_file_is_rendered_again(
    tmp_path: Path, published: tuple[Path, list[FeedContent]]
) -> None:
    out, feeds = published
    (out / "sources" / "gamma" / "index.html").unlink()
    publish(feeds, PARTNERS, SITE, out)
    assert _tree(out) == _full(feeds, tmp_path, PARTNERS)


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"shared": 1}', b"[]"])
def test_a_damaged_manifest_means_rendering_everything(
    published: tuple[Path, list[FeedContent]], rendered_folders: list[str], damage: bytes
) -> None:
    out, feeds = published
    (out / MANIFEST_FILE).write_bytes(damage)
    publish(feeds, PARTNERS, SITE, out)
    assert len(rendered_folders) == 4
    assert json.loads((out / MANIFEST_FILE).read_bytes())["folders"].keys() == {
        "sources/alpha/",
        "sources/beta/",
        "sources/gamma/",
    }


def test_what_every_page_shares_changing_renders_every_folder(
    tmp_path: Path, published: tuple[Path, list[FeedContent]], rendered_folders: list[str]
) -> None:
    out, feeds = published
    renamed = [*PARTNERS[:2], attribution("gamma", "Gamma Trust")]
    publish(feeds, renamed, SITE, out)
    assert len(rendered_folders) == 4
    assert _tree(out) == _full(feeds, tmp_path, renamed)


def test_a_partner_page_lists_its_own_partner_and_links_to_all(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(_feeds(_posts()), PARTNERS, SITE, out)
    page = html.fromstring((out / "sources" / "beta" / "index.html").read_bytes())
    partners = page.xpath('//h2[@id="partners"]/following-sibling::ul[1]//a/text()')
    assert [text for text in partners if text.startswith("Posts from")] == ["Posts from Beta"]
    assert page.xpath('//a[text()="See all our partners"]/@href') == ["../../index.html#partners"]
    home = html.fromstring((out / "index.html").read_bytes())
    listed = home.xpath('//h2[@id="partners"]/following-sibling::ul[1]//a/text()')
    assert [text for text in listed if text.startswith("Posts from")] == [
        "Posts from Alpha",
        "Posts from Beta",
        "Posts from Gamma",
    ]
    assert not home.xpath('//a[text()="See all our partners"]')
