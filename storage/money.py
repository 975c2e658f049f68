"""Money across currencies: the one ISO 4217 list, the one conversion, the one money formatter.

Everything that converts or formats an amount goes through here: the spiders (currency
codes), the comparison and alerts in `monitor/`, and the reports. It sits in `storage/` so
that every layer above may import it.

Rates
    Fixed pegs are built in: the irrevocable euro conversion rates of the currencies that
    became the euro (BGN 1.95583 per EUR, and DEM, FRF, HRK, ...). Every other rate is
    *configured* (the `money:` section of pricewatch.yaml, `MoneySettings`), each with the
    date it holds from; nothing is ever fetched from the network. A currency with no rate
    converts to None, never to a guess.

Rounding
    Exact Decimal arithmetic, the converted amount quantised to the target currency's ISO
    minor unit with ROUND_HALF_UP. Into euros an amount is *divided* by the conversion rate
    (no inverse rate, as Regulation (EC) 1103/97 requires); between two non-euro currencies
    the amount goes through the euro at full precision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from babel.core import Locale, get_global
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision
from pydantic import BaseModel, ConfigDict, Field, field_validator

EURO = "EUR"

# ---------------------------------------------------------------------------------------------
# ISO 4217 codes
# ---------------------------------------------------------------------------------------------

LEGACY_ALIASES: dict[str, str] = {
    "RUR": "RUB", "BYR": "BYN", "TRL": "TRY", "YTL": "TRY", "ROL": "RON", "BGL": "BGN",
    "MXP": "MXN", "VEF": "VES", "GHC": "GHS", "ZMK": "ZMW", "MRO": "MRU", "STD": "STN",
    "SLL": "SLE", "NIS": "ILS", "RMB": "CNY", "NTD": "TWD", "UKL": "GBP",
}
"""Codes (and everyday abbreviations) shops still print, mapped to the ISO code in use."""

IN_USE_SINCE = dt.date(2015, 1, 1)
"""A currency that was legal tender somewhere on or after this day is on the list, so the
leva (replaced by the euro on 2026-01-01) and the kuna stay readable in history and pages."""


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    """THE list of ISO 4217 codes pricewatch knows: from Babel's CLDR territory data, every
    currency that was legal tender in some territory on or after `IN_USE_SINCE`, plus
    El Salvador's colón (still an ISO code, though the territory data retired it)."""
    codes = {"SVC"}
    for entries in get_global("territory_currencies").values():
        for code, _start, end, tender in entries:
            if tender and len(code) == 3 and code.isalpha() and (
                end is None or dt.date(*end) >= IN_USE_SINCE
            ):
                codes.add(code)
    return frozenset(codes - set(LEGACY_ALIASES))


def normalize_currency(code: str | None) -> str | None:
    """Upper-case ISO code, legacy aliases mapped (RUR -> RUB, BGL -> BGN); None when unknown."""
    if not code:
        return None
    upper = code.strip().upper()
    upper = LEGACY_ALIASES.get(upper, upper)
    return upper if upper in iso_currencies() else None


def is_iso_currency(code: str) -> bool:
    """Whether `code` is exactly a known ISO code (already normalised)."""
    return normalize_currency(code) == code


def minor_unit(currency: str) -> int:
    """Decimal places of `currency` (ISO minor unit via CLDR): 2 for EUR, 0 for JPY, 3 for KWD."""
    return int(get_currency_precision(currency))


@lru_cache(maxsize=8)
def currencies_with_minor_unit(digits: int) -> frozenset[str]:
    """The ISO codes of `iso_currencies` whose minor unit (CLDR, as `minor_unit`) is
    `digits`: 0 for JPY, HUF, IDR... (no decimals written in practice), 3 for KWD, BHD...
    The extractor reads "24.990" by it (thousands in a 0-digit currency)."""
    return frozenset(code for code in iso_currencies() if minor_unit(code) == digits)


def quantum(currency: str) -> Decimal:
    """The smallest amount of `currency`: Decimal('0.01') for EUR."""
    return Decimal(1).scaleb(-minor_unit(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded to `currency`'s minor unit, half up."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Rates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Peg:
    """An irrevocably fixed rate: `per_eur` units of the currency per euro, from `since`."""

    currency: str
    per_eur: Decimal
    since: dt.date


PEGS: dict[str, Peg] = {
    peg.currency: peg
    for peg in (
        # Bulgaria: currency board at 1.95583 since the euro's birth (the DEM rate), euro
        # conversion rate since 2026-01-01 (Council Regulation (EU) 2025/1407).
        Peg("BGN", Decimal("1.95583"), dt.date(1999, 1, 1)),
        Peg("HRK", Decimal("7.53450"), dt.date(2023, 1, 1)),
        Peg("LTL", Decimal("3.45280"), dt.date(2015, 1, 1)),
        Peg("LVL", Decimal("0.702804"), dt.date(2014, 1, 1)),
        Peg("EEK", Decimal("15.6466"), dt.date(2011, 1, 1)),
        Peg("SKK", Decimal("30.1260"), dt.date(2009, 1, 1)),
        Peg("CYP", Decimal("0.585274"), dt.date(2008, 1, 1)),
        Peg("MTL", Decimal("0.429300"), dt.date(2008, 1, 1)),
        Peg("SIT", Decimal("239.640"), dt.date(2007, 1, 1)),
        Peg("GRD", Decimal("340.750"), dt.date(2001, 1, 1)),
        Peg("DEM", Decimal("1.95583"), dt.date(1999, 1, 1)),
        Peg("FRF", Decimal("6.55957"), dt.date(1999, 1, 1)),
        Peg("ITL", Decimal("1936.27"), dt.date(1999, 1, 1)),
        Peg("ESP", Decimal("166.386"), dt.date(1999, 1, 1)),
        Peg("NLG", Decimal("2.20371"), dt.date(1999, 1, 1)),
        Peg("BEF", Decimal("40.3399"), dt.date(1999, 1, 1)),
        Peg("LUF", Decimal("40.3399"), dt.date(1999, 1, 1)),
        Peg("ATS", Decimal("13.7603"), dt.date(1999, 1, 1)),
        Peg("PTE", Decimal("200.482"), dt.date(1999, 1, 1)),
        Peg("FIM", Decimal("5.94573"), dt.date(1999, 1, 1)),
        Peg("IEP", Decimal("0.787564"), dt.date(1999, 1, 1)),
    )
}
"""The euro conversion rates, built in (they never change)."""

BGN_PER_EUR = PEGS["BGN"].per_eur
EURO_CHANGEOVER = {"BGN": dt.date(2026, 1, 1)}
"""The day a currency stopped being its country's money (the euro took over)."""


class ConfiguredRate(BaseModel):
    """One configured rate: `per_eur` units of `currency` per euro, holding from `from`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    currency: str
    per_eur: Decimal = Field(gt=0)
    valid_from: dt.date = Field(alias="from")

    @field_validator("currency")
    @classmethod
    def _iso(cls, value: str) -> str:
        code = normalize_currency(value)
        if code is None:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        if code in PEGS or code == EURO:
            raise ValueError(f"{code} has a fixed rate built in; do not configure it")
        return code


class MoneySettings(BaseModel):
    """The `money:` section of pricewatch.yaml (every field optional).

    Read it with `monitor.settings.load_money_settings` (storage reads no settings file).
    """

    model_config = ConfigDict(extra="forbid")

    rates: list[ConfiguredRate] = Field(default_factory=list)
    """Rates for currencies without a fixed peg, each with the day it holds from."""
    secondary_currency: str | None = None
    """Show amounts also in this currency in reports and mails ("459,00 € (897,73 лв.)");
    None shows one currency."""

    @field_validator("secondary_currency")
    @classmethod
    def _iso_secondary(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        code = normalize_currency(value)
        if code is None:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return code

    def table(self) -> RateTable:
        return RateTable(self.rates)


class RateTable:
    """Configured rates by currency, each a dated series; the pegs come on top of these."""

    def __init__(self, rates: Iterable[ConfiguredRate] = ()) -> None:
        series: dict[str, list[tuple[dt.date, Decimal]]] = {}
        for rate in rates:
            series.setdefault(rate.currency, []).append((rate.valid_from, rate.per_eur))
        self._series = {code: sorted(items) for code, items in series.items()}

    @classmethod
    def from_mapping(cls, per_eur: Mapping[str, Decimal | str],
                     valid_from: dt.date = dt.date(1999, 1, 1)) -> RateTable:
        """A table from {currency: units per euro}, all holding from `valid_from`."""
        return cls(ConfiguredRate(currency=code, per_eur=Decimal(str(rate)), valid_from=valid_from)
                   for code, rate in per_eur.items())

    def per_eur(self, currency: str, on: dt.date | None = None) -> tuple[Decimal, bool] | None:
        """Units of `currency` per euro on `on` (latest when None) and whether it is fixed."""
        if currency == EURO:
            return Decimal(1), True
        peg = PEGS.get(currency)
        if peg is not None and (on is None or on >= peg.since):
            return peg.per_eur, True
        found = None
        for since, rate in self._series.get(currency, ()):
            if on is None or since <= on:
                found = rate
        return (found, False) if found is not None else None

    def currencies(self) -> frozenset[str]:
        """Every currency with a rate (pegs included)."""
        return frozenset({EURO, *PEGS, *self._series})


NO_CONFIGURED_RATES = RateTable()


@dataclass(frozen=True, slots=True)
class Conversion:
    """The outcome of one conversion: what went in, what came out and at which rate."""

    source_amount: Decimal
    source: str
    amount: Decimal
    """In `target`, quantised to its minor unit (ROUND_HALF_UP)."""
    target: str
    rate: Decimal
    """Units of `target` per unit of `source` (for display; the arithmetic divides)."""
    fixed: bool
    """True when every leg was a fixed peg (or the currencies were the same)."""

    @property
    def converted(self) -> bool:
        return self.source != self.target

    def quote(self) -> tuple[str, Decimal, str]:
        """The rate the way people quote it: ("EUR", 1.95583, "BGN") for either direction."""
        if self.source == EURO or self.target == EURO:
            other = self.target if self.source == EURO else self.source
            rate = self.rate if self.source == EURO else (Decimal(1) / self.rate)
            peg = PEGS.get(other)
            return EURO, (peg.per_eur if peg else rate.normalize()), other
        return self.source, self.rate, self.target


def _parse_day(on: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(on, dt.datetime):
        return on.date()
    return on


def convert(amount: Decimal, source: str, target: str, *, on: dt.date | dt.datetime | None = None,
            rates: RateTable | None = None) -> Conversion | None:
    """`amount` in `source` as `target`; None when either currency has no rate on `on`.

    THE conversion: every module converts through this function.
    """
    src = normalize_currency(source) or (source.upper() if source and source.upper() in PEGS else None)
    dst = normalize_currency(target) or (target.upper() if target and target.upper() in PEGS else None)
    if src is None or dst is None:
        return None
    table = rates if rates is not None else NO_CONFIGURED_RATES
    amount = Decimal(amount)
    if src == dst:
        return Conversion(amount, src, amount, dst, Decimal(1), True)
    day = _parse_day(on)
    src_rate = table.per_eur(src, day)
    dst_rate = table.per_eur(dst, day)
    if src_rate is None or dst_rate is None:
        return None
    in_euro = amount / src_rate[0]
    result = quantize(in_euro * dst_rate[0], dst)
    return Conversion(amount, src, result, dst, dst_rate[0] / src_rate[0],
                      src_rate[1] and dst_rate[1])


def amount_in(amount: Decimal | None, source: str | None, target: str | None, *,
              on: dt.date | dt.datetime | None = None,
              rates: RateTable | None = None) -> Decimal | None:
    """Only the converted amount of `convert` (None for a missing amount or no rate)."""
    if amount is None or not source or not target:
        return None
    conversion = convert(amount, source, target, on=on, rates=rates)
    return conversion.amount if conversion else None


def same_price(a: Decimal, a_currency: str, b: Decimal, b_currency: str, *,
               on: dt.date | dt.datetime | None = None, rates: RateTable | None = None) -> bool:
    """Whether two amounts are the same price: equal in one currency; across currencies
    equal after conversion within rounding to the cent (one minor unit) in either
    direction -- a shop moving from 897.73 лв. to 459.00 € did not change its price."""
    if normalize_currency(a_currency) == normalize_currency(b_currency):
        return Decimal(a) == Decimal(b)
    forward = convert(a, a_currency, b_currency, on=on, rates=rates)
    backward = convert(b, b_currency, a_currency, on=on, rates=rates)
    if forward is None or backward is None:
        return False
    return (abs(forward.amount - Decimal(b)) <= quantum(forward.target)
            or abs(backward.amount - Decimal(a)) <= quantum(backward.target))


def changeover_day(currency: str) -> dt.date | None:
    """The day `currency` was replaced by the euro (2026-01-01 for BGN), if it was."""
    return EURO_CHANGEOVER.get(currency)


def legal_currency(country: str, on: dt.date) -> str | None:
    """The currency legal tender in `country` (ISO 3166 alpha-2) on `on`, from CLDR:
    ("BG", 2025-12-31) -> BGN, ("BG", 2026-01-01) -> EUR."""
    entries = get_global("territory_currencies").get(country.upper(), ())
    found = None
    for code, start, end, tender in entries:
        if not tender:
            continue
        if (start is None or dt.date(*start) <= on) and (end is None or on < dt.date(*end)):
            found = code  # later entries win, so the new currency wins the overlap
    return found


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------

LOCALES = {"en": "en_GB", "bg": "bg_BG"}


def _locale(lang: str) -> str:
    return LOCALES.get(lang, lang)


@lru_cache(maxsize=16)
def _babel_locale(lang: str) -> Locale:
    """The parsed Babel locale, kept: parsing it on every amount took half the time of
    formatting one (a findings page formats some 300)."""
    return Locale.parse(_locale(lang))


def _format(value: Decimal, currency: str, lang: str, digits: int | None = None) -> str:
    """Babel's currency format for the locale, with `digits` decimals (the currency's own
    minor unit when None), and a space after a leading ISO code ("BGN 897.73")."""
    locale = _babel_locale(lang)
    if digits is None:
        text = format_currency(value, currency, locale=locale)
    else:
        pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
        number = "#,##0" + ("." + "0" * digits if digits else "")
        pattern = re.sub(r"[#,]*0(\.0+)?", number, pattern, count=1)
        text = format_currency(value, currency, format=pattern, locale=locale,
                               currency_digits=False)
    sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
    if body.startswith(currency):  # "BGN1,234.50" -> "BGN 1,234.50"
        body = currency + "\xa0" + body[len(currency):].lstrip("\xa0 ")
    return sign + body


def format_money(value: Decimal | None, currency: str | None, lang: str = "en") -> str:
    """`459,00 €` (bg) / `€459.00`, `BGN 897.73` (en); "" for a missing value.

    `lang` is en or bg (or any Babel locale name)."""
    if value is None:
        return ""
    if not currency:
        return format_decimal(value, format="#,##0.00", locale=_locale(lang))
    return _format(value, currency, lang)


def format_percent_units(value: Decimal | float | str | None, lang: str = "en", *,
                         digits: int = 1, signed: bool = False) -> str:
    """A value in percent units as the language writes it: `-7.1%` (en), `-7,1%` (bg);
    "" for a missing or unreadable value. Beside the amounts, so that reports and mails
    write figures one way."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    if signed:
        pattern = "+" + pattern + ";-" + pattern
    return format_percent(number / 100, format=pattern, locale=_locale(lang))


def format_dual(value: Decimal | None, currency: str | None, secondary: str | None,
                lang: str = "en", *, on: dt.date | dt.datetime | None = None,
                rates: RateTable | None = None) -> str:
    """`459,00 € (897,73 лв.)`: the amount, and beside it in brackets the amount in
    `secondary` (converted here). One currency when `secondary` is None, the same as
    `currency`, or has no rate: a missing conversion is left out, never guessed."""
    text = format_money(value, currency, lang)
    if value is None or not currency or not secondary or secondary == currency:
        return text
    other = convert(value, currency, secondary, on=on, rates=rates)
    if other is None:
        return text
    return f"{text} ({format_money(other.amount, other.target, lang)})"


def format_rate(conversion: Conversion, lang: str = "en") -> str:
    """`1 € = 1,95583 лв.` / `€1 = BGN 1.95583`: the rate a conversion used, as people quote it."""
    base, rate, quote_currency = conversion.quote()
    exponent = rate.normalize().as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return (f"{_format(Decimal(1), base, lang, 0)} = "
            f"{_format(rate, quote_currency, lang, min(digits, 6))}")


def money_settings_from(raw: Mapping[str, Any] | None) -> MoneySettings:
    """`MoneySettings` from an already-read `money:` mapping (None -> defaults)."""
    return MoneySettings.model_validate(raw or {})
