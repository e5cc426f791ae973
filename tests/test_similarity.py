"""``_similarity``: MinHash fingerprints of a post's own words, without its partner's
boilerplate, the same in every process; numpy loaded only when first used."""

from __future__ import annotations

import hashlib
import pickle
import re
import struct
import subprocess
import sys
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from copro_feeds._dedupe import similarity
from copro_feeds._normalise import _content_html, normalise_entry
from copro_feeds._similarity import (
    _SEED,
    MIN_SHINGLES,
    PERMUTATIONS,
    BandTable,
    fingerprint,
    shingle_hashes,
    shingles,
    with_fingerprints,
)
from copro_feeds._text import html_to_rough_text, html_to_text
from copro_feeds.types import Entry
from tests.factories import attribution, entry
from tests.test_parse import (
    NOW,
    SETTINGS,
    real_feeds,
)

ARTICLE = (
    "Waiting for a housing adaptation such as a stairlift or a level access shower can take "
    "more than a year, and during that time people may be unable to wash properly or may "
    "sleep downstairs in a living room. Members shared stories of assessments repeated "
    "because the first one expired, and of adaptations that did not meet their needs."
)
OTHER = (
    "Young carers often carry responsibilities that their teachers know nothing about. They "
    "may arrive late because they helped a parent get dressed, or miss homework because they "
    "were up at night, and they told us a named member of staff would help the most."
)
FOOTER_A = (
    "Valleys Forum is run by and for disabled people in the valleys. Become a member for "
    "free and receive our monthly newsletter and invitations to events."
)
FOOTER_B = (
    "Carers Together supports unpaid carers of all ages across the county. Call our advice "
    "line on weekdays or drop in to one of our carers cafes."
)


def post(key: str, post_id: str, title: str, text: str):
    return entry(
        id=post_id, attribution=attribution(key), title=title, content_html=f"<p>{text}</p>"
    )


def run_python(code: str) -> str:
    """What ``code`` prints, run in a fresh Python process from the repository's root."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).parents[1],
    ).stdout


def test_a_repost_under_another_footer_is_alike_and_distinct_posts_with_one_footer_are_not():
    feed_a = with_fingerprints(
        [
            post("a", "1", "Adaptations", f"{ARTICLE} {FOOTER_A}"),
            post("a", "2", "Carers", f"{OTHER} {FOOTER_A}"),
        ]
    )
    feed_b = with_fingerprints(
        [
            post("b", "1", "Adaptations", f"Shared with permission. {ARTICLE} {FOOTER_B}"),
            post("b", "2", "Other news", f"{OTHER.replace('carers', 'pupils')} {FOOTER_B}"),
        ]
    )
    assert all(len(e.fingerprint) == PERMUTATIONS for e in (*feed_a, *feed_b))
    assert similarity(feed_a[0], feed_b[0]) >= 0.8
    assert similarity(feed_a[0], feed_a[1]) <= 0.1  # the shared footer does not count
    assert similarity(feed_a[0], feed_b[1]) <= 0.1


def test_the_same_text_gives_the_same_fingerprint_in_another_process():
    [here] = with_fingerprints([post("a", "1", "Adaptations", ARTICLE)])
    code = (
        "from copro_feeds._similarity import with_fingerprints\n"
        "from tests.factories import entry\n"
        f"html = '<p>' + {ARTICLE!r} + '</p>'\n"
        "[e] = with_fingerprints([entry(title='Adaptations', content_html=html)])\n"
        "print(list(e.fingerprint))"
    )
    assert eval(run_python(code)) == list(here.fingerprint)


def test_too_short_a_post_gets_no_fingerprint():
    words = " ".join(f"word{n}" for n in range(MIN_SHINGLES))  # MIN_SHINGLES - 2 shingles
    [short] = with_fingerprints([post("a", "1", "", words)])
    assert len(shingles("", words)) < MIN_SHINGLES
    assert short.fingerprint == ()
    assert similarity(short, short) is None


def test_importing_the_module_does_not_load_numpy():
    code = "import sys, copro_feeds._similarity; print('numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_hashes_made_apart_give_the_fingerprints_made_in_one_go():
    posts = [
        post("a", "1", "Adaptations", f"{ARTICLE} {FOOTER_A}"),
        post("a", "2", "Carers", f"{OTHER} {FOOTER_A}"),
        post("a", "3", "Short", "Too short."),
    ]
    hashes = shingle_hashes(posts)  # as the parsing sandbox makes them
    assert len(hashes) == 3
    assert hashes[2] == b""  # too short: no fingerprint
    apart = with_fingerprints(posts, pickle.loads(pickle.dumps(hashes)))
    together = with_fingerprints(posts)
    assert apart == together  # fingerprints take no part in comparing entries: compared next
    assert [tuple(e.fingerprint) for e in apart] == [tuple(e.fingerprint) for e in together]
    assert [len(e.fingerprint) for e in apart] == [PERMUTATIONS, PERMUTATIONS, 0]


def test_shingles_are_hashed_as_datasketch_hashes_them():
    from datasketch.hashfunc import sha1_hash32  # noqa: PLC0415 (the reference)

    [packed] = shingle_hashes([post("a", "1", "Adaptations", ARTICLE)])
    own = shingles("Adaptations", html_to_text(f"<p>{ARTICLE}</p>"))
    values = array("I")
    values.frombytes(packed)
    assert sorted(values) == sorted(sha1_hash32(s) for s in own)


def _datasketch_minhash(values: list[int]) -> list[int]:
    """The reference: datasketch 2's MinHash of 32-bit hashes, with our seed and scheme."""
    from datasketch import MinHash  # noqa: PLC0415 (the reference; not a dependency)

    reference = MinHash(num_perm=PERMUTATIONS, seed=_SEED, hashfunc=int, scheme="affine32")
    reference.update_batch(values)
    return [int(value) for value in reference.hashvalues.tolist()]


def test_a_fingerprint_is_datasketchs_minhash_of_the_posts_own_shingles():
    from datasketch.hashfunc import sha1_hash32  # noqa: PLC0415 (the reference)

    [made] = with_fingerprints([post("a", "1", "Adaptations", ARTICLE)])
    own = shingles("Adaptations", html_to_text(f"<p>{ARTICLE}</p>"))
    assert list(made.fingerprint) == _datasketch_minhash([sha1_hash32(s) for s in own])


@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=2000))
@settings(max_examples=200, deadline=None)
def test_fingerprints_are_datasketchs_minhash_for_any_hashes(values):
    packed = array("I", values)
    if sys.byteorder == "big":  # packed hashes are little-endian numbers
        packed.byteswap()
    assert list(fingerprint(packed.tobytes())) == _datasketch_minhash(values)


def test_hashing_shingles_does_not_load_numpy():
    """The parsing sandbox hashes shingles; numpy's libraries do not fit in its memory."""
    code = (
        "import sys\n"
        "from copro_feeds._similarity import shingle_hashes\n"
        "from tests.factories import entry\n"
        f"html = '<p>' + {ARTICLE!r} + '</p>'\n"
        "[packed] = shingle_hashes([entry(title='Adaptations', content_html=html)])\n"
        "print(len(packed) > 0, 'numpy' in sys.modules)"
    )
    assert run_python(code).split() == ["True", "False"]


# The fingerprint scheme, written plainly: it must never change (fingerprints are stored and
# compared with new ones), however shingle_hashes is made faster.
REFERENCE_WORD = re.compile(r"\w+")


def reference_shingle_hashes(entries: Sequence[Entry]) -> list[list[int]]:
    """Per entry, sorted: the first four bytes (a little-endian number) of the SHA-1 of the
    UTF-8 (surrogatepass) of each casefolded word 3-gram of its title then its text, joined
    by single spaces, that no other entry has; none when fewer than MIN_SHINGLES."""
    found = []
    for post_entry in entries:
        text = f"{post_entry.title}\n{html_to_text(post_entry.content_html)}".casefold()
        words = REFERENCE_WORD.findall(text)
        found.append({" ".join(words[i : i + 3]) for i in range(len(words) - 2)})
    entries_with = Counter(shingle for own in found for shingle in own)
    hashes = []
    for own in found:
        mine = [shingle for shingle in own if entries_with[shingle] == 1]
        digests = [hashlib.sha1(s.encode("utf-8", "surrogatepass")).digest() for s in mine]
        values = sorted(int.from_bytes(digest[:4], "little") for digest in digests)
        hashes.append(values if len(values) >= MIN_SHINGLES else [])
    return hashes


def unpacked(packed: bytes) -> list[int]:
    """Packed shingle hashes as numbers, sorted (their order is a set's: it means nothing)."""
    assert len(packed) % 4 == 0
    return sorted(value for (value,) in struct.iter_unpack("<I", packed))


def assert_hashed_as_the_reference_does(entries: Sequence[Entry]) -> None:
    packed = shingle_hashes(entries)
    assert [unpacked(p) for p in packed] == reference_shingle_hashes(entries)
    # Each shingle once: as many numbers as the reference has, no repeats.
    assert all(len(set(unpacked(p))) == len(p) // 4 for p in packed)


# Words that catch the cases: casefold expansions (ß → ss, İ → i + combining dot, which is
# no word character, ﬁ → fi), letters and digits of other scripts, marks, underscores,
# punctuation that is no word character (ASCII and not), a lone surrogate inside a word
# (titles only: content loses it), entities, markup and the markers html_to_text uses.
VOCABULARY = [
    "straße", "STRASSE", "İstanbul", "\u0131i", "ﬁne", "FINE", "Σίσυφος", "ΣΊΣΥΦΟΣ", "naïve",
    "nai\u0308ve", "日本語", "١٢٣", "a_b", "x²", "don\u2019t", "co-op", "e.g.", "—", "…", "!?",
    "“", "”", "&amp;", "&nbsp;", "&#8217;", "&#1;", "<b>bo</b>ld", "<br>", "</p><p>",
    "<img alt='Alt text'>", "\u00a0", "\u0307", "\u200b", "\x01", "\x7f", "a\ud800b", "one",
    "two", "three", "four", "One", "five", "the", "of", "and",
]  # fmt: skip
SEPARATORS = [" ", "  ", "\n", ", ", ". ", "—", "\u2019", "<br>", "</p>\n<p>", "\u00a0", "\t"]


def joined(chosen: list[str], separators: list[str]) -> str:
    return "".join(word + separators[i % len(separators)] for i, word in enumerate(chosen))


texts = st.builds(
    joined,
    st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=6), max_size=60),
    st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=4),
)
# A partner's boilerplate, so that posts share shingles.
FOOTERS = ["", FOOTER_A, FOOTER_B, " ".join(["one two three four five"] * 6)]


@st.composite
def documents(draw: st.DrawFn) -> list[Entry]:
    """One to four posts of a feed document, some sharing a footer or whole texts."""
    posts = []
    for number in range(draw(st.integers(1, 4))):
        text = draw(texts | st.sampled_from([p.content_html for p in posts] or [""]))
        footer = draw(st.sampled_from(FOOTERS))
        markup = draw(st.sampled_from(["{}", "<p>{}</p>", "<div>{}<br>x</div>"]))
        posts.append(
            entry(
                id=f"post-{number}",
                title=draw(texts | st.sampled_from(VOCABULARY)),
                content_html=markup.format(f"{text} {footer}"),
            )
        )
    return posts


@given(documents())
@example([entry(title="", content_html="")])
@example([entry(title="!?", content_html="<p>— … !?</p>")])  # punctuation only
@example([entry(title="one two", content_html="")])  # fewer than three words
@example([entry(title="Straße İstanbul ﬁne \ud800x", content_html=f"<p>{ARTICLE}</p>")])
@example([entry(title="a", content_html=f"{ARTICLE} {ARTICLE}")])  # every shingle twice
@example([post("a", "1", "A", f"{ARTICLE} {FOOTER_A}"), post("a", "2", "B", f"{OTHER} {FOOTER_A}")])
def test_shingles_are_hashed_as_the_scheme_defines(posts):
    assert_hashed_as_the_reference_does(posts)


@given(texts)
def test_rough_text_has_the_word_characters_of_the_plain_text(markup):
    assert REFERENCE_WORD.findall(html_to_rough_text(markup)) == REFERENCE_WORD.findall(
        html_to_text(markup)
    )


def real_documents() -> list[list[Entry]]:
    """The entries of each golden feed, partner feed and feedparser test feed, normalised
    (sanitised content), and again with their content as the feed gave it (any markup)."""
    documents = []
    for parsed in real_feeds():
        normalised = [normalise_entry(raw, SETTINGS, NOW) for raw in parsed.entries]
        documents.append(normalised)
        documents.append(
            [
                replace(normal, content_html=_content_html(raw, SETTINGS.max_entry_bytes))
                for normal, raw in zip(normalised, parsed.entries, strict=True)
            ]
        )
    return documents


def test_real_posts_are_hashed_as_the_scheme_defines():
    documents = real_documents()
    assert sum(map(len, documents)) > 1000
    fingerprinted = 0
    for document in documents:
        assert_hashed_as_the_reference_does(document)
        fingerprinted += sum(1 for packed in shingle_hashes(document) if packed)
    assert fingerprinted > 400  # of 3,064 posts (half of them as the feeds gave them)


def test_the_band_table_gives_each_pair_sharing_a_band_once_per_band():
    table = BandTable()
    a, b, c, d = (table.add(bands) for bands in ([1, 2, 3], [9, 2, 8], [1, 5], [7, 7, 7, 7]))
    assert sorted(table.sharing([b, c])) == [(b, a, 1), (c, a, 0)]  # new rows against all
    assert list(table.sharing([a, b, c, d])) == [(a, c, 0), (a, b, 1)]  # two new: once
    assert list(table.sharing([])) == []
    table.remove(a)
    assert list(table.sharing([b, c])) == []  # a freed row shares nothing
    e = table.add([0, 2])  # the freed row again; a band hash of 0 is kept as 1
    assert e == a
    assert sorted(table.sharing([e])) == sorted([(e, c, 0), (e, b, 1)])
    assert list(table.sharing([table.add([-1])])) == []  # any int: made 64-bit


def test_the_band_table_matches_hashes_of_any_sign_and_size():
    # numpy 2.0.0's isin failed on unsigned hashes of 2**63 and more (negative hash())
    table = BandTable()
    a = table.add([-5, 7, 2**64 - 5])
    b = table.add([-5, 8, -5])
    assert list(table.sharing([b])) == [(b, a, 0), (b, a, 2)]


def test_the_band_table_grows_in_rows_and_bands():
    table = BandTable()
    rows = [table.add(list(range(1000 * n + 1, 1000 * n + 1 + n))) for n in range(1, 150)]
    last = table.add([*range(1000 * 149 + 1, 1000 * 149 + 149), 42])  # the 149th band differs
    assert list(table.sharing([last])) == [(last, rows[-1], column) for column in range(148)]
