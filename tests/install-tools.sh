#!/usr/bin/env bash
# The programs the tests drive for real, installed if missing (needs root for apt-get):
# feed readers (newsboat, feed2exec), xmllint, PostgreSQL 15, Debian's Chromium for the
# accessibility tests (never a browser Playwright downloads), and axe-core from npm into tests/.node.
set -euo pipefail
cd "$(dirname "$0")"

packages=()
command -v newsboat >/dev/null || packages+=(newsboat)
command -v feed2exec >/dev/null || packages+=(feed2exec)
command -v xmllint >/dev/null || packages+=(libxml2-utils)
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v npm >/dev/null || packages+=(npm)
command -v systemd-analyze >/dev/null || packages+=(systemd)  # verifies contrib/systemd
# PostgreSQL 15 for the PostgreSQL store's tests: tests/postgres_server.py runs initdb in a
# temporary folder and starts its own server on 127.0.0.1 (the package's own cluster is not used).
[ -x /usr/lib/postgresql/15/bin/initdb ] || packages+=(postgresql-15)
if [ ${#packages[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if [ ! -f .node/node_modules/axe-core/axe.min.js ]; then
    npm install --silent --no-audit --no-fund --prefix .node axe-core@4.14.1
fi

# feedparser's own test feeds (BSD-2-Clause, its LICENSE kept beside them) for the corpus
# sweep in tests/test_parse.py: its source distribution on PyPI, pinned by version and hash,
# unpacked into tests/.registry/ (git-ignored).
feedparser_tests=.registry/feedparser-6.0.14
if [ ! -f "$feedparser_tests/LICENSE" ]; then
    python=../.venv/bin/python
    [ -x "$python" ] || python=python3
    download=$(mktemp -d)
    trap 'rm -rf "$download"' EXIT
    echo "feedparser==6.0.14 --hash=sha256:088679b0c4b543ee211a820dd544698c76a402122eae7473c04a43425f283d06" \
        >"$download/requirements.txt"
    "$python" -m pip download --quiet --no-deps --no-binary :all: --require-hashes \
        --requirement "$download/requirements.txt" --dest "$download"
    mkdir "$download/unpacked"
    tar -xzf "$download/feedparser-6.0.14.tar.gz" -C "$download/unpacked" --strip-components=1 \
        feedparser-6.0.14/tests feedparser-6.0.14/LICENSE
    mkdir -p .registry
    rm -rf "$feedparser_tests"
    mv "$download/unpacked" "$feedparser_tests"
fi
