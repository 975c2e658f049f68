"""The generic extractor against the bundled demo shops, over real HTTP on 127.0.0.1.

Each good shop (JSON-LD, WooCommerce-like, Shopify-like, plain HTML read through
its per-site selectors) is fetched page by page and compared with the shop's own
truth: price, regular price, currency, availability, identifiers, promotions and
terms, on two simulated days. Hints come from the shop's competitors.yaml entry,
as the spiders pass them. The JavaScript shop needs a browser and is covered by
the crawl tests.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from demo.shops import ShopsHandle, day_date, start_shops
from demo.shops.config import competitor_entry
from demo.shops.truth import ProductTruth
from spiders.extraction import ExtractedProduct, ExtractionHints, extract
from storage.money import amount_in

SHOPS = ["jsonshop", "woostore", "shopifyish", "plainshop"]
SAMPLE = 25  # pages per shop and day; the full set runs in bench-like checks by hand
FAST_PATH = {"jsonshop": "jsonld", "woostore": "platform", "shopifyish": "platform",
             "plainshop": "selectors"}
"""The strategy a crawl learns for each shop and passes as ``prefer``."""


@pytest.fixture(scope="module")
def shops() -> Iterator[ShopsHandle]:
    with start_shops(day=0) as handle:
        yield handle


def _hints(shop: str, base_url: str, prefer: str | None = None) -> ExtractionHints:
    entry = competitor_entry(shop, base_url)
    terms = entry.get("terms") or {}

    def money(key: str) -> Decimal | None:
        return Decimal(terms[key]) if terms.get(key) else None

    return ExtractionHints(
        prefer=prefer, currency=entry["currency"], language=(entry.get("locale") or "")[:2] or None,
        selectors=entry.get("selectors") or {}, shipping_cost=money("shipping_cost"),
        free_shipping_threshold=money("free_shipping_threshold"),
        delivery_min_days=terms.get("delivery_min_days"),
        delivery_max_days=terms.get("delivery_max_days"), returns_days=terms.get("returns_days"))


def _promos(items: Any) -> list[tuple[object, ...]]:
    def norm(value: Decimal | None) -> Decimal | None:
        return value.normalize() if value is not None else None

    return sorted(((str(getattr(p.kind, "value", p.kind)), norm(p.value), p.code, p.buy_qty,
                    p.pay_qty, norm(p.threshold), p.instalments, p.detail, str(p.valid_until))
                   for p in items), key=str)


MONEY_PROMOS = {"amount_off", "member_price", "instalments"}


def _as_shown(truth: ProductTruth) -> ProductTruth:
    """The truth in the currency the page shows: jsonshop's leva days show every amount at
    the fixed rate (a crawl then stores the euros of `truth`; extraction reads the leva)."""
    shown = truth.shown_currency
    if shown is None:
        return truth

    def lev(amount: Decimal | None) -> Decimal | None:
        return amount_in(amount, truth.currency, shown)

    promos = tuple(replace(p, value=lev(p.value) if p.kind in MONEY_PROMOS else p.value,
                           threshold=lev(p.threshold)) for p in truth.promotions)
    return replace(truth, price=lev(truth.price), regular_price=lev(truth.regular_price),
                   currency=shown, shipping_cost=lev(truth.shipping_cost),
                   free_shipping_threshold=lev(truth.free_shipping_threshold),
                   promotions=promos)


def _compare(result: ExtractedProduct, truth: Any) -> dict[str, tuple[object, object]]:
    shipping, delivery, warranty = result.shipping, result.delivery, result.warranty
    pairs = {
        "price": (result.price, truth.price), "regular_price": (result.regular_price,
                                                               truth.regular_price),
        "currency": (result.currency, truth.currency),
        "availability": (result.availability.value if result.availability else None,
                         truth.availability),
        "title": (result.title, truth.title), "sku": (result.sku, truth.sku),
        "gtin": (result.gtin, truth.gtin), "mpn": (result.mpn, truth.mpn),
        "brand": (result.brand, truth.brand),
        "shipping_cost": (shipping.cost if shipping else None, truth.shipping_cost),
        "free_threshold": (shipping.free_threshold if shipping else None,
                           truth.free_shipping_threshold),
        "delivery": ((delivery.min_days, delivery.max_days) if delivery else None,
                     (truth.delivery_min_days, truth.delivery_max_days)),
        "warranty": (warranty.months if warranty else None, truth.warranty_months),
        "returns_days": (result.returns_days, truth.returns_days),
        "promotions": (_promos(p for p in result.promotions
                               if p.detail != "from regular price"),
                       _promos(truth.promotions)),
    }
    return {k: v for k, v in pairs.items() if v[0] != v[1]}


@pytest.mark.parametrize(("day", "fast"), [(0, False), (3, False), (2, True)])
@pytest.mark.parametrize("shop", SHOPS)
def test_demo_shop_pages_match_truth(shops: ShopsHandle, shop: str, day: int, fast: bool) -> None:
    shops.set_day(day)
    base = shops.base_urls[shop]
    hints = _hints(shop, base, FAST_PATH[shop] if fast else None)
    pages = [t for t in shops.truth(shop, day) if t.fault is None]
    step = max(1, len(pages) // SAMPLE)
    wrong = {}
    for truth in pages[::step][:SAMPLE]:
        with urllib.request.urlopen(truth.url(base), timeout=10) as response:
            body = response.read()
        result = extract(body, url=truth.url(base), hints=hints, today=day_date(day))
        diff = _compare(result, _as_shown(truth))
        if diff:
            wrong[truth.path] = diff
    assert not wrong, wrong
