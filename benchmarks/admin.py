"""Staff web app benchmark: how long staff wait, at 500 and 5,000 stored posts.

Run by hand: python benchmarks/admin.py [--repeat 5]
Times (median of --repeat) argon2 hashing and checking a password, and, over real HTTP on
127.0.0.1 (waitress), signing in, the list of posts, a search, one post's page, and a hide
followed by its publish. Writes the table as JSON (benchmarks/results/admin.json).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import requests
from publish import make_entries

from copro_feeds import load_config
from copro_feeds._admin._accounts import add_account
from copro_feeds._admin._app import make_app
from copro_feeds._admin._passwords import hash_password, verify_password
from copro_feeds._refresh import discover_feeds
from copro_feeds._serve import Server
from copro_feeds._types import Role
from copro_feeds.core import make_aggregator, open_store, utc_now

PASSWORD = "a long enough password"
PARTNERS = 5
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def timed(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def make_project(root: Path, count: int) -> Path:
    """A feeds.toml of five partners (never fetched) and a store holding ``count`` posts."""
    sources = "".join(
        f'\n[[sources]]\nname = "Partner {i}"\nurl = "https://p{i}.example/feed/"\n'
        for i in range(PARTNERS)
    )
    path = root / "feeds.toml"
    path.write_text(
        '[site]\ntitle = "Bench"\nlink = "https://bench.example/"\n'
        'feed_url = "https://bench.example/atom.xml"\n' + sources,
        encoding="utf-8",
    )
    config = load_config(path)
    store = open_store(config)
    try:
        store.sync_sources({source.key: source.url for source in config.sources})
        now = datetime(2026, 3, 2, tzinfo=UTC)
        for i in range(PARTNERS):
            key = f"partner-{i}"
            entries = [
                replace(entry, attribution=replace(entry.attribution, source_key=key))
                for entry in make_entries(count)
                if entry.attribution.source_key == f"p{i}"
            ]
            store.save_fetch(store.state(key), entries, frozenset(), now)
        add_account(store, "bench", Role.EDITOR, PASSWORD, now, by=None)
    finally:
        store.close()
    return path


def measure(count: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(make_project(Path(folder), count))
        with make_aggregator(config) as aggregator:
            aggregator.publish()
            store = open_store(config)
            app = make_app(aggregator, store, secret="bench" * 10, clock=utc_now,
                           discover=discover_feeds)  # fmt: skip
            server = Server(app=app, port=0)
            base = server.start().rstrip("/")
            http = requests.Session()
            http.trust_env = False
            try:

                def sign_in() -> None:
                    token = TOKEN.search(http.get(base + "/login").text)[1]
                    data = {"csrf_token": token, "username": "bench", "password": PASSWORD}
                    assert http.post(base + "/login", data=data).url.endswith("/entries")

                sign_in_s = timed(sign_in, repeat)
                listing = http.get(base + "/entries").text
                posts = re.findall(r'href="(/entries/partner-[^"]+)"', listing)
                row = {
                    "entries": count,
                    "sign_in_ms": 1000 * sign_in_s,
                    "list_ms": 1000 * timed(lambda: http.get(base + "/entries"), repeat),
                    "search_ms": 1000
                    * timed(lambda: http.get(base + "/entries?q=post+power"), repeat),
                    "post_ms": 1000 * timed(lambda: http.get(base + posts[0]), repeat),
                }
                hidden = iter(posts[1:])

                def hide() -> None:
                    page = next(hidden)
                    token = TOKEN.search(http.get(base + page).text)[1]
                    answer = http.post(base + page + "/hide",
                                       data={"csrf_token": token, "reason": "bench"})  # fmt: skip
                    assert "is hidden, and published" in answer.text

                row["hide_and_publish_ms"] = 1000 * timed(hide, repeat)
            finally:
                server.stop()
                store.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    hashed = hash_password(PASSWORD)
    argon2 = {
        "hash_ms": 1000 * timed(lambda: hash_password(PASSWORD), args.repeat),
        "verify_ms": 1000 * timed(lambda: verify_password(hashed, PASSWORD), args.repeat),
    }
    print(f"argon2id: hash {argon2['hash_ms']:.0f} ms, verify {argon2['verify_ms']:.0f} ms")
    columns = ("sign_in_ms", "list_ms", "search_ms", "post_ms", "hide_and_publish_ms")
    print(f"{'entries':>7}  " + "  ".join(f"{c:>19}" for c in columns))
    rows = []
    for count in (500, 5000):
        row = measure(count, args.repeat)
        rows.append(row)
        print(f"{count:>7}  " + "  ".join(f"{row[c]:>19.0f}" for c in columns))
    out = Path(__file__).parent / "results" / "admin.json"
    out.write_text(json.dumps({"argon2": argon2, "pages": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
