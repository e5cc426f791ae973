"""Reading typed values out of TOML tables (copro_feeds._config_check)."""

from __future__ import annotations

import pytest

from copro_feeds import _config_check as check
from copro_feeds.config import parse_duration
from copro_feeds.types import Display


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("6h", 21600), ("1d", 86400), ("45", 45), (120, 120)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "soon", "1w", "-5m", 0, True, "0s"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_parse_duration_is_the_public_one():
    assert parse_duration is check.parse_duration


def test_the_checker_records_every_problem_with_its_key_path():
    checker = check.Checker()
    table = {"count": 0, "name": "  x  ", "typo": 1}
    checker.unknown_keys(table, "site", {"count", "name"})
    assert checker.get(table, "site", "count", check.positive_int, 7) == 7
    assert checker.get(table, "site", "name", check.text) == "x"
    assert checker.get(table, "site", "link", check.http_url, required=True) is None
    assert checker.get(table, "site", "absent", check.text, "fallback") == "fallback"
    assert checker.problems == [
        "site.typo: unknown key (known keys: count, name)",
        "site.count: must be a whole number of at least 1",
        "site.link: missing (required)",
    ]


def test_the_checker_reads_tables():
    checker = check.Checker()
    assert checker.table({"fetch": {"timeout": 3}}, "fetch") == {"timeout": 3}
    assert checker.table({}, "output") == {}
    assert checker.table({}, "site", required=True) == {}
    assert checker.table({"digest": 3}, "digest") == {}
    assert checker.problems == ["site: missing table", "digest: must be a table"]


@pytest.mark.parametrize(
    ("convert", "good", "expected"),
    [
        (check.text, " a ", "a"),
        (check.http_url, "https://example.org/x", "https://example.org/x"),
        (check.positive_int, 3, 3),
        (check.seconds, 2, 2.0),
        (check.boolean, False, False),
        (check.words, [" a", "b "], ("a", "b")),
        (check.env_name, "SCOPE_FEED_AUTH", "SCOPE_FEED_AUTH"),
        (check.display, "full", Display.FULL),
        (check.one_of("week", "day"), "day", "day"),
    ],
)
def test_converters_accept_their_values(convert, good, expected):
    assert convert(good) == expected


@pytest.mark.parametrize(
    ("convert", "bad"),
    [
        (check.text, "   "),
        (check.text, 3),
        (check.http_url, "ftp://example.org/"),
        (check.http_url, "https://"),
        (check.positive_int, 0),
        (check.positive_int, True),
        (check.seconds, 0),
        (check.seconds, "5"),
        (check.boolean, "yes"),
        (check.words, ["a", ""]),
        (check.words, "a"),
        (check.env_name, "1BAD"),
        (check.display, "everything"),
        (check.one_of("week", "day"), "month"),
    ],
)
def test_converters_refuse_with_a_message(convert, bad):
    with pytest.raises(ValueError, match=r"\w"):
        convert(bad)
