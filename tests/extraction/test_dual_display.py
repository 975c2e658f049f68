"""Dual-display pages in Bulgaria, before and after the euro: euro first, lev first, lev
only, euro only - through `extract` on small pages, with the reading day fixed."""

from __future__ import annotations

from datetime import date

import pytest

from spiders.extraction import ExtractionHints, extract

from .support import D, jsonld, page

BUY = '<button class="add-to-cart">Купи</button>'
BEFORE, AFTER = date(2025, 11, 3), date(2026, 12, 6)
BG_SHOP = ExtractionHints(currency="BGN", language="bg")  # configured before the euro


@pytest.mark.parametrize(("shown", "day", "price", "currency", "secondary"), [
    ("459,00 € (897,73 лв.)", AFTER, "459.00", "EUR", ("897.73", "BGN")),   # euro first
    ("897,73 лв. / 459,00 €", AFTER, "459.00", "EUR", ("897.73", "BGN")),   # lev first
    ("<span class='lv'>897,73 лв.</span> <span class='eu'>(459,00 €)</span>", AFTER,
     "459.00", "EUR", ("897.73", "BGN")),                                   # in two elements
    ("897,73 лв.", AFTER, "897.73", "BGN", (None, None)),  # lev only: drafts convert + flag it
    ("459,00 €", AFTER, "459.00", "EUR", (None, None)),                     # euro only
    ("<del class='old'>499,00 €</del> <span class='now'>459,00 €</span> <span>(897,73 лв.)"
     "</span>", AFTER, "459.00", "EUR",
     ("897.73", "BGN")),                                                    # with an old price
    ("459,00 € (897,73 лв.)", BEFORE, "897.73", "BGN", ("459.00", "EUR")),  # 2025: leva
    ("897,73 лв. / 459,00 €", BEFORE, "897.73", "BGN", ("459.00", "EUR")),
])
def test_dual_display_pages(shown: str, day: date, price: str, currency: str,
                            secondary: tuple[str | None, str | None]) -> None:
    result = extract(page(f'<p class="price">{shown}</p>{BUY}', lang="bg", title="Тостер"),
                     "https://shop.bg/p/1", BG_SHOP, today=day)
    assert (result.price, result.currency) == (D(price), currency), result.reason
    want = (D(secondary[0]) if secondary[0] else None, secondary[1])
    assert (result.secondary_price, result.secondary_currency) == want


def test_an_old_price_in_the_other_currency_is_not_a_dual_display() -> None:
    # 1 000 лв. is not 459 € at the fixed rate: it is not the same price shown twice.
    result = extract(page(f'<p class="price">459,00 € / 1000,00 лв.</p>{BUY}', lang="bg"),
                     "https://shop.bg/p/1", BG_SHOP, today=AFTER)
    assert (result.price, result.currency) == (D("459.00"), "EUR")
    assert result.secondary_price is None and result.secondary_currency is None


@pytest.mark.parametrize(("shown", "regular"), [
    # the leva amount of the dual display struck through: the same price, no markdown
    ("<span class='now'>51,13 €</span> <del class='bgn'>100,00 лв.</del>", None),
    ("<del class='bgn'>100,00 лв.</del> <span class='now'>51,13 €</span>", None),
    # a real old price in euros beside the dual display stays the old price
    ("<del class='old'>60,00 €</del> <span class='now'>51,13 €</span> <span>(100,00 лв.)</span>",
     "60.00"),
])
def test_a_struck_leva_amount_equal_to_the_price_is_no_old_price(shown: str,
                                                                 regular: str | None) -> None:
    result = extract(page(f'<div class="price">{shown}</div>{BUY}', lang="bg", title="Чайник"),
                     "https://shop.bg/p/1", BG_SHOP, today=AFTER)
    assert (result.price, result.currency) == (D("51.13"), "EUR"), result.reason
    assert result.secondary_price == D("100.00") and result.secondary_currency == "BGN"
    assert result.regular_price == (None if regular is None else D(regular)), result.reason
    assert bool(result.promotions) == (regular is not None), result.promotions


@pytest.mark.parametrize(("shown", "regular"), [
    # a real old price in leva, struck beside the euro price: converted at the fixed rate
    # (120 / 1.95583 = 61.355...), never read as 120 euros (a 57% "discount" for a 17% one)
    ("<del class='old'>120,00 лв.</del> <span class='now'>51,13 €</span>", "61.36"),
    ("<span class='now'>51,13 €</span> <s>120,00 лв.</s>", "61.36"),
    # under the price once converted (100 лв. = 51.13 €, 90 лв. = 46.02 €): no markdown
    ("<s>90,00 лв.</s> <span class='now'>51,13 €</span>", None),
    # no currency stated on the struck amount: the price's own
    ("<del class='old'>60,00</del> <span class='now'>51,13 €</span>", "60.00"),
])
def test_a_struck_old_price_in_leva_is_converted_to_the_price_currency(
        shown: str, regular: str | None) -> None:
    result = extract(page(f'<div class="price">{shown}</div>{BUY}', lang="bg", title="Чайник"),
                     "https://shop.bg/p/1", BG_SHOP, today=AFTER)
    assert (result.price, result.currency) == (D("51.13"), "EUR"), result.reason
    assert result.regular_price == (None if regular is None else D(regular)), result.reason


@pytest.mark.parametrize("prefer", [None, "jsonld"])
@pytest.mark.parametrize(("struck", "regular"), [("120,00 лв.", "61.36"), ("100,00 лв.", None),
                                                  ("60,00 €", "60.00")])
def test_the_json_ld_fast_path_reads_a_struck_leva_amount_as_the_full_path_does(
        prefer: str | None, struck: str, regular: str | None) -> None:
    """The learned JSON-LD fast path finds struck prices in the raw source: it too keeps
    their text, so a leva amount is converted, not read as euros."""
    head = jsonld({"@context": "https://schema.org", "@type": "Product", "name": "Чайник",
                   "offers": {"@type": "Offer", "price": "51.13", "priceCurrency": "EUR",
                              "availability": "https://schema.org/InStock"}})
    body = (f'<div class="product"><h1>Чайник</h1><div class="price"><span class="now">51,13 €'
            f'</span> <del class="old">{struck}</del></div>{BUY}</div>')
    hints = ExtractionHints(currency="EUR", language="bg", prefer=prefer)
    result = extract(page(body, head=head, lang="bg", title="Чайник"), "https://shop.bg/p/1",
                     hints, today=AFTER)
    assert result.price == D("51.13"), result.reason
    assert result.regular_price == (None if regular is None else D(regular)), result.candidates
