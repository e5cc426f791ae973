"""The schemas our published files are checked against, vendored in tests/data/schemas
(see the README there for where each comes from and its licence)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jsonschema
from lxml import etree

SCHEMAS = Path(__file__).parent / "data" / "schemas"
ATOM_RNG = SCHEMAS / "atom.rng"
JSON_FEED = SCHEMAS / "jsonfeed-1.1.schema.json"


@functools.cache
def atom_relaxng() -> etree.RelaxNG:
    """RFC 4287's RELAX NG grammar, compiled once per process."""
    return etree.RelaxNG(file=str(ATOM_RNG))


@functools.cache
def json_feed_validator() -> jsonschema.Draft7Validator:
    """JSON Feed 1.1's JSON Schema, with format checks (dates, URIs)."""
    schema = json.loads(JSON_FEED.read_text())
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
