"""ISO 4217 currency codes and the legacy aliases shops still print."""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import list_currencies

LEGACY_ALIASES = {"RUR": "RUB", "BGL": "BGN", "TRL": "TRY", "ROL": "RON", "YTL": "TRY"}


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha())


def normalize_currency(code: str | None) -> str | None:
    """Upper-case ISO code, legacy aliases mapped (RUR -> RUB); None when not a known code."""
    if not code:
        return None
    code = LEGACY_ALIASES.get(code.strip().upper(), code.strip().upper())
    return code if code in iso_currencies() else None


def is_iso_currency(code: str) -> bool:
    return normalize_currency(code) == code
