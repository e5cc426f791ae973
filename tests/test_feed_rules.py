"""The W3C feed validator's rules that our Atom and RSS files used to break, checked on
every file a real run publishes (issue 11 item 4).

The validator itself (the ``feedvalidator`` Python source) is not on PyPI, so these are
its rules written out: every ``atom:source`` has ``id``, ``title`` and ``updated``
("Missing source element: updated"); every date is valid and plausible, from 1970 on and
no later than a day ahead ("Implausible date"), also in a first publish whose sources all
failed; RSS dates are RFC 822; required elements are there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from lxml import etree

import copro_feeds
from copro_feeds import Outcome
from tests.conftest import Project

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
# The W3C validator's plausible range (rfc3339.validate, rfc822 dates): on or after 1970,
# at most a day ahead. We ask more: no date before 1990 (no feed here is that old).
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def _plausible(moment: datetime, now: datetime) -> bool:
    return EARLIEST <= moment <= now + timedelta(days=1)


def _atom_date(text: str | None, where: str, now: datetime) -> datetime:
    assert text and RFC3339.match(text), f"{where}: not an RFC 3339 date: {text!r}"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert _plausible(moment, now), f"{where}: implausible date {text}"
    return moment


def _rss_date(text: str | None, where: str, now: datetime) -> datetime:
    assert text, f"{where}: missing date"
    moment = parsedate_to_datetime(text)
    assert moment.tzinfo is not None, f"{where}: no time zone in {text!r}"
    assert _plausible(moment, now), f"{where}: implausible date {text}"
    return moment


def check_atom(path: Path, now: datetime) -> int:
    """Check one Atom file against the rules; return how many entries it has."""
    feed = etree.parse(str(path)).getroot()
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}") is not None, f"{path}: missing feed element {name}"
    _atom_date(feed.findtext(f"{ATOM}updated"), f"{path} feed", now)
    has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        where = f"{path} entry {entry.findtext(f'{ATOM}id')}"
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None, f"{where}: missing {name}"
        for name in ("updated", "published"):
            if entry.find(f"{ATOM}{name}") is not None:
                _atom_date(entry.findtext(f"{ATOM}{name}"), f"{where} {name}", now)
        assert has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        for source in entry.findall(f"{ATOM}source"):
            for name in ("id", "title", "updated"):
                assert source.find(f"{ATOM}{name}") is not None, (
                    f"{where}: Missing source element: {name}"
                )
            source_updated = _atom_date(source.findtext(f"{ATOM}updated"), f"{where} source", now)
            entry_updated = _atom_date(entry.findtext(f"{ATOM}updated"), where, now)
            assert source_updated >= entry_updated, f"{where}: source older than its entry"
    return len(entries)


def check_rss(path: Path, now: datetime) -> int:
    """Check one RSS 2.0 file against the rules; return how many items it has."""
    rss = etree.parse(str(path)).getroot()
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"{path}: missing channel {name}"
    for name in ("lastBuildDate", "pubDate"):
        if channel.find(name) is not None:
            _rss_date(channel.findtext(name), f"{path} {name}", now)
    assert channel.find(f"{ATOM}link[@rel='self']") is not None, f"{path}: no atom:link self"
    items = channel.findall("item")
    for item in items:
        where = f"{path} item {item.findtext('guid')}"
        assert item.findtext("title") or item.findtext("description"), where
        if item.find("pubDate") is not None:
            _rss_date(item.findtext("pubDate"), f"{where} pubDate", now)
        source = item.find("source")
        if source is not None:
            assert source.get("url", "").startswith(("http://", "https://")), where
    return len(items)


def check_every_feed(public: Path, now: datetime) -> tuple[int, int]:
    """Check every Atom and RSS file under ``public``; return (files, entries) checked."""
    files = entries = 0
    for path in sorted(public.rglob("*.xml")):
        root = etree.parse(str(path)).getroot()
        entries += check_atom(path, now) if root.tag == f"{ATOM}feed" else check_rss(path, now)
        files += 1
    return files, entries


def _run(project: Project, now: datetime, *, digest: bool = False) -> copro_feeds.RunReport:
    if digest:
        text = project.config_path.read_text(encoding="utf-8")
        project.config_path.write_text(text + "\n[digest]\nenabled = true\n", encoding="utf-8")
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config, clock=lambda: now) as aggregator:
        return aggregator.run_once()


@pytest.mark.parametrize("digest", [False, True])
def test_every_published_feed_follows_the_rules(project: Project, digest: bool):
    now = datetime.now(UTC)
    report = _run(project, now, digest=digest)
    assert report.count(Outcome.UPDATED) == 3
    files, entries = check_every_feed(project.public, now)
    # combined, 3 partners, 1 tag, the archives of February and March 2026 (+ roundup)
    assert files == 2 * 5 + 2 * 2 + (1 if digest else 0)
    assert entries > 20


def test_the_source_is_dated_by_the_partners_newest_post(project: Project):
    _run(project, datetime.now(UTC))
    newest: dict[str, str] = {}
    sources: dict[str, set[str]] = {}
    for entry in etree.parse(str(project.public / "atom.xml")).getroot().iter(f"{ATOM}entry"):
        key = entry.findtext(f"{ATOM}source/{ATOM}id")
        updated = datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        newest[key] = max(newest.get(key, updated.isoformat()), updated.isoformat())
        sources.setdefault(key, set()).add(entry.findtext(f"{ATOM}source/{ATOM}updated"))
    for path in (project.public / "sources").glob("*/atom.xml"):
        for entry in etree.parse(str(path)).getroot().iter(f"{ATOM}entry"):
            key = entry.findtext(f"{ATOM}source/{ATOM}id")
            sources[key].add(entry.findtext(f"{ATOM}source/{ATOM}updated"))
    assert len(sources) == 3
    for key, dates in sources.items():
        (date,) = dates  # the same in every entry and every feed
        own = etree.parse(
            str(
                next(
                    p
                    for p in (project.public / "sources").glob("*/atom.xml")
                    if key in p.read_text()
                )
            )
        ).getroot()
        latest = max(
            datetime.fromisoformat(e.findtext(f"{ATOM}updated")) for e in own.iter(f"{ATOM}entry")
        )
        assert datetime.fromisoformat(date) == latest


def test_a_first_run_whose_sources_all_failed_publishes_plausible_dates(project: Project):
    for path in ("/scope/feed/", "/cfwr/atom.xml", "/scottish/rss.xml"):
        project.server.serve(path, b"down", status=500, content_type="text/plain")
    now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    report = _run(project, now, digest=True)
    assert report.count(Outcome.ERROR) == 3
    assert report.publish_error is None
    files, entries = check_every_feed(project.public, now)
    assert (files, entries) == (11, 0)
    atom = etree.parse(str(project.public / "atom.xml")).getroot()
    assert atom.findtext(f"{ATOM}updated") == now.isoformat()
    rss = etree.parse(str(project.public / "rss.xml")).getroot()
    assert parsedate_to_datetime(rss.find("channel").findtext("lastBuildDate")) == now
    assert b"1970" not in (project.public / "digest.xml").read_bytes()
