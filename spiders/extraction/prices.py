"""Locale-aware money parsing: ``"1.299,00 €"``, ``"1 299,00 лв."``, ``"$1,299.00"``,
``"CLP $24.990"`` (24990), dual display ``"24,99 лв. / 12,78 €"``.

Everything returns ``Decimal``; nothing here ever returns 0 for "not found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .currency import (
    CURRENCY_PATTERN,
    THREE_DECIMAL,
    ZERO_DECIMAL,
    context_currency,
    normalize_code,
    resolve_symbol,
)

_SPACES = "\u00a0\u202f\u2009\u2007 "
_NUMBER = (
    r"(?<![\d.,])"
    r"(?:\d{1,3}(?:[ \u00a0\u202f\u2009\u2007'’.,]\d{3})+(?:[.,]\d{1,2}(?!\d))?"
    r"|\d+(?:[.,]\d{1,3}(?!\d))?)"
    r"(?:[.,][-–—]{1,2})?"
)
_PRICE_RE = re.compile(
    rf"(?P<pre>{CURRENCY_PATTERN})?[ \u00a0\u202f\u2009]{{0,2}}(?P<num>{_NUMBER})"
    rf"(?:[ \u00a0\u202f\u2009]{{0,2}}(?P<post>{CURRENCY_PATTERN}))?"
)
_MAX_PRICE = Decimal("100000000")
_CODE_BEFORE = re.compile(r"([A-Z]{3})[ \u00a0]?$")


@dataclass(frozen=True, slots=True)
class ParsedPrice:
    """A money amount found in text."""

    amount: Decimal
    currency: str | None
    currency_raw: str | None
    start: int
    end: int


def parse_amount(number: str, currency: str | None = None) -> Decimal | None:
    """Decimal for a number as written in any common locale, or None.

    A single separator followed by exactly three digits is a thousands
    separator ("24.990" -> 24990), except for three-decimal currencies or a
    zero integer part ("0.990").
    """
    text = number.strip().rstrip("-–—").strip()
    text = re.sub(r"[.,]$", "", text)
    for ch in _SPACES + "'’":
        text = text.replace(ch, "")
    if not text or not re.fullmatch(r"[\d.,]+", text) or not any(c.isdigit() for c in text):
        return None
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        decimal_sep = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if decimal_sep == "." else "."
        if text.count(decimal_sep) > 1:
            return None
        text = text.replace(thousands, "").replace(decimal_sep, ".")
    elif dots + commas:
        sep = "." if dots else ","
        whole, _, frac = text.rpartition(sep)
        if text.count(sep) > 1:
            if not all(len(g) == 3 for g in text.split(sep)[1:]):
                return None
            text = text.replace(sep, "")
        elif (len(frac) == 3 and whole not in ("", "0") and currency not in THREE_DECIMAL) or (len(frac) == 3 and currency in ZERO_DECIMAL):
            text = whole + frac
        else:
            text = whole.replace(sep, "") + "." + frac
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= _MAX_PRICE:
        return None
    return value


def parse_structured_amount(value: object, currency: str | None = None) -> Decimal | None:
    """Amount from structured data (JSON-LD/microdata), where '.' should be decimal.

    Plain ``"1299.00"`` is read as is; ``"24.990"`` in a zero-decimal currency and
    values written with thousands separators fall back to :func:`parse_amount`.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() and 0 <= value < _MAX_PRICE else None
    if isinstance(value, int | float):
        return parse_structured_amount(Decimal(str(value)), currency)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d{1,2})?|\d+\.\d{4,}|\.\d+", text):
        return parse_structured_amount(Decimal(text), currency)
    if re.fullmatch(r"\d+\.\d{3}", text):
        if currency in ZERO_DECIMAL:
            return parse_amount(text, currency)
        return parse_structured_amount(Decimal(text), currency)
    found = find_prices(text, default_currency=currency)
    return found[0].amount if found else None


def find_prices(
    text: str,
    *,
    default_currency: str | None = None,
    tld: str | None = None,
    language: str | None = None,
    require_currency: bool = False,
) -> list[ParsedPrice]:
    """Every money amount in ``text``, in order, with its currency when shown."""
    results: list[ParsedPrice] = []
    for match in _PRICE_RE.finditer(text):
        raw_cur = match.group("pre") or match.group("post")
        if require_currency and not raw_cur:
            continue
        code = resolve_symbol(raw_cur, default_currency, tld, language) if raw_cur else None
        prefix = _CODE_BEFORE.search(text, max(0, match.start() - 5), match.start())
        if prefix and raw_cur and not raw_cur.isalpha() and normalize_code(prefix.group(1)):
            code = normalize_code(prefix.group(1))  # "CLP $24.990"
            raw_cur = prefix.group(1) + " " + raw_cur.strip()
        amount = parse_amount(match.group("num"), code or default_currency)
        if amount is None:
            continue
        results.append(
            ParsedPrice(amount, code, raw_cur.strip() if raw_cur else None,
                        match.start("num") if not match.group("pre") else match.start(),
                        match.end())
        )
    return results


def parse_price(
    text: str,
    *,
    default_currency: str | None = None,
    tld: str | None = None,
    language: str | None = None,
) -> ParsedPrice | None:
    """The price shown in ``text``; for dual display, the one in the expected currency.

    ``"24,99 лв. / 12,78 €"`` gives 12.78 EUR when the shop's currency is EUR,
    24.99 BGN otherwise (the first one shown).
    """
    found = find_prices(text, default_currency=default_currency, tld=tld, language=language)
    if not found:
        return None
    with_currency = [p for p in found if p.currency]
    expected = context_currency(default_currency, tld, language)
    if expected:
        for price in with_currency:
            if price.currency == expected:
                return price
    if with_currency:
        return with_currency[0]
    return found[0]
