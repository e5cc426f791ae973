#!/usr/bin/env bash
# The programs the tests drive for real, installed if missing (needs root for apt-get):
# feed readers (newsboat, feed2exec), xmllint, Debian's Chromium for the accessibility
# tests (never a browser Playwright downloads), and axe-core from npm into tests/.node.
set -euo pipefail
cd "$(dirname "$0")"

packages=()
command -v newsboat >/dev/null || packages+=(newsboat)
command -v feed2exec >/dev/null || packages+=(feed2exec)
command -v xmllint >/dev/null || packages+=(libxml2-utils)
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v npm >/dev/null || packages+=(npm)
command -v systemd-analyze >/dev/null || packages+=(systemd)  # verifies contrib/systemd
if [ ${#packages[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if [ ! -f .node/node_modules/axe-core/axe.min.js ]; then
    npm install --silent --no-audit --no-fund --prefix .node axe-core@4.14.1
fi
