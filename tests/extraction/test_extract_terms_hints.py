"""Terms (shipping, delivery, warranty, returns), per-site selectors and the prefer fast path."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spiders.extraction import Availability, ExtractionHints, extract
from spiders.extraction.terms import find_terms

from .support import D, jsonld, page, run


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Доставка: 5,99 лв.", "Безплатна доставка над 100,00 лв."],
         {"shipping_cost": D("5.99"), "free_threshold": D("100.00")}),
        (["Доставка до адрес: 5,90 €. Безплатна доставка за поръчки над 79 €."],
         {"shipping_cost": D("5.90"), "free_threshold": D("79")}),
        (["Безплатна доставка над 100 €. Доставка: 4,99 €"],
         {"shipping_cost": D("4.99"), "free_threshold": D("100")}),
        (["Доставка с куриер: 4,99 €"], {"shipping_cost": D("4.99")}),
        (["Доставка до офис на Еконт: 3,50 €"], {"shipping_cost": D("3.50")}),
        (["Delivery to your door: €4.99"], {"shipping_cost": D("4.99")}),
        (["Доставка за поръчки над 79 €"], {"shipping_cost": None}),
        (["Доставка до 3 дни"], {"shipping_cost": None, "delivery_max": 3}),
        (["Shipping: €4.99", "Free shipping over €50"],
         {"shipping_cost": D("4.99"), "free_threshold": D("50")}),
        (["Versandkosten: 4,90 €"], {"shipping_cost": D("4.90")}),
        (["Livraison gratuite dès 60 €"], {"free_threshold": D("60")}),
        (["Envío gratis a partir de 50 €"], {"free_threshold": D("50")}),
        (["Free delivery"], {"shipping_cost": D("0")}),
        (["Delivery in 2-4 days"], {"delivery_min": 2, "delivery_max": 4, "shipping_cost": None}),
        (["Доставка 1-2 работни дни"], {"delivery_min": 1, "delivery_max": 2}),
        (["Lieferzeit: 2-3 Werktage"], {"delivery_min": 2, "delivery_max": 3}),
        (["Livraison en 3 à 5 jours ouvrés"], {"delivery_min": 3, "delivery_max": 5}),
        (["Entrega en 24-48 días"], {"delivery_min": 24, "delivery_max": 48}),
        (["Delivered within 2 weeks"], {"delivery_min": 14, "delivery_max": 14}),
        (["Warranty 24 months"], {"warranty_months": 24}),
        (["Гаранция 24 месеца"], {"warranty_months": 24}),
        (["2 години гаранция"], {"warranty_months": 24}),
        (["Garantie: 2 Jahre"], {"warranty_months": 24}),
        (["Garantie 3 ans"], {"warranty_months": 36}),
        (["Garantía de 2 años"], {"warranty_months": 24}),
        (["30 days returns"], {"returns_days": 30}),
        (["14-day returns"], {"returns_days": 14}),
        (["30 дни право на връщане"], {"returns_days": 30}),
        (["Rückgabe innerhalb von 30 Tagen"], {"returns_days": 30}),
        (["Retour gratuit sous 30 jours"], {"returns_days": 30}),
        (["Devolución en 15 días"], {"returns_days": 15}),
    ],
)
def test_terms(texts: list[str], expected: dict[str, object]) -> None:
    terms = find_terms(texts, "EUR")
    for key, value in expected.items():
        assert getattr(terms, key) == value, key


def test_page_terms_beat_config_defaults_and_defaults_fill_gaps() -> None:
    hints = ExtractionHints(shipping_cost=Decimal("6.00"), free_shipping_threshold=Decimal("80"),
                            delivery_min_days=1, delivery_max_days=3, warranty_months=12,
                            returns_days=14)
    stated = extract(page('<p class="price">20 €</p><p>Warranty 24 months</p>'
                          "<p>Shipping: €4.99</p>"), hints=hints)
    assert stated.warranty is not None and stated.warranty.months == 24
    assert stated.shipping is not None and stated.shipping.cost == D("4.99")
    silent = extract(page('<p class="price">20 €</p>'), hints=hints)
    assert silent.shipping is not None
    assert (silent.shipping.cost, silent.shipping.free_threshold) == (D("6.00"), D("80"))
    assert silent.delivery is not None and (silent.delivery.min_days,
                                            silent.delivery.max_days) == (1, 3)
    assert silent.warranty is not None and silent.warranty.months == 12
    assert silent.returns_days == 14


PLAIN = ('<div id="top"><a class="kolichka">Количка (3) <span>87,45 лв.</span></a></div>'
         '<div class="karta"><h1 class="ime">Тостер Хит</h1><span class="kod">Код: <b>PL-1</b>'
         '</span><div class="ceni"><span class="cena-old">59,90 лв.</span> <span class="cena-now">'
         '49,90 лв.</span><span class="cena-eur"> / 25,51 €</span></div>'
         '<div class="nalichnost">Изчерпан</div></div>')
SELECTORS = {"title": "h1.ime::text", "price": ".ceni .cena-now::text",
             "regular_price": "//div[@class='ceni']/span[@class='cena-old']/text()",
             "availability": ".nalichnost::text", "sku": ".kod b::text"}


def test_selectors_css_and_xpath() -> None:
    result = extract(page(PLAIN, lang="bg"), hints=ExtractionHints(currency="BGN",
                                                                    selectors=SELECTORS))
    assert (result.title, result.price, result.regular_price, result.currency) == (
        "Тостер Хит", D("49.90"), D("59.90"), "BGN")
    assert (result.availability, result.sku, result.extractor) == (
        Availability.OUT_OF_STOCK, "PL-1", "selectors")


def test_selector_drift_is_reported_not_guessed_silently() -> None:
    drifted = PLAIN.replace("cena-now", "cena-nova")
    result = extract(page(drifted, lang="bg"), hints=ExtractionHints(currency="BGN",
                                                                      selectors=SELECTORS))
    assert "price selector" in (result.reason or "") and "matched nothing" in (result.reason or "")


def test_prefer_fast_path_skips_other_strategies() -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", "offers": {
        "@type": "Offer", "price": "35.00", "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock"}})
    body = page('<div itemscope itemtype="https://schema.org/Product"><span itemprop="price" '
                'content="36.00">36</span></div><p class="price">35,00 €</p>', head=head)
    fast = extract(body, hints=ExtractionHints(prefer="jsonld"))
    assert fast.extractor == "jsonld" and fast.price == D("35.00")
    assert {c.source for c in fast.candidates} <= {"jsonld", "opengraph", "page"}
    # A learned preference never changes the answer (issue 14): the same page, the same values.
    for prefer in (None, "heuristic", "platform", "microdata"):
        other = extract(body, hints=ExtractionHints(prefer=prefer))
        assert other.to_dict() == fast.to_dict(), prefer


def test_prefer_that_fails_falls_back() -> None:
    result = run('<p class="price">12,50 €</p>', prefer="jsonld")
    assert result.price == D("12.50") and result.extractor == "heuristic"


def test_read_text_off_keeps_structured_values_and_skips_wording() -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", "offers": {
        "@type": "Offer", "price": "35.00", "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock",
        "hasMerchantReturnPolicy": {"merchantReturnDays": 30}}})
    body = page("<p>Code: SAVE10 -10%</p><p>Warranty 24 months</p>", head=head)
    full = extract(body)
    quick = extract(body, hints=ExtractionHints(prefer="jsonld", read_text=False))
    assert (quick.price, quick.currency, quick.returns_days) == (D("35.00"), "EUR", 30)
    assert quick.promotions == [] and quick.warranty is None
    assert full.promotions and full.warranty is not None and full.warranty.months == 24


def test_quickest_path_matches_the_full_read_on_structured_pages() -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", "sku": "K-1", "gtin13": "4006381333931",
                   "brand": "Brava", "offers": {
                       "@type": "Offer", "price": "35.00", "priceCurrency": "BGN",
                       "availability": "https://schema.org/InStock",
                       "priceValidUntil": "2026-12-31", "priceSpecification": {
                           "price": "40.00", "priceType": "https://schema.org/ListPrice"}}})
    body = page("<p>Nothing else</p>", head=head, lang="bg")
    quick = extract(body, url="https://shop.example.bg/p/k",
                    hints=ExtractionHints(prefer="jsonld", read_text=False))
    full = extract(body, url="https://shop.example.bg/p/k")
    keys = ["price", "regular_price", "currency", "availability", "sku", "gtin", "brand", "title"]
    assert {k: quick.to_dict()[k] for k in keys} == {k: full.to_dict()[k] for k in keys}
    assert quick.price == D("35.00") and quick.extractor == "jsonld"


def test_quickest_path_falls_back_when_structured_data_is_incomplete() -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", "offers": {"@type": "Offer",
                                                                   "price": "35.00"}})
    body = page('<p class="availability">Изчерпан</p>', head=head, lang="bg")
    result = extract(body, hints=ExtractionHints(prefer="jsonld", read_text=False))
    assert result.price == D("35.00")
    assert result.availability == Availability.OUT_OF_STOCK  # read from the page itself


SELECTOR_PAGE = page(
    '<div id="main" class="karta big"><h1 class="ime">Тостер</h1><div class="ceni">'
    '<span class="cena-now">49,90 лв.</span><span class="cena-old x">59,90 лв.</span></div>'
    '<p class="kod">Код: <b>PL-1</b> <b>second</b></p><a class="link" href="/x?y=1">more</a>'
    '<div class="ceni other"><span class="cena-now">1,00 лв.</span></div></div>', lang="bg")


@pytest.mark.parametrize(
    "query",
    ["h1.ime::text", ".ceni .cena-now::text", "div.ceni span.cena-old.x::text",
     "#main .kod b::text", ".kod::text", "a.link::attr(href)", ".ceni.other .cena-now",
     "div#main h1", "p b::text", ".missing::text", "div > span::text",
     "span:first-child::text", "[class=kod]::text"],
)
def test_simple_selectors_match_their_xpath_translation(query: str) -> None:
    from spiders.extraction.document import Document
    from spiders.extraction.overrides import compile_query, select_all, simple_plan

    doc = Document.parse(SELECTOR_PAGE)
    result = compile_query(query)(doc.root)
    expected = [str(x) if isinstance(x, str) else " ".join(" ".join(x.itertext()).split())
                for x in result]
    assert select_all(doc, query) == [v for v in expected if v.strip()]
    complex_css = any(mark in query for mark in (">", ":first", "["))
    assert (simple_plan(query) is None) == complex_css


def test_fast_path_takes_the_title_from_the_heading_when_json_ld_has_none() -> None:
    head = jsonld({"@type": "Product", "offers": {
        "@type": "Offer", "price": "35.00", "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock"}})
    body = page('<p class="promo">-10% until 30.11</p>', head=head, title="Kettle K1")
    result = extract(body, hints=ExtractionHints(prefer="jsonld"))
    assert (result.title, result.extractor) == ("Kettle K1", "jsonld")
    assert [p.value for p in result.promotions] == [D("10")]


@pytest.mark.parametrize("prefer", [None, "jsonld"])
def test_block_after_the_product_container_is_not_read(prefer: str | None) -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", "offers": {
        "@type": "Offer", "price": "35.00", "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock"}})
    prose = "<p>" + "A fine kettle for every kitchen. " * 60 + "</p>"
    body = page(f'<div class="karta"><h1>Kettle</h1><p>Code: HOT10 -10%</p>{prose}</div>'
                '<div class="slichni"><span>3 for 2</span><span>Безплатна доставка над 20 €'
                "</span></div>", head=head)
    result = extract(body, hints=ExtractionHints(prefer=prefer))
    assert [p.kind.value for p in result.promotions] == ["coupon"]
    assert result.shipping is None
