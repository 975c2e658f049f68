"""Prices from platform APIs: Shopify `/products.json` and the WooCommerce Store API.

One API page lists up to 100-250 products with price, regular/sale price, currency,
stock, SKU and variants, so a night when nothing changed costs a handful of requests
instead of one per product. What the API lacks (promotion wording, coupon codes, terms
shown on the page) comes from the product page, which is fetched only when the product
is new, when the API's values changed since the last page reading, or when that reading
is older than `discovery.page_refresh_days` (spread over the days, so pages do not all
come due on the same night). On the other nights the stored values are the API's with
the last page reading's promotions and terms: for an unchanged page that is exactly what
reading it again gives (issue 14: the same page, the same answer).

Pure functions; the spider decides what to request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urljoin

from spiders.extraction import (
    Availability,
    Delivery,
    ExtractedProduct,
    Promotion,
    PromotionKind,
    Shipping,
    Warranty,
)
from spiders.extraction.identifiers import valid_gtin
from spiders.extraction.promotions import discount_from_regular

EVERY_NIGHT = "every_night"
WHEN_CHANGED = "when_changed"


@dataclass(frozen=True)
class ApiListing:
    """One listing (a product, or one variant/variation) as an API page shows it."""

    url: str
    variant: str
    product: ExtractedProduct
    page_shows_it: bool = True
    """Whether the product page shows this listing's own price. A WooCommerce variation's
    page is its parent's (a price range, the variation picked in a form): its values
    always come from the API."""


@dataclass(frozen=True)
class PageReading:
    """The last reading of a listing's product page (what a quiet night carries over)."""

    price: Decimal | None
    regular_price: Decimal | None
    currency: str | None
    availability: str | None
    read_at: datetime
    title: str | None = None
    sku: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    brand: str | None = None
    promotions: list[dict[str, Any]] = field(default_factory=list)
    terms: dict[str, Any] = field(default_factory=dict)
    """shipping_cost, free_shipping_threshold, delivery_min_days, delivery_max_days,
    warranty_months, returns_days as stored."""


# ------------------------------------------------------------------ Shopify


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > 0 else None


def shopify_listings(product: dict[str, Any], base_url: str,
                     currency: str) -> list[ApiListing]:
    """One listing per variant of a `/products.json` product (the product page URL with
    `?variant=` when there are several, as the spider names them)."""
    handle = product.get("handle")
    variants = [v for v in product.get("variants") or [] if isinstance(v, dict)]
    if not handle or not variants:
        return []
    found: list[ApiListing] = []
    title = str(product.get("title") or "").strip() or None
    for variant in variants:
        vid = str(variant.get("id") or "")
        url = urljoin(base_url, f"products/{handle}")
        if len(variants) > 1 and vid:
            url += f"?variant={vid}"
        price = _decimal(variant.get("price"))
        regular = _decimal(variant.get("compare_at_price"))
        name = title
        vtitle = str(variant.get("title") or "").strip()
        if title and len(variants) > 1 and vtitle and vtitle != "Default Title":
            name = f"{title} - {vtitle}"
        available = variant.get("available")
        stock = None if available is None else (
            Availability.IN_STOCK if available else Availability.OUT_OF_STOCK)
        found.append(ApiListing(url, vid, ExtractedProduct(
            url=url, title=name, price=price,
            regular_price=regular if regular is not None and price is not None
            and regular > price else None,
            currency=currency if price is not None else None, availability=stock,
            sku=str(variant["sku"]) if variant.get("sku") else None,
            gtin=valid_gtin(variant.get("barcode")),
            brand=str(product["vendor"]) if product.get("vendor") else None,
            extractor="api:shopify", confidence=1.0 if price is not None else 0.0,
            reason=None if price is not None else "no price in products.json")))
    return found


# ------------------------------------------------------------------ WooCommerce


def _minor(prices: dict[str, Any], key: str) -> Decimal | None:
    raw = prices.get(key)
    if raw in (None, ""):
        return None
    try:
        units = int(str(raw))
        digits = int(prices.get("currency_minor_unit", 2))
    except ValueError:
        return None
    amount = Decimal(units).scaleb(-digits)
    return amount if amount > 0 else None


def woo_stock(item: dict[str, Any]) -> Availability | None:
    """Availability from a Store API product."""
    cls = str((item.get("stock_availability") or {}).get("class") or "")
    if "backorder" in cls or item.get("is_on_backorder"):
        return Availability.BACK_ORDER
    if "out-of-stock" in cls or item.get("is_in_stock") is False:
        return Availability.OUT_OF_STOCK
    if item.get("is_in_stock"):
        if item.get("low_stock_remaining"):
            return Availability.LIMITED_AVAILABILITY
        return Availability.IN_STOCK
    return None


def woo_listing(item: dict[str, Any], base_url: str, currency: str,
                variant: str = "") -> ApiListing | None:
    """A Store API product (or variation) as a listing."""
    link = item.get("permalink")
    if not link:
        return None
    url = urljoin(base_url, str(link))
    prices = item.get("prices") or {}
    price = _minor(prices, "price")
    regular = _minor(prices, "regular_price")
    code = str(prices.get("currency_code") or currency).upper()
    brands = item.get("brands") or []
    name = str(item.get("name") or "").strip() or None
    return ApiListing(url, variant, page_shows_it=not variant, product=ExtractedProduct(
        url=url, title=name, price=price,
        regular_price=regular if regular is not None and price is not None
        and regular > price else None,
        currency=code if price is not None else None, availability=woo_stock(item),
        sku=str(item["sku"]) if item.get("sku") else None,
        brand=str(brands[0].get("name")) if brands and isinstance(brands[0], dict)
        and brands[0].get("name") else None,
        extractor="api:woocommerce", confidence=1.0 if price is not None else 0.0,
        reason=None if price is not None else "no price in the Store API"))


def woo_variation_ids(item: dict[str, Any]) -> list[int]:
    """Ids of a variable product's variations (each is a listing of its own)."""
    if item.get("type") != "variable":
        return []
    return [int(v["id"]) for v in item.get("variations") or []
            if isinstance(v, dict) and str(v.get("id", "")).isdigit()]


# ------------------------------------------------------------------ carrying over


_BUYABLE = frozenset({Availability.IN_STOCK.value, Availability.LIMITED_AVAILABILITY.value})


def _stock_class(value: str | None) -> str | None:
    """In stock and "few left" are one class here: an API rarely says "few left" (Shopify
    never does) while the page does."""
    return "buyable" if value in _BUYABLE else value


def changed(api: ExtractedProduct, known: PageReading) -> bool:
    """Whether the API's values differ from the last page reading's."""
    stock = api.availability.value if api.availability else None
    return (api.price != known.price or api.regular_price != known.regular_price
            or _stock_class(stock) != _stock_class(known.availability))


def due(url: str, variant: str, read_at: datetime, now: datetime, refresh_days: int) -> bool:
    """Whether the page reading is old enough to read the page again: after 1 to
    `refresh_days` days, fixed per listing, so a shop's pages come due spread over the
    days rather than all on one night."""
    digest = hashlib.blake2b(f"{url}|{variant}".encode(), digest_size=4).digest()
    limit = refresh_days - int.from_bytes(digest, "big") % max(1, refresh_days)
    return (now - read_at).total_seconds() >= limit * 86400 - 3600


def carried(api: ApiListing, known: PageReading) -> ExtractedProduct:
    """The API's values with the last page reading's identity, promotions and terms."""
    product = api.product
    terms = known.terms
    shipping = None
    if terms.get("shipping_cost") is not None or terms.get("free_shipping_threshold") is not None:
        shipping = Shipping(cost=terms.get("shipping_cost"),
                            free_threshold=terms.get("free_shipping_threshold"))
    delivery = None
    if terms.get("delivery_min_days") is not None or terms.get("delivery_max_days") is not None:
        delivery = Delivery(min_days=terms.get("delivery_min_days"),
                            max_days=terms.get("delivery_max_days"))
    warranty = Warranty(months=terms["warranty_months"]) if terms.get("warranty_months") else None
    promotions = [p for p in (promotion_from_dict(d) for d in known.promotions) if p is not None]
    availability = product.availability
    if known.availability and _stock_class(known.availability) == _stock_class(
            availability.value if availability else None):
        availability = Availability(known.availability)  # the page's "few left"
    return replace(
        product, availability=availability,
        title=known.title or product.title, sku=known.sku or product.sku,
        gtin=known.gtin or product.gtin, mpn=known.mpn or product.mpn,
        brand=known.brand or product.brand, currency=known.currency or product.currency,
        promotions=promotions, shipping=shipping, delivery=delivery, warranty=warranty,
        returns_days=terms.get("returns_days"),
        reason=f"read from the platform API; promotions and terms from the product page "
               f"read {known.read_at.date().isoformat()} (API values unchanged since)")


def api_only(listing: ApiListing, terms: Any) -> ExtractedProduct:
    """A listing read from the API alone (its page cannot show its own price): the
    competitor's configured terms, and the discount the regular price shows."""
    product = listing.product
    discount = discount_from_regular(product.price, product.regular_price)
    promotions = [discount] if discount is not None else []
    shipping = None
    if terms.shipping_cost is not None or terms.free_shipping_threshold is not None:
        shipping = Shipping(cost=terms.shipping_cost, free_threshold=terms.free_shipping_threshold)
    delivery = None
    if terms.delivery_min_days is not None or terms.delivery_max_days is not None:
        delivery = Delivery(min_days=terms.delivery_min_days, max_days=terms.delivery_max_days)
    return replace(product, promotions=promotions, shipping=shipping, delivery=delivery,
                   warranty=Warranty(months=terms.warranty_months)
                   if terms.warranty_months else None,
                   returns_days=terms.returns_days,
                   reason="read from the platform API (a variation: its page shows its "
                          "parent's prices)")


def promotion_from_dict(data: dict[str, Any]) -> Promotion | None:
    """A stored promotion (``Promotion.to_dict``) back as a Promotion."""
    try:
        kind = PromotionKind(data["kind"])
    except (KeyError, ValueError):
        return None

    def dec(key: str) -> Decimal | None:
        value = data.get(key)
        return Decimal(str(value)) if value not in (None, "") else None

    until_raw = data.get("valid_until")
    until: date | datetime | None = None
    if until_raw:
        text = str(until_raw)
        until = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    return Promotion(kind=kind, text=str(data.get("text") or ""), value=dec("value"),
                     code=data.get("code"), buy_qty=data.get("buy_qty"),
                     pay_qty=data.get("pay_qty"), threshold=dec("threshold"),
                     instalments=data.get("instalments"), valid_until=until,
                     detail=data.get("detail"))
