"""Our own words in the reader's language: the shipped catalogues, read with Babel as they
ship (no build step), and dates written with CLDR in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from copro_feeds._i18n import catalogue_languages, primary, readable_date, translations

MARCH_2 = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)


def test_welsh_ships_and_is_read_without_a_build_step():
    assert "cy" in catalogue_languages()
    assert translations("cy").gettext("Skip to main content") == "Neidio i'r prif gynnwys"


@pytest.mark.parametrize("tag", ["cy", "cy-GB", "CY_gb"])
def test_any_welsh_tag_reads_the_welsh_catalogue(tag):
    assert translations(tag).gettext("Skip to main content") == "Neidio i'r prif gynnwys"
    assert primary(tag) == "cy"


@pytest.mark.parametrize("tag", ["en", "en-GB", "fr", "x-unknown"])
def test_english_and_languages_without_a_catalogue_keep_the_english_words(tag):
    assert translations(tag).gettext("Skip to main content") == "Skip to main content"


def test_an_unknown_message_is_itself_in_welsh_too():
    assert translations("cy").gettext("No such words") == "No such words"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("cy", "2 Mawrth 2026"),
        ("cy-GB", "2 Mawrth 2026"),
        ("en", "2 March 2026"),
        ("en-GB", "2 March 2026"),
        ("x-unknown", "2 March 2026"),
    ],
)
def test_dates_in_the_page_language(language, expected):
    assert readable_date(MARCH_2, language) == expected
