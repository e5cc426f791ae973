"""Which of the site's languages a post is written in, when its feed does not say (the only
module importing lingua, lingua-language-detector).

The detector is restricted to the site's languages (``[site] languages``), so it only has
to tell, say, Welsh from English; it reads the post's title and excerpt. When the two are
too close to call it says nothing, and the post stays unmarked (it is in the combined feed,
in no per-language one). Its accuracy on 240 labelled short texts (120 Welsh, 120 English,
from the Universal Dependencies treebanks; tests/data/language/) is measured by
tests/test_detect.py and quoted in docs/welsh.md. Built once per set of languages and
kept: building loads the languages' models (a few MB each).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from copro_feeds.types import Entry

# How much likelier the best language must be than the next (0 to 1) for an answer: just
# enough to leave the rare text that is both (or neither) unmarked.
MINIMUM_DISTANCE = 0.1


@functools.cache
def _detector(languages: tuple[str, ...]) -> LanguageDetector | None:
    known = []
    for code in languages:
        try:
            known.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)))
        except ValueError:
            continue  # a language lingua does not know: never detected
    if len(known) < 2:
        return None  # one language (or none) to choose from: nothing to tell apart
    builder = LanguageDetectorBuilder.from_languages(*known)
    return builder.with_minimum_relative_distance(MINIMUM_DISTANCE).build()


def detect_language(text: str, languages: Sequence[str]) -> str | None:
    """The code (from ``languages``, ISO 639-1 like ``cy``) of the language ``text`` is
    in, or None when unsure, or when fewer than two of ``languages`` are known."""
    return _detect(text, tuple(languages))


# Each publish asks again about every stored post: a daemon answers from memory.
@functools.lru_cache(maxsize=65536)
def _detect(text: str, languages: tuple[str, ...]) -> str | None:
    detector = _detector(languages)
    found = detector.detect_language_of(text) if detector and text.strip() else None
    return found.iso_code_639_1.name.lower() if found else None


def with_languages(entries: Sequence[Entry], languages: Sequence[str]) -> list[Entry]:
    """``entries``, each without a language given the one detected from its title and
    excerpt (among ``languages``); the others as they are."""
    if len(languages) < 2:
        return list(entries)
    found = []
    for entry in entries:
        language = entry.language or detect_language(f"{entry.title}\n{entry.excerpt}", languages)
        found.append(entry if language == entry.language else replace(entry, language=language))
    return found
