"""Plain data the rules work on: listing states, comparison states, and the events they yield.

Nothing here touches the database: the pipeline builds these from repository rows, and the
tests build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from monitor.alerts.settings import EventKind
from storage.offer_terms import OUT_OF_STOCK

VALUE_FOLLOWS_PRICE = frozenset({"member_price"})
"""Promotion kinds whose value is derived from the price (not a change of their own)."""
MARKDOWN = ("markdown", "", "")
"""The signature of a visible markdown: a crossed-out regular price above the price."""


def _norm(value: Decimal) -> str:
    return format(value.normalize(), "f")  # 10.5 and 10.50 are one value


IN_STOCK = frozenset({"InStock", "LimitedAvailability", "PreOrder", "BackOrder"})
"""Availability terms under which the competitor can take an order."""


@dataclass(frozen=True, slots=True)
class PromoView:
    """One promotion as seen on a listing."""

    kind: str
    value: Decimal | None = None
    code: str | None = None
    text: str | None = None
    buy_qty: int | None = None
    pay_qty: int | None = None

    @property
    def signature(self) -> tuple[str, str, str]:
        """What makes two promotions the same one (the wording may vary night to night).

        A member price is a share of the shelf price: its amount follows the price, so
        only that there is one counts.
        """
        value = "" if self.value is None or self.kind in VALUE_FOLLOWS_PRICE else _norm(self.value)
        if self.buy_qty or self.pay_qty:
            value = f"{value}/{self.buy_qty or ''}for{self.pay_qty or ''}"
        return (self.kind, value, (self.code or "").upper())

    def describe(self) -> str:
        if self.text:
            return self.text
        bits = [self.kind.replace("_", " ")]
        if self.value is not None:
            bits.append(f"{self.value}%" if self.kind == "percent_off" else str(self.value))
        if self.code:
            bits.append(f"code {self.code}")
        return " ".join(bits)


@dataclass(frozen=True, slots=True)
class ListingState:
    """One good (status ok) observation of a competitor listing."""

    observation_id: int
    observed_at: datetime
    price: Decimal | None
    currency: str | None = None
    regular_price: Decimal | None = None
    availability: str | None = None
    promotions: tuple[PromoView, ...] = ()
    promotions_known: bool = True
    """False for a quick reading that did not read promotions (then no promotion change)."""
    crawl_run_id: int | None = None
    shipping_cost: Decimal | None = None
    free_shipping_threshold: Decimal | None = None
    warranty_months: int | None = None
    instalments: int | None = None
    extractor: str | None = None

    @property
    def ident(self) -> int:
        return self.observation_id

    @property
    def terms(self) -> dict[str, Any]:
        """The offer's terms (None = not stated)."""
        return {"shipping_cost": self.shipping_cost,
                "free_shipping_threshold": self.free_shipping_threshold,
                "warranty_months": self.warranty_months, "instalments": self.instalments}

    @property
    def marked_down(self) -> bool:
        return (self.regular_price is not None and self.price is not None
                and self.regular_price > self.price)

    @property
    def in_stock(self) -> bool | None:
        """True/False when the page says; None when it does not."""
        if self.availability in IN_STOCK:
            return True
        if self.availability in OUT_OF_STOCK:
            return False
        return None

    @property
    def promo_signature(self) -> frozenset[tuple[str, str, str]]:
        """The price mechanics running: promotions (terms and valueless badges left out)
        and a visible markdown."""
        found = {p.signature for p in self.promotions if p.kind != "badge"}
        if self.marked_down:
            found.add(MARKDOWN)
        return frozenset(found)


@dataclass(frozen=True, slots=True)
class FindingState:
    """Whether one comparison run had a finding (undercut, fake discount) for a product."""

    compare_run_id: int
    present: bool
    gap: Decimal | None = None
    gap_pct: Decimal | None = None
    impact: Decimal | None = None
    our_price: Decimal | None = None
    their_price: Decimal | None = None
    currency: str | None = None
    reason: str | None = None
    promo_driven: bool = False
    """They are cheaper only through a temporary promotion."""
    promo_until: datetime | None = None

    @property
    def ident(self) -> int:
        return self.compare_run_id


@dataclass(frozen=True, slots=True)
class Event:
    """Something worth telling, before policy gating and storage."""

    kind: EventKind
    signature: str
    """The new state the event is about; debounce needs every window step to agree on it."""
    details: dict[str, Any] = field(default_factory=dict)
    """JSON-safe facts for the message (money as strings)."""
    impact: Decimal | None = None
    """Money at stake per unit, for ranking the digest."""
    impact_currency: str | None = None
    """The currency `impact` is in (ISO 4217), so a message can write it as money."""
    since: int | None = None
    """The observation (or comparison run) where the change began: part of the dedupe key."""


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
