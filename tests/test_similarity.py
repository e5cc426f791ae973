"""``_similarity``: MinHash fingerprints of a post's own words, without its partner's
boilerplate, the same in every process; datasketch loaded only when first used."""

from __future__ import annotations

import pickle
import subprocess
import sys
from array import array
from pathlib import Path

from copro_feeds._dedupe import similarity
from copro_feeds._similarity import (
    _SEED,
    MIN_SHINGLES,
    PERMUTATIONS,
    shingle_hashes,
    shingles,
    with_fingerprints,
)
from copro_feeds._text import html_to_text
from tests.factories import attribution, entry

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


def test_importing_the_module_does_not_load_datasketch():
    code = "import sys, copro_feeds._similarity; print('datasketch' in sys.modules)"
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
    assert apart == with_fingerprints(posts)
    assert [len(e.fingerprint) for e in apart] == [PERMUTATIONS, PERMUTATIONS, 0]


def test_shingles_are_hashed_as_datasketch_hashes_them():
    from datasketch.hashfunc import sha1_hash32  # noqa: PLC0415 (the reference)

    [packed] = shingle_hashes([post("a", "1", "Adaptations", ARTICLE)])
    own = shingles("Adaptations", html_to_text(f"<p>{ARTICLE}</p>"))
    values = array("I")
    values.frombytes(packed)
    assert sorted(values) == sorted(sha1_hash32(s.encode()) for s in own)


def test_a_fingerprint_is_datasketchs_minhash_of_the_posts_own_shingles():
    from datasketch import MinHash  # noqa: PLC0415 (the reference)

    [made] = with_fingerprints([post("a", "1", "Adaptations", ARTICLE)])
    reference = MinHash(num_perm=PERMUTATIONS, seed=_SEED)
    reference.update_batch([s.encode() for s in shingles("Adaptations", ARTICLE)])
    assert list(made.fingerprint) == reference.hashvalues.tolist()


def test_hashing_shingles_does_not_load_datasketch():
    """The parsing sandbox hashes shingles; numpy's libraries do not fit in its memory."""
    code = (
        "import sys\n"
        "from copro_feeds._similarity import shingle_hashes\n"
        "from tests.factories import entry\n"
        f"html = '<p>' + {ARTICLE!r} + '</p>'\n"
        "[packed] = shingle_hashes([entry(title='Adaptations', content_html=html)])\n"
        "print(len(packed) > 0, 'datasketch' in sys.modules, 'numpy' in sys.modules)"
    )
    assert run_python(code).split() == ["True", "False", "False"]
