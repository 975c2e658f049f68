"""Terms of an offer versus promotions: the one place that tells them apart.

A product page states shop-wide terms (free shipping above a threshold, the shipping cost,
payment in instalments, the warranty) next to its promotions, and the extractor reports
them all as `promotions`. Only real price mechanics are promotions: a markdown, percent or
amount off, a coupon, a multi-buy, a member price, a bundle, free shipping for this product
(no threshold), a sale badge. The rest are terms: they are stored in their own columns and
compared as terms, never as a promotion that starts, changes or ends.

An instalment amount ("12 x 76,62 лв./мес") is derived from the price: only whether
instalments are offered, and over how many months, is kept (`instalments`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

OUT_OF_STOCK = frozenset({"OutOfStock", "SoldOut", "Discontinued"})
"""schema.org availability terms under which a customer cannot buy the item now: the one
list the comparison (`monitor.compare.settings.in_stock`), the alerts and the reports use."""

VARIANT_PRICE = "+variant"
"""Ends an observation's `extractor` when the page offers several prices for several
variants (sizes, colours: an AggregateOffer range or offers per variant) and its URL does
not name one: the price stored is the one the page shows, which may be another variant's
from one night to the next (a new default size). The alerts hold a price move between such
readings for a look instead of telling it as news."""


def variant_price(extractor: str | None) -> bool:
    """Whether a reading's price is one of several variants' (see `VARIANT_PRICE`)."""
    return extractor is not None and VARIANT_PRICE in extractor


TERM_KINDS = frozenset({"instalments", "warranty", "shipping"})
"""Promotion kinds that are always terms of the offer."""

PRICE_MECHANICS = frozenset({
    "percent_off", "amount_off", "coupon", "multi_buy", "member_price", "bundle",
    "free_shipping",
})
"""Kinds that change what a buyer pays: a promotion starting or ending is news."""


def _get(promo: Any, name: str) -> Any:
    if isinstance(promo, Mapping):
        return promo.get(name)
    return getattr(promo, name, None)


def _kind(promo: Any) -> str:
    kind = _get(promo, "kind")
    return str(getattr(kind, "value", kind) or "")


def is_term(promo: Any) -> bool:
    """Whether a reported 'promotion' (a Promotion object or its dict) is a term of the offer.

    Free shipping with a threshold is the shop's shipping policy; free shipping without
    one is a promotion on this product.
    """
    kind = _kind(promo)
    if kind in TERM_KINDS:
        return True
    return kind == "free_shipping" and _get(promo, "threshold") is not None


@dataclass(frozen=True, slots=True)
class OfferTerms:
    """The terms read from a page's promotion list (None = not stated there)."""

    free_shipping_threshold: Decimal | None = None
    instalments: int | None = None
    """The longest instalment plan offered, in months (0: offered, length not stated;
    None: the page does not offer instalments, or does not say)."""


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def split_terms(promotions: Iterable[Any]) -> tuple[list[Any], OfferTerms]:
    """(the real promotions, the terms) of a page's reported promotions, order kept."""
    kept: list[Any] = []
    threshold: Decimal | None = None
    months: int | None = None
    for promo in promotions:
        if not is_term(promo):
            kept.append(promo)
            continue
        kind = _kind(promo)
        if kind == "free_shipping":
            value = _decimal(_get(promo, "threshold"))
            if value is not None:
                threshold = value if threshold is None else min(threshold, value)
        elif kind == "instalments":
            count = _get(promo, "instalments")
            months = max(months or 0, int(count)) if count else (months or 0)
    return kept, OfferTerms(threshold, months)
