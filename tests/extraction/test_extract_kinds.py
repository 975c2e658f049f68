"""The kinds of pages issue 17 found read wrong, each on small inline pages.

Each case is built for the kind (several wordings and languages), not for one page.
"""

from __future__ import annotations

import pytest

from spiders.extraction import Availability, ExtractionHints, PromotionKind, extract

from .support import D, jsonld, page, run

TITLE = "<h1>Espresso machine Deluxe</h1>"
BUY = '<button class="add-to-cart">Add to cart</button>'


# ------------------------------------------------------------ non-price numbers


@pytest.mark.parametrize(
    ("name", "body", "lang"),
    [
        ("spend threshold en", TITLE + '<p class="price-note">Free gift when you spend over '
         '<span class="amount">$590</span></p>' + BUY, "en"),
        ("spend threshold zh", TITLE + '<p class="promo">消費滿額 <span class="price">$590</span>'
         " 免運</p>" + BUY, "zh"),
        ("order over bg", TITLE + '<p class="price-info">Безплатна доставка при поръчка над '
         '<span class="price">100 лв.</span></p>' + BUY, "bg"),
        ("save on its own", TITLE + '<p class="price">Save 20,00 лв.</p>' + BUY, "bg"),
        ("instalment only", TITLE + '<p class="price">12 x 8,33 лв.</p>' + BUY, "bg"),
        ("free shipping near title", TITLE + '<p>Free shipping on orders over <span>'
         "50,00 €</span></p>" + BUY, "en"),
        ("sku in amount", TITLE + '<span class="amount">SKU-123</span>' + BUY, "en"),
        ("model year in amount", TITLE + '<span class="amount">Model 2024</span>' + BUY, "en"),
        ("screen size in price", TITLE + '<span class="price">15.6 inch</span>' + BUY, "en"),
        ("quantity words", TITLE + '<div class="price">buy 1 box</div>' + BUY, "en"),
        ("multi-buy in a price element", TITLE + '<div class="price">1+1</div>' + BUY, "en"),
        ("percent in a price element", TITLE + '<span class="price">-20%</span>' + BUY, "en"),
    ],
)
def test_no_true_price_gives_no_price_with_a_reason(name: str, body: str, lang: str) -> None:
    result = run(body, lang=lang)
    assert result.price is None, (name, result.price)
    assert result.reason and "no price" in result.reason


@pytest.mark.parametrize("body", [
    '<span class="price">Price 49.90</span>', '<span class="price">49.90 incl. VAT</span>',
    '<span class="price">Цена: 49,90</span>', '<span class="price">49,90</span>',
    '<span class="price">Jetzt 49,90</span>'.replace("Jetzt ", ""),
])
def test_a_bare_price_without_a_currency_is_still_a_price(body: str) -> None:
    result = run(TITLE + body + BUY, lang="en", currency="EUR")
    assert result.price == D("49.90")


def test_a_real_price_beside_a_threshold_still_wins() -> None:
    result = run(TITLE + '<p class="price">249,00 €</p><p>Free shipping on orders over '
                 '<span class="price">50,00 €</span></p>' + BUY, lang="de")
    assert result.price == D("249.00")


# ------------------------------------------------------------ promotions in titles


@pytest.mark.parametrize("title", [
    "Bio Shampoo 500 ml (1+1)", "Socks 2+1 pack", "Batteries AA 3 for 2 pack",
    "Cable -20% thinner 2m", "Крем за ръце 1+1 промо пакет",
])
def test_promotion_words_in_the_title_are_not_promotions(title: str) -> None:
    head = jsonld({"@type": "Product", "name": title, "offers": {
        "@type": "Offer", "price": "10.00", "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock"}})
    body = page(f'<h1 class="product-title">{title}</h1><p class="price">10,00 €</p>' + BUY,
                head=head, title=title)
    for prefer in (None, "jsonld"):
        result = extract(body, url="https://shop.example.com/p/1",
                         hints=ExtractionHints(prefer=prefer))
        kinds = {p.kind for p in result.promotions}
        assert PromotionKind.MULTI_BUY not in kinds and PromotionKind.PERCENT_OFF not in kinds, (
            title, prefer, result.promotions)


def test_a_multi_buy_outside_the_title_is_still_read() -> None:
    result = run("<h1>Socks</h1><p class=\"price\">10,00 €</p><p class=\"promo\">3 for 2</p>"
                 + BUY, lang="en")
    assert any(p.kind == PromotionKind.MULTI_BUY for p in result.promotions)


# ------------------------------------------------------------ superscript cents, tax


@pytest.mark.parametrize(("body", "price", "regular"), [
    ('<p class="product-new-price">2.499<sup>99</sup> <span>Lei</span></p>', "2499.99", None),
    ('<p class="product-old-price"><s>2.999<sup>99</sup> Lei</s></p>'
     '<p class="product-new-price">2.499<sup>99</sup> <span>Lei</span></p>', "2499.99",
     "2999.99"),
    ('<div class="price"><span>149</span><sup>90</sup> €</div>', "149.90", None),
])
def test_superscript_cents(body: str, price: str, regular: str | None) -> None:
    result = run(TITLE + body + BUY, lang="ro")
    assert result.price == D(price)
    assert result.regular_price == (D(regular) if regular else None)


@pytest.mark.parametrize(("body", "lang"), [
    ('<div class="price-box"><span class="notax">Brez DDV: 81,97 €</span>'
     '<span class="tax">100,00 €</span></div>', "sl"),
    ('<div class="prices"><div class="price-tax">Z DDV <b>100,00 €</b></div>'
     '<div class="price-notax">Brez DDV <b>81,97 €</b></div></div>', "sl"),
    ('<div class="price"><span class="price-excl-tax">£83.33 ex VAT</span>'
     '<span class="price-incl-tax">£100.00 inc VAT</span></div>', "en"),
])
def test_tax_containers_take_the_consumer_price(body: str, lang: str) -> None:
    result = run(TITLE + body + BUY, lang=lang)
    assert result.price in (D("100.00"),)


def test_aggregate_offer_with_one_offer_takes_the_offer_price() -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", "offers": {
        "@type": "AggregateOffer", "lowPrice": "19.00", "highPrice": "49.00",
        "priceCurrency": "EUR", "offerCount": 1, "offers": [{
            "@type": "Offer", "price": "35.00", "priceCurrency": "EUR",
            "availability": "https://schema.org/InStock"}]}})
    for prefer in (None, "jsonld"):
        result = extract(page("<h1>Kettle</h1>", head=head),
                         hints=ExtractionHints(prefer=prefer))
        assert result.price == D("35.00"), prefer


def test_live_price_in_an_old_looking_class() -> None:
    result = run(TITLE + '<div class="product-prices"><span class="price-old">59,00 €</span>'
                 '<span class="price-old-live">49,00 €</span></div>' + BUY, lang="de")
    assert result.price == D("49.00") and result.regular_price == D("59.00")


# ------------------------------------------------------------ containers, titles


@pytest.mark.parametrize("slug", ["accessories", "related-gear", "carousel-toys", "menu-items"])
def test_product_category_class_on_the_product_container(slug: str) -> None:
    body = (f'<div class="product type-product product_cat-{slug} sale">'
            '<div class="summary entry-summary"><h1 class="product_title">Phone case</h1>'
            '<p class="price"><del><span class="amount">25,00 €</span></del> '
            '<ins><span class="amount">19,00 €</span></ins></p>' + BUY + "</div></div>"
            '<section class="related products"><span class="price">9,00 €</span></section>')
    result = run(body, lang="de")
    assert (result.price, result.regular_price) == (D("19.00"), D("25.00"))


@pytest.mark.parametrize("title", ["C", "Me", "One", "X1"])
def test_short_titles_are_titles(title: str) -> None:
    result = extract(page(f'<h1 class="product-title">{title}</h1><p class="price">12,50 €</p>'
                          + BUY, lang="de", title=f"{title} | Beispiel-Shop"))
    assert result.title == title and result.price == D("12.50")


def test_the_word_one_in_a_title_keeps_the_price() -> None:
    result = run('<h1>Vacuum One Pro</h1><p class="price">199,00 €</p>' + BUY, lang="de")
    assert result.price == D("199.00")


# ------------------------------------------------------------ identifiers


@pytest.mark.parametrize(("text", "sku"), [
    ("ASIN: B0CX23V2ZK", "B0CX23V2ZK"),
    ("Item number: 4471-22", "4471-22"),
    ("Артикул: 123456", "123456"),
    ("Код: ABC-991", "ABC-991"),
    ("Product code: PX 77A", "PX"),
    ("Ref. 889-221", "889-221"),
    ("Art.-Nr. 55123", "55123"),
    ("ID Produto: 77812", "77812"),
    ("Cod produs: HD9252/90", "HD9252/90"),
    ("Kód produktu: 22-118", "22-118"),
    ("Référence : TE502955-1293415 Housse de couette", "TE502955-1293415"),
])
def test_labelled_skus_in_many_languages(text: str, sku: str) -> None:
    result = run(TITLE + '<p class="price">12,50 €</p>' + BUY + f"<p>{text}</p>", lang="de")
    assert result.sku == sku, (text, result.sku)


def test_visible_item_number_wins_over_an_internal_structured_sku() -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", "sku": "88213", "offers": {
        "@type": "Offer", "price": "35.00", "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock"}})
    result = extract(page('<h1>Kettle</h1><p class="price">35,00 €</p><p>Item number: '
                          "KT-2000-B</p>", head=head))
    assert result.sku == "KT-2000-B"


@pytest.mark.parametrize(("url", "sku"), [
    ("https://shop.example.com/p/kettle-steel-p12345.html", "12345"),
    ("https://shop.example.com/product/kettle/sku/KT-2000/", "KT-2000"),
    ("https://shop.example.com/dp/B0CX23V2ZK", "B0CX23V2ZK"),
    ("https://shop.example.com/item.php?id=5521", "5521"),
])
def test_the_id_in_the_url_when_the_page_has_no_other(url: str, sku: str) -> None:
    result = run(TITLE + '<p class="price">12,50 €</p>' + BUY, url=url, lang="de")
    assert result.sku == sku


def test_no_id_from_a_plain_slug_url() -> None:
    result = run(TITLE + '<p class="price">12,50 €</p>' + BUY,
                 url="https://shop.example.com/product/espresso-machine-deluxe/", lang="de")
    assert result.sku is None


def test_gtin_on_the_offer() -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", "offers": {
        "@type": "Offer", "price": "35.00", "priceCurrency": "EUR", "gtin13": "4006381333931",
        "availability": "https://schema.org/InStock"}})
    assert extract(page("<h1>Kettle</h1>", head=head)).gtin == "4006381333931"


@pytest.mark.parametrize("key", ["gtin13", "gtin"])
def test_gtin_from_jsonld(key: str) -> None:
    head = jsonld({"@type": "Product", "name": "Kettle", key: "4006381333931", "offers": {
        "@type": "Offer", "price": "35.00", "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock"}})
    assert extract(page("<h1>Kettle</h1>", head=head)).gtin == "4006381333931"


# ------------------------------------------------------------ availability


@pytest.mark.parametrize(("text", "expected"), [
    ("Tovar nie je možné kúpiť", Availability.OUT_OF_STOCK),
    ("Vypredané", Availability.OUT_OF_STOCK),
    ("Není skladem", Availability.OUT_OF_STOCK),
    ("Skladem", Availability.IN_STOCK),
    ("Na skladě", Availability.IN_STOCK),
    ("Na sklade", Availability.IN_STOCK),
    ("Stoc epuizat", Availability.OUT_OF_STOCK),
    ("Produs indisponibil", Availability.OUT_OF_STOCK),
    ("În stoc", Availability.IN_STOCK),
    ("Μη διαθέσιμο", Availability.OUT_OF_STOCK),
    ("Εξαντλήθηκε", Availability.OUT_OF_STOCK),
    ("Άμεσα διαθέσιμο", Availability.IN_STOCK),
    ("Σε απόθεμα", Availability.IN_STOCK),
    ("אזל מהמלאי", Availability.OUT_OF_STOCK),
    ("לא במלאי", Availability.OUT_OF_STOCK),
    ("במלאי", Availability.IN_STOCK),
])
def test_availability_wording_in_more_languages(text: str, expected: Availability) -> None:
    from spiders.extraction.availability import availability_from_text

    assert availability_from_text(text) == expected


def test_stock_is_read_even_without_a_price() -> None:
    result = run(TITLE + '<p class="stock out-of-stock">Stoc epuizat</p>', lang="ro")
    assert result.price is None
    assert result.availability == Availability.OUT_OF_STOCK
    assert "no price" in (result.reason or "")


# ------------------------------------------------------------ charset


@pytest.mark.parametrize("declared", ["", '<meta charset="utf-8">', '<meta charset="nonsense">'])
def test_a_page_with_a_wrong_or_missing_charset_is_decoded(declared: str) -> None:
    html = (f'<html lang="bg"><head>{declared}<title>Чайник</title></head><body>'
            "<h1>Електрическа кана Philips</h1><p class=\"price\">Цена: 49,90 лв.</p>"
            "<p>В наличност. Гаранция 24 месеца. Безплатна доставка над 100 лв.</p>"
            '<button class="add-to-cart">Купи</button></body></html>')
    result = extract(html.encode("cp1251"), url="https://shop.example.bg/p/1")
    assert result.title == "Електрическа кана Philips"
    assert (result.price, result.currency) == (D("49.90"), "BGN")
    assert result.availability == Availability.IN_STOCK
