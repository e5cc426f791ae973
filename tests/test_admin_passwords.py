"""argon2 password hashes (``_admin/_passwords.py``)."""

from __future__ import annotations

from copro_feeds._admin._passwords import (
    MAX_LENGTH,
    hash_password,
    password_problem,
    verify_password,
)


def test_a_hash_is_argon2id_salted_and_checks_only_its_password():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert "correct horse" not in first
    assert verify_password(first, "correct horse")
    assert verify_password(second, "correct horse")
    assert not verify_password(first, "correct horsE")
    assert not verify_password(first, "")


def test_no_account_or_a_damaged_hash_never_matches():
    assert not verify_password(None, "not anyone's password")  # the dummy's own password
    assert not verify_password(None, "anything at all")
    assert not verify_password("not a hash", "anything at all")


def test_password_rules_are_said_in_plain_words():
    assert password_problem("short") == "the password must be at least 10 characters long"
    assert password_problem("x" * (MAX_LENGTH + 1)).startswith("the password must be at most")
    assert password_problem("ten chars!") is None
    assert not verify_password(hash_password("y" * 10), "y" * (MAX_LENGTH + 1))
