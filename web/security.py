"""Secrets: argon2 password hashes, random tokens stored as SHA-256, the login slow-down."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
DUMMY_HASH = _hasher.hash("not a password of anyone")
"""Verified against when the name is unknown, so both cases take the same time."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    """256 random bits, URL-safe (session cookies, API tokens, CSRF tokens)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored for a random secret: its SHA-256 (hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def login_wait(failures: int, base_s: float, max_s: float) -> float:
    """Seconds a name must wait after its last failed login: 0, base, 2 x base, 4 x base..."""
    if failures <= 0 or base_s <= 0:
        return 0.0
    return float(min(max_s, base_s * 2 ** min(failures - 1, 30)))
