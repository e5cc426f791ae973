"""WebSub: feeds name the hub, and every publish that changed a feed pings it (retried later)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

import copro_feeds
from tests.conftest import PARTNERS, RSS


class HubStub:
    """A WebSub hub on 127.0.0.1 that records publish pings and can be told to fail."""

    def __init__(self) -> None:
        self.pings: list[dict[str, list[str]]] = []
        self.status = 204
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                hub.pings.append(parse_qs(self.rfile.read(length).decode()))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def topics(self) -> set[str]:
        return {ping["hub.url"][0] for ping in self.pings}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    stub = HubStub()
    yield stub
    stub.close()


def run(project, **kwargs):
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        return aggregator.run_once(**kwargs)


def with_hub(project, hub):
    text = project.config_path.read_text()
    project.config_path.write_text(
        text.replace(
            'author = "Test network"', f'author = "Test network"\nwebsub_hub = "{hub.url}"'
        )
    )


def test_changed_feeds_are_pinged_once(project, hub):
    with_hub(project, hub)
    run(project)
    assert all(ping["hub.mode"] == ["publish"] for ping in hub.pings)
    assert "https://copro.test/feeds/atom.xml" in hub.topics()
    assert "https://copro.test/feeds/sources/scope/rss.xml" in hub.topics()
    assert all(topic.endswith(("atom.xml", "rss.xml", "feed.json")) for topic in hub.topics())
    # The posts' months are over by the real clock: their archives were written, but an
    # archive names no hub, so it is not pinged.
    assert (project.public / "archive/2026-02/atom.xml").is_file()
    assert not [topic for topic in hub.topics() if "/archive/" in topic]
    count = len(hub.pings)
    run(project, all_sources=True)  # all 304: nothing changed, no ping
    assert len(hub.pings) == count


def test_failed_pings_are_retried_next_cycle_without_blocking_publishing(project, hub):
    with_hub(project, hub)
    hub.status = 500
    report = run(project)
    assert report.files_written  # publishing went ahead
    failed_topics = hub.topics()
    assert failed_topics
    hub.status = 204
    hub.pings.clear()
    run(project, all_sources=True)  # nothing new to publish, but the pings are retried
    assert hub.topics() == failed_topics
    hub.pings.clear()
    run(project, all_sources=True)
    assert hub.pings == []


def test_hub_unreachable_is_only_a_warning(project, hub, caplog):
    with_hub(project, hub)
    hub.close()
    project.server.serve(
        "/scope/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS
    )
    report = run(project)
    assert report.count(copro_feeds.Outcome.UPDATED) == 3
    assert "will retry next cycle" in caplog.text
