"""Structured data (JSON-LD, microdata, RDFa, OpenGraph) and platform readers."""

from __future__ import annotations

import json

import pytest

from spiders.extraction import Availability
from spiders.extraction.structured import load_jsonld

from .support import D, jsonld, run

OFFER = {"@type": "Offer", "price": "19.99", "priceCurrency": "EUR",
         "availability": "https://schema.org/InStock"}


def product(**extra: object) -> dict[str, object]:
    return {"@context": "https://schema.org", "@type": "Product", "name": "Lamp", **extra}


@pytest.mark.parametrize(
    ("data", "price", "currency"),
    [
        (product(offers=OFFER), "19.99", "EUR"),
        ({"@context": "https://schema.org", "@graph": [
            {"@type": "WebPage", "name": "x"}, {"@type": "BreadcrumbList"},
            product(offers=OFFER)]}, "19.99", "EUR"),
        (product(offers={"@type": "AggregateOffer", "lowPrice": "15.00", "highPrice": "30.00",
                         "priceCurrency": "BGN", "offerCount": 3}), "15.00", "BGN"),
        (product(offers=[{**OFFER, "price": "25.00"}, {**OFFER, "price": "21.50"}]), "21.50", "EUR"),
        (product(offers=[{**OFFER, "price": "9.00", "availability": "OutOfStock"},
                         {**OFFER, "price": "12.00"}]), "12.00", "EUR"),
        (product(offers={"@type": "Offer", "priceCurrency": "RUR", "price": 1299}), "1299", "RUB"),
        (product(offers={"@type": "Offer", "priceSpecification": [
            {"@type": "UnitPriceSpecification", "price": "99.00", "priceCurrency": "PLN"}]}),
         "99.00", "PLN"),
        ({"@type": "AggregateRating", "itemReviewed": product(offers=OFFER)}, "19.99", "EUR"),
        ([product(offers=OFFER), {"@type": "WebSite"}], "19.99", "EUR"),
        ({**product(offers=OFFER), "@type": ["Product", "Car"]}, "19.99", "EUR"),
    ],
)
def test_jsonld_shapes(data: object, price: str, currency: str) -> None:
    result = run("", head=jsonld(data))
    assert (result.price, result.currency) == (D(price), currency)
    # a range or offers for other variants: the price is one of several variants'
    offers = data.get("offers") if isinstance(data, dict) else None
    several = (isinstance(offers, dict) and offers.get("@type") == "AggregateOffer") or (
        isinstance(offers, list) and len({o.get("availability") for o in offers}) > 1)
    assert result.extractor == ("jsonld+variant" if several else "jsonld"), result.extractor


def test_jsonld_related_products_are_not_the_product() -> None:
    data = product(offers=OFFER, isRelatedTo=[product(name="Other", offers={**OFFER,
                                                                            "price": "1.00"})])
    assert run("", head=jsonld(data)).price == D("19.99")


def test_jsonld_main_product_chosen_by_url() -> None:
    other = product(name="Other lamp", url="https://shop.example.com/p/2",
                    offers={**OFFER, "price": "5.00"})
    main = product(name="Lamp", url="https://shop.example.com/p/1", offers=OFFER)
    result = run("", head=jsonld(other) + jsonld(main), url="https://shop.example.com/p/1")
    assert result.price == D("19.99")


def test_jsonld_identifiers_and_terms() -> None:
    data = product(sku="L-1", mpn="MP-9", gtin13="4006381333931", brand={"@type": "Brand",
                   "name": "Lumo"}, offers={
        **OFFER,
        "shippingDetails": {"@type": "OfferShippingDetails",
                            "shippingRate": {"@type": "MonetaryAmount", "value": "4.90",
                                             "currency": "EUR"},
                            "deliveryTime": {"@type": "ShippingDeliveryTime",
                                             "handlingTime": {"minValue": 0, "maxValue": 1},
                                             "transitTime": {"minValue": 1, "maxValue": 3}}},
        "hasMerchantReturnPolicy": {"@type": "MerchantReturnPolicy", "merchantReturnDays": 30}})
    result = run("", head=jsonld(data))
    assert (result.sku, result.mpn, result.gtin, result.brand) == ("L-1", "MP-9",
                                                                   "4006381333931", "Lumo")
    assert result.shipping is not None and result.shipping.cost == D("4.90")
    assert result.delivery is not None
    assert (result.delivery.min_days, result.delivery.max_days) == (1, 4)
    assert result.returns_days == 30


def test_invalid_gtin_is_dropped() -> None:
    assert run("", head=jsonld(product(gtin13="4006381333932", offers=OFFER))).gtin is None


@pytest.mark.parametrize(
    "text",
    ['/*<![CDATA[*/ {"@type": "Product", "name": "A", "offers": {"price": "1"}} /*]]>*/',
     '{"@type": "Product", "name": "A", "offers": {"price": "1",},}',
     '<!-- {"@type": "Product", "name": "A", "offers": {"price": "1"}} -->',
     '{"@type": "Product", "name": "A\nB", "offers": {"price": "1"}}',
     '{"@type": "Product", "name": "A", "offers": {"price": "1"}}{"@type": "WebSite"}'],
)
def test_lenient_jsonld(text: str) -> None:
    objects, error = load_jsonld(text)
    assert error is None
    assert objects[0]["@type"] == "Product"


def test_jsonld_numbers_are_decimal_not_float() -> None:
    objects, _ = load_jsonld('{"price": 0.1}')
    assert str(objects[0]["price"]) == "0.1"
    assert not isinstance(objects[0]["price"], float)


MICRODATA = """
<div itemscope itemtype="https://schema.org/Product">
  <h1 itemprop="name">Chair</h1><span itemprop="sku">CH-1</span>
  <div itemprop="brand" itemscope itemtype="https://schema.org/Brand">
    <span itemprop="name">Sitz</span></div>
  <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
    <meta itemprop="priceCurrency" content="EUR"><span itemprop="price" content="89.00">89,00 €
    </span><link itemprop="availability" href="https://schema.org/OutOfStock"></div>
</div>
<section class="related-products"><div itemscope itemtype="https://schema.org/Product">
  <span itemprop="name">Stool</span><div itemprop="offers" itemscope
  itemtype="https://schema.org/Offer"><span itemprop="price" content="10.00">10 €</span></div>
</div></section>"""


def test_microdata() -> None:
    result = run(MICRODATA)
    assert (result.price, result.currency, result.extractor) == (D("89.00"), "EUR", "microdata")
    assert (result.sku, result.brand, result.availability) == ("CH-1", "Sitz",
                                                               Availability.OUT_OF_STOCK)


def test_rdfa() -> None:
    body = ('<div vocab="https://schema.org/" typeof="Product"><h1 property="name">Desk</h1>'
            '<div property="offers" typeof="Offer"><span property="price" content="149.00">149 $'
            '</span><meta property="priceCurrency" content="USD"><link property="availability" '
            'href="https://schema.org/InStock"></div></div>')
    result = run(body)
    assert (result.price, result.currency, result.extractor) == (D("149.00"), "USD", "rdfa")


def test_opengraph() -> None:
    head = ('<meta property="og:title" content="Mug"><meta property="product:price:amount" '
            'content="7.50"><meta property="product:price:currency" content="GBP">'
            '<meta property="product:availability" content="in stock">')
    result = run("<p>Mug</p>", head=head)
    assert (result.price, result.currency, result.availability, result.extractor) == (
        D("7.50"), "GBP", Availability.IN_STOCK, "opengraph")


def test_sources_vote_and_disagreement_is_recorded() -> None:
    head = jsonld(product(offers=OFFER)) + ('<meta property="product:price:amount" content="24.99">'
                                            '<meta property="product:price:currency" content="EUR">')
    result = run("", head=head)
    assert result.price == D("19.99")
    assert "disagreement" in (result.reason or "")
    assert {c.source for c in result.candidates if c.field == "price"} == {"jsonld", "opengraph"}


SHOPIFY_JSON = {"product": {"title": "Board", "vendor": "Surfy", "variants": [
    {"price": 12900, "compare_at_price": 15900, "available": True, "sku": "B-1",
     "barcode": "4006381333931"}]}}


@pytest.mark.parametrize(
    ("platform", "head", "body", "price", "regular", "availability"),
    [
        ("shopify", '<script src="https://cdn.shopify.com/s/x.js"></script>',
         '<script type="application/json" data-product-json>' + json.dumps(SHOPIFY_JSON) +
         "</script>", "129.00", "159.00", Availability.IN_STOCK),
        ("woocommerce", '<link href="/wp-content/plugins/woocommerce/a.css">',
         '<div class="summary"><p class="price"><del><span class="woocommerce-Price-amount amount">'
         '30,00&nbsp;€</span></del><ins><span class="woocommerce-Price-amount amount">25,00&nbsp;€'
         '</span></ins></p><p class="stock out-of-stock">Out of stock</p></div>',
         "25.00", "30.00", Availability.OUT_OF_STOCK),
        ("magento", "", '<div class="product-info-main"><span data-price-type="finalPrice" '
         'data-price-amount="79.9">79,90 €</span><span data-price-type="oldPrice" '
         'data-price-amount="99">99,00 €</span><div class="stock available">In stock</div></div>',
         "79.9", "99", Availability.IN_STOCK),
        ("prestashop", '<script>var prestashop = {};</script>',
         '<div class="product-prices"><div class="regular-price">120,00 лв.</div>'
         '<div class="current-price"><span content="99.00">99,00 лв.</span></div></div>'
         '<span id="product-availability">Изчерпан</span>', "99.00", "120.00",
         Availability.OUT_OF_STOCK),
        ("sfcc", '<script src="/on/demandware.static/x.js"></script>',
         '<div class="product-detail"><div class="prices"><span class="strike-through"><span '
         'class="value" content="60.00">$60.00</span></span><span class="sales"><span '
         'class="value" content="45.00">$45.00</span></span></div></div>', "45.00", "60.00",
         Availability.IN_STOCK),
        ("opencart", "", '<div id="content"><a href="index.php?route=product/product&id=1">x</a>'
         '<ul class="list-unstyled"><li><span style="text-decoration: line-through;">$122.00'
         "</span></li><li><h2>$98.00</h2></li></ul></div>", "98.00", "122.00",
         Availability.IN_STOCK),
        ("oscar", "", '<div class="product_main"><p class="price_color">£51.77</p>'
         '<p class="instock availability">In stock (22 available)</p></div>', "51.77", None,
         Availability.IN_STOCK),
    ],
)
def test_platforms(platform: str, head: str, body: str, price: str, regular: str | None,
                   availability: Availability) -> None:
    result = run(body, head=head)
    assert result.price == D(price), (result.reason, result.candidates)
    assert result.regular_price == (D(regular) if regular else None)
    assert result.availability == availability
    assert any(c.source == f"platform:{platform}" for c in result.candidates if c.field == "price")


def test_offer_of_the_selected_variant() -> None:
    offers = [{**OFFER, "price": "20.00", "url": "https://shop.example.com/products/t?variant=1"},
              {**OFFER, "price": "25.00", "url": "https://shop.example.com/products/t?variant=2"}]
    head = jsonld(product(offers=offers))
    chosen = run("", head=head, url="https://shop.example.com/products/t?variant=2")
    assert chosen.price == D("25.00")
    assert run("", head=head, url="https://shop.example.com/products/t").price == D("20.00")


def test_unit_price_specification_is_not_the_price() -> None:
    offer = {"@type": "Offer", "priceCurrency": "EUR", "priceSpecification": [
        {"@type": "UnitPriceSpecification", "price": "12.00", "referenceQuantity": {
            "@type": "QuantitativeValue", "value": 1, "unitCode": "KGM"}},
        {"@type": "UnitPriceSpecification", "price": "3.00"}]}
    assert run("", head=jsonld(product(offers=offer))).price == D("3.00")


def test_itemprops_without_itemscope() -> None:
    body = ('<div class="offer"><meta itemprop="priceCurrency" content="PLN">'
            '<span itemprop="price" content="129.00">129,00 zł</span>'
            '<link itemprop="availability" href="https://schema.org/InStock"></div>'
            '<div class="related-products"><span itemprop="price" content="5.00">5 zł</span></div>')
    result = run(body)
    assert (result.price, result.currency, result.extractor) == (D("129.00"), "PLN", "microdata")


@pytest.mark.parametrize(("raw", "code"), [("лв", "BGN"), ("€", "EUR"), ("RUR", "RUB"),
                                          ("eur", "EUR")])
def test_jsonld_currency_written_as_a_symbol(raw: str, code: str) -> None:
    offer = {"@type": "Offer", "price": "10.00", "priceCurrency": raw,
             "availability": "https://schema.org/InStock"}
    result = run("", head=jsonld(product(offers=offer)))
    assert (result.currency, result.currency_raw) == (code, raw)
