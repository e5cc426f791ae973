"""A folder of published files served on 127.0.0.1 by copro_feeds's own static server,
for tests that follow links or open pages in a browser."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from copro_feeds._serve import Server


def write_tree(folder: Path, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` (bytes by path relative to ``folder``) into ``folder``."""
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while the generator is open; yields the
    base URL."""
    server = Server(folder, host="127.0.0.1", port=0)
    base = server.start()
    try:
        yield base
    finally:
        server.stop()


def fetch(url: str) -> bytes:
    """GET ``url``, which must be on loopback."""
    assert url.startswith("http://127.0.0.1:"), url  # never anywhere but loopback
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())
