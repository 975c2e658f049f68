"""Price parsing: locale formats, currency symbols and hints, dual display."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from spiders.extraction.currency import normalize_code, reading_day, resolve_symbol, tld_of
from spiders.extraction.prices import parse_amount, parse_price, parse_structured_amount

from .support import D, run


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1.299,00 €", "1299.00", "EUR"),          # DE/ES/IT
        ("1 299,00 лв.", "1299.00", "BGN"),        # BG
        ("1\u00a0299,00\u00a0лв", "1299.00", "BGN"),
        ("$1,299.00", "1299.00", "USD"),           # EN
        ("£51.99", "51.99", "GBP"),
        ("1 299,99 €", "1299.99", "EUR"),          # FR
        ("1.299,99 €", "1299.99", "EUR"),
        ("CLP $24.990", "24990", "CLP"),
        ("€ 1.299", "1299", "EUR"),
        ("12,-€", "12", "EUR"),
        ("0,99 €", "0.99", "EUR"),
        ("R$ 1.759,99", "1759.99", "BRL"),
        ("173,34 Lei", "173.34", "RON"),
        ("19,90 zł", "19.90", "PLN"),
        ("1 299 Kč", "1299", "CZK"),
        ("30,000원~", "30000", "KRW"),
        ("CHF 1'299.50", "1299.50", "CHF"),
        ("EUR 7,95", "7.95", "EUR"),
        ("1.5 KWD", "1.5", "KWD"),
        ("2 490 ₽", "2490", "RUB"),
        ("99 RUR", "99", "RUB"),
        ("3,49 € / 1,99 €", "3.49", "EUR"),
    ],
)
def test_parse_price_formats(text: str, amount: str, currency: str) -> None:
    parsed = parse_price(text)
    assert parsed is not None
    assert parsed.amount == Decimal(amount)
    assert parsed.currency == currency


@pytest.mark.parametrize(
    ("text", "default", "amount", "currency"),
    [
        ("24,99 лв. / 12,78 €", None, "24.99", "BGN"),
        ("24,99 лв. / 12,78 €", "EUR", "12.78", "EUR"),
        ("12,78 € (24,99 лв.)", "BGN", "24.99", "BGN"),
    ],
)
def test_dual_display_prefers_the_shop_currency(text: str, default: str | None, amount: str,
                                                 currency: str) -> None:
    with reading_day(date(2025, 11, 1)):  # before the euro: a BGN shop prices in leva
        parsed = parse_price(text, default_currency=default)
    assert parsed is not None
    assert (parsed.amount, parsed.currency) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    ("symbol", "tld", "language", "default", "expected"),
    [
        ("$", "ca", None, None, "CAD"),
        ("$", "cl", None, None, "CLP"),
        ("$", None, "es-mx", None, "MXN"),
        ("$", "com", None, None, "USD"),
        ("$", None, None, "AUD", "AUD"),
        ("$", None, None, "EUR", "USD"),   # a euro shop's "$" is still dollars
        ("kr", "no", None, None, "NOK"),
        ("kr", "se", None, None, "SEK"),
        ("¥", "cn", None, None, "CNY"),
        ("¥", None, None, None, "JPY"),
        ("Rs", "pk", None, None, "PKR"),
        ("лв.", None, None, None, "BGN"),
        ("RUR", None, None, None, "RUB"),
        ("BYR", None, None, None, "BYN"),
        ("zł", None, None, None, "PLN"),
    ],
)
def test_currency_hints(symbol: str, tld: str | None, language: str | None,
                        default: str | None, expected: str) -> None:
    assert resolve_symbol(symbol, default, tld, language) == expected


def test_currency_from_page_domain_and_language() -> None:
    body = '<div class="price">1.990</div>'
    assert run(body, url="https://tienda.example.cl/p/1").currency == "CLP"
    assert run(body, url="https://tienda.example.cl/p/1").price == D("1990")
    with reading_day(date(2025, 12, 31)):
        assert run('<div class="price">19,90</div>', url=None, lang="bg").currency == "BGN"
    with reading_day(date(2026, 1, 1)):
        assert run('<div class="price">19,90</div>', url=None, lang="bg").currency == "EUR"
    assert run('<div class="price">19,90</div>', url=None, currency="EUR").currency == "EUR"


@pytest.mark.parametrize("text", ["", "abc", "1.2.3,4,5", "-", "€", "10-20"])
def test_unparseable_amounts_are_none(text: str) -> None:
    assert parse_amount(text) is None


def test_amount_never_zero_price() -> None:
    assert run('<div class="price">0,00 €</div>').price is None


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [("1299.00", None, "1299.00"), ("229.990", "CLP", "229990"), ("1.299,00", None, "1299.00"),
     (1759.99, None, "1759.99"), ("49", "EUR", "49"), ("1,299.50", "USD", "1299.50")],
)
def test_structured_amounts(value: object, currency: str | None, expected: str) -> None:
    assert parse_structured_amount(value, currency) == Decimal(expected)


def test_codes_and_domains() -> None:
    assert normalize_code("rur") == "RUB"
    assert normalize_code("XYZ") is None
    assert tld_of("https://www.shop.co.uk/x?y=1") == "uk"
    assert tld_of("http://127.0.0.1:8000/p") is None


def test_decimals_per_currency_come_from_the_money_modules_one_list() -> None:
    from spiders.extraction.currency import THREE_DECIMAL, ZERO_DECIMAL
    from storage.money import iso_currencies, minor_unit

    known = iso_currencies()
    assert known >= ZERO_DECIMAL and known >= THREE_DECIMAL
    assert {"JPY", "HUF", "IDR", "CLP", "KRW"} <= ZERO_DECIMAL
    assert all(minor_unit(c) == 0 for c in ZERO_DECIMAL)
    assert all(minor_unit(c) == 3 for c in THREE_DECIMAL) and "KWD" in THREE_DECIMAL
    assert parse_amount("24.990", "HUF") == Decimal("24990")
    assert parse_structured_amount("24.990", "JPY") == Decimal("24990")
    assert parse_amount("1.500", "KWD") == Decimal("1.500")
    assert parse_amount("0.500", "EUR") == Decimal("0.500")


@pytest.mark.parametrize("block", [
    '<div class="price"><s>25,00 €</s> 19,90 €</div>',
    '<div class="price"><del>25,00 €</del> 19,90 €</div>',
    '<div class="price"><s>€25.00</s> €19.90</div>',
    '<div class="price">19,90 € <s>25,00 €</s></div>',
])
def test_the_current_price_as_bare_text_beside_a_struck_one(block: str) -> None:
    """The price block's own text (not in any leaf element) is the current price; before,
    only leaves were read and the page had no price at all."""
    result = run(block + "<button>Добави в количката</button>", lang="bg")
    assert (result.price, result.regular_price, result.currency) == (D("19.90"), D("25.00"), "EUR")


def test_struck_old_price_and_dual_display_in_one_line() -> None:
    """Bulgaria's euro changeover: 'Цена: <s>229,00 €</s> 179,00 € / 350,09 лв.'."""
    result = run('<div class="price">Цена: <s>229,00 €</s> 179,00 € / 350,09 лв.</div>'
                 "<button>Поръчай</button>", lang="bg")
    assert (result.price, result.regular_price, result.currency) == (D("179.00"), D("229.00"), "EUR")
    assert (result.secondary_price, result.secondary_currency) == (D("350.09"), "BGN")
