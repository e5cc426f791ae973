"""The language detector (lingua, restricted to the site's languages): its accuracy on 240
labelled short texts, 120 Welsh and 120 English (tests/data/language/, CC BY-SA 4.0, from
the Universal Dependencies treebanks), and how posts get a language."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from copro_feeds._detect import detect_language, with_languages
from tests.factories import entry

LABELLED = Path(__file__).parent / "data" / "language" / "labelled.tsv"
SITE_LANGUAGES = ("cy", "en")


def labelled() -> list[tuple[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as table:
        return [
            (row["language"], row["text"])
            for row in csv.DictReader(table, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def score(texts: list[tuple[str, str]]) -> tuple[int, int, int]:
    """(right, wrong, unsure) over ``texts``."""
    answers = [(language, detect_language(text, SITE_LANGUAGES)) for language, text in texts]
    right = sum(found == language for language, found in answers)
    unsure = sum(found is None for _, found in answers)
    return right, len(answers) - right - unsure, unsure


def test_the_labelled_texts_are_balanced_and_short():
    texts = labelled()
    assert len(texts) == 240
    assert sum(language == "cy" for language, _ in texts) == 120
    assert {language for language, _ in texts} == {"cy", "en"}
    assert all(30 <= len(text) <= 160 for _, text in texts)


def test_accuracy_on_sentences_the_length_of_a_title_or_excerpt():
    # Measured: 239 right, 0 wrong, 1 unsure (99.6%) with lingua-language-detector 2.1.1.
    right, wrong, unsure = score(labelled())
    assert right / 240 >= 0.99, (right, wrong, unsure)
    assert wrong == 0


def test_accuracy_on_the_first_five_words_of_each():
    # Measured: 237 right, 0 wrong, 3 unsure (98.75%): a short title is harder.
    right, wrong, unsure = score([(lang, " ".join(text.split()[:5])) for lang, text in labelled()])
    assert right / 240 >= 0.975, (right, wrong, unsure)
    assert wrong <= 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Croeso i'n cylchlythyr newydd am wasanaethau cymunedol", "cy"),
        ("Welcome to our new newsletter about community services", "en"),
        ("", None),
        ("   ", None),
    ],
)
def test_welsh_and_english_and_nothing_from_nothing(text, expected):
    assert detect_language(text, SITE_LANGUAGES) == expected


def test_one_language_or_unknown_ones_detect_nothing():
    welsh = "Croeso i'n cylchlythyr newydd am wasanaethau cymunedol"
    assert detect_language(welsh, ("cy",)) is None
    assert detect_language(welsh, ("cy", "zz")) is None  # lingua knows no "zz"
    assert detect_language(welsh, ("zz", "cy", "en")) == "cy"


def test_posts_without_a_language_get_one_the_others_keep_theirs():
    welsh = entry(id="1", title="Newyddion", excerpt="Mae'r ganolfan gymunedol ar agor bob dydd.")
    stated = entry(id="2", title="Newyddion", excerpt="The centre is open.", language="fr")
    english = entry(id="3", title="News", excerpt="The community centre is open every day.")
    found = with_languages([welsh, stated, english], SITE_LANGUAGES)
    assert [post.language for post in found] == ["cy", "fr", "en"]
    assert found[1] is stated
    assert with_languages([welsh], ("cy",)) == [welsh]  # one language: nothing to tell apart
