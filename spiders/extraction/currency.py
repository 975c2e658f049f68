"""Currency recognition: ISO 4217 codes from codes, symbols and page hints.

Ambiguous symbols (``$``, ``kr``, ``¥``, ``Rs``) are resolved by the shop's
default currency, then the page's top-level domain, then its language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

from storage.money import (
    LEGACY_ALIASES,
    changeover_day,
    currencies_with_minor_unit,
    iso_currencies,
    normalize_currency,
)

ISO_CODES = iso_currencies()
"""The one ISO 4217 list (storage.money); re-exported for the extraction code."""
LEGACY_CODES = LEGACY_ALIASES

ZERO_DECIMAL = currencies_with_minor_unit(0)
"""Currencies written without decimals (CLDR's minor unit 0: JPY, HUF, IDR...), from the
money module's one list."""
THREE_DECIMAL = currencies_with_minor_unit(3)
"""Currencies with three decimals: "1.500" there is one and a half (KWD, BHD...)."""

# Unambiguous symbols and words -> ISO code. Keys are lower-case.
SYMBOLS: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "евро": "EUR",
    "£": "GBP", "gbp": "GBP",
    "лв": "BGN", "лв.": "BGN", "лева": "BGN", "lv": "BGN", "lv.": "BGN", "bgn": "BGN",
    "zł": "PLN", "zl": "PLN", "pln": "PLN",
    "kč": "CZK", "kc": "CZK",
    "lei": "RON", "ron": "RON",
    "r$": "BRL",
    "₽": "RUB", "руб": "RUB", "руб.": "RUB", "р.": "RUB",
    "₴": "UAH", "грн": "UAH", "грн.": "UAH",
    "₺": "TRY", "tl": "TRY",
    "₪": "ILS", "ש\"ח": "ILS", "ש״ח": "ILS",
    "₩": "KRW", "원": "KRW",
    "₫": "VND", "đ": "VND",
    "₱": "PHP", "฿": "THB",
    "₹": "INR",
    "chf": "CHF", "fr.": "CHF", "sfr.": "CHF",
    "ден": "MKD", "ден.": "MKD", "дин": "RSD", "дин.": "RSD", "din": "RSD", "din.": "RSD",
    "kn": "HRK",
    "ر.س": "SAR", "ر.س.": "SAR", "د.إ": "AED", "د.ك": "KWD", "ر.ق": "QAR", "ج.م": "EGP",
    "us$": "USD", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD", "nz$": "NZD",
    "hk$": "HKD", "s$": "SGD", "nt$": "TWD", "mx$": "MXN",
    "円": "JPY", "元": "CNY",
    "rm": "MYR", "rp": "IDR",
}
# Written forms that are only a currency in this exact case ("10 ft" is feet).
CASED_SYMBOLS = {"Ft": "HUF", "Ft.": "HUF"}

# Ambiguous symbols -> default code, refined by TLD / language below.
AMBIGUOUS_DEFAULT = {"$": "USD", "kr": "SEK", "kr.": "DKK", "¥": "JPY", "rs": "INR",
                     "rs.": "INR"}

TLD_CURRENCY = {
    "bg": "BGN", "de": "EUR", "at": "EUR", "fr": "EUR", "es": "EUR", "it": "EUR", "pt": "EUR",
    "nl": "EUR", "be": "EUR", "ie": "EUR", "fi": "EUR", "gr": "EUR", "sk": "EUR", "si": "EUR",
    "lv": "EUR", "lt": "EUR", "ee": "EUR", "lu": "EUR", "mt": "EUR", "cy": "EUR", "hr": "EUR",
    "uk": "GBP", "pl": "PLN", "cz": "CZK", "hu": "HUF", "ro": "RON", "ch": "CHF", "se": "SEK",
    "no": "NOK", "dk": "DKK", "is": "ISK", "ru": "RUB", "ua": "UAH", "tr": "TRY", "il": "ILS",
    "us": "USD", "ca": "CAD", "au": "AUD", "nz": "NZD", "mx": "MXN", "br": "BRL", "ar": "ARS",
    "cl": "CLP", "co": "COP", "pe": "PEN", "uy": "UYU", "jp": "JPY", "cn": "CNY", "kr": "KRW",
    "tw": "TWD", "hk": "HKD", "sg": "SGD", "my": "MYR", "in": "INR", "pk": "PKR", "lk": "LKR",
    "np": "NPR", "za": "ZAR", "sa": "SAR", "ae": "AED", "eg": "EGP", "rs": "RSD", "mk": "MKD",
    "th": "THB", "ph": "PHP", "vn": "VND", "id": "IDR",
}

LANGUAGE_CURRENCY = {
    "bg": "BGN", "de": "EUR", "fr": "EUR", "es": "EUR", "it": "EUR", "pt": "EUR", "nl": "EUR",
    "fi": "EUR", "el": "EUR", "sk": "EUR", "sl": "EUR", "lv": "EUR", "lt": "EUR", "et": "EUR",
    "pl": "PLN", "cs": "CZK", "hu": "HUF", "ro": "RON", "sv": "SEK", "nb": "NOK", "no": "NOK",
    "da": "DKK", "ru": "RUB", "uk": "UAH", "tr": "TRY", "he": "ILS", "ja": "JPY", "ko": "KRW",
    "zh": "CNY", "en-gb": "GBP", "en-us": "USD", "en-ca": "CAD", "en-au": "AUD",
    "pt-br": "BRL", "es-mx": "MXN", "es-ar": "ARS", "es-cl": "CLP", "fr-ca": "CAD",
    "de-ch": "CHF", "fr-ch": "CHF",
}

_CI_WORDS = sorted([*SYMBOLS, *AMBIGUOUS_DEFAULT], key=len, reverse=True)
_CS_WORDS = sorted([*CASED_SYMBOLS, *ISO_CODES, *LEGACY_CODES], key=len, reverse=True)


def _word(word: str) -> str:
    escaped = re.escape(word)
    if word[0].isalpha() and word[0].isascii():
        escaped = rf"(?<![A-Za-z]){escaped}"
    if word[-1].isalpha():
        escaped = rf"{escaped}(?![^\W\d_])"
    return escaped


# Longest first so "лв." wins over "лв" and "R$" over "$"; ISO codes only in capitals
# ("all" is not the Albanian lek).
CURRENCY_PATTERN = (
    "(?i:" + "|".join(_word(w) for w in _CI_WORDS) + ")|" + "|".join(_word(w) for w in _CS_WORDS)
)
_CURRENCY_RE = re.compile(CURRENCY_PATTERN)


def tld_of(url: str | None) -> str | None:
    """Top-level domain of ``url`` (``"bg"`` for ``https://shop.bg/x``), or None."""
    if not url:
        return None
    match = re.match(r"^[a-z][a-z0-9+.-]*://([^/:?#]+)", url.strip(), re.IGNORECASE)
    if not match:
        return None
    host = match.group(1).rstrip(".").lower()
    if "." not in host or host.replace(".", "").isdigit():
        return None
    return host.rsplit(".", 1)[1]


def normalize_code(code: str | None) -> str | None:
    """ISO 4217 code for a code-like string (legacy codes mapped), else None."""
    return normalize_currency(code)


_READING_DAY: ContextVar[date | None] = ContextVar("reading_day", default=None)


@contextmanager
def reading_day(day: date | None) -> Iterator[None]:
    """Read pages as of `day` (None: today, UTC): which currency a country uses depends on
    the date (Bulgaria: leva until 2025-12-31, euros from 2026-01-01)."""
    token = _READING_DAY.set(day)
    try:
        yield
    finally:
        _READING_DAY.reset(token)


def current_day() -> date:
    """The day pages are read as of (see `reading_day`)."""
    return _READING_DAY.get() or datetime.now(UTC).date()


def in_use(code: str | None, on: date | None = None) -> str | None:
    """`code`, or the euro when `code` had been replaced by it on `on` (BGN from 2026-01-01)."""
    if code is None:
        return None
    switched = changeover_day(code)
    return "EUR" if switched is not None and (on or current_day()) >= switched else code


def context_currency(
    default: str | None = None, tld: str | None = None, language: str | None = None
) -> str | None:
    """Currency the context suggests: shop default, then domain, then language - the one
    in use on the reading day (a Bulgarian shop prices in euros from 2026-01-01)."""
    if default and normalize_code(default):
        return in_use(normalize_code(default))
    if tld and tld in TLD_CURRENCY:
        return in_use(TLD_CURRENCY[tld])
    if language:
        lang = language.lower().replace("_", "-")
        return in_use(LANGUAGE_CURRENCY.get(lang) or LANGUAGE_CURRENCY.get(lang.split("-")[0]))
    return None


def resolve_symbol(
    raw: str, default: str | None = None, tld: str | None = None, language: str | None = None
) -> str | None:
    """ISO code for a currency as shown (``"лв."``, ``"$"``, ``"EUR"``), or None."""
    stripped = raw.strip()
    token = stripped.lower()
    if not token:
        return None
    if stripped in CASED_SYMBOLS:
        return CASED_SYMBOLS[stripped]
    code = normalize_code(stripped) if stripped.isupper() or len(stripped) == 3 else None
    if code:
        return code
    if token in SYMBOLS:
        return SYMBOLS[token]
    if token in AMBIGUOUS_DEFAULT:
        hinted = context_currency(default, tld, language)
        if hinted and _compatible(token, hinted):
            return hinted
        return AMBIGUOUS_DEFAULT[token]
    return None


AMBIGUOUS_FAMILY: dict[str, set[str]] = {
    "$": {"USD", "CAD", "AUD", "NZD", "MXN", "ARS", "CLP", "COP", "UYU", "SGD", "HKD", "TWD",
          "BRL"},
    "kr": {"SEK", "NOK", "DKK", "ISK"},
    "kr.": {"SEK", "NOK", "DKK", "ISK"},
    "¥": {"JPY", "CNY"},
    "rs": {"INR", "PKR", "LKR", "NPR"},
    "rs.": {"INR", "PKR", "LKR", "NPR"},
}


def _compatible(symbol: str, code: str) -> bool:
    return code in AMBIGUOUS_FAMILY.get(symbol, set())


def find_currency(text: str) -> str | None:
    """First currency symbol, word or code in ``text`` as written, or None."""
    match = _CURRENCY_RE.search(text)
    return match.group(0) if match else None


def has_currency(text: str) -> bool:
    """Whether ``text`` mentions any currency."""
    return _CURRENCY_RE.search(text) is not None
