"""The same formats, wordings and promotion kinds as the unit tests, end to end through
``extract`` on small inline HTML pages (BG, EN, DE, FR, ES)."""

from __future__ import annotations

from datetime import date

import pytest

from spiders.extraction import Availability, PromotionKind, extract

from .support import D, page

K = PromotionKind
A = Availability
BUY = '<button class="add-to-cart">Buy</button>'
DEC_2026 = date(2026, 12, 6)

PRICE_CASES = [
    ("bg", "1 299,00 лв.", "1299.00", "BGN"),
    ("bg", "24,99 лв. / 12,78 €", "12.78", "EUR"),  # read in December 2026: the euro
    ("en", "$1,299.00", "1299.00", "USD"),
    ("en", "£51.99", "51.99", "GBP"),
    ("de", "1.299,00 €", "1299.00", "EUR"),
    ("de", "12,- €", "12", "EUR"),
    ("fr", "1 299,99 €", "1299.99", "EUR"),
    ("es", "CLP $24.990", "24990", "CLP"),
    ("es", "1.299,50 €", "1299.50", "EUR"),
    ("pl", "19,90 zł", "19.90", "PLN"),
    ("ru", "2 490 руб.", "2490", "RUB"),
    ("en", "99 RUR", "99", "RUB"),
]


@pytest.mark.parametrize(("lang", "shown", "amount", "currency"), PRICE_CASES)
def test_price_formats_in_pages(lang: str, shown: str, amount: str, currency: str) -> None:
    result = extract(page(f'<p class="price">{shown}</p>{BUY}', lang=lang), today=DEC_2026)
    assert (result.price, result.currency) == (D(amount), currency), result.reason


@pytest.mark.parametrize(
    ("lang", "url", "shown", "currency"),
    [("bg", None, "19,90", "EUR"), ("en", "https://shop.example.ca/p", "$19.90", "CAD"),
     ("es", "https://tienda.example.cl/p", "$19.990", "CLP"),
     ("de", "https://shop.example.ch/p", "19.90", "CHF"),
     ("fr", "https://boutique.example.fr/p", "19,90", "EUR")],
)
def test_currency_hints_in_pages(lang: str, url: str | None, shown: str, currency: str) -> None:
    result = extract(page(f'<p class="price">{shown}</p>{BUY}', lang=lang), url=url,
                     today=DEC_2026)
    assert result.currency == currency
    assert result.price is not None


@pytest.mark.parametrize(
    ("lang", "wording", "expected"),
    [("bg", "В наличност", A.IN_STOCK), ("bg", "Изчерпан", A.OUT_OF_STOCK),
     ("bg", "Предварителна поръчка", A.PRE_ORDER), ("bg", "По поръчка", A.BACK_ORDER),
     ("en", "In stock", A.IN_STOCK), ("en", "Sold out", A.OUT_OF_STOCK),
     ("en", "Only 2 left", A.LIMITED_AVAILABILITY), ("en", "Discontinued", A.DISCONTINUED),
     ("de", "Auf Lager", A.IN_STOCK), ("de", "Ausverkauft", A.OUT_OF_STOCK),
     ("fr", "En stock", A.IN_STOCK), ("fr", "Rupture de stock", A.OUT_OF_STOCK),
     ("es", "Disponible", A.IN_STOCK), ("es", "Agotado", A.OUT_OF_STOCK)],
)
def test_availability_wording_in_pages(lang: str, wording: str, expected: Availability) -> None:
    body = f'<p class="price">10,00 €</p><p class="availability">{wording}</p>'
    assert extract(page(body, lang=lang)).availability == expected


@pytest.mark.parametrize(
    ("lang", "wording", "kind", "value"),
    [("bg", "Купи 3, плати 2", K.MULTI_BUY, None), ("bg", "Код: SAVE10 -10%", K.COUPON, "10"),
     ("bg", "Безплатна доставка над 100 лв.", K.FREE_SHIPPING, None),
     ("bg", "Клубна цена: 19,99 лв.", K.MEMBER_PRICE, "19.99"),
     ("bg", "12 вноски по 8,33 лв.", K.INSTALMENTS, "8.33"),
     ("bg", "Отстъпка 15% до 30.11", K.PERCENT_OFF, "15"),
     ("en", "3 for 2", K.MULTI_BUY, None), ("en", "Free shipping over €50", K.FREE_SHIPPING, None),
     ("en", "or 12 x 8.33 €/month", K.INSTALMENTS, "8.33"), ("en", "Second at -50%", K.MULTI_BUY,
                                                            "50"),
     ("en", "Member price: €17.50", K.MEMBER_PRICE, "17.50"), ("en", "Sale", K.BADGE, None),
     ("en", "Buy together and save", K.BUNDLE, None),
     ("de", "3 für 2", K.MULTI_BUY, None), ("de", "10 € Rabatt", K.AMOUNT_OFF, "10"),
     ("de", "Gutscheincode: HERBST20 für 20% Rabatt", K.COUPON, "20"),
     ("fr", "Livraison gratuite dès 60 €", K.FREE_SHIPPING, None),
     ("fr", "-30% de réduction", K.PERCENT_OFF, "30"),
     ("es", "2x1 en toda la tienda", K.MULTI_BUY, None),
     ("es", "10 cuotas de 15 €", K.INSTALMENTS, "15")],
)
def test_promotion_kinds_in_pages(lang: str, wording: str, kind: PromotionKind,
                                  value: str | None) -> None:
    body = f'<p class="price">99,00 €</p><div class="promo">{wording}</div>{BUY}'
    result = extract(page(body, lang=lang), today=date(2026, 11, 1))
    found = [p for p in result.promotions if p.kind == kind]
    assert found, (wording, result.promotions)
    assert found[0].value == (D(value) if value else None)
    assert result.price == D("99.00")
