"""URLs as copro_feeds shows and publishes them: never with credentials.

A source URL may carry ``user:password@`` so that the fetcher can log in; the fetcher keeps
using it, but every URL made from it for people (credits, ``<source>`` ids and links, the
OPML lists, the pages) goes through :func:`without_credentials` first.
"""

from __future__ import annotations

import re

# The authority's userinfo: everything up to the last "@" before the path, query or fragment.
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:)?//[^/?#]*@")


def without_credentials(url: str) -> str:
    """``url`` without its ``user:password@`` (unchanged when it has none)."""
    return _USERINFO.sub(r"\1//", url.strip(), count=1)
