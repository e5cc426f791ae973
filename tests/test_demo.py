"""``_demo``: ``copro-feeds demo`` runs the whole pipeline offline on 127.0.0.1 and
serves the result until SIGTERM."""

from __future__ import annotations

import re
import signal
import urllib.request

from tests.test_cli import start


def test_demo_serves_an_aggregated_feed_offline():
    demo = start("demo")
    try:
        lines = []
        while not any("Press Ctrl-C" in line for line in lines):
            line = demo.stdout.readline()
            assert line, demo.stderr.read()
            lines.append(line)
        text = "".join(lines)
        assert "sources: 3 updated, 0 not modified, 0 failed" in text
        atom_url = re.search(r"Atom:\s+(\S+)", text).group(1)
        body = urllib.request.urlopen(atom_url, timeout=5).read()
        assert body.count(b"<entry>") == 5
        assert b"Via &lt;a href=" in body
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.communicate(timeout=30)
    assert demo.returncode == 0
