"""Typed results of product-page extraction.

Modelled on zyte-common-items' ``Product`` (same field meanings for ``price``,
``regular_price``, ``currency``, ``currency_raw``, ``availability``), plus what a
price monitor needs: promotions, shipping, delivery, warranty, returns, and how
the value was found (``extractor``, ``confidence``, ``candidates``).

Storage and comparison code may rely on these types; ``to_dict`` gives exactly
the keys of the ``pricewatch extract`` JSON contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any


class Availability(StrEnum):
    """schema.org ItemAvailability terms the extractor normalizes to."""

    IN_STOCK = "InStock"
    """Can be bought now."""
    OUT_OF_STOCK = "OutOfStock"
    """Shown but cannot be bought now."""
    PRE_ORDER = "PreOrder"
    """Can be ordered before release."""
    BACK_ORDER = "BackOrder"
    """Can be ordered, ships when restocked."""
    LIMITED_AVAILABILITY = "LimitedAvailability"
    """Few left / limited stock."""
    DISCONTINUED = "Discontinued"
    """No longer sold."""


class PromotionKind(StrEnum):
    """What sort of promotion a :class:`Promotion` describes."""

    PERCENT_OFF = "percent_off"
    """``value`` is the percentage taken off (``20`` for -20%)."""
    AMOUNT_OFF = "amount_off"
    """``value`` is the money taken off."""
    COUPON = "coupon"
    """A code to enter at checkout (``code``; ``value`` percent when stated as %)."""
    MULTI_BUY = "multi_buy"
    """Buy ``buy_qty`` pay ``pay_qty``; or "second at -X%" (``value`` = X, ``detail``)."""
    FREE_SHIPPING = "free_shipping"
    """Free shipping, above ``threshold`` when one is stated."""
    BUNDLE = "bundle"
    """A bundle / set offer."""
    MEMBER_PRICE = "member_price"
    """Price for members / loyalty card holders (``value``)."""
    INSTALMENTS = "instalments"
    """Pay in ``instalments`` parts of ``value`` each."""
    BADGE = "badge"
    """A sale badge with no computable value ("Sale", "Promo", "Top offer")."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Promotion:
    """One promotion read off a product page."""

    kind: PromotionKind
    """What sort of promotion this is."""
    text: str
    """The wording as shown (whitespace-normalized)."""
    value: Decimal | None = None
    """Percent for percent_off/multi-buy discount, money for amount_off,
    member_price and instalment amount."""
    code: str | None = None
    """Coupon code, for ``coupon``."""
    buy_qty: int | None = None
    """Items to take, for ``multi_buy`` ("3 for 2" -> 3)."""
    pay_qty: int | None = None
    """Items paid, for ``multi_buy`` ("3 for 2" -> 2)."""
    threshold: Decimal | None = None
    """Order value above which the promotion applies (free shipping above X)."""
    instalments: int | None = None
    """Number of instalments, for ``instalments``."""
    valid_until: datetime | date | None = None
    """Last moment/day the promotion is valid (UTC datetime or a date)."""
    detail: str | None = None
    """Extra machine-readable detail, e.g. ``"nth_item_discount"``."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: decimals as strings, dates ISO 8601."""
        return {
            "kind": self.kind.value,
            "text": self.text,
            "value": _dec(self.value),
            "code": self.code,
            "buy_qty": self.buy_qty,
            "pay_qty": self.pay_qty,
            "threshold": _dec(self.threshold),
            "instalments": self.instalments,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "detail": self.detail,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Shipping:
    """Shipping terms."""

    cost: Decimal | None = None
    """Shipping cost in the product's currency (``0`` only when stated free)."""
    free_threshold: Decimal | None = None
    """Order value from which shipping is free."""
    text: str | None = None
    """The wording the terms were read from."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"cost": _dec(self.cost), "free_threshold": _dec(self.free_threshold),
                "text": self.text}


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    """Delivery time."""

    min_days: int | None = None
    """Fewest days until delivery."""
    max_days: int | None = None
    """Most days until delivery."""
    text: str | None = None
    """The wording the time was read from."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"min_days": self.min_days, "max_days": self.max_days, "text": self.text}


@dataclass(frozen=True, kw_only=True, slots=True)
class Warranty:
    """Warranty terms."""

    months: int | None = None
    """Warranty length in months."""
    text: str | None = None
    """The wording the warranty was read from."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"months": self.months, "text": self.text}


@dataclass(frozen=True, kw_only=True, slots=True)
class Candidate:
    """One value proposed for a field, kept with where it came from."""

    field: str
    """Field name (``price``, ``regular_price``, ``availability``...)."""
    value: Any
    """The normalized value (Decimal for money)."""
    source: str
    """Strategy that proposed it (``jsonld``, ``microdata``, ``platform:shopify``...)."""
    confidence: float
    """How much this source is trusted for this field, 0..1."""
    raw: str | None = None
    """The text it was read from, when there is one."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        value: Any = self.value
        if isinstance(value, Decimal):
            value = format(value, "f")
        elif isinstance(value, Enum):
            value = value.value
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        return {"field": self.field, "value": value, "source": self.source,
                "confidence": round(self.confidence, 3), "raw": self.raw}


@dataclass(frozen=True, kw_only=True)
class ExtractionHints:
    """What the caller knows about the shop; all optional."""

    currency: str | None = None
    """ISO 4217 code the shop prices in by default."""
    language: str | None = None
    """Page language (``bg``, ``en``, ``de``...), when the page does not say."""
    selectors: Mapping[str, str] = field(default_factory=dict, hash=False)
    """Per-site overrides: field name -> CSS (parsel syntax, ``::text``/``::attr(x)``)
    or XPath (when it starts with ``/`` or ``(``)."""
    prefer: str | None = None
    """Strategy that worked last time for this shop, tried first (fast path)."""
    shipping_cost: Decimal | None = None
    """Default shipping cost when the page states none."""
    free_shipping_threshold: Decimal | None = None
    """Default free-shipping threshold when the page states none."""
    delivery_min_days: int | None = None
    """Default fewest delivery days."""
    delivery_max_days: int | None = None
    """Default most delivery days."""
    warranty_months: int | None = None
    """Default warranty in months."""
    returns_days: int | None = None
    """Default returns window in days."""
    read_text: bool = True
    """Read promotions, terms and "label: value" identifiers from the page's wording.
    This is most of the cost on a structured-data page (see bench/extract_speed.py);
    a crawl may switch it off on most pages of a shop and keep it on for a sample.
    Structured data's own offers and terms are read either way."""
    detect_page_kind: bool = False
    """Say whether the page is a product page at all (``ExtractedProduct.page_kind``): for
    discovery without hints, where a sitemap also lists category, home and search pages."""


@dataclass(kw_only=True)
class ExtractedProduct:
    """A product page read by :func:`spiders.extraction.extract`.

    Only ``url`` may be given alone; a price that was not found is ``None``
    (never 0) and ``reason`` says why.
    """

    url: str | None = None
    """Address of the page (as given or from canonical/structured data)."""
    title: str | None = None
    """Product name."""
    price: Decimal | None = None
    """Price a buyer pays now, discounts applied."""
    regular_price: Decimal | None = None
    """Undiscounted price, only when the page shows one higher than ``price``."""
    currency: str | None = None
    """ISO 4217 code of ``price``."""
    currency_raw: str | None = None
    """The currency as shown (``лв.``, ``€``, ``$``...)."""
    secondary_price: Decimal | None = None
    """The same price in another currency when the page shows both ("459,00 € (897,73
    лв.)": 897.73 with ``secondary_currency`` BGN); None on a single-currency page."""
    secondary_currency: str | None = None
    availability: Availability | None = None
    """schema.org availability term."""
    sku: str | None = None
    """Shop's product identifier."""
    gtin: str | None = None
    """GTIN-8/12/13/14 with a valid check digit."""
    mpn: str | None = None
    """Manufacturer part number."""
    brand: str | None = None
    """Brand name."""
    condition: str | None = None
    """new / refurbished / used / open_box / damaged (`storage.condition.Condition`)
    when the page states one (schema.org itemCondition, the title, a condition label)."""
    promotions: list[Promotion] = field(default_factory=list)
    """Promotions shown for this product."""
    shipping: Shipping | None = None
    """Shipping terms, from the page or the hints."""
    delivery: Delivery | None = None
    """Delivery time, from the page or the hints."""
    warranty: Warranty | None = None
    """Warranty, from the page or the hints."""
    returns_days: int | None = None
    """Returns window in days."""
    extractor: str | None = None
    """Strategy whose price won (``jsonld``, ``selectors``, ``heuristic``...)."""
    confidence: float = 0.0
    """0..1: how sure the extractor is about the price."""
    candidates: list[Candidate] = field(default_factory=list)
    """Every value proposed, with its source."""
    reason: str | None = None
    """Why there is no price, or notes on disagreement between sources."""
    page_kind: str | None = None
    """'product', 'listing' or 'other' when ``ExtractionHints.detect_page_kind`` asked;
    not part of the JSON contract."""

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """The JSON object of the CLI contract (decimals as strings with '.').

        Exactly the contract's keys; ``full=True`` adds ``returns_days``,
        ``reason`` and ``candidates`` (for ``pricewatch extract --explain``).
        """
        data: dict[str, Any] = {
            "url": self.url,
            "title": self.title,
            "price": _dec(self.price),
            "regular_price": _dec(self.regular_price),
            "currency": self.currency,
            "currency_raw": self.currency_raw,
            "secondary_price": _dec(self.secondary_price),
            "secondary_currency": self.secondary_currency,
            "availability": self.availability.value if self.availability else None,
            "sku": self.sku,
            "gtin": self.gtin,
            "mpn": self.mpn,
            "brand": self.brand,
            "promotions": [p.to_dict() for p in self.promotions],
            "shipping": self.shipping.to_dict() if self.shipping else None,
            "delivery": self.delivery.to_dict() if self.delivery else None,
            "warranty": self.warranty.to_dict() if self.warranty else None,
            "extractor": self.extractor,
            "confidence": round(self.confidence, 3),
        }
        if full:
            data["returns_days"] = self.returns_days
            data["condition"] = self.condition
            data["reason"] = self.reason
            data["candidates"] = [c.to_dict() for c in self.candidates]
        return data


def _dec(value: Decimal | None) -> str | None:
    """Decimal as a plain string with '.' (no exponent), or None."""
    if value is None:
        return None
    return format(value, "f")
