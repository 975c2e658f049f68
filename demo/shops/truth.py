"""What a correct crawl of a demo shop must store, page by page.

``truth(shop, day)`` lists one :class:`ProductTruth` per product page (per variant on
the Shopify-like shop) with exactly what the page shows that day. Conventions (they
follow ``spiders.extraction.model``):

* money is ``Decimal`` in the shop's currency (``currency``, ISO 4217);
* ``regular_price`` is set only when the page shows a crossed-out price above ``price``;
* ``availability`` is a schema.org term (``InStock``, ``OutOfStock``,
  ``LimitedAvailability``);
* identifiers are ``None`` where the page does not show them;
* ``promotions`` are the product's promotions, then the shop-wide free-shipping threshold
  every product page states (``free_shipping`` with ``threshold``; it is also the
  ``free_shipping_threshold`` field). A product-level free-shipping promotion is
  ``free_shipping`` without a threshold, and ``shipping_cost`` is ``0`` while it runs.
  Where a page shows a valueless "Sale" badge (woostore's "Sale!", shopifyish's "Sale",
  whenever there is an old price) the list ends with a ``badge`` promotion;
* ``fault`` names the deliberate fault on the page (None for a good page); on a fault page
  every price field is ``None`` and there are no promotions, except that a ``drift`` page
  (price block gone, terms still there) keeps the free-shipping threshold. See
  :mod:`demo.shops.faults`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from demo.shops.faults import Faults, fault_for
from demo.shops.pages import site_for
from demo.shops.simulation import Promo


@dataclass(frozen=True)
class PromotionTruth:
    """A promotion as a correct extractor reports it (no wording)."""

    kind: str
    value: Decimal | None = None
    code: str | None = None
    buy_qty: int | None = None
    pay_qty: int | None = None
    threshold: Decimal | None = None
    instalments: int | None = None
    valid_until: date | None = None
    detail: str | None = None

    @classmethod
    def of(cls, promo: Promo) -> PromotionTruth:
        return cls(promo.kind, promo.value, promo.code, promo.buy_qty, promo.pay_qty,
                   promo.threshold, promo.instalments, promo.valid_until, promo.detail)


FAULT_STATUS = {
    "rate_limit": "blocked",
    "captcha": "blocked",
    "server_error": "error",
    "redirect_loop": "error",
    "robots_disallowed": "not_crawled",
    "drift": "parse_failed",
}
"""The outcome a crawler should record for each fault (see `ProductTruth.expected_status`)."""


@dataclass(frozen=True)
class ProductTruth:
    """One product page and the values a correct crawl stores for it."""

    shop: str
    path: str  # relative to the shop's base URL, e.g. "/p/philips-hd9350" or "...?variant=1"
    variant_id: str | None
    product_key: str  # the universe product (for matching checks)
    title: str | None
    price: Decimal | None
    regular_price: Decimal | None
    currency: str
    """What a correct crawl stores: the shop's currency (EUR)."""
    availability: str | None
    sku: str | None
    gtin: str | None
    mpn: str | None
    brand: str | None
    promotions: tuple[PromotionTruth, ...]
    shipping_cost: Decimal | None
    free_shipping_threshold: Decimal | None
    delivery_min_days: int | None
    delivery_max_days: int | None
    warranty_months: int | None
    returns_days: int | None
    fake_discount: bool = False  # the was-price is above the shop's 30-day low
    fault: str | None = None
    shown_currency: str | None = None
    """The currency the page shows when it is not `currency`: "BGN" on a laggard's leva
    days, where the crawl stores the amounts converted at the fixed rate (and flags them)."""

    @property
    def expected_status(self) -> str:
        """'ok', or what the fault should end as: blocked / error / not_crawled /
        parse_failed (a page without its price block)."""
        return "ok" if self.fault is None else FAULT_STATUS[self.fault]

    def url(self, base_url: str) -> str:
        """Absolute URL of the page under a shop's base URL."""
        return base_url.rstrip("/") + self.path


def truth(shop: str, day: int, seed: int = 42, faults: Faults | None = None) -> list[ProductTruth]:
    """Every product page of `shop` on `day` with its expected values.

    `faults` are the shop's switched-on fault modes (default: the shop's built-in ones,
    none except for ``troubleshop``).
    """
    site = site_for(shop, seed)
    faults = faults if faults is not None else Faults.default_for(shop)
    offers = site.stored_offers(day)
    shown = site.offers(day)
    result: list[ProductTruth] = []
    for index, listing in enumerate(site.listings):
        offer = offers[listing.product.pid]
        ident = site.identifiers(listing)
        fault = fault_for(faults, listing.path, index, day)
        priced = fault is None
        threshold = PromotionTruth("free_shipping", threshold=offer.free_shipping_threshold)
        promotions: tuple[PromotionTruth, ...] = ()
        if priced:
            promotions = (*(PromotionTruth.of(p) for p in offer.promos), threshold)
            if site.sale_badge and offer.regular_price is not None:
                promotions = (*promotions, PromotionTruth("badge"))
        elif fault == "drift":
            promotions = (threshold,)
        result.append(ProductTruth(
            shop=shop,
            path=listing.path,
            variant_id=listing.variant_id,
            product_key=listing.product.key,
            title=ident.title,
            price=offer.price if priced else None,
            regular_price=offer.regular_price if priced else None,
            currency=offer.currency,
            availability=offer.availability if priced else None,
            sku=ident.sku,
            gtin=ident.gtin,
            mpn=ident.mpn,
            brand=ident.brand,
            promotions=promotions,
            shipping_cost=offer.shipping_cost,
            free_shipping_threshold=offer.free_shipping_threshold,
            delivery_min_days=offer.delivery_min_days,
            delivery_max_days=offer.delivery_max_days,
            warranty_months=offer.warranty_months,
            returns_days=offer.returns_days,
            fake_discount=offer.fake_discount and priced,
            fault=fault,
            shown_currency=(shown[listing.product.pid].currency
                            if shown[listing.product.pid].currency != offer.currency else None),
        ))
    return result
