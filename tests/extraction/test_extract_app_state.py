"""Client-rendered shops (the product only in ``__NEXT_DATA__`` / ``window.__INITIAL_STATE__``)
and an old price in leva beside a price in euros, on small inline pages."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from spiders.extraction import Availability, ExtractionHints, extract
from spiders.extraction.promotions import read_coupon

from .support import D, jsonld, page

DEC_2026 = date(2026, 12, 6)
BUY = '<button class="add-to-cart">Добави в количката</button>'


def next_data(product: dict[str, Any]) -> str:
    state = {"props": {"pageProps": {"product": product,
                                     "relatedProducts": [{"name": "Other", "price": 1}]}},
             "page": "/products/[slug]"}
    return (f'<script id="__NEXT_DATA__" type="application/json">'
            f"{json.dumps(state, ensure_ascii=False)}</script>")


def variant(vid: int, name: str, cents: int, available: bool = True) -> dict[str, Any]:
    return {"id": vid, "name": name, "sku": f"SKU{vid}", "available": available,
            "price": {"amount": cents, "currencyCode": "EUR",
                      "formatted": f"{cents // 100},{cents % 100:02d} €"}}


def state_page(product: dict[str, Any], title: str, *, head: str = "") -> bytes:
    body = f'<h1>{title}</h1><div class="price-box"></div>{BUY}{next_data(product)}'
    return page(body, head=head, lang="bg", title=title)


def test_the_price_of_a_client_rendered_page_comes_from_its_state() -> None:
    product = {"title": "Apple AirPods Pro 2", "brand": {"name": "Apple"},
               "variants": [variant(1, "AirPods Pro 2", 22900)]}
    got = extract(state_page(product, "Apple AirPods Pro 2"),
                  url="https://shop.example.bg/products/airpods-pro-2", today=DEC_2026)
    # the formatted "229,00 €", not the 22900 cents
    assert (got.price, got.currency, got.availability, got.brand) == (
        D("229.00"), "EUR", Availability.IN_STOCK, "Apple"), got.reason


@pytest.mark.parametrize(("title", "url", "price"), [
    # the title names the white one: its price, whatever the state's default
    ("Sonos Era 100, бяла (White)", "https://s.example.bg/p/sonos-era-100", "249.00"),
    # the URL names it
    ("Sonos Era 100", "https://s.example.bg/p/sonos-era-100-white", "249.00"),
    # nothing names one: the variant the state shows by default
    ("Sonos Era 100", "https://s.example.bg/p/sonos-era-100", "219.00"),
])
def test_the_variant_the_page_names_wins_over_the_states_default(
        title: str, url: str, price: str) -> None:
    product = {"title": "Sonos Era 100", "selectedVariantId": 11,
               "variants": [variant(11, "Black", 21900), variant(12, "White", 24900)]}
    got = extract(state_page(product, title), url=url, today=DEC_2026)
    assert got.price == D(price), got.reason
    # only the state's default chose it: the reading says its price is one of several
    # variants' (another night's default may be the other colour)
    named = "White" in title or url.endswith("white")
    assert got.extractor == "platform:app_state" + ("" if named else "+variant"), got.extractor


def test_variants_the_page_cannot_tell_apart_give_no_price() -> None:
    product = {"title": "Sonos Era 100",
               "variants": [variant(11, "Black", 21900), variant(12, "White", 24900)]}
    got = extract(state_page(product, "Sonos Era 100"),
                  url="https://s.example.bg/p/sonos-era-100", today=DEC_2026)
    assert got.price is None  # missing, never one of the two


def test_cents_without_a_formatted_price_and_the_initial_state_assignment() -> None:
    state = {"catalog": {"currentProduct": {"name": "Bosch SMS6ECI03E", "gtin": "4242005301522",
                                            "price": {"centAmount": 54900,
                                                      "currencyCode": "EUR"},
                                            "inStock": True}}}
    body = (f"<h1>Bosch SMS6ECI03E</h1>{BUY}"
            f"<script>window.__INITIAL_STATE__ = {json.dumps(state)};</script>")
    got = extract(page(body, lang="bg"), url="https://s.example.bg/p/1", today=DEC_2026)
    assert (got.price, got.currency, got.gtin) == (D("549.00"), "EUR", "4242005301522")


def test_a_sold_out_state_outvotes_a_stale_jsonld_in_stock() -> None:
    product = {"title": "JBL Charge 5 Blue", "inStock": False,
               "variants": [variant(21, "Blue", 15900, available=False)]}
    stale = jsonld({"@context": "https://schema.org", "@type": "Product",
                    "name": "JBL Charge 5 Blue",
                    "offers": {"@type": "Offer", "price": "159.00", "priceCurrency": "EUR",
                               "availability": "https://schema.org/InStock"}})
    body = state_page(product, "JBL Charge 5 Blue", head=stale)
    for hints in (None, ExtractionHints(prefer="jsonld")):  # the fast path too
        got = extract(body, url="https://s.example.bg/p/jbl", hints=hints, today=DEC_2026)
        assert got.availability == Availability.OUT_OF_STOCK, (hints, got.reason)


def test_a_struck_old_price_in_leva_beside_a_euro_price_is_converted() -> None:
    body = ('<div class="price-wrap"><del class="old-bgn">2 737,70 лв.</del>'
            '<span class="price current"><span class="int">1 299</span><sup>,99</sup> '
            '<span class="cur">€</span></span></div>' + BUY)
    got = extract(page(body, lang="bg"), url="https://s.example.bg/p/1", today=DEC_2026)
    # 2 737,70 лв. / 1.95583 = 1 399,76 €, never 2 737,70 € (a 52.5% discount)
    assert (got.price, got.regular_price) == (D("1299.99"), D("1399.76")), got.reason
    assert all(p.value != D("52.5") for p in got.promotions), got.promotions


def test_a_struck_old_price_beside_jsonld_in_another_currency_is_converted() -> None:
    ld = jsonld({"@context": "https://schema.org", "@type": "Product", "name": "Drill",
                 "offers": {"@type": "Offer", "price": "99.00", "priceCurrency": "EUR",
                            "availability": "https://schema.org/InStock"}})
    body = '<h1>Drill</h1><div class="price"><del>234,70 лв.</del> 99,00 €</div>' + BUY
    for hints in (None, ExtractionHints(prefer="jsonld")):
        got = extract(page(body, head=ld, lang="bg"), url="https://s.example.bg/p/1",
                      hints=hints, today=DEC_2026)
        assert (got.price, got.regular_price) == (D("99.00"), D("120.00")), (hints, got)


@pytest.mark.parametrize(("text", "code", "pct"), [
    ("Още -10% с код XMAS10 в количката", "XMAS10", "10"),
    ("Extra 15% off with code WINTER", "WINTER", "15"),
    ("Код: SAVE10 -10%", "SAVE10", "10"),
    ("-20% на всичко. С код FREESHIP безплатна доставка", "FREESHIP", None),  # another sentence
])
def test_a_coupons_percentage_before_its_code(text: str, code: str, pct: str | None) -> None:
    [coupon] = read_coupon(text, "EUR")
    assert (coupon.code, coupon.value) == (code, None if pct is None else D(pct)), coupon
