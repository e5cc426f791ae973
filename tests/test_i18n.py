"""Our own words in the reader's language: the shipped catalogues, read with Babel as they
ship (no build step), and dates written with CLDR in the page's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from jinja2 import nodes

from copro_feeds._i18n import (
    catalogue_languages,
    language_name,
    primary,
    readable_date,
    translations,
)

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


@pytest.mark.parametrize(
    ("moment", "english", "welsh"),
    [
        (datetime(2026, 3, 3, 12, tzinfo=UTC), "3 March 2026", "3 Mawrth 2026"),
        (datetime(2025, 12, 31, 23, 59, tzinfo=UTC), "31 December 2025", "31 Rhagfyr 2025"),
        (datetime(2026, 1, 1, tzinfo=UTC), "1 January 2026", "1 Ionawr 2026"),
    ],
)
def test_every_month_has_its_name_and_the_day_is_utc(moment, english, welsh):
    assert readable_date(moment, "en") == english
    assert readable_date(moment, "cy") == welsh


# --- The catalogue covers every word of ours, and no template holds a word outside it ---

SRC = Path(__file__).resolve().parents[1] / "src" / "copro_feeds"
TEMPLATES = [*sorted((SRC / "data" / "templates").glob("*.html")), SRC / "data" / "feed.xsl"]
# Our Python modules pass messages to gettext/ngettext, or to _model's _words(catalogue, message).
KEYWORDS = {**DEFAULT_KEYWORDS, "_words": (2,)}
WELSH_PO = SRC / "locale" / "cy" / "LC_MESSAGES" / "messages.po"
# Attributes people read (or hear): their values are words, like text.
READ_ATTRIBUTES = re.compile(r'\b(?:title|aria-label|alt|placeholder)="([^"]*)"')
LETTER = re.compile(r"[^\W\d_]")


def extracted() -> dict[str | tuple[str, ...], list[str]]:
    """Every message of ours, with where it is, as Babel extracts it (Jinja2's extractor for
    templates and feed.xsl, Python's for modules)."""
    files = [(path, "python") for path in sorted(SRC.rglob("*.py"))]
    files += [(path, "jinja2") for path in TEMPLATES]
    found: dict[str | tuple[str, ...], list[str]] = {}
    for path, method in files:
        for line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS
        ):
            found.setdefault(message, []).append(f"{path.relative_to(SRC)}:{line}")
    return found


def welsh() -> Catalog:
    with WELSH_PO.open("rb") as po:
        return read_po(po)


def test_our_words_are_extracted_from_templates_feed_xsl_and_modules():
    where = {place.split(":")[0] for places in extracted().values() for place in places}
    assert {"data/templates/base.html", "data/feed.xsl", "_publish/_model.py"} <= where
    assert "Via" in extracted()


def test_the_welsh_catalogue_translates_every_message_and_holds_no_stale_one():
    catalogue = welsh()
    messages = extracted()
    ids = {message if isinstance(message, str) else message[0] for message in messages}
    untranslated = sorted(
        f"{message!r} ({places[0]})"
        for message, places in messages.items()
        if not (
            (entry := catalogue.get(message if isinstance(message, str) else message[0]))
            and entry.string
            and all(entry.string)
            and not entry.fuzzy
        )
    )
    assert untranslated == []
    stale = sorted(
        str(entry.id)
        for entry in catalogue
        if entry.id and (entry.id if isinstance(entry.id, str) else entry.id[0]) not in ids
    )
    assert stale == [], "messages no longer used: remove them from messages.po"


def test_the_welsh_catalogue_says_it_awaits_review_by_a_native_speaker():
    catalogue = welsh()
    assert "AWAITING REVIEW BY A NATIVE SPEAKER" in catalogue.header_comment
    header = '"X-Review-Status: awaiting review by a native Welsh speaker\\n"'
    assert header in WELSH_PO.read_text("utf-8").splitlines()
    assert catalogue.num_plurals == 6  # CLDR's Welsh: zero, one, two, few, many, other


def test_welsh_keeps_every_placeholder_and_tag():
    for entry in welsh():
        if not entry.id:
            continue
        for english, translated in zip(
            entry.id if isinstance(entry.id, tuple) else (entry.id,),
            entry.string if isinstance(entry.string, tuple) else (entry.string,),
            strict=False,
        ):
            keep = re.compile(r"%\(\w+\)[sd]|\{\w+\}|</?\w+[^>]*>")
            assert sorted(keep.findall(translated)) == sorted(keep.findall(english)), entry.id


def template_text(path: Path) -> list[str]:
    """The words a reader meets in ``path`` outside ``_()`` and ``{% trans %}``: Jinja2's
    own parse gives the literal output (TemplateData); tags, comments, the stylesheet and
    entities are not words, but attribute values people read are."""
    pages = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    tree = pages.parse(path.read_text("utf-8"))
    # The literal output in source order, each expression or tag between as one mark.
    text = "\x01".join(data.data for data in tree.find_all(nodes.TemplateData))
    text = re.sub(r"<!--.*?-->|<style>.*?</style>", " ", text, flags=re.DOTALL)
    words = READ_ATTRIBUTES.findall(text)
    # an attribute written apart from its tag (``{% set %}`` of `` lang="``) is not a word
    words += re.sub(r"<[^>]*>|&\w+;|\s[\w-]+=\"", "\x01", text).split("\x01")
    return [" ".join(word.split()) for word in words if LETTER.search(word)]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.name)
def test_no_template_holds_a_word_outside_the_catalogue(path):
    assert template_text(path) == []


def test_the_template_check_finds_a_stray_word(tmp_path):
    # the check above can fail: plain text, a read attribute, but not markup or a comment
    stray = tmp_path / "stray.html"
    stray.write_text(
        '<!-- a comment -->\n<nav aria-label="Site"><a href="#x" class="a">{{ _("Home") }}</a>'
        "</nav>\n<p>{% trans %}Fine{% endtrans %} Hello {{ name }}</p>"
    )
    assert template_text(stray) == ["Site", "Hello"]


@pytest.mark.parametrize(
    ("code", "in_language", "name"),
    [
        ("cy", "cy", "Cymraeg"),
        ("en", "cy", "Saesneg"),
        ("cy", "en-GB", "Welsh"),
        ("qq", "en", "qq"),
    ],
)
def test_language_names_come_from_cldr(code, in_language, name):
    assert language_name(code, in_language) == name
