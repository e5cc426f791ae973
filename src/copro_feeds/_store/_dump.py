"""A whole store as rows of plain Python values, for ``copro-feeds db copy``.

One backend dumps its tables (:data:`TABLES`, in an order that keeps references valid),
the other loads them: each row is a dict of column → value, times as aware UTC
datetimes, lists as lists of strings, flags as bools, whatever the backend wrote them as;
an entry's enclosures and fingerprint as the text and bytes every backend writes
(``_encoding``), or None.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Row = dict[str, Any]
Dump = Iterator[tuple[str, list[Row]]]  # (table, a batch of its rows), table by table

TABLES = (
    "sources",
    "entries",
    "items",
    "editorial",
    "audit_log",
    "meta",  # the web app's session secret among the rest
    "staff_users",
    "sign_in_failures",
    "staff_actions",
)
LOGS = frozenset({"audit_log", "sign_in_failures", "staff_actions"})  # numbered, kept in order
TIMES = {
    "sources": frozenset({"last_attempt", "last_success", "next_due"}),
    "entries": frozenset({"published", "updated", "first_seen", "last_changed"}),
    "editorial": frozenset({"pinned_at"}),
    "audit_log": frozenset({"at"}),
    "staff_users": frozenset({"created", "signed_out"}),
    "sign_in_failures": frozenset({"at"}),
    "staff_actions": frozenset({"at"}),
}
LISTS = {"entries": frozenset({"authors", "categories"})}
FLAGS = {"sources": frozenset({"gone"}), "editorial": frozenset({"hidden"})}
BATCH = 500
