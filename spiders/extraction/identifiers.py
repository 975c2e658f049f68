"""Product identifiers: GTIN check-digit validation and light cleaning."""

from __future__ import annotations

import re


def valid_gtin(value: object) -> str | None:
    """The GTIN-8/12/13/14 digits when the check digit is right, else None.

    ISBN-10 and other lengths are rejected; spaces and dashes are ignored.
    """
    if value is None or isinstance(value, bool):
        return None
    digits = re.sub(r"[\s-]", "", str(value))
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return None
    if set(digits) == {"0"}:
        return None
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return digits if (10 - total % 10) % 10 == check else None


def clean_identifier(value: object) -> str | None:
    """A short identifier string (sku/mpn), or None for empty/implausible values."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = " ".join(str(value).split())
    if not text or len(text) > 80:
        return None
    return text


def clean_text(value: object, limit: int = 300) -> str | None:
    """Whitespace-normalized text, or None."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = " ".join(str(value).split())
    return text[:limit] if text else None
