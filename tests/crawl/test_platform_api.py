"""Prices from platform APIs (Shopify /products.json, WooCommerce Store API): listings per
variant/variation, product pages only when needed, and a quiet night that stores exactly
what reading every page again stores."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from demo.shops import competitors_yaml, start_shops
from demo.shops.spec import day_date
from spiders.extraction import Availability, Promotion, PromotionKind
from spiders.platform_api import (
    PageReading,
    carried,
    changed,
    due,
    promotion_from_dict,
    shopify_listings,
    woo_listing,
    woo_variation_ids,
)
from storage.db import make_engine

from .support import crawl, stored_for_run

BASE = "https://shop.example.com/"


def test_shopify_variants_are_listings() -> None:
    product = {"handle": "tee", "title": "Tee", "vendor": "Acme", "variants": [
        {"id": 11, "title": "S", "sku": "T-S", "price": "19.90", "compare_at_price": "24.90",
         "available": True},
        {"id": 12, "title": "M", "sku": "T-M", "price": "21.90", "compare_at_price": None,
         "available": False}]}
    small, medium = shopify_listings(product, BASE, "EUR")
    assert (small.url, small.variant) == (f"{BASE}products/tee?variant=11", "11")
    assert small.product.title == "Tee - S" and small.product.sku == "T-S"
    assert (small.product.price, small.product.regular_price) == (Decimal("19.90"),
                                                                  Decimal("24.90"))
    assert medium.product.availability == Availability.OUT_OF_STOCK
    assert medium.product.regular_price is None and medium.product.brand == "Acme"
    [single] = shopify_listings({"handle": "mug", "title": "Mug", "variants": [
        {"id": 5, "title": "Default Title", "price": "9.00"}]}, BASE, "EUR")
    assert single.url == f"{BASE}products/mug" and single.product.title == "Mug"


def test_woo_store_api_products_and_variations() -> None:
    item = {"id": 7, "name": "Shirt", "permalink": f"{BASE}product/shirt/", "sku": "SH",
            "type": "variable", "variations": [{"id": 71, "attributes": []}, {"id": 72}],
            "prices": {"price": "1990", "regular_price": "2490", "currency_code": "EUR",
                       "currency_minor_unit": 2}, "is_in_stock": True}
    assert woo_variation_ids(item) == [71, 72]
    listing = woo_listing({**item, "type": "simple"}, BASE, "BGN")
    assert listing is not None
    assert (listing.product.price, listing.product.regular_price, listing.product.currency) == (
        Decimal("19.90"), Decimal("24.90"), "EUR")
    out = woo_listing({**item, "is_in_stock": False, "prices": {
        "price": "500", "regular_price": "500", "currency_minor_unit": 2}}, BASE, "EUR", "71")
    assert out is not None and out.variant == "71"
    assert out.product.availability == Availability.OUT_OF_STOCK
    assert out.product.regular_price is None


def _reading(**kw: Any) -> PageReading:
    values: dict[str, Any] = {
        "price": Decimal("19.90"), "regular_price": Decimal("24.90"), "currency": "EUR",
        "availability": "InStock", "read_at": datetime(2026, 11, 2, 3, tzinfo=UTC),
        "title": "Tee (page)", "sku": "T-S", "promotions": [Promotion(
            kind=PromotionKind.COUPON, text="Code SAVE10 -10%", code="SAVE10",
            value=Decimal("10")).to_dict()],
        "terms": {"shipping_cost": Decimal("3.90"), "free_shipping_threshold": Decimal("50"),
                  "warranty_months": 24, "returns_days": 14}}
    values.update(kw)
    return PageReading(**values)


def test_unchanged_api_values_carry_the_page_reading() -> None:
    product = {"handle": "tee", "title": "Tee", "variants": [
        {"id": 11, "title": "S", "price": "19.90", "compare_at_price": "24.90",
         "available": True}, {"id": 12, "price": "1"}]}
    listing = shopify_listings(product, BASE, "EUR")[0]
    known = _reading()
    assert not changed(listing.product, known)
    assert changed(listing.product, _reading(price=Decimal("18.00")))
    assert changed(listing.product, _reading(availability="OutOfStock"))
    result = carried(listing, known)
    assert result.title == "Tee (page)" and result.price == Decimal("19.90")
    assert [p.code for p in result.promotions] == ["SAVE10"]
    assert result.shipping is not None and result.shipping.cost == Decimal("3.90")
    assert result.warranty is not None and result.warranty.months == 24
    assert result.returns_days == 14 and "platform API" in (result.reason or "")


def test_page_readings_come_due_spread_over_the_days() -> None:
    read = datetime(2026, 11, 2, 3, tzinfo=UTC)
    urls = [f"{BASE}p/{i}" for i in range(700)]
    due_after = []
    for url in urls:
        days = next(d for d in range(1, 16) if due(url, "", read, read + timedelta(days=d), 14))
        due_after.append(days)
    assert min(due_after) == 1 and max(due_after) == 14
    assert 30 < due_after.count(1) < 80  # about one in fourteen a night
    assert not due(urls[0], "", read, read + timedelta(hours=1), 14)


def test_stored_promotions_read_back() -> None:
    promo = Promotion(kind=PromotionKind.PERCENT_OFF, text="-20% до 30.11", value=Decimal("20"),
                      valid_until=datetime(2026, 11, 30).date(), detail="x")
    assert promotion_from_dict(json.loads(json.dumps(promo.to_dict()))) == promo
    assert promotion_from_dict({"kind": "nonsense"}) is None


# ------------------------------------------------------------------ crawls


def _competitors(tmp: Path, base_urls: dict[str, str], shops: list[str], mode: str) -> Path:
    data = yaml.safe_load(competitors_yaml(base_urls, enabled=shops))
    for entry in data["competitors"]:
        entry["discovery"]["product_pages"] = mode
    path = tmp / f"competitors-{mode}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _values(stored: Any) -> dict[Any, Any]:
    out = {}
    for key, s in stored.items():
        o = s.observation
        out[key] = (o.status, o.price, o.regular_price, o.currency, o.availability,
                    o.shipping_cost, o.free_shipping_threshold, o.delivery_min_days,
                    o.delivery_max_days, o.warranty_months, o.returns_days,
                    json.dumps(o.promotions, sort_keys=True), s.listing.title, s.listing.sku,
                    s.listing.gtin)
    return out


@pytest.mark.parametrize("shop", ["shopifyish", "woostore"])
def test_a_quiet_night_from_the_api_stores_what_reading_every_page_stores(
        shop: str, tmp_path: Path) -> None:
    at = datetime.combine(day_date(2), time(3), UTC)
    with start_shops(day=2, shops=[shop]) as shops:
        api = _competitors(tmp_path, shops.base_urls, [shop], "when_changed")
        pages = _competitors(tmp_path, shops.base_urls, [shop], "every_night")
        api_db = f"sqlite:///{tmp_path / 'api.db'}"
        [first] = crawl(api, [shop], api_db, now=at)
        [quiet] = crawl(api, [shop], api_db, now=at + timedelta(days=1))
        [full] = crawl(pages, [shop], f"sqlite:///{tmp_path / 'pages.db'}",
                       now=at + timedelta(days=1))
    for summary in (first, quiet, full):
        assert summary.status == "finished", summary.error
    assert first.stats["api_listings"] == 0  # every product was new: every page read
    listings = first.counts["ok"]
    assert quiet.stats["api_listings"] > listings * 0.8
    assert quiet.stats["requests"] < listings * 0.2
    read_quiet = _values(stored_for_run(make_engine(api_db), quiet.crawl_run_id or 0))
    read_full = _values(stored_for_run(make_engine(f"sqlite:///{tmp_path / 'pages.db'}"),
                                       full.crawl_run_id or 0))
    assert len(read_quiet) == len(read_full) == listings
    differ = {k: (read_quiet[k], read_full[k]) for k in read_full if read_quiet[k] != read_full[k]}
    assert not differ, list(differ.items())[:3]


def test_api_nights_keep_the_page_validators_and_due_pages_ask_with_them(
        tmp_path: Path) -> None:
    """A listing stored from the API leaves its page's validators alone (it fetched no
    page); a page that comes due is asked for with them, and a 304 stores the page
    reading again."""
    from sqlalchemy import select

    from storage.models import Listing, PageValidator, table

    at = datetime.combine(day_date(2), time(3), UTC)
    with start_shops(day=2, shops=["woostore"]) as shops:
        path = _competitors(tmp_path, shops.base_urls, ["woostore"], "when_changed")
        db_url = f"sqlite:///{tmp_path / 'v.db'}"
        nights = [crawl(path, ["woostore"], db_url, now=at + timedelta(days=n))[0]
                  for n in range(3)]
    for summary in nights:
        assert summary.status == "finished", summary.error
    engine = make_engine(db_url)
    first, second, third = nights
    val, lst = table(PageValidator), table(Listing)
    with engine.connect() as conn:
        rows = conn.execute(select(lst.c.url, lst.c.variant, val)
                            .join(val, val.c.listing_id == lst.c.id)).all()
    stored = stored_for_run(engine, second.crawl_run_id or 0)
    from_api = {k for k, s in stored.items()
                if str(s.observation.extractor).startswith("api:")}
    assert len(from_api) > 10
    by_key = {(r.url, r.variant): r for r in rows}
    for key in from_api & set(by_key):
        assert by_key[key].etag, key  # the page's validators, not wiped by an API night
        assert by_key[key].crawl_run_id in (first.crawl_run_id, third.crawl_run_id), key
    for summary in (second, third):
        asked = summary.stats["not_modified"]
        assert asked["conditional_requests"] > 0, asked
        assert asked["http_304"] == asked["conditional_requests"]  # nothing changed


class _WooVariations:
    """A WooCommerce Store API with one variable product (two variations) and one simple."""

    def __init__(self) -> None:
        self.requested: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requested.append(self.path)
                status, kind, body = api.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def item(self, pid: int, name: str, price: int, regular: int, link: str,
             kind: str = "simple", variations: list[int] | None = None) -> dict[str, Any]:
        return {"id": pid, "name": name, "permalink": self.base + link, "sku": f"SKU-{pid}",
                "type": kind, "variations": [{"id": v} for v in variations or []],
                "prices": {"price": str(price), "regular_price": str(regular),
                           "currency_code": "EUR", "currency_minor_unit": 2},
                "is_in_stock": True}

    def answer(self, path: str) -> tuple[int, str, bytes]:
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query))
        if parts.path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\n"
        if parts.path == "/wp-json/wc/store/v1/products":
            if query.get("type") == "variation":
                wanted = {int(i) for i in query.get("include", "").split(",") if i}
                items = [self.item(71, "Shirt - S", 1990, 2490, "product/shirt/?attribute_size=s"),
                         self.item(72, "Shirt - M", 2190, 2190, "product/shirt/?attribute_size=m")]
                return 200, "application/json", json.dumps(
                    [i for i in items if i["id"] in wanted]).encode()
            if query.get("page", "1") != "1":
                return 200, "application/json", b"[]"
            return 200, "application/json", json.dumps([
                self.item(7, "Shirt", 1990, 2490, "product/shirt/", "variable", [71, 72]),
                self.item(8, "Mug", 900, 900, "product/mug/")]).encode()
        names = {"/product/shirt/": ("Shirt", "19.90"), "/product/mug/": ("Mug", "9.00")}
        if parts.path in names:
            name, price = names[parts.path]
            if parts.query.endswith("=m"):
                price = "21.90"
            ld = {"@type": "Product", "name": name, "offers": {
                "@type": "Offer", "price": price, "priceCurrency": "EUR",
                "availability": "https://schema.org/InStock"}}
            return 200, "text/html", (f'<html><head><script type="application/ld+json">'
                                      f"{json.dumps(ld)}</script></head><body><h1>{name}"
                                      "</h1></body></html>").encode()
        return 404, "text/plain", b"not found"


@pytest.fixture
def woo() -> Iterator[_WooVariations]:
    api = _WooVariations()
    thread = threading.Thread(target=api.server.serve_forever, daemon=True)
    thread.start()
    yield api
    api.server.shutdown()
    api.server.server_close()


def test_woocommerce_variations_are_listings_of_their_own(woo: _WooVariations,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "competitors.yaml"
    path.write_text(yaml.safe_dump({"competitors": [{
        "name": "woo", "base_url": woo.base, "currency": "EUR",
        "discovery": {"kind": "woocommerce"}}]}), encoding="utf-8")
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    [summary] = crawl(path, ["woo"], db_url)
    assert summary.status == "finished", summary.error
    stored = stored_for_run(make_engine(db_url), summary.crawl_run_id or 0)
    prices = {(url.removeprefix(woo.base), variant): s.observation.price
              for (url, variant), s in stored.items()}
    assert prices == {("product/shirt/?attribute_size=s", "71"): Decimal("19.90"),
                      ("product/shirt/?attribute_size=m", "72"): Decimal("21.90"),
                      ("product/mug/", ""): Decimal("9.00")}
    assert any("type=variation" in p and ("include=71%2C72" in p or "include=71,72" in p)
               for p in woo.requested)
    # A variation's page is its parent's (a price range): its values come from the API.
    assert not any(p.startswith("/product/shirt/") for p in woo.requested)
    small = stored[(f"{woo.base}product/shirt/?attribute_size=s", "71")]
    assert small.observation.regular_price == Decimal("24.90")
    assert [p.kind for p in small.promotions] == ["percent_off"]
    assert small.listing.title == "Shirt - S" and small.listing.sku == "SKU-71"
