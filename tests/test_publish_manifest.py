"""``_publish/_manifest``: which folders the last publish wrote from the same inputs
(end to end, comparing with a full publish: tests/test_incremental_publish.py)."""

from __future__ import annotations

import json
from datetime import timedelta

from copro_feeds._plan import FeedContent, FeedInfo
from copro_feeds._publish._manifest import MANIFEST_FILE, digests_of, unchanged_folders
from copro_feeds.config import SiteConfig
from tests.factories import NOW, attribution, entry

SITE = SiteConfig(title="Partners", link="https://copro.example/")
PARTNERS = [attribution("alpha", "Alpha"), attribution("beta", "Beta")]
FILES = ("atom.xml", "rss.xml", "feed.json", "index.html")


def feeds(beta_title: str = "Beta's post") -> list[FeedContent]:
    alpha = entry(id="a", attribution=PARTNERS[0])
    beta = entry(id="b", attribution=PARTNERS[1], title=beta_title)
    return [
        FeedContent(info=FeedInfo(), entries=(alpha, beta)),
        FeedContent(info=FeedInfo(folder="sources/alpha/"), entries=(alpha,)),
        FeedContent(info=FeedInfo(folder="sources/beta/"), entries=(beta,)),
    ]


def write(directory, shared: str, folders: dict[str, str]) -> None:
    manifest = {"shared": shared, "folders": folders}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))
    for folder in folders:
        (directory / folder).mkdir(parents=True, exist_ok=True)
        for name in FILES:
            (directory / folder / name).write_text("x")


def test_digests_cover_each_folder_but_the_combined_feed_and_follow_their_entries():
    shared, folders = digests_of(feeds(), PARTNERS, SITE, None, None)
    assert set(folders) == {"sources/alpha/", "sources/beta/"}
    again_shared, edited = digests_of(feeds("Edited"), PARTNERS, SITE, None, None)
    assert again_shared == shared
    assert edited["sources/alpha/"] == folders["sources/alpha/"]
    assert edited["sources/beta/"] != folders["sources/beta/"]


def test_what_every_page_shares_changes_the_shared_digest():
    shared, _ = digests_of(feeds(), PARTNERS, SITE, None, None)
    renamed = [PARTNERS[0], attribution("beta", "Beta Trust")]
    assert digests_of(feeds(), renamed, SITE, None, None)[0] != shared
    retitled = SiteConfig(title="Other", link="https://copro.example/")
    assert digests_of(feeds(), PARTNERS, retitled, None, None)[0] != shared


def test_a_partner_re_dated_by_a_post_elsewhere_changes_its_folder():
    base = feeds()
    _, before = digests_of(base, PARTNERS, SITE, None, None)
    newer = entry(id="a2", attribution=PARTNERS[0], updated=NOW + timedelta(days=1))
    tagged = [*base, FeedContent(info=FeedInfo(folder="tags/news/"), entries=(newer,))]
    _, after = digests_of(tagged, PARTNERS, SITE, None, None)
    assert after["sources/alpha/"] != before["sources/alpha/"]
    assert after["sources/beta/"] == before["sources/beta/"]


def test_unchanged_folders_need_the_same_digests_and_every_file(tmp_path):
    shared, folders = digests_of(feeds(), PARTNERS, SITE, None, None)
    write(tmp_path, shared, folders)
    assert unchanged_folders(tmp_path, shared, folders) == set(folders)
    _, edited = digests_of(feeds("Edited"), PARTNERS, SITE, None, None)
    assert unchanged_folders(tmp_path, shared, edited) == {"sources/alpha/"}
    assert unchanged_folders(tmp_path, "another shared digest", folders) == set()
    (tmp_path / "sources" / "alpha" / "feed.json").unlink()
    assert unchanged_folders(tmp_path, shared, folders) == {"sources/beta/"}


def test_no_manifest_or_a_damaged_one_means_nothing_is_unchanged(tmp_path):
    shared, folders = digests_of(feeds(), PARTNERS, SITE, None, None)
    assert unchanged_folders(tmp_path, shared, folders) == set()
    for damage in ("", "{not json", '{"shared": 1}', "[]"):
        (tmp_path / MANIFEST_FILE).write_text(damage)
        assert unchanged_folders(tmp_path, shared, folders) == set(), damage


def test_a_folder_of_pages_only_needs_its_page_alone(tmp_path):
    shared, folders = digests_of(feeds(), PARTNERS, SITE, None, None)
    write(tmp_path, shared, folders)
    for name in ("atom.xml", "rss.xml", "feed.json"):
        (tmp_path / "sources" / "alpha" / name).unlink()
    assert unchanged_folders(tmp_path, shared, folders) == {"sources/beta/"}
    both = unchanged_folders(tmp_path, shared, folders, pages_only={"sources/alpha/"})
    assert both == set(folders)
    (tmp_path / "sources" / "alpha" / "index.html").unlink()
    assert unchanged_folders(tmp_path, shared, folders, pages_only={"sources/alpha/"}) == {
        "sources/beta/"
    }
