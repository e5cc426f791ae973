"""HTTP fetching: the only module (a package) that imports requests and urllib3.

One :class:`Fetcher` owns one ``requests.Session`` and is shared by the worker threads.
It follows redirects itself, one hop at a time, never reading a redirect's body
(:mod:`._redirects`); keeps a whole-request deadline with a watchdog that shuts the
sockets of a late fetch down (:mod:`._deadline`); caps the body after decompression;
refuses private addresses both before connecting and on the socket actually connected
(:mod:`._guard`); and turns every failure into a
:class:`~copro_feeds.exceptions.FetchError` subclass whose text names the (redacted) URL
(:mod:`._errors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import requests

from copro_feeds._decode import BodyDecoder, DecodeError
from copro_feeds._fetch._deadline import Watchdog
from copro_feeds._fetch._errors import (
    NETWORK_ERRORS,
    deadline_error,
    parse_retry_after,
    status_error,
    translate,
)
from copro_feeds._fetch._guard import (
    PRIVATE_HINT,
    Adapter,
    Resolver,
    Session,
    check_host,
    system_resolver,
    watched,
)
from copro_feeds._fetch._redirects import (
    PERMANENT,
    REDIRECTS,
    redact,
    redirect_target,
    same_origin,
)
from copro_feeds._types import FetchResponse
from copro_feeds.config import FetchConfig
from copro_feeds.exceptions import BlockedURLError, FetchError, ResponseTooLargeError

__all__ = [
    "ACCEPT",
    "PRIVATE_HINT",
    "Fetcher",
    "Resolver",
    "parse_retry_after",
    "redact",
    "redirect_target",
    "same_origin",
    "system_resolver",
]

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, "
    "application/json;q=0.8, text/html;q=0.1, */*;q=0.1"
)
_CHUNK = 64 * 1024


class Fetcher:
    """Fetches feeds politely and defensively; thread-safe, one per aggregator."""

    def __init__(self, settings: FetchConfig, *, resolver: Resolver | None = None) -> None:
        self._settings = settings
        self._resolver = resolver or system_resolver
        self._session = Session()
        self._session.trust_env = False
        self._session.headers.clear()
        self._session.headers.update({"Accept": ACCEPT, "Accept-Encoding": "gzip, deflate, br"})
        adapter = Adapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self._session.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        user_agent: str | None = None,
        timeout: float | None = None,
        auth: tuple[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> FetchResponse:
        """GET ``url`` (conditionally when validators are given), following redirects.

        ``timeout`` shortens the whole-request deadline below ``[fetch] timeout``.
        ``auth`` (user, password) is sent as HTTP Basic auth to ``url``'s origin only: a
        redirect to another scheme, host or port goes there without it; so are
        ``extra_headers`` (a source's own ``headers``, which may hold secrets; ours win
        over theirs). ``now`` (the run's
        time) is what a Retry-After date is counted from; the clock when not given.
        Returns a 200 or 304 :class:`FetchResponse`; raises FetchError subclasses only.
        """
        headers = {"User-Agent": user_agent or self._settings.user_agent}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seconds = (
            self._settings.timeout if timeout is None else min(timeout, self._settings.timeout)
        )
        guard = not self._settings.allow_private_networks
        with Watchdog(seconds) as watchdog, watched(watchdog, guard=guard):
            result = self._follow(
                url, headers, watchdog, (auth, extra_headers), now or datetime.now(UTC)
            )
        if watchdog.expired and result.status == 200:  # the body may have been cut short
            raise deadline_error(url, watchdog)
        return result

    def ping_hub(self, hub: str, topic: str) -> None:
        """Tell a WebSub hub that ``topic`` changed (form POST ``hub.mode=publish``).

        Raises FetchError subclasses when the hub cannot be reached or does not answer 2xx.
        """
        form = {"hub.mode": "publish", "hub.url": topic}
        headers = {"User-Agent": self._settings.user_agent}
        guard = not self._settings.allow_private_networks
        with Watchdog(self._settings.timeout) as watchdog, watched(watchdog, guard=guard):
            try:
                self._check_host(hub)
                timeout = (self._settings.connect_timeout, self._settings.read_timeout)
                with self._session.post(
                    hub, data=form, headers=headers, allow_redirects=False, timeout=timeout
                ) as response:
                    if not 200 <= response.status_code < 300:
                        raise status_error(response, hub, datetime.now(UTC))
            except NETWORK_ERRORS as error:
                raise translate(error, hub, watchdog) from error

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        watchdog: Watchdog,
        secrets: tuple[tuple[str, str] | None, Mapping[str, str] | None],
        now: datetime,
    ) -> FetchResponse:
        """Send ``url`` and each redirect target in turn; return the final response.

        ``secrets`` (the login and the source's own headers) go to ``url``'s origin only.
        """
        auth, extra = secrets
        own_origin = {**extra, **headers} if extra else headers
        visited = {url}
        current, hops, permanent = url, 0, True
        while True:
            if watchdog.expired:
                raise deadline_error(current, watchdog)
            self._check_host(current)
            at_home = same_origin(current, url)
            response = self._send(
                current, own_origin if at_home else headers, watchdog, auth if at_home else None
            )
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or location is None:
                moved = current if hops and permanent else None
                return self._finish(response, current, headers, watchdog, moved=moved, now=now)
            response.close()  # without reading the body
            target = redirect_target(current, location)
            hops += 1
            if target in visited:
                raise BlockedURLError(
                    f"redirect loop: {redact(current)} leads back to {redact(target)}"
                )
            if hops > self._settings.max_redirects:
                limit = self._settings.max_redirects
                raise BlockedURLError(f"too many redirects from {redact(url)} (more than {limit})")
            permanent = permanent and response.status_code in PERMANENT
            visited.add(target)
            current = target

    def _check_host(self, url: str) -> None:
        """Refuse non-http(s) URLs and, when guarded, hosts with any non-public address."""
        check_host(url, self._resolver, allow_private=self._settings.allow_private_networks)

    def _send(
        self,
        url: str,
        headers: dict[str, str],
        watchdog: Watchdog,
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        """One GET without following redirects; the body is left unread."""
        remaining = max(watchdog.remaining(), 0.001)
        timeout = (
            min(self._settings.connect_timeout, remaining),
            min(self._settings.read_timeout, remaining),
        )
        try:
            return self._session.get(
                url,
                headers=headers,
                allow_redirects=False,
                stream=True,
                timeout=timeout,
                auth=auth,
            )
        except NETWORK_ERRORS as error:
            raise translate(error, url, watchdog) from error

    def _finish(
        self,
        response: requests.Response,
        url: str,
        sent: dict[str, str],
        watchdog: Watchdog,
        *,
        moved: str | None,
        now: datetime,
    ) -> FetchResponse:
        """Turn the final response into a FetchResponse or a status error."""
        with response:
            status = response.status_code
            if 200 <= status < 300:
                try:
                    body = _read_body(response, url, self._settings.max_bytes)
                except NETWORK_ERRORS as error:
                    raise translate(error, url, watchdog) from error
            elif status == 304:
                body = b""
            else:
                raise status_error(response, url, now)
            # Read to the end (a 304 has no body): the connection goes back to the pool
            # for the next feed on this host, instead of being closed with the response.
            response.raw.release_conn()
        headers = {name.lower(): value for name, value in response.headers.items()}
        if status == 304:
            etag = headers.get("etag", sent.get("If-None-Match"))
            last_modified = headers.get("last-modified", sent.get("If-Modified-Since"))
        else:
            etag, last_modified = headers.get("etag"), headers.get("last-modified")
        return FetchResponse(
            url=url,
            status=304 if status == 304 else 200,
            body=body,
            headers=headers,
            etag=etag,
            last_modified=last_modified,
            permanent_redirect=moved,
        )


def _read_body(response: requests.Response, url: str, limit: int) -> bytes:
    """The decoded body, refused as soon as it passes ``limit`` bytes (before or after
    decoding), or when its compressed stream stops before its end."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLargeError(
            f"{redact(url)} declares {int(declared)} bytes, over the {limit}-byte cap"
        )
    decoder = BodyDecoder(response.headers.get("content-encoding", ""), limit)
    chunks: list[bytes] = []
    received = total = 0
    try:
        for raw in response.raw.stream(_CHUNK, decode_content=False):
            received += len(raw)
            chunk = decoder.feed(raw)
            total += len(chunk)
            if total > limit or received > limit:
                raise ResponseTooLargeError(f"{redact(url)} sent more than the {limit}-byte cap")
            chunks.append(chunk)
        decoder.finish()
    except DecodeError as error:
        raise FetchError(f"{redact(url)} sent an invalid compressed body: {error}") from error
    return b"".join(chunks)
