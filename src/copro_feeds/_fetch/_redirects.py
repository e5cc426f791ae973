"""Which redirects are followed, and URLs made safe to show (pure functions, no I/O)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from copro_feeds.exceptions import BlockedURLError

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:)?//[^/?#]*@")


def redact(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``, safe for messages and logs."""
    return _USERINFO.sub(r"\1//***@", url)


def same_origin(first: str, second: str) -> bool:
    """True when both URLs have the same scheme, host and port (default ports filled in)."""
    try:
        one, two = urlsplit(first), urlsplit(second)
        ports = (
            one.port or _DEFAULT_PORTS.get(one.scheme.lower()),
            two.port or _DEFAULT_PORTS.get(two.scheme.lower()),
        )
    except ValueError:
        return False
    return (
        one.scheme.lower() == two.scheme.lower()
        and one.hostname == two.hostname
        and ports[0] == ports[1]
    )


def redirect_target(current: str, location: str) -> str:
    """The absolute URL a redirect from ``current`` to ``location`` leads to, if allowed.

    Raises BlockedURLError for non-http(s) targets, credentials in the URL and
    https→http downgrades.
    """
    target = urljoin(current, location.strip())
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https"):
        shown = f"a {parts.scheme}: URL" if parts.scheme else "an unusable URL"
        raise BlockedURLError(f"{redact(current)} redirected to {shown}; only http(s) is followed")
    if "@" in parts.netloc:
        raise BlockedURLError(
            f"{redact(current)} redirected to {redact(target)}, which carries credentials"
        )
    if urlsplit(current).scheme == "https" and parts.scheme == "http":
        raise BlockedURLError(f"{redact(current)} redirected from https down to {redact(target)}")
    return target
