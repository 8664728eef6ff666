"""Password hashing with Argon2id (RFC 9106), the current recommendation for stored passwords,
and the rules a new password must meet.

The common-password list is Django's (20,000 passwords, BSD-3-Clause; provenance and licence in
``COMMON-PASSWORDS-LICENSE`` beside it), kept unchanged as ``common-passwords.txt.gz``.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = "common-passwords.txt.gz"
UNUSABLE = "!"
"""The password hash of an account that logs in by single sign-on only: no password matches."""


@cache
def _dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps the response time the same, so a
    login form does not reveal which usernames exist. Made on first use: hashing takes a second
    here, which every command (workers included) would otherwise pay at import."""
    return _HASHER.hash("not-a-real-password")


@cache
def _common_passwords() -> frozenset[str]:
    data = files("worklist.accounts").joinpath(COMMON_PASSWORDS).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def password_problem(password: str, username: str) -> str | None:
    """Why this password may not be used by this user, or None. The sentence is safe to show."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    folded = password.strip().casefold()
    name = username.casefold()
    if folded == name or (len(name) >= 4 and name in folded):
        return "a password may not be or contain the user name"
    if folded in _common_passwords() or len(set(folded)) < 3:
        return "that password is among the most common ones: choose a less guessable one"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    usable = stored_hash is not None and stored_hash != UNUSABLE
    try:
        return _HASHER.verify(stored_hash if usable else _dummy_hash(), password) and usable
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
