"""Contract: bookkeeping values (``get_meta``, ``set_meta``)."""

from __future__ import annotations


def test_meta_values(store):
    assert store.get_meta("k") is None
    store.set_meta("k", "v1")
    store.set_meta("k", "v2")
    assert store.get_meta("k") == "v2"
