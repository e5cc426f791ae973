"""The checking half of reading feeds.toml: typed values out of TOML tables.

A :class:`Checker` records every problem with its key path instead of stopping at the
first; the converters turn one TOML value into one typed setting or raise ValueError with
the message the problem shows. :mod:`copro_feeds.config` reads its sections with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from copro_feeds.types import Display

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CODE = re.compile(r"[a-z]{2,3}")  # an ISO 639 language code: safe as a folder name
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 token
# Headers the fetcher sets itself, or that belong to the connection: not per source.
_OWN_HEADERS = frozenset({
    "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
    "upgrade", "trailer", "if-none-match", "if-modified-since", "accept-encoding",
    "user-agent",
})  # fmt: skip


def parse_duration(value: object) -> float:
    """``"90s"``, ``"30m"``, ``"6h"``, ``"1d"`` or a number of seconds → seconds."""
    if isinstance(value, bool):
        raise ValueError("not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    else:
        raise ValueError('not a duration like "90s", "30m", "6h" or "1d"')
    if seconds < 1:
        raise ValueError("must be at least one second")
    return seconds


class Checker:
    """Reads typed values out of TOML tables, recording every problem with its key path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def unknown_keys(self, table: Mapping[str, Any], prefix: str, known: set[str]) -> None:
        for key in table:
            if key not in known:
                where = f"{prefix}.{key}" if prefix else key
                self.problem(where, f"unknown key (known keys: {', '.join(sorted(known))})")

    def table(self, raw: Mapping[str, Any], name: str, *, required: bool = False) -> dict[str, Any]:
        value = raw.get(name)
        if value is None:
            if required:
                self.problem(name, "missing table")
            return {}
        if not isinstance(value, dict):
            self.problem(name, "must be a table")
            return {}
        return value

    def get(
        self,
        table: Mapping[str, Any],
        where: str,
        key: str,
        convert: Callable[[Any], Any],
        default: Any = None,
        *,
        required: bool = False,
    ) -> Any:
        if key not in table:
            if required:
                self.problem(f"{where}.{key}", "missing (required)")
            return default
        try:
            return convert(table[key])
        except ValueError as error:
            self.problem(f"{where}.{key}", str(error))
            return default


def text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value.strip()


def http_url(value: object) -> str:
    url = text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    return url


def positive_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError("must be a number of seconds above 0")
    return float(value)


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def words(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def language_codes(value: object) -> tuple[str, ...]:
    """A list of primary language codes (``["cy", "en"]``): each names a folder of the site."""
    if not isinstance(value, list) or not value:
        raise ValueError('must be a list of language codes, like ["cy", "en"]')
    codes = tuple(str(code).strip().lower() if isinstance(code, str) else "" for code in value)
    bad = [repr(raw) for code, raw in zip(codes, value, strict=True) if not _CODE.fullmatch(code)]
    if bad:
        raise ValueError(
            f"{', '.join(bad)} is not a language code: use two or three letters, like cy or en"
        )
    if len(set(codes)) != len(codes):
        raise ValueError("names a language twice")
    return codes


def env_name(value: object) -> str:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        raise ValueError("must be the name of an environment variable, like SCOPE_FEED_AUTH")
    return value


def headers(value: object) -> tuple[tuple[str, str], ...]:
    """``{ Name = "value" }`` → ((name, value), …). Values are never quoted in a message:
    they may be secrets (a ``${VARIABLE}`` inside one is read at each fetch)."""
    if not isinstance(value, dict):
        raise ValueError('must be a table of header names and values, like { X-Key = "${KEY}" }')
    problems: list[str] = []
    seen: set[str] = set()
    for name, text in value.items():
        if not _HEADER_NAME.match(name):
            problems.append(f"{name!r} is not a header name (letters, digits and !#$%&'*+.^_`|~-)")
        elif name.lower() in _OWN_HEADERS:
            problems.append(f"{name} is set by copro-feeds itself (or the connection)")
        elif name.lower() in seen:
            problems.append(f"{name} is given twice (header names ignore case)")
        if not isinstance(text, str):
            problems.append(f"the value of {name} must be a string")
        elif any(character in text for character in "\r\n\0"):
            problems.append(f"the value of {name} must not hold a line break or NUL")
        seen.add(name.lower())
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(value.items())


def display(value: object) -> Display:
    choices = [display.value for display in Display]
    if value not in choices:
        raise ValueError(f"must be one of {', '.join(repr(c) for c in choices)}")
    return Display(value)


def one_of(*choices: str) -> Callable[[object], str]:
    def convert(value: object) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(repr(c) for c in choices)}")
        assert isinstance(value, str)
        return value

    return convert
