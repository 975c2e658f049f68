"""Validity dates: ``priceValidUntil`` values and "until 30.11" wording."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_UNTIL_RE = re.compile(
    r"(?:until|till|valid (?:until|through|to)|ends?|до|валидн[ао] до|bis(?: zum)?|gültig bis"
    r"|jusqu'?au|jusqu’au|hasta(?: el)?|válid[oa] hasta|fino al|tot)\s*:?\s*"
    r"(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2,4}))?",
    re.IGNORECASE,
)


def parse_valid_until(value: object) -> datetime | date | None:
    """A structured validity value: ISO date -> date, ISO datetime -> UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def find_until(text: str, today: date | None = None) -> date | None:
    """Date in "until 30.11" / "до 30.11.2026" / "bis 30.11." wording.

    Without a year, the next such day on or after ``today`` (minus a month's
    grace: an offer "until 30.11" read on 2 Dec is last year's).
    """
    match = _UNTIL_RE.search(text)
    if not match:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    ref = today or datetime.now(UTC).date()
    year_text = match.group(3)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0) if year_text else ref.year
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if not year_text and found < ref - timedelta(days=31):
        try:
            found = date(year + 1, month, day)
        except ValueError:
            return None
    return found
