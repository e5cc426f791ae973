"""Decoding a response body (``_decode``): every coding undone exactly, a stream cut short
refused, a decompression bomb stopped at the cap.

The body shrunk or cut on the wire, end to end: tests/test_truncation.py.
"""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from copro_feeds._decode import BodyDecoder, DecodeError
from tests.test_truncation import POSTS, rss


def compress(coding: str, data: bytes) -> bytes:
    if coding == "gzip":
        return gzip.compress(data)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "raw-deflate":
        squeezer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return squeezer.compress(data) + squeezer.flush()
    return brotli.compress(data)


def decode(coding: str, data: bytes, *, limit: int = 10**7, chunk: int = 7) -> bytes:
    decoder = BodyDecoder("deflate" if coding == "raw-deflate" else coding, limit)
    out = b"".join(decoder.feed(data[i : i + chunk]) for i in range(0, len(data), chunk))
    decoder.finish()
    return out


CODINGS = ["gzip", "deflate", "raw-deflate", "br"]


@pytest.mark.parametrize("coding", CODINGS)
def test_a_whole_stream_decodes_exactly(coding: str) -> None:
    body = rss(POSTS)
    assert decode(coding, compress(coding, body)) == body


@pytest.mark.parametrize("coding", CODINGS)
def test_a_stream_cut_anywhere_is_refused(coding: str) -> None:
    packed = compress(coding, rss(POSTS))
    cuts = sorted({1, 2, 5, len(packed) // 3, len(packed) // 2, len(packed) - 8, len(packed) - 1})
    for cut in cuts:
        with pytest.raises(DecodeError, match=r"end-of-stream|invalid"):
            decode(coding, packed[:cut])


def test_gzip_members_are_all_read_and_trailing_bytes_ignored() -> None:
    both = gzip.compress(b"<rss>") + gzip.compress(b"</rss>")
    assert decode("gzip", both) == b"<rss></rss>"
    assert decode("gzip", gzip.compress(b"<rss/>") + b"\0\0junk") == b"<rss/>"


def test_stacked_codings_are_undone_last_to_first() -> None:
    body = rss(POSTS)
    decoder = BodyDecoder("gzip, br", 10**7)
    assert decoder.feed(brotli.compress(gzip.compress(body))) == body
    decoder.finish()


@pytest.mark.parametrize("coding", CODINGS)
def test_a_bomb_stops_at_the_cap(coding: str) -> None:
    decoder = BodyDecoder("deflate" if coding == "raw-deflate" else coding, 1000)
    out = decoder.feed(compress(coding, b"a" * 10**7))
    assert 1000 < len(out) <= 1000 + 65536


def test_unknown_codings_pass_through() -> None:
    decoder = BodyDecoder("utf-8", 100)
    assert decoder.feed(b"<rss/>") == b"<rss/>"
    decoder.finish()
