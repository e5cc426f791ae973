from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from copro_feeds.config import (
    DEFAULT_USER_AGENT,
    MAX_SLUG_CHARS,
    DigestConfig,
    load_config,
    slugify,
)
from copro_feeds.exceptions import ConfigError

REPO = Path(__file__).resolve().parent.parent

MINIMAL = """
[site]
title = "Partners"
link = "https://example.org/"

[[sources]]
name = "Scope"
url = "https://www.scope.org.uk/"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_lists_the_three_partners():
    config = load_config(REPO / "feeds.toml")
    names = [s.name for s in config.sources]
    assert names == ["Scope", "Centre for Welfare Reform", "Scottish Co-production Network"]
    assert config.fetch.allow_private_networks is False
    assert [s.key for s in config.sources] == [
        "scope",
        "centre-for-welfare-reform",
        "scottish-co-production-network",
    ]


def test_minimal_config_gets_documented_defaults(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.output.dir == tmp_path / "public"
    assert config.output.max_entries == 50
    assert config.output.excerpt_words == 60
    assert config.storage.path == tmp_path / "copro_feeds.sqlite3"
    fetch = config.fetch
    assert (fetch.interval, fetch.timeout, fetch.connect_timeout, fetch.read_timeout) == (
        1800,
        30,
        5,
        10,
    )
    assert fetch.max_bytes == 10 * 1024 * 1024
    assert fetch.max_redirects == 5
    assert fetch.max_entry_bytes == 256 * 1024
    assert fetch.max_entries_per_feed == 1000
    assert fetch.user_agent == DEFAULT_USER_AGENT
    assert "copro_feeds/" in fetch.user_agent and "http" in fetch.user_agent
    source = config.sources[0]
    assert config.interval_of(source) == 1800
    assert source.tags == source.include == source.exclude == ()


def test_source_options_are_read(tmp_path):
    text = (
        MINIMAL
        + """
homepage = "https://www.scope.org.uk/news/"
interval = "1h"
tags = ["disability"]
include = ["co-production"]
exclude = ["job vacancy"]
user_agent = "Mozilla/5.0 (compatible; copro_feeds)"
"""
    )
    source = load_config(write(tmp_path, text)).sources[0]
    assert source.homepage == "https://www.scope.org.uk/news/"
    assert source.interval == 3600
    assert source.tags == ("disability",)
    assert source.include == ("co-production",)
    assert source.exclude == ("job vacancy",)
    assert source.user_agent.startswith("Mozilla")


def test_every_problem_is_listed_with_its_key_path(tmp_path):
    text = """
[site]
title = ""
link = "ftp://example.org/"
colour = "blue"

[output]
max_entries = 0

[fetch]
interval = "soon"
timout = 3

[[sources]]
name = "A"
url = "https://a.example/feed"

[[sources]]
name = "B"

[[sources]]
name = "C"
url = "not a url"
tgas = ["x"]
"""
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    problems = caught.value.problems
    expected_prefixes = [
        "site.colour: unknown key",
        "site.title: must be a non-empty string",
        "site.link: not an http(s) URL",
        "output.max_entries:",
        "fetch.timout: unknown key",
        "fetch.interval:",
        "sources[1].url: missing",
        "sources[2].tgas: unknown key",
        "sources[2].url: not an http(s) URL",
    ]
    for prefix in expected_prefixes:
        assert any(p.startswith(prefix) for p in problems), (prefix, problems)
    assert len(problems) == len(expected_prefixes)
    assert "9 problem(s)" in str(caught.value)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nowhere.toml")
    assert str(tmp_path / "nowhere.toml") in str(caught.value)


def test_invalid_toml_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[site\ntitle="))


def test_duplicate_slugs_are_refused(tmp_path):
    text = MINIMAL + '\n[[sources]]\nname = "scope!"\nurl = "https://b.example/"\n'
    with pytest.raises(ConfigError, match="same slug 'scope'"):
        load_config(write(tmp_path, text))


def test_missing_site_and_sources(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "[output]\ndir = 'out'\n"))
    assert any(p.startswith("site: missing table") for p in caught.value.problems)
    assert any(p.startswith("sources: no [[sources]]") for p in caught.value.problems)


def test_slugs_are_ascii_and_stable():
    assert slugify("Centre for Welfare Reform") == "centre-for-welfare-reform"
    assert (
        slugify("Rhwydwaith Cyd-gynhyrchu Cymru — Wales") == "rhwydwaith-cyd-gynhyrchu-cymru-wales"
    )
    assert slugify("Café & Co.") == "cafe-co"


def test_digest_is_off_by_default_with_documented_defaults(tmp_path):
    digest = load_config(write(tmp_path, MINIMAL)).digest
    assert digest == DigestConfig()
    assert (digest.enabled, digest.every, digest.weekday, digest.group_by, digest.periods) == (
        False,
        "week",
        0,
        "partner",
        12,
    )
    assert digest.title == "Partners' posts, {start} to {end}"


def test_digest_options_are_read(tmp_path):
    text = (
        MINIMAL
        + """
[digest]
enabled = true
every = "day"
weekday = "wednesday"
title = "Roundup {{{start}}} to {end}"
group_by = "tag"
periods = 4
"""
    )
    digest = load_config(write(tmp_path, text)).digest
    assert digest == DigestConfig(
        enabled=True,
        every="day",
        weekday=2,
        title="Roundup {{{start}}} to {end}",
        group_by="tag",
        periods=4,
    )
    sunday = load_config(write(tmp_path, MINIMAL + '[digest]\nweekday = "sunday"\n')).digest
    assert sunday.weekday == 6


def test_every_digest_problem_is_listed(tmp_path):
    text = (
        MINIMAL
        + """
[digest]
enabled = "yes"
every = "month"
weekday = "mon"
title = "Posts from {partner}"
group_by = "author"
periods = 0
colour = "blue"
"""
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    problems = caught.value.problems
    for key in ("enabled", "every", "weekday", "title", "group_by", "periods", "colour"):
        assert any(p.startswith(f"digest.{key}:") for p in problems), (key, problems)
    assert len(problems) == 7, problems
    assert any("{start}" in p for p in problems if p.startswith("digest.title"))


DEEP = {
    "arrays 100,000 deep": "x = " + "[" * 100_000 + "]" * 100_000,
    "inline tables 5,000 deep": "x = " + "{a = " * 5_000 + "1" + "}" * 5_000,
    "tags nested 50,000 deep": "[[sources]]\ntags = " + "[" * 50_000 + "]" * 50_000,
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_a_config_nested_too_deeply_is_one_config_error(tmp_path, text):
    path = tmp_path / "feeds.toml"
    path.write_text(f'[site]\ntitle = "t"\nlink = "https://x.example/"\n{text}\n')
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)


@pytest.mark.parametrize("command", ["check", "update", "status"])
def test_every_command_refuses_a_deeply_nested_config_in_one_line(tmp_path, command):
    (tmp_path / "feeds.toml").write_text(DEEP["arrays 100,000 deep"])
    result = subprocess.run(
        [sys.executable, "-m", "copro_feeds", command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2, lines
    assert "nested too deeply" in result.stderr


# -- slugs name folders: bounded, stable, unique (issue 10 item 7) ------------------------

LONG_NAME = ("Network of Disabled People's Organisations and Allies " * 6).strip()  # 330


def test_long_names_give_short_slugs_cut_at_a_word_boundary():
    slug = slugify(LONG_NAME)
    assert len(LONG_NAME) > 300
    assert len(slug) <= MAX_SLUG_CHARS
    head, digest = slug.rsplit("-", 1)
    assert len(digest) == 8
    assert set(digest) <= set("0123456789abcdef")
    full = "network-of-disabled-people-s-organisations-and-allies-network-of"
    assert full.startswith(head + "-")  # whole words only
    assert len(head) > 40


def test_long_names_sharing_a_start_get_different_stable_slugs():
    first, second = LONG_NAME + " in Wales", LONG_NAME + " in Scotland"
    assert slugify(first) != slugify(second)
    assert slugify(first) == slugify(first)
    assert slugify(first)[:40] == slugify(second)[:40]


@pytest.mark.parametrize("length", [1, 59, 60, 61, 100, 255, 256, 1000, 5000])
def test_every_slug_fits_the_bound(length):
    name = ("ab " * length)[:length]
    assert 0 < len(slugify(name)) <= MAX_SLUG_CHARS
    word = "x" * length  # one long word: cut inside it
    assert 0 < len(slugify(word)) <= MAX_SLUG_CHARS


def test_short_slugs_are_unchanged():
    sixty = "-".join(["abcd"] * 12)  # 59 characters
    assert slugify(sixty) == sixty


def test_a_308_character_name_is_accepted_with_a_bounded_key(tmp_path):
    name = ("Scope " + "x" * 300 + " Trust")[:308]
    config = load_config(write(tmp_path, MINIMAL.replace('name = "Scope"', f'name = "{name}"', 1)))
    assert len(config.sources[0].name) == 308
    assert len(config.sources[0].key) <= MAX_SLUG_CHARS


def test_tags_that_name_no_folder_are_refused(tmp_path):
    text = MINIMAL + 'tags = ["disability", "—", "残疾", "' + "t" * 300 + '"]\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    problems = "\n".join(caught.value.problems)
    assert "sources[0].tags[1]" in problems
    assert "sources[0].tags[2]" in problems
    assert "tags[0]" not in problems
    assert "tags[3]" not in problems  # a long tag gets a bounded slug instead


def test_credentials_env_names_a_variable(tmp_path):
    good = load_config(write(tmp_path, MINIMAL + 'credentials_env = "SCOPE_FEED_AUTH"\n'))
    assert good.sources[0].credentials_env == "SCOPE_FEED_AUTH"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, MINIMAL + 'credentials_env = "user:password"\n'))
    assert "sources[0].credentials_env" in str(caught.value)
    assert "user:password" not in str(caught.value)


def test_headers_are_checked_and_their_values_never_quoted(tmp_path):
    good = load_config(
        write(tmp_path, MINIMAL + 'headers = { Authorization = "Bearer ${T}", X-K = "v" }\n')
    )
    assert good.sources[0].headers == (("Authorization", "Bearer ${T}"), ("X-K", "v"))
    assert "Bearer" not in repr(good)
    bad = (
        'headers = { "X\\r\\nEvil" = "v", "Two Words" = "v", Host = "h", '
        'X-A = "hidden-1\\nInjected: 2", x-b = "v", X-B = "v", X-N = 3 }\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, MINIMAL + bad))
    (problem,) = caught.value.problems
    assert problem.startswith("sources[0].headers: ")
    for part in (
        "'X\\r\\nEvil' is not a header name",
        "'Two Words' is not a header name",
        "Host is set by copro-feeds itself",
        "the value of X-A must not hold a line break",
        "X-B is given twice",
        "the value of X-N must be a string",
    ):
        assert part in problem
    assert "hidden" not in problem and "Injected" not in problem
    with pytest.raises(ConfigError, match=r"sources\[0\]\.headers: must be a table"):
        load_config(write(tmp_path, MINIMAL + 'headers = "X-K: v"\n'))


# -- [storage]: an SQLite file by default, or a PostgreSQL URL ---------------------------

PG_URL = "postgresql://copro:s3cret-pw@db.example:5433/feeds"


def test_storage_is_sqlite_by_default(tmp_path):
    config = load_config(write(tmp_path, MINIMAL), environ={})
    assert config.storage.url is None
    assert config.storage.shown == str(tmp_path / "copro_feeds.sqlite3")


def test_storage_url_selects_postgresql_and_is_never_shown_whole(tmp_path):
    config = load_config(write(tmp_path, MINIMAL + f'[storage]\nurl = "{PG_URL}"\n'), environ={})
    assert config.storage.url == PG_URL
    assert config.storage.shown == "postgresql://db.example:5433/feeds"
    for text in (repr(config), repr(config.storage), config.storage.shown):
        assert "s3cret-pw" not in text
        assert "copro:" not in text


def test_storage_url_from_the_environment_wins_over_the_file(tmp_path):
    text = MINIMAL + '[storage]\nurl = "postgresql://file@db.example/feeds"\n'
    config = load_config(write(tmp_path, text), environ={"COPRO_FEEDS_STORAGE_URL": PG_URL})
    assert config.storage.url == PG_URL
    assert (
        load_config(write(tmp_path, MINIMAL), environ={"COPRO_FEEDS_STORAGE_URL": ""}).storage.url
        is None
    )


def test_storage_path_and_url_together_is_an_error(tmp_path):
    text = MINIMAL + f'[storage]\npath = "x.sqlite3"\nurl = "{PG_URL}"\n'
    with pytest.raises(ConfigError, match=r"storage: set either path .* or url .*not both"):
        load_config(write(tmp_path, text), environ={})
    path_only = write(tmp_path, MINIMAL + '[storage]\npath = "x.sqlite3"\n')
    with pytest.raises(ConfigError, match="COPRO_FEEDS_STORAGE_URL is set too") as caught:
        load_config(path_only, environ={"COPRO_FEEDS_STORAGE_URL": PG_URL})
    assert "s3cret-pw" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "mysql://copro:s3cret-pw@db/feeds",
        "host=db password=s3cret-pw",
        "postgresql://a:s3cret-pw@db/f x",
    ],
)
def test_a_storage_url_that_is_not_postgresql_is_refused_without_its_password(tmp_path, url):
    with pytest.raises(
        ConfigError, match=r"the environment variable COPRO_FEEDS_STORAGE_URL: "
    ) as caught:
        load_config(write(tmp_path, MINIMAL), environ={"COPRO_FEEDS_STORAGE_URL": url})
    assert "s3cret-pw" not in str(caught.value)


def test_site_languages_put_the_first_at_the_root(tmp_path):
    text = MINIMAL.replace("[site]\n", '[site]\nlanguages = ["CY", "en"]\n')
    site = load_config(write(tmp_path, text)).site
    assert site.languages == ("cy", "en")
    assert site.language == "cy"  # the root's language
    with_tag = text.replace("[site]\n", '[site]\nlanguage = "cy-GB"\n')
    assert load_config(write(tmp_path, with_tag)).site.language == "cy-GB"


def test_one_site_language_keeps_working_alone(tmp_path):
    site = load_config(write(tmp_path, MINIMAL.replace("[site]\n", '[site]\nlanguage = "cy"\n')))
    assert (site.site.language, site.site.languages) == ("cy", ())


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('languages = "cy"', "site.languages: must be a list of language codes"),
        ("languages = []", "site.languages: must be a list of language codes"),
        ('languages = ["cy", "../x"]', "'../x' is not a language code"),
        ('languages = ["cy", 7]', "7 is not a language code"),
        ('languages = ["cy", "CY"]', "site.languages: names a language twice"),
        ('languages = ["cy", "en"]\nlanguage = "en"', "site.language: 'en' is not the first"),
    ],
)
def test_bad_site_languages_are_named(tmp_path, value, problem):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, MINIMAL.replace("[site]\n", f"[site]\n{value}\n")))
    assert problem in str(error.value)
