"""Product identifiers: GTIN normalisation with check-digit validation."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")


def gtin_check_digit_ok(digits: str) -> bool:
    """GS1 mod-10 check over a string of digits (its last digit is the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits[:-1])):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10 == int(digits[-1])


def normalize_gtin(value: object) -> str | None:
    """GTIN-8/12/13/14 as a 14-digit string when the check digit holds, else None.

    Zero-padding to 14 makes a UPC-A (12) and its EAN-13 form compare equal.
    """
    if value is None:
        return None
    text = str(value).strip()
    if text.endswith(".0"):  # spreadsheets turn 4006381333931 into 4006381333931.0
        text = text[:-2]
    digits = _DIGITS.sub("", text)
    if len(digits) not in (8, 12, 13, 14) or len(digits) != len(text.replace(" ", "").replace("-", "")):
        return None
    if not gtin_check_digit_ok(digits):
        return None
    padded = digits.zfill(14)
    return None if set(padded) == {"0"} else padded
