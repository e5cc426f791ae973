"""The editorial commands (``_cli_editorial``): ``entries`` and ``log`` run as a real
subprocess (hide, unhide, pin and unpin end to end: tests/test_editorial.py; explain:
tests/test_explain.py), and their arguments checked by the parser."""

from __future__ import annotations

import re

import pytest

from copro_feeds._cli import build_parser
from tests.test_cli import cli


def test_entries_lists_every_stored_entry_with_its_state(project):
    assert cli("update", cwd=project.root).returncode == 0
    assert cli("entries", cwd=project.root).stdout.splitlines()[0].split() == [
        "date", "partner", "state", "ref", "title",
    ]  # fmt: skip
    server = project.server
    project.write_config(f"""
[[sources]]
name = "Scope"
url = "{server.url("/scope/feed/")}"
homepage = "https://scope.test/"

[[sources]]
name = "Centre for Welfare Reform"
url = "{server.url("/cfwr/atom.xml")}"
enabled = false

[[sources]]
name = "Scottish Co-production Network"
url = "{server.url("/scottish/rss.xml")}"
exclude = ["gathering"]
""")
    config = project.config_path.read_text()
    project.config_path.write_text(config.replace("excerpt_words = 12", "max_entries = 1"))
    cli("hide", "https://scope.test/blog/disability-price-tag-2026/", "--reason", "r",
        cwd=project.root)  # fmt: skip
    result = cli("entries", cwd=project.root)
    assert result.returncode == 0, result.stderr
    rows = [re.split(r"\s{2,}", line) for line in result.stdout.splitlines()]
    guide = rows[2][3]
    assert rows == [
        ["date", "partner", "state", "ref", "title"],
        ["2026-03-02", "Scottish Co-production Network", f"merged into {guide}",
         rows[1][3], "Via Scope: co-producing the cost of living guide"],
        ["2026-03-02", "Scope", "published", guide, "Co-producing the cost of living guide"],
        ["2026-03-01", "Centre for Welfare Reform", "partner disabled", rows[3][3],
         "Citizenship & support: a new paper"],
        ["2026-02-28", "Scottish Co-production Network", "filtered out", rows[4][3],
         "Co-production Gathering 2026"],
        ["2026-02-27", "Scope", "hidden", rows[5][3], "Disability Price Tag 2026"],
        ["2026-02-20", "Centre for Welfare Reform", "partner disabled", rows[6][3],
         "Basic income and disabled people"],
    ]  # fmt: skip
    assert guide.startswith("scope/")
    merged = cli("entries", "--state", "merged", cwd=project.root).stdout.splitlines()
    assert len(merged) == 2
    assert merged[1].endswith("Via Scope: co-producing the cost of living guide")
    only = cli("entries", "--source", "centre-for-welfare-reform", "--limit", "1", cwd=project.root)
    assert [line.split()[-1] for line in only.stdout.splitlines()] == ["title", "paper"]
    none = cli("entries", "--state", "pinned", cwd=project.root)
    assert none.stdout == "no stored entries match\n"
    unknown = cli("entries", "--source", "nope", cwd=project.root)
    assert unknown.returncode == 2
    assert "no source with the key 'nope'" in unknown.stderr


def test_older_posts_are_marked_beyond_the_newest_n(project):
    config = project.config_path.read_text()
    project.config_path.write_text(config.replace("excerpt_words = 12", "max_entries = 4"))
    assert cli("update", cwd=project.root).returncode == 0
    older = cli("entries", "--state", "older", cwd=project.root).stdout.splitlines()
    assert len(older) == 2
    assert "beyond the newest 4" in older[1]
    assert older[1].endswith("Basic income and disabled people")


def test_log_and_entries_before_anything_is_stored(project):
    assert cli("log", cwd=project.root).stdout == "no editorial actions yet\n"
    assert cli("entries", cwd=project.root).stdout == "no stored entries yet\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["hide", "ref"],  # a reason is required to hide
        ["hide", "ref", "--reason", "   "],  # and must say something
        ["entries", "--limit", "0"],
        ["entries", "--state", "nonsense"],
        ["explain"],
    ],
)
def test_wrong_arguments_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(argv)
    assert stopped.value.code == 2
    assert "copro-feeds" in capsys.readouterr().err


def test_editorial_arguments_are_read():
    args = build_parser().parse_args(["pin", "scope/ab12", "--by", "Ann", "--no-publish"])
    assert (args.command, args.entry, args.by, args.no_publish, args.reason) == (
        "pin", "scope/ab12", "Ann", True, None,
    )  # fmt: skip
    args = build_parser().parse_args(["hide", "x", "--reason", "  spam  "])
    assert args.reason == "spam"
    args = build_parser().parse_args(["entries", "--source", "scope", "--limit", "3"])
    assert (args.source, args.limit, args.state) == ("scope", 3, None)
