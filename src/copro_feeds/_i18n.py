"""Our own words in the reader's language: the message catalogues and CLDR dates, with Babel
(the only module importing babel).

Every word of ours that a reader sees (page text, the roundup, the credit line in feeds,
``feed.xsl``) is an English message id looked up in the catalogue of the page's language,
``locale/<code>/LC_MESSAGES/messages.po`` inside the package. The ``.po`` file is read as
it ships and compiled in memory on first use (cached per language), so a clean clone needs
no build step. English is the message ids themselves; a language with no catalogue falls
back to English. Dates are written with CLDR's long date format in the page's language:
``2 Mawrth 2026``, ``2 March 2026`` (British English for ``en``, as in Wales).
"""

from __future__ import annotations

import functools
import gettext
from datetime import date, datetime
from importlib import resources
from io import BytesIO

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

CATALOGUE = "messages.po"
_PO = f"LC_MESSAGES/{CATALOGUE}"
SOURCE_LANGUAGE = "en"
# The date locale of each language where CLDR's default is not the one readers here expect.
_DATE_LOCALES = {"en": "en_GB"}


def primary(language: str) -> str:
    """The primary subtag of a language tag, lower case: ``en-GB`` → ``en``."""
    return language.replace("_", "-").split("-")[0].lower()


def catalogue_languages() -> tuple[str, ...]:
    """The languages with a shipped catalogue, sorted (English, the message ids, is not one)."""
    folder = resources.files("copro_feeds").joinpath("locale")
    found = (entry.name for entry in folder.iterdir() if entry.joinpath(_PO).is_file())
    return tuple(sorted(found))


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The translations of ``language`` (any tag: ``cy-GB`` reads the ``cy`` catalogue).

    English, and a language with no catalogue, translate each message to itself.
    """
    code = primary(language)
    if code == SOURCE_LANGUAGE or code not in catalogue_languages():
        return gettext.NullTranslations()
    source = resources.files("copro_feeds").joinpath("locale", code, _PO)
    with source.open("rb") as po:
        catalog = read_po(po, locale=code)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def _date_locale(language: str) -> Locale:
    code = primary(language)
    try:
        return Locale.parse(_DATE_LOCALES.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(_DATE_LOCALES[SOURCE_LANGUAGE])


def readable_date(moment: datetime, language: str) -> str:
    """A date as people read it in ``language``: ``2 Mawrth 2026``, ``2 March 2026``."""
    return _readable_day(moment.date(), language)


@functools.lru_cache(maxsize=4096)  # many posts share a day; CLDR formatting is slow
def _readable_day(day: date, language: str) -> str:
    return format_date(day, format="long", locale=_date_locale(language))


def readable_month(moment: datetime, language: str) -> str:
    """A month as people read it in ``language``: ``Mawrth 2026``, ``March 2026`` (CLDR's
    stand-alone month name, then the year)."""
    return format_date(moment.date(), format="LLLL y", locale=_date_locale(language))


def language_name(code: str, in_language: str) -> str:
    """The name of language ``code`` in ``in_language`` (CLDR): ``language_name("en", "cy")``
    is ``Saesneg``, ``language_name("cy", "cy")`` is ``Cymraeg``; the code itself when CLDR
    does not know it."""
    try:
        name = Locale.parse(primary(code)).get_language_name(_date_locale(in_language))
    except (UnknownLocaleError, ValueError):
        return code
    return name or code
