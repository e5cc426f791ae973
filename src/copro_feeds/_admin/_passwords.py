"""Password hashing with argon2 (argon2-cffi): the only module using it.

Hashes are argon2id with the library's recommended cost (RFC 9106's second choice).
Passwords are never logged or stored; only their hashes are.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # hashing a megabyte on every attempt would be a cheap way to load us


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used, in plain words; None when it can."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters long"
    return None


def hash_password(password: str) -> str:
    """The argon2id hash to store for ``password``."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``password_hash``.

    With no hash (no such account) a dummy hash is checked instead, so that the answer
    takes as long and tells no one which account names exist.
    """
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not anyone's password")
