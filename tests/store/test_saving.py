"""The pure save plan every backend follows (``_store/_saving.py``)."""

from __future__ import annotations

from copro_feeds._store._encoding import content_hash
from copro_feeds._store._saving import StoredCopy, plan_save
from tests.factories import NOW, entry


def row(e, digest):
    return {"id": e.id, "digest": digest, "published": e.published}


def copy_of(e, *, language=None, published=NOW):
    return StoredCopy(content_hash(e, undated=False), published, language)


def no_length(entry_id):
    raise AssertionError(f"asked the length of {entry_id} for a well-formed document")


def test_new_edited_relabelled_and_unchanged_entries_are_sorted_apart():
    same, edited, relabelled = entry(id="same"), entry(id="edited"), entry(id="lang")
    stored = {
        "same": copy_of(same),
        "edited": copy_of(entry(id="edited", title="Old title")),
        "lang": copy_of(relabelled, language="en"),
    }
    plan = plan_save([same, edited, relabelled, entry(id="new")], frozenset(), stored,
                     well_formed=True, row=row, stored_length=no_length)  # fmt: skip
    assert [r["id"] for r in plan.inserts] == ["new"]
    assert [r["id"] for r in plan.updates] == ["edited"]
    assert [r["id"] for r in plan.relabels] == ["lang"]
    assert (plan.counts.new, plan.counts.updated, plan.changed) == (1, 1, True)
    nothing = plan_save([same], frozenset(), stored, well_formed=True, row=row,
                        stored_length=no_length)  # fmt: skip
    assert (nothing.counts.new, nothing.counts.updated, nothing.changed) == (0, 0, False)


def test_an_undated_edit_keeps_the_stored_date_and_a_broken_shorter_copy_is_skipped():
    stored = {"a": StoredCopy("old digest", "as stored", None)}
    undated = plan_save([entry(id="a")], frozenset({"a"}), stored, well_formed=True, row=row,
                        stored_length=no_length)  # fmt: skip
    assert undated.updates[0]["published"] == "as stored"
    cut = plan_save([entry(id="a")], frozenset(), stored, well_formed=False, row=row,
                    stored_length=lambda _: 10_000)  # fmt: skip
    assert not cut.changed
