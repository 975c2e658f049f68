"""Static facts about each demo shop: currency, language, terms, assortment size.

Simulated day `n` is the calendar date ``DAY0 + n days``; validity dates on the pages
("до 30.11.2026", ``priceValidUntil``) are computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

DAY0 = date(2026, 12, 1)
"""Calendar date of simulated day 0: the demo lives in December 2026, eleven months after
Bulgaria's move to the euro (prices in euros; one shop still shows the leva beside them,
one moves from leva to euros during the demo)."""


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
    leva_until_day: int | None = None
    """A laggard: its pages show leva only (at the fixed rate) up to this simulated day,
    euros from the next one on."""
    dual_display: bool = False
    """Shows the leva beside the euro price ("25,51 € (49,90 лв.)")."""


SHOPS: dict[str, ShopSpec] = {
    s.name: s
    for s in (
        # jsonshop still showed leva only until day 4 and moved to euros on day 5
        ShopSpec("jsonshop", "JSON Shop", "EUR", "bg", "bg_BG", Decimal("2.99"), Decimal("6.49"),
                 Decimal("50"), 2, 4, 30, 0.86, 0.06, Decimal("150"), leva_until_day=4),
        ShopSpec("woostore", "Woo Store", "EUR", "en", "en_IE", Decimal("3.90"), Decimal("9.90"),
                 Decimal("50"), 1, 3, 14, 0.84, 0.07, None),
        ShopSpec("shopifyish", "Shopifyish", "EUR", "en", "en_GB", Decimal("3.49"),
                 Decimal("7.49"), Decimal("75"), 3, 5, 14, 0.85, 0.05, None),
        ShopSpec("plainshop", "Плейн Шоп", "EUR", "bg", "bg_BG", Decimal("2.49"), Decimal("4.99"),
                 Decimal("39"), 1, 2, 30, 0.83, 0.08, Decimal("100"), dual_display=True),
        # jsshop is smaller: every page costs a browser render (the 14-day demo crawls it daily)
        ShopSpec("jsshop", "JS Shop", "EUR", "bg", "bg_BG", Decimal("3.79"), Decimal("7.49"),
                 Decimal("60"), 2, 5, 14, 0.11, 0.06, None),
        ShopSpec("troubleshop", "Trouble Shop", "EUR", "bg", "bg_BG", Decimal("2.49"),
                 Decimal("4.99"), Decimal("50"), 2, 3, 14, 0.0, 0.05, None),
    )
}

SHOP_NAMES: tuple[str, ...] = tuple(SHOPS)
"""All demo shops, the well-behaved five first."""

GOOD_SHOPS: tuple[str, ...] = ("jsonshop", "woostore", "shopifyish", "plainshop", "jsshop")
"""The shops without deliberate faults (the demo crawls these)."""
