"""A product page, validated: the `Draft` a `PageItem` becomes before it is stored.

Pure functions, no Scrapy and no database: the item pipeline uses them in the crawl
process, and the extraction worker (:mod:`spiders.extract_worker`) uses them for the pages
it reads, so a page read there arrives ready to store.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from spiders.config import Competitor
from spiders.extraction.currency import in_use
from spiders.extraction.model import ExtractedProduct, Promotion, PromotionKind, Shipping
from spiders.items import PageItem
from spiders.quality import Reading
from storage.models import ObservationStatus
from storage.money import amount_in, changeover_day, convert, normalize_currency
from storage.offer_terms import split_terms
from storage.repos.listings import ListingInfo
from storage.types import MoneyPrecisionError, to_units


@dataclass(slots=True)
class Draft:
    """One page, validated: what becomes a listing, an observation and promotion rows."""

    listing: ListingInfo
    fetched_at: datetime
    status: ObservationStatus | None
    """Set already for walls and gone pages; None means the quality rules decide."""
    reason: str | None
    reading: Reading
    values: dict[str, Any] = field(default_factory=dict)
    """Observation columns besides listing/run/status/reason."""
    promotions: list[Promotion] = field(default_factory=list)
    product_page: bool = True
    """False for a page discovery without hints found to be no product page: not stored."""
    validators: tuple[str | None, str | None] | None = None
    """(ETag, Last-Modified) of a page fetched in full; None when no page was fetched (a
    listing stored from a platform API page, or a page confirmed unchanged)."""
    confirms: int | None = None
    """Confirmed unchanged: the crawl run whose reading of the listing is stored again."""


def clip(value: str | None, limit: int) -> str | None:
    """Whitespace collapsed and cut to the column's length; None for nothing left."""
    if value is None:
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def _money(value: Decimal | None, what: str, problems: list[str]) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        problems.append(f"{what} {value!r} is not an exact number")
        return None
    try:
        to_units(value)
    except MoneyPrecisionError as exc:
        problems.append(f"{what}: {exc}")
        return None
    return value


def _gtin(value: str | None) -> str | None:
    return value if value and value.isdigit() and len(value) <= 14 else None


def draft_from(item: PageItem, competitor: Competitor) -> Draft:
    """Validate and normalise one page into a Draft (pure: no I/O)."""
    if item.confirms is not None:
        listing = ListingInfo(url=item.url[:1000], variant=(item.variant or "")[:200])
        return Draft(listing, item.fetched_at, ObservationStatus.ok,
                     item.not_modified or "page not modified", Reading(None, None, None, True),
                     confirms=item.confirms)
    draft = _draft_from(item, competitor)
    if item.fetched_page:
        draft.validators = (item.etag, item.last_modified)
    return draft


def _draft_from(item: PageItem, competitor: Competitor) -> Draft:
    product = item.product or ExtractedProduct(url=item.url)
    listing = ListingInfo(
        url=item.url[:1000], variant=(item.variant or "")[:200],
        sku=clip(product.sku, 100), gtin=_gtin(product.gtin), mpn=clip(product.mpn, 100),
        brand=clip(product.brand, 200), title=clip(product.title, 1000),
        condition=product.condition,
    )
    if item.blocked or item.gone:
        status = ObservationStatus.blocked if item.blocked else ObservationStatus.not_found
        reading = Reading(None, None, None, has_product=False)
        return Draft(listing, item.fetched_at, status, item.blocked or item.gone, reading,
                     {"page_hash": item.page_hash})
    if not item.product_page:
        reading = Reading(None, None, None, has_product=False)
        return Draft(listing, item.fetched_at, None, f"not a product page ({product.page_kind})",
                     reading, {}, product_page=False)
    problems: list[str] = []
    price = _money(product.price, "price", problems)
    regular = _money(product.regular_price, "regular price", problems)
    currency = normalize_currency(product.currency) if product.currency else None
    if product.currency and currency is None:
        problems.append(f"currency {product.currency!r} is not an ISO 4217 code")
    day = item.fetched_at.date()
    shop_currency = in_use(competitor.currency, day)
    if price is not None and currency is None and not problems:
        currency = shop_currency
    secondary = _money(product.secondary_price, "secondary price", problems)
    secondary_currency = normalize_currency(product.secondary_currency)
    converted_from = None
    note = None
    shipping, delivery, warranty = product.shipping, product.delivery, product.warranty
    promotions = list(product.promotions)
    if price is not None and currency and shop_currency and currency != shop_currency \
            and not problems:
        replaced = changeover_day(currency)
        if replaced is not None and day >= replaced and in_use(currency, day) == shop_currency:
            shown, shown_currency = price, currency
            price, regular, currency, converted_from, note = _convert_replaced(
                price, regular, currency, shop_currency)
            secondary, secondary_currency = shown, shown_currency
            shipping, promotions = _convert_terms(shipping, promotions, shown_currency,
                                                  shop_currency)
    # Shop-wide terms (free shipping above a threshold, instalments) are stored as terms,
    # never as promotions: they do not start or end, and an instalment amount follows the price.
    promotions, terms = split_terms(promotions)
    threshold = (_money(shipping.free_threshold, "free-shipping threshold", problems)
                 if shipping else None)
    if threshold is None:
        threshold = _money(terms.free_shipping_threshold, "free-shipping threshold", problems)
    values: dict[str, Any] = {
        "price": price,
        "regular_price": regular,
        "currency": currency,
        "availability": product.availability.value if product.availability else None,
        "shipping_cost": _money(shipping.cost, "shipping cost", problems) if shipping else None,
        "free_shipping_threshold": threshold,
        "instalments": terms.instalments,
        "delivery_min_days": delivery.min_days if delivery else None,
        "delivery_max_days": delivery.max_days if delivery else None,
        "warranty_months": warranty.months if warranty else None,
        "returns_days": product.returns_days,
        "promotions": [p.to_dict() for p in promotions],
        "title": listing.title,
        "extractor": clip(product.extractor, 50),
        "confidence": product.confidence if product.price is not None else None,
        "page_hash": item.page_hash,
        "secondary_price": secondary if secondary_currency else None,
        "secondary_currency": secondary_currency if secondary is not None else None,
        "converted_from": converted_from,
    }
    has_product = bool(listing.title or listing.sku or listing.gtin)
    if problems:
        reading = Reading(None, currency, listing.title, has_product)
        return Draft(listing, item.fetched_at, ObservationStatus.parse_failed,
                     "invalid value: " + "; ".join(problems), reading,
                     {**values, "price": None, "regular_price": None})
    reading = Reading(price, currency, listing.title, has_product, clip(product.reason, 500))
    if item.quick:
        return _quick_draft(listing, item, reading, values, note)
    return Draft(listing, item.fetched_at, None, note, reading, values, promotions)


MONEY_PROMOTIONS = frozenset({PromotionKind.AMOUNT_OFF, PromotionKind.MEMBER_PRICE,
                              PromotionKind.INSTALMENTS})
"""Promotion kinds whose `value` is money (the others hold a percent or nothing)."""


def _convert_terms(shipping: Shipping | None, promotions: list[Promotion], source: str,
                   target: str) -> tuple[Shipping | None, list[Promotion]]:
    """Shipping terms and money-valued promotions of a converted page, in `target` too."""
    if shipping is not None:
        shipping = replace(shipping, cost=amount_in(shipping.cost, source, target),
                           free_threshold=amount_in(shipping.free_threshold, source, target))
    return shipping, [
        replace(p, value=amount_in(p.value, source, target) if p.kind in MONEY_PROMOTIONS
                else p.value, threshold=amount_in(p.threshold, source, target))
        for p in promotions
    ]


def _convert_replaced(price: Decimal, regular: Decimal | None, currency: str,
                      target: str) -> tuple[Decimal, Decimal | None, str, str, str]:
    """A page still showing a currency the euro replaced (leva in December 2026): the price
    is stored converted at the fixed rate into the shop's currency, and flagged."""
    conversion = convert(price, currency, target)
    assert conversion is not None  # a replaced currency always has its fixed rate
    old = convert(regular, currency, target) if regular is not None else None
    base, rate, quote = conversion.quote()
    note = (f"price shown only in {currency} after the changeover to {target}: "
            f"{price} {currency} converted to {conversion.amount} {target} at the fixed rate "
            f"1 {base} = {rate} {quote}")
    return conversion.amount, old.amount if old else None, target, currency, note


QUICK_UNKNOWN = ("promotions", "regular_price", "shipping_cost", "free_shipping_threshold",
                 "instalments",
                 "delivery_min_days", "delivery_max_days", "warranty_months", "returns_days")
QUICK_NOTE = ("quick read (structured data only): promotions, terms and old price not read "
              "on this page")


def _quick_draft(listing: ListingInfo, item: PageItem, reading: Reading,
                 values: dict[str, Any], note: str | None = None) -> Draft:
    """A quick reading stores what it did not read as NULL (unknown), never as 'none'."""
    values = {**values, **dict.fromkeys(QUICK_UNKNOWN)}
    if values.get("extractor"):
        values["extractor"] = f"{values['extractor']}/quick"[:50]
    reason = "; ".join(r for r in (note, QUICK_NOTE) if r)
    return Draft(listing, item.fetched_at, None, reason, reading, values, [])
