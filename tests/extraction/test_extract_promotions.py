"""Promotions: every kind, in Bulgarian, English, German, French and Spanish."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from spiders.extraction import PromotionKind
from spiders.extraction.promotions import find_promotions

from .support import D, jsonld, run

K = PromotionKind
TODAY = date(2026, 11, 1)


def only(text: str, currency: str = "EUR") -> list[tuple[object, ...]]:
    return [(p.kind, p.value, p.code, p.buy_qty, p.pay_qty, p.threshold, p.instalments, p.detail)
            for p in find_promotions([text], currency, TODAY)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # percent off
        ("-20%", (K.PERCENT_OFF, D("20"), None, None, None, None, None, None)),
        ("20% off", (K.PERCENT_OFF, D("20"), None, None, None, None, None, None)),
        ("Отстъпка 15%", (K.PERCENT_OFF, D("15"), None, None, None, None, None, None)),
        ("20% Rabatt", (K.PERCENT_OFF, D("20"), None, None, None, None, None, None)),
        ("-30% de réduction", (K.PERCENT_OFF, D("30"), None, None, None, None, None, None)),
        ("25% de descuento", (K.PERCENT_OFF, D("25"), None, None, None, None, None, None)),
        # amount off
        ("30,00 € off", (K.AMOUNT_OFF, D("30.00"), None, None, None, None, None, None)),
        ("Отстъпка 50,00 лв.", (K.AMOUNT_OFF, D("50.00"), None, None, None, None, None, None)),
        ("10 € Rabatt", (K.AMOUNT_OFF, D("10"), None, None, None, None, None, None)),
        ("Save £15", (K.AMOUNT_OFF, D("15"), None, None, None, None, None, None)),
        ("Спестявате 20 лв.", (K.AMOUNT_OFF, D("20"), None, None, None, None, None, None)),
        ("Économisez 5 €", (K.AMOUNT_OFF, D("5"), None, None, None, None, None, None)),
        # coupons
        ("Код: SAVE10 -10%", (K.COUPON, D("10"), "SAVE10", None, None, None, None, None)),
        ("Use code WELCOME5 at checkout",
         (K.COUPON, None, "WELCOME5", None, None, None, None, None)),
        ("Gutscheincode: HERBST20 für 20% Rabatt",
         (K.COUPON, D("20"), "HERBST20", None, None, None, None, None)),
        ("Code promo NOEL -15%", (K.COUPON, D("15"), "NOEL", None, None, None, None, None)),
        ("Cupón: VERANO10 -10%", (K.COUPON, D("10"), "VERANO10", None, None, None, None, None)),
        # multi-buy
        ("3 for 2", (K.MULTI_BUY, None, None, 3, 2, None, None, None)),
        ("Купи 3, плати 2", (K.MULTI_BUY, None, None, 3, 2, None, None, None)),
        ("2+1 gratis", (K.MULTI_BUY, None, None, 3, 2, None, None, None)),
        ("3 für 2", (K.MULTI_BUY, None, None, 3, 2, None, None, None)),
        ("Achetez 2, payez 1", (K.MULTI_BUY, None, None, 2, 1, None, None, None)),
        ("3x2 en toda la tienda", (K.MULTI_BUY, None, None, 3, 2, None, None, None)),
        ("Second at -50%", (K.MULTI_BUY, D("50"), None, 2, None, None, None,
                            "nth_item_discount")),
        ("Втори продукт на -50%", (K.MULTI_BUY, D("50"), None, 2, None, None, None,
                                   "nth_item_discount")),
        ("Zweiter Artikel -50%", (K.MULTI_BUY, D("50"), None, 2, None, None, None,
                                  "nth_item_discount")),
        # free shipping thresholds
        ("Безплатна доставка над 100 лв.",
         (K.FREE_SHIPPING, None, None, None, None, D("100"), None, None)),
        ("Free shipping over €50", (K.FREE_SHIPPING, None, None, None, None, D("50"), None, None)),
        ("Kostenloser Versand ab 29 €",
         (K.FREE_SHIPPING, None, None, None, None, D("29"), None, None)),
        ("Livraison gratuite dès 60 €",
         (K.FREE_SHIPPING, None, None, None, None, D("60"), None, None)),
        ("Envío gratis desde 40 €", (K.FREE_SHIPPING, None, None, None, None, D("40"), None, None)),
        # member prices
        ("Клубна цена: 19,99 лв.", (K.MEMBER_PRICE, D("19.99"), None, None, None, None, None, None)),
        ("Member price: €17.50", (K.MEMBER_PRICE, D("17.50"), None, None, None, None, None, None)),
        ("Prix adhérent 12,99 €", (K.MEMBER_PRICE, D("12.99"), None, None, None, None, None, None)),
        # instalments
        ("or 12 x 8.33 €/month", (K.INSTALMENTS, D("8.33"), None, None, None, None, 12, None)),
        ("12 x 50,86 лв./месец", (K.INSTALMENTS, D("50.86"), None, None, None, None, 12, None)),
        ("12 вноски по 8,33 лв.", (K.INSTALMENTS, D("8.33"), None, None, None, None, 12, None)),
        ("6 Monatsraten von 20 €", (K.INSTALMENTS, D("20"), None, None, None, None, 6, None)),
        ("10 cuotas de 15 €", (K.INSTALMENTS, D("15"), None, None, None, None, 10, None)),
        # badges and bundles
        ("Промоция", (K.BADGE, None, None, None, None, None, None, None)),
        ("Sale", (K.BADGE, None, None, None, None, None, None, None)),
        ("Angebot", (K.BADGE, None, None, None, None, None, None, None)),
        ("Soldes", (K.BADGE, None, None, None, None, None, None, None)),
        ("Buy together and save on accessories",
         (K.BUNDLE, None, None, None, None, None, None, None)),
    ],
)
def test_promotion_kinds(text: str, expected: tuple[object, ...]) -> None:
    assert only(text) == [expected]


@pytest.mark.parametrize(
    "text",
    ["Код: PL-00000", "8 GB + 1 TB", "25 x 3 cm", "Size 10-20", "Davidoff Code: DV-123",
     "Доставка 2-4 дни", "Warranty 24 months"],
)
def test_not_promotions(text: str) -> None:
    assert only(text) == []


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("-20% until 30.11", date(2026, 11, 30)),
        ("-20% до 30.11.2026", date(2026, 11, 30)),
        ("-20% gültig bis 05.12.", date(2026, 12, 5)),
        ("-20% jusqu'au 31/12", date(2026, 12, 31)),
        ("-20% hasta el 15.11", date(2026, 11, 15)),
        ("30,00 € off (offer valid until 08.11.2026)", date(2026, 11, 8)),
    ],
)
def test_validity_dates(text: str, until: date) -> None:
    promos = find_promotions([text], "EUR", TODAY)
    assert [p.valid_until for p in promos] == [until]


def test_you_save_restates_the_discount() -> None:
    promos = find_promotions(["Спестявате 261,57 лв.", "-30% (валидно до 03.11.2026)"], "BGN", TODAY)
    assert [(p.kind, p.value) for p in promos] == [(K.PERCENT_OFF, Decimal(30))]


def test_regular_price_gives_the_discount_and_price_valid_until() -> None:
    offer = {"@type": "Offer", "price": "80.00", "priceCurrency": "EUR",
             "priceValidUntil": "2026-12-31",
             "priceSpecification": {"@type": "UnitPriceSpecification", "price": "100.00",
                                    "priceType": "https://schema.org/StrikethroughPrice"}}
    result = run("", head=jsonld({"@type": "Product", "name": "X", "offers": offer}))
    assert (result.price, result.regular_price) == (D("80.00"), D("100.00"))
    derived = [p for p in result.promotions if p.kind == K.PERCENT_OFF]
    assert [(p.value, p.valid_until) for p in derived] == [(D("20.0"), date(2026, 12, 31))]


def test_promotions_of_related_products_are_ignored() -> None:
    body = ('<span class="price">10 €</span>'
            '<section class="related-products"><div class="product-card"><span class="badge">'
            '3 for 2</span><span class="price">5 €</span></div></section>')
    assert run(body).promotions == []


def test_woocommerce_sale_page_end_to_end() -> None:
    body = ('<div class="summary entry-summary"><h1 class="product_title">Kettle</h1>'
            '<span class="onsale">Sale!</span><p class="price"><del><span class='
            '"woocommerce-Price-amount amount">49,90&nbsp;€</span></del> <ins><span class='
            '"woocommerce-Price-amount amount">39,90&nbsp;€</span></ins></p>'
            '<ul class="promos"><li>Code: AUTUMN -10%</li><li>3 for 2</li>'
            "<li>or 12 x 3.33 €/month</li></ul><p class=\"stock in-stock\">In stock</p></div>")
    result = run(body, head='<link href="/wp-content/plugins/woocommerce/x.css">')
    assert (result.price, result.regular_price, result.currency) == (D("39.90"), D("49.90"), "EUR")
    kinds = {p.kind for p in result.promotions}
    assert {K.PERCENT_OFF, K.COUPON, K.MULTI_BUY, K.INSTALMENTS, K.BADGE} <= kinds


@pytest.mark.parametrize(("text", "buy", "pct"), [
    ("При покупка на 2 бр. -20%", 2, D("20")),
    ("-20% при покупка на 2 или повече броя", 2, D("20")),
    ("-10% when you buy 3 or more", 3, D("10")),
    ("Ab 3 Stück 15% Rabatt", 3, D("15")),
])
def test_a_discount_that_needs_a_quantity_is_a_multi_buy(text: str, buy: int, pct: Decimal) -> None:
    """Not a markdown a single-unit buyer gets: never a percent_off (which the comparison
    would take off their price and call an undercut)."""
    assert only(text) == [(K.MULTI_BUY, pct, None, buy, None, None, None, "quantity_discount")]


@pytest.mark.parametrize("text", ["Отстъпка 15% от 2 до 10 декември", "Промоция -30% от цената",
                                  "-25% за всички продукти от 2 марки"])
def test_a_plain_percent_with_a_number_nearby_stays_a_percent_off(text: str) -> None:
    assert [p.kind for p in find_promotions([text], "EUR")] == [K.PERCENT_OFF]


_ENDED_PAGE = """<!doctype html><html lang="bg"><head><meta charset="utf-8">
<title>Tefal Ingenio</title></head><body><div class="product-info">
<h1>Комплект тигани Tefal Ingenio 3 части</h1>
<div class="price"><del>99,00 €</del> <span class="now">79,00 €</span></div>
<p class="promo">Промоция валидна до {until}</p><div class="stock">В наличност</div>
</div></body></html>"""


def test_a_markdown_whose_promotion_ended_reads_the_regular_price() -> None:
    from spiders.extraction import extract

    ended = extract(_ENDED_PAGE.format(until="30.11.2026"), "http://shop.test/p/a.html",
                    today=date(2026, 12, 6))
    assert (ended.price, ended.regular_price) == (Decimal("99.00"), None)
    assert not [p for p in ended.promotions if p.kind == PromotionKind.PERCENT_OFF]
    running = extract(_ENDED_PAGE.format(until="31.12.2026"), "http://shop.test/p/a.html",
                      today=date(2026, 12, 6))
    assert (running.price, running.regular_price) == (Decimal("79.00"), Decimal("99.00"))
    # the last day still counts
    last = extract(_ENDED_PAGE.format(until="06.12.2026"), "http://shop.test/p/a.html",
                   today=date(2026, 12, 6))
    assert last.price == Decimal("79.00")
