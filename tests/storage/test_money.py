"""The one money module: ISO list, fixed-rate conversion with exact Decimal rounding,
same-price across the BGN -> EUR switch, configured dated rates, formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from storage.money import (
    BGN_PER_EUR,
    MoneySettings,
    amount_in,
    convert,
    format_dual,
    format_money,
    format_rate,
    iso_currencies,
    legal_currency,
    normalize_currency,
    same_price,
)

D = Decimal


def test_iso_list_is_current_codes_with_leva_and_aliases() -> None:
    codes = iso_currencies()
    assert {"EUR", "BGN", "USD", "JPY", "KWD", "HRK"} <= codes
    assert "DEM" not in codes and "ESP" not in codes  # retired long ago: not read on pages
    assert normalize_currency(" bgl ") == "BGN"
    assert normalize_currency("rur") == "RUB"
    assert normalize_currency("XYZ") is None
    assert normalize_currency(None) is None


@pytest.mark.parametrize(("leva", "euro"), [
    ("897.73", "459.00"),
    ("1.95583", "1.00"),
    ("0.01", "0.01"),      # 0.005113 -> 0.01 (half up)
    ("0.97", "0.50"),      # 0.49595... -> 0.50
    ("0.98", "0.50"),      # 0.50106... -> 0.50
    ("100000.00", "51129.19"),
    ("9.77915", "5.00"),   # exactly 5.00: no float noise
])
def test_leva_to_euro_at_the_fixed_rate_divides_and_rounds_half_up(leva: str, euro: str) -> None:
    c = convert(D(leva), "BGN", "EUR")
    assert c is not None
    assert c.amount == D(euro)
    assert c.amount.as_tuple().exponent == -2
    assert c.fixed and c.source == "BGN" and c.target == "EUR"
    assert c.quote() == ("EUR", BGN_PER_EUR, "BGN")


def test_half_cent_rounds_up_exactly() -> None:
    # 0.005 EUR exactly: 0.00977915 BGN; half up gives 0.01, banker's rounding 0.00.
    c = convert(D("0.00977915"), "BGN", "EUR")
    assert c is not None and c.amount == D("0.01")
    c = convert(D("0.0097791"), "BGN", "EUR")  # just under half a cent
    assert c is not None and c.amount == D("0.00")


def test_euro_to_leva_and_minor_units() -> None:
    c = convert(D("459"), "EUR", "BGN")
    assert c is not None and c.amount == D("897.73") and c.rate == BGN_PER_EUR
    same = convert(D("12.345"), "EUR", "EUR")
    assert same is not None and same.amount == D("12.345") and not same.converted


def test_no_rate_is_none_never_a_guess() -> None:
    assert convert(D("10"), "USD", "EUR") is None
    assert convert(D("10"), "XYZ", "EUR") is None
    assert amount_in(D("10"), "USD", "EUR") is None
    assert amount_in(None, "BGN", "EUR") is None
    assert amount_in(D("19.56"), "BGN", "EUR") == D("10.00")


def test_configured_rates_hold_from_their_date() -> None:
    settings = MoneySettings.model_validate({"rates": [
        {"currency": "usd", "per_eur": "1.10", "from": "2026-01-01"},
        {"currency": "USD", "per_eur": "1.20", "from": "2026-07-01"},
        {"currency": "JPY", "per_eur": "160", "from": "2026-01-01"},
    ]})
    table = settings.table()
    assert convert(D("110"), "USD", "EUR", on=dt.date(2025, 12, 31), rates=table) is None
    june = convert(D("110"), "USD", "EUR", on=dt.date(2026, 6, 30), rates=table)
    assert june is not None and june.amount == D("100.00") and not june.fixed
    latest = convert(D("120"), "USD", "EUR", rates=table)
    assert latest is not None and latest.amount == D("100.00")
    yen = convert(D("1000"), "EUR", "JPY", on=dt.date(2026, 2, 1), rates=table)
    assert yen is not None and yen.amount == D("160000")  # JPY has no minor unit
    cross = convert(D("1000"), "BGN", "USD", on=dt.date(2026, 2, 1), rates=table)
    assert cross is not None and cross.amount == (D("1000") / BGN_PER_EUR * D("1.10")).quantize(D("0.01"))


def test_settings_refuse_bad_rates() -> None:
    with pytest.raises(ValidationError, match="fixed rate built in"):
        MoneySettings.model_validate({"rates": [{"currency": "BGN", "per_eur": "2", "from": "2026-01-01"}]})
    with pytest.raises(ValidationError, match="ISO 4217"):
        MoneySettings.model_validate({"rates": [{"currency": "ABC", "per_eur": "2", "from": "2026-01-01"}]})
    with pytest.raises(ValidationError):
        MoneySettings.model_validate({"rates": [{"currency": "USD", "per_eur": "0", "from": "2026-01-01"}]})
    with pytest.raises(ValidationError, match="ISO 4217"):
        MoneySettings.model_validate({"secondary_currency": "лв"})


def test_same_price_across_the_switch() -> None:
    assert same_price(D("897.73"), "BGN", D("459.00"), "EUR")
    assert same_price(D("459.00"), "EUR", D("897.73"), "BGN")
    assert same_price(D("899.00"), "BGN", D("459.66"), "EUR")  # shop rounded up a cent
    assert not same_price(D("899.00"), "BGN", D("459.68"), "EUR")
    assert not same_price(D("897.73"), "BGN", D("449.00"), "EUR")
    assert same_price(D("10.00"), "EUR", D("10.0"), "EUR")
    assert not same_price(D("10.00"), "EUR", D("10.01"), "EUR")
    assert not same_price(D("10"), "USD", D("10"), "EUR")  # no rate: not provably the same


def test_legal_currency_in_bulgaria_changes_on_new_year_2026() -> None:
    assert legal_currency("BG", dt.date(2025, 12, 31)) == "BGN"
    assert legal_currency("bg", dt.date(2026, 1, 1)) == "EUR"


def test_formatting_per_locale_and_dual_display() -> None:
    nbsp = "\xa0"
    assert format_money(D("1459"), "EUR", "bg") == f"1{nbsp}459,00{nbsp}€"
    assert format_money(D("459"), "EUR", "en") == "€459.00"
    assert format_money(D("897.73"), "BGN", "en") == f"BGN{nbsp}897.73"
    assert format_money(None, "EUR", "bg") == ""
    assert format_dual(D("459"), "EUR", "BGN", "bg") == f"459,00{nbsp}€ (897,73{nbsp}лв.)"
    assert format_dual(D("459"), "EUR", None, "bg") == f"459,00{nbsp}€"
    assert format_dual(D("459"), "EUR", "USD", "bg") == f"459,00{nbsp}€"  # no rate: left out
    c = convert(D("303.73"), "EUR", "BGN")
    assert c is not None
    assert format_rate(c, "bg") == f"1{nbsp}€ = 1,95583{nbsp}лв."
    assert format_rate(c, "en") == f"€1 = BGN{nbsp}1.95583"
