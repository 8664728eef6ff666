"""Password hashing with Argon2id (RFC 9106), the current recommendation for stored passwords."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10



@cache
def _dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps the response time the same, so a
    login form does not reveal which usernames exist. Made on first use: hashing takes a second
    here, which every command (workers included) would otherwise pay at import."""
    return _HASHER.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
