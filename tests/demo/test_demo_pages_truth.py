"""Every shop's pages, fetched over HTTP, say what `truth()` says (read from each shop's own
structured data or markup, independently of pricewatch's extractor)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from demo_http import fetch, money_text
from parsel import Selector

from demo.shops import ShopsHandle, truth
from demo.shops.pages.plainshop import SELECTORS
from demo.shops.simulation import in_currency
from demo.shops.truth import ProductTruth

SCHEMA = "https://schema.org/"


def _jsonld_product(sel: Selector) -> dict[str, Any]:
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        data = json.loads(raw)
        nodes = data.get("@graph", [data])
        for node in nodes:
            if node.get("@type") == "Product":
                return dict(node)
    raise AssertionError("no Product JSON-LD on the page")


def _lev(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else in_currency(amount, "EUR", "BGN")


def _eur(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else in_currency(amount, "BGN", "EUR")


def _page(shops: ShopsHandle, shop: str, item: ProductTruth) -> Selector:
    response = fetch(item.url(shops.base_urls[shop]))
    assert response.status == 200, (shop, item.path, response.status)
    return Selector(text=response.text)


def _product_promos(item: ProductTruth) -> list[Any]:
    """Promotions shown in the product's own promo block (not the shop-wide threshold)."""
    return [p for p in item.promotions
            if p.kind != "badge" and not (p.kind == "free_shipping" and p.threshold)]


def test_jsonshop_jsonld_and_visible_block_match_truth(shops: ShopsHandle) -> None:
    items = truth("jsonshop", 0)
    assert len(items) >= 200
    kinds_seen: set[str] = set()
    for item in items:
        sel = _page(shops, "jsonshop", item)
        product = _jsonld_product(sel)
        offer = product["offers"]
        assert product["name"] == item.title
        assert (product["sku"], product["gtin13"], product["mpn"]) == (item.sku, item.gtin,
                                                                       item.mpn)
        assert product["brand"]["name"] == item.brand
        # Day 0: jsonshop still shows leva only; a crawl stores the euros (the truth).
        assert item.currency == "EUR" and item.shown_currency == "BGN"
        assert offer["priceCurrency"] == "BGN"
        assert offer["availability"] == SCHEMA + str(item.availability)
        price = offer["lowPrice"] if offer["@type"] == "AggregateOffer" else offer["price"]
        assert Decimal(price) == _lev(item.price)
        strike = [s for s in offer.get("priceSpecification", [])
                  if s["priceType"].endswith("StrikethroughPrice")]
        assert (Decimal(strike[0]["price"]) if strike else None) == _lev(item.regular_price)
        visible = money_text(sel.css(".price-current::text").get(""))
        assert visible == _lev(item.price) and "лв." in sel.css(".price-current::text").get("")
        old = sel.css(".price-old s::text").get()
        assert (money_text(old) if old else None) == _lev(item.regular_price)
        assert _eur(visible) == item.price, "leva back to euros: the stored price, exactly"
        shipping = offer["shippingDetails"]
        assert Decimal(shipping["shippingRate"]["value"]) == _lev(item.shipping_cost)
        transit = shipping["deliveryTime"]["transitTime"]
        assert (transit["minValue"], transit["maxValue"]) == (item.delivery_min_days,
                                                              item.delivery_max_days)
        assert offer["hasMerchantReturnPolicy"]["merchantReturnDays"] == item.returns_days
        promos = _product_promos(item)
        assert len(sel.css("li.promo")) == len(promos)
        for promo in promos:
            kinds_seen.add(promo.kind)
            if promo.code:
                assert promo.code in sel.css("ul.promotions").get("")
        warranty = sel.css(".term-warranty::text").get()
        assert (int(re.findall(r"\d+", warranty)[0]) if warranty else None) == item.warranty_months
    assert {"percent_off", "amount_off", "coupon", "multi_buy", "instalments"} <= kinds_seen


def test_woostore_store_api_and_html_match_truth(shops: ShopsHandle) -> None:
    base = shops.base_urls["woostore"]
    by_path = {item.path: item for item in truth("woostore", 0)}
    seen: set[str] = set()
    page = 1
    while True:
        response = fetch(f"{base}wp-json/wc/store/v1/products?page={page}&per_page=100")
        assert response.status == 200
        products = json.loads(response.body)
        if not products:
            break
        assert int(response.headers["X-WP-TotalPages"]) >= page
        for product in products:
            path = product["permalink"][len(base) - 1:]
            item = by_path[path]
            prices = product["prices"]
            assert prices["currency_code"] == "EUR" and prices["currency_minor_unit"] == 2
            assert Decimal(prices["price"]) / 100 == item.price
            regular = Decimal(prices["regular_price"]) / 100
            assert (regular if product["on_sale"] else None) == item.regular_price
            assert product["is_in_stock"] == (item.availability != "OutOfStock")
            assert product["sku"] == item.sku
            seen.add(path)
        page += 1
    assert seen == set(by_path)
    for item in list(by_path.values())[::7]:
        sel = _page(shops, "woostore", item)
        price_p = sel.css("div.summary p.price")
        current = price_p.css("ins .woocommerce-Price-amount bdi::text").get() or price_p.css(
            ".woocommerce-Price-amount bdi::text").get()
        assert money_text(current or "") == item.price
        old = price_p.css("del .woocommerce-Price-amount bdi::text").get()
        assert (money_text(old) if old else None) == item.regular_price
        assert sel.css("h1.product_title::text").get() == item.title
        assert sel.css(".product_meta .sku::text").get() == item.sku
        assert sel.css(".product_meta .gtin::text").get() == item.gtin
        stock_class = sel.css("div.summary p.stock::attr(class)").get("")
        assert ("out-of-stock" in stock_class) == (item.availability == "OutOfStock")


def test_shopify_products_json_and_variant_pages_match_truth(shops: ShopsHandle) -> None:
    base = shops.base_urls["shopifyish"]
    by_variant = {item.variant_id: item for item in truth("shopifyish", 0)}
    seen: set[str] = set()
    several = 0
    page = 1
    while True:
        data = json.loads(fetch(f"{base}products.json?page={page}&limit=50").body)
        if not data["products"]:
            break
        for product in data["products"]:
            several += len(product["variants"]) > 1
            for variant in product["variants"]:
                item = by_variant[str(variant["id"])]
                assert Decimal(variant["price"]) == item.price
                compare = variant["compare_at_price"]
                assert (Decimal(compare) if compare else None) == item.regular_price
                assert variant["available"] == (item.availability != "OutOfStock")
                assert variant["sku"] == item.sku
                assert item.path.startswith(f"/products/{product['handle']}")
                seen.add(str(variant["id"]))
        page += 1
    assert seen == set(by_variant)
    assert several >= 20, "some products have several variants"
    for item in list(by_variant.values())[::5]:
        sel = _page(shops, "shopifyish", item)
        og = sel.css('meta[property="og:price:amount"]::attr(content)').get("")
        assert Decimal(og.replace(",", "")) == item.price
        product = _jsonld_product(sel)
        assert product["name"] == item.title
        assert Decimal(product["offers"][0]["price"]) == item.price
        assert product["offers"][0]["availability"] == SCHEMA + str(item.availability)
        assert sel.css("select[name=id] option[selected]::attr(value)").get() == item.variant_id


def test_shopify_bare_handle_shows_the_first_variant(shops: ShopsHandle) -> None:
    items = [i for i in truth("shopifyish", 0) if "?variant=" in i.path]
    first = items[0]
    bare = first.path.split("?")[0]
    sel = Selector(text=fetch(shops.base_urls["shopifyish"].rstrip("/") + bare).text)
    assert sel.css("select[name=id] option[selected]::attr(value)").get() == first.variant_id


def test_plainshop_per_site_selectors_read_truth(shops: ShopsHandle) -> None:
    items = truth("plainshop", 0)
    for item in items:
        sel = _page(shops, "plainshop", item)
        assert sel.css('script[type="application/ld+json"]').get() is None
        assert money_text(sel.css(SELECTORS["price"]).get("")) == item.price
        old = sel.css(SELECTORS["regular_price"]).get()
        assert (money_text(old) if old else None) == item.regular_price
        assert sel.css(SELECTORS["title"]).get() == item.title
        assert sel.css(SELECTORS["sku"]).get() == item.sku
        assert sel.css(SELECTORS["mpn"]).get() == item.mpn
        assert sel.css(SELECTORS["brand"]).get() == item.brand
        stock = sel.css(SELECTORS["availability"]).get()
        assert (stock == "Изчерпан") == (item.availability == "OutOfStock")
        assert len(sel.css(".promo-etiket")) == len(_product_promos(item))
        # the dual display, euro first: "12,78 €" then "(24,99 лв.)"
        assert "€" in sel.css(SELECTORS["price"]).get("")
        lev = sel.css(".cena-lv::text").get("")
        assert "лв." in lev and money_text(lev) == _lev(item.price)


def test_jsshop_html_has_no_price_but_its_json_has(shops: ShopsHandle) -> None:
    base = shops.base_urls["jsshop"]
    for item in truth("jsshop", 0)[::3]:
        sel = _page(shops, "jsshop", item)
        box = sel.css("#price-box")
        assert box and not re.search(r"\d", "".join(box.css("*::text").getall()))
        assert sel.css('script[type="application/ld+json"]').get() is None
        api = box.attrib["data-offer"]
        data = json.loads(fetch(base.rstrip("/") + api).body)
        assert Decimal(data["price"]) == item.price
        assert (Decimal(data["regular_price"]) if data["regular_price"] else None) == (
            item.regular_price)
        assert data["availability"] == item.availability
        assert data["jsonld"]["name"] == item.title
        assert len(data["promotions"]) == len(_product_promos(item))
    script = fetch(base + "static/shop.js")
    assert script.status == 200 and b"data-price-ready" in script.body


@pytest.mark.parametrize("shop", ["jsonshop", "woostore", "shopifyish", "plainshop", "jsshop"])
def test_every_shop_has_terms_on_product_pages(shops: ShopsHandle, shop: str) -> None:
    item = next(i for i in truth(shop, 0) if i.warranty_months)
    page = fetch(item.url(shops.base_urls[shop])).text
    shown = item.free_shipping_threshold or Decimal(0)
    if item.shown_currency:
        shown = in_currency(shown, item.currency, item.shown_currency)
    threshold = str(int(shown))
    assert threshold in page
    assert f"{item.delivery_min_days}-{item.delivery_max_days}" in page
    assert str(item.warranty_months) in page
    assert str(item.returns_days) in page


@pytest.mark.parametrize("shop, badge_css", [("woostore", "span.onsale"),
                                             ("shopifyish", ".price__badge-sale")])
def test_sale_badges_are_in_the_truth_exactly_where_shown(shops: ShopsHandle, shop: str,
                                                          badge_css: str) -> None:
    for item in truth(shop, 0)[::4]:
        sel = _page(shops, shop, item)
        shown = bool(sel.css(badge_css))
        assert shown == any(p.kind == "badge" for p in item.promotions), item.path
