"""Static facts about each demo shop: currency, language, terms, assortment size.

Simulated day `n` is the calendar date ``DAY0 + n days``; validity dates on the pages
("до 30.11.2026", ``priceValidUntil``) are computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

DAY0 = date(2026, 11, 2)
"""Calendar date of simulated day 0 (a Monday)."""

BGN_PER_EUR = Decimal("1.95583")
"""The fixed lev/euro rate."""


def day_date(day: int) -> date:
    """Calendar date of a simulated day."""
    return DAY0 + timedelta(days=day)


@dataclass(frozen=True)
class ShopSpec:
    """One demo shop's static settings."""

    name: str
    display_name: str
    currency: str  # ISO 4217
    language: str  # bg | en
    locale: str
    shipping_cost: Decimal
    bulky_shipping_cost: Decimal
    free_shipping_threshold: Decimal
    delivery_min_days: int
    delivery_max_days: int
    returns_days: int
    share: float  # fraction of the universe the shop sells
    price_spread: float  # how far its prices wander from the market price
    instalments_from: Decimal | None  # price from which it offers instalments


SHOPS: dict[str, ShopSpec] = {
    s.name: s
    for s in (
        ShopSpec("jsonshop", "JSON Shop", "BGN", "bg", "bg_BG", Decimal("5.99"), Decimal("12.99"),
                 Decimal("100"), 2, 4, 30, 0.86, 0.06, Decimal("300")),
        ShopSpec("woostore", "Woo Store", "EUR", "en", "en_IE", Decimal("3.90"), Decimal("9.90"),
                 Decimal("50"), 1, 3, 14, 0.84, 0.07, None),
        ShopSpec("shopifyish", "Shopifyish", "BGN", "en", "en_GB", Decimal("6.90"),
                 Decimal("14.90"), Decimal("150"), 3, 5, 14, 0.85, 0.05, None),
        ShopSpec("plainshop", "Плейн Шоп", "BGN", "bg", "bg_BG", Decimal("4.99"), Decimal("9.99"),
                 Decimal("79"), 1, 2, 30, 0.83, 0.08, Decimal("200")),
        # jsshop is smaller: every page costs a browser render (the 14-day demo crawls it daily)
        ShopSpec("jsshop", "JS Shop", "BGN", "bg", "bg_BG", Decimal("7.50"), Decimal("15.00"),
                 Decimal("120"), 2, 5, 14, 0.11, 0.06, None),
        ShopSpec("troubleshop", "Trouble Shop", "BGN", "bg", "bg_BG", Decimal("5.00"),
                 Decimal("10.00"), Decimal("100"), 2, 3, 14, 0.0, 0.05, None),
    )
}

SHOP_NAMES: tuple[str, ...] = tuple(SHOPS)
"""All demo shops, the well-behaved five first."""

GOOD_SHOPS: tuple[str, ...] = ("jsonshop", "woostore", "shopifyish", "plainshop", "jsshop")
"""The shops without deliberate faults (the demo crawls these)."""
