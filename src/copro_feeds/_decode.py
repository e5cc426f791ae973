"""Content-Encoding → bytes, capped, and checked to its end (the only module using zlib
and brotli).

urllib3 decodes gzip, deflate and br as they stream, but takes a stream that stops before
its end-of-stream marker (a gzip body cut short with a Content-Length that matches what
was sent) as complete: the cut document would then be parsed as a feed. Here every
encoding is decoded by us, each read bounded by the size cap (a compression bomb stops at
the cap), and :meth:`BodyDecoder.finish` refuses a stream that has not reached its end.

Unknown codings are passed through as they are (as urllib3 does: some servers label plain
bodies with nonsense such as ``Content-Encoding: utf-8``).
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

_GZIP_MAGIC = b"\x1f\x8b"


class DecodeError(ValueError):
    """The body is not valid for its Content-Encoding (garbage, or cut short)."""


class _Stage(Protocol):
    def feed(self, data: bytes, room: int) -> bytes:
        """Decode ``data``; return at most ``room + 1`` bytes (more than ``room`` = too big)."""

    def finish(self) -> None:
        """Raise DecodeError when the stream has not reached its end."""


class _Zlib:
    """gzip (with further members) or zlib-wrapped / raw deflate."""

    def __init__(self, *, gzip: bool) -> None:
        self._gzip = gzip
        self._object: zlib._Decompress | None = (
            zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        )
        self._head = b""  # deflate: the first bytes, until they tell zlib from raw
        self._started = False
        self._swallow = False  # trailing bytes after the last gzip member

    def feed(self, data: bytes, room: int) -> bytes:
        if self._swallow or not data:
            return b""
        if self._object is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            self._object = zlib.decompressobj(zlib.MAX_WBITS if _is_zlib(data) else -zlib.MAX_WBITS)
        output = bytearray()
        while data:
            if self._object.eof:  # a member ended: another gzip member, or trailing bytes
                if not (self._gzip and data.startswith(_GZIP_MAGIC)):
                    self._swallow = True
                    break
                self._object = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._started = True
            try:
                output += self._object.decompress(data, room - len(output) + 1)
            except zlib.error as error:
                raise DecodeError(f"invalid compressed data ({error})") from error
            if len(output) > room:
                break
            data = self._object.unused_data if self._object.eof else b""
        return bytes(output)

    def finish(self) -> None:
        if self._head or (self._started and self._object is not None and not self._object.eof):
            raise DecodeError("the compressed stream ended before its end-of-stream marker")


class _Brotli:
    def __init__(self) -> None:
        self._object = brotli.Decompressor()
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        if not data:
            return b""
        self._started = True
        try:
            output = self._object.process(data, output_buffer_limit=room + 1)
            while len(output) <= room and not self._object.can_accept_more_data():
                output += self._object.process(b"", output_buffer_limit=room - len(output) + 1)
        except brotli.error as error:
            raise DecodeError(f"invalid compressed data ({error})") from error
        return bytes(output)

    def finish(self) -> None:
        if self._started and not self._object.is_finished():
            raise DecodeError("the compressed stream ended before its end-of-stream marker")


def _is_zlib(head: bytes) -> bool:
    """True for a zlib header (RFC 1950), which HTTP's ``deflate`` should carry."""
    return head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


def _stage(coding: str) -> _Stage | None:
    if coding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if coding == "deflate":
        return _Zlib(gzip=False)
    if coding == "br":
        return _Brotli()
    return None  # identity, or a label we do not know: passed through


class BodyDecoder:
    """Decodes one body's Content-Encoding chunk by chunk, never past ``limit`` bytes.

    ``feed`` returns the decoded bytes of each chunk; once the total would pass ``limit``
    it returns what it has, which then exceeds the limit (the caller refuses the body).
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        # Codings are listed in the order applied: undo them last to first.
        self._stages = [stage for c in reversed(codings) if (stage := _stage(c)) is not None]
        self._limit = limit
        self._total = 0

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next raw chunk."""
        for stage in self._stages:
            data = stage.feed(data, self._limit - self._total)
        self._total += len(data)
        return data

    def finish(self) -> None:
        """Raise DecodeError when any coding's stream stopped before its end."""
        for stage in self._stages:
            stage.finish()
