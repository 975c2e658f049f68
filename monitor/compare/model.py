"""Plain data the comparison rules work on, and what they produce. No database here.

The classes are slotted but not frozen: a run builds millions of them, and a frozen
dataclass costs about five times as much to build. Treat them as values all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class FindingKind(StrEnum):
    undercut = "undercut"
    """A competitor is cheaper on effective (landed) price."""
    beatable = "beatable"
    """We can match or beat the cheapest competitor and keep our minimum margin."""
    promo_driven = "promo_driven"
    """They are cheaper only through a temporary promotion: hold."""
    headroom = "headroom"
    """We are cheapest by more than the configured margin: room to raise."""
    terms_gap = "terms_gap"
    """At the same price or less, a competitor has better terms."""
    fake_discount = "fake_discount"
    """Their 'was' price is above their own lowest price of the previous 30 days."""
    map_violation = "map_violation"
    """A competitor advertises below the manufacturer's minimum advertised price."""
    conditional_offer = "conditional_offer"
    """Only through a conditional offer (multi-buy, member price, coupon, instalments)
    would they be cheaper: never an undercut, worth knowing."""
    out_of_stock = "out_of_stock"
    """They cannot sell it now (out of stock, or preorder/backorder per the settings):
    room to hold or raise our price."""


@dataclass(slots=True)
class Promo:
    """A promotion on an offer (see `storage.models.PromotionKind` for the kinds)."""

    kind: str
    value: Decimal | None = None
    """Percent for percent_off, coupon and percent multi-buys ("n-th item at -X%", "-X%
    each when buying N+", see `detail`); money for amount_off, member_price and the
    instalment amount."""
    code: str | None = None
    buy_qty: int | None = None
    pay_qty: int | None = None
    threshold: Decimal | None = None
    instalments: int | None = None
    valid_until: datetime | None = None
    text: str | None = None
    detail: str | None = None
    """Which variant of its kind, as the crawler read it (None = not told). For a
    `multi_buy` with a percent `value`: ``"quantity_discount"`` ("-20% when buying 2 or
    more": every unit at -X% once `buy_qty` are bought) or ``"nth_item_discount"`` ("second
    item at -50%": only item `buy_qty` at -X%, also what a multi-buy with a value and no
    detail is taken for). ``"from regular price"`` marks a `percent_off` worked out from a
    struck regular price."""


@dataclass(slots=True)
class Terms:
    """Service terms of an offer; None = not known."""

    delivery_days: int | None = None
    """Slowest promised delivery, in days."""
    warranty_months: int | None = None
    returns_days: int | None = None
    instalments: bool = False


@dataclass(slots=True)
class OurProduct:
    """Our own offer and margin rules for one product."""

    product_id: int
    sku: str
    name: str
    currency: str
    price: Decimal
    category: str | None = None
    cost: Decimal | None = None
    min_margin: Decimal | None = None
    """Ratio: 0.15 = never below cost x 1.15."""
    map_price: Decimal | None = None
    shipping_cost: Decimal | None = None
    free_shipping_threshold: Decimal | None = None
    terms: Terms = field(default_factory=Terms)
    priority: int = 1


@dataclass(slots=True)
class TheirOffer:
    """A competitor's offer for one of our products: its latest good observation."""

    listing_id: int
    competitor_id: int
    competitor: str
    currency: str
    price: Decimal
    """Shelf price as shown (a visible markdown already applied)."""
    regular_price: Decimal | None = None
    """The 'was' price, when one is shown."""
    shipping_cost: Decimal | None = None
    free_shipping_threshold: Decimal | None = None
    terms: Terms = field(default_factory=Terms)
    promotions: tuple[Promo, ...] = ()
    pack_ratio: Decimal | None = None
    """Their units per our unit (6 when they sell singles of our 6-pack)."""
    lowest_before: Decimal | None = None
    """Their own lowest good price in the N days before the current discount began."""
    availability: str | None = None
    """schema.org availability of the latest reading (None: not stated, sold)."""
    conversion: tuple[str, Decimal, bool] | None = None
    """(their currency, rate, fixed) when the money fields were converted into ours."""
    match_note: str | None = None
    """Why the listing was matched to our product (method, attributes that agree)."""
    original_price: Decimal | None = None
    """Their shelf price in their own currency, when `conversion` is set."""


@dataclass(slots=True)
class Landed:
    """What one unit (ours) really costs a customer at one shop."""

    shelf: Decimal
    """Shelf price per our unit."""
    effective: Decimal
    """After promotions, with shipping unless the basket reaches free shipping."""
    base: Decimal
    """The same without temporary promotions (a markdown, coupons, multi-buys)."""
    shipping: Decimal
    """Shipping per unit included in `effective`."""
    member_price: Decimal | None = None
    """Members-only price per unit, shown beside, never used as the effective price."""
    promo_until: datetime | None = None
    applied: tuple[str, ...] = ()
    """The promotions and markdown that went into `effective`, in words."""
    conditional: Decimal | None = None
    """The landed price per unit through the best conditional offer (multi-buy, member
    price, coupon, instalments), when one is lower than `effective`: shown beside, never
    used as their price."""
    conditional_kind: str | None = None
    """The promotion kind behind `conditional`."""
    conditional_text: str | None = None
    """`conditional`'s offer in words ("3 for 2", "coupon SAVE10 -10%")."""

    def describe(self) -> list[str]:
        """Everything between the shelf and the effective price, in words."""
        extra = [f"shipping {self.shipping}"] if self.shipping else []
        return [*self.applied, *extra]

    @property
    def temporary(self) -> bool:
        """Whether temporary promotions make this offer cheaper than its base."""
        return self.effective < self.base


@dataclass(slots=True)
class FindingData:
    """One finding, as plain data (written to the `finding` table by the run)."""

    kind: FindingKind
    product_id: int
    currency: str
    reason: str
    competitor_id: int | None = None
    listing_id: int | None = None
    our_price: Decimal | None = None
    our_effective: Decimal | None = None
    their_price: Decimal | None = None
    their_effective: Decimal | None = None
    gap: Decimal | None = None
    gap_pct: Decimal | None = None
    recommended_price: Decimal | None = None
    promo_until: datetime | None = None
    impact: Decimal = Decimal(0)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ProductStats:
    """Where we stand on one product among the competitors that sell it."""

    product_id: int
    offers: int
    our_effective: Decimal
    min: Decimal
    median: Decimal
    max: Decimal
    rank: int
    """1 = we are cheapest (ties share the better rank)."""
    of: int
    """Number of sellers ranked, us included."""
    gap: Decimal
    """Our effective price minus the cheapest competitor's (negative: we are cheapest)."""
    gap_pct: Decimal
    """`gap` as a percent of our effective price."""
