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

from collections.abc import Collection
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


# ------------------------------------------------------------------ business events


@dataclass(frozen=True)
class BusinessEvent:
    """What truly happened to one product page from its last good day to `day`.

    `kind` is what it means for a manager, the most important first: promotion_started /
    promotion_ended / promotion_changed (price mechanics; the shop-wide free-shipping
    threshold, instalments and sale badges are not promotions, a member price follows the
    price), else price_drop / price_rise (a base price move of at least `price_change_pct`),
    else out_of_stock / back_in_stock, else terms_changed (shipping, free-shipping threshold,
    warranty, instalments offered). `changes` lists every part that changed.
    """

    shop: str
    path: str
    day: int
    kind: str
    changes: tuple[str, ...]


IN_STOCK_TERMS = frozenset({"InStock", "LimitedAvailability", "PreOrder", "BackOrder"})


def _mechanics(page: ProductTruth) -> frozenset[tuple[object, ...]]:
    found: set[tuple[object, ...]] = set()
    for p in page.promotions:
        if p.kind in ("badge", "instalments") or (p.kind == "free_shipping" and p.threshold is not None):
            continue
        value = None if p.kind == "member_price" else p.value
        found.add((p.kind, value, p.code, p.buy_qty, p.pay_qty))
    if page.regular_price is not None and page.price is not None and page.regular_price > page.price:
        found.add(("markdown",))
    return frozenset(found)


def _in(amount: Decimal, currency: str, target: str) -> Decimal:
    """`amount` in `target`, through the one money module (the fixed lev/euro rate)."""
    from storage.money import convert

    conversion = convert(amount, currency, target)
    assert conversion is not None, (currency, target)
    return conversion.amount


def _instalments(page: ProductTruth) -> bool:
    return any(p.kind == "instalments" for p in page.promotions)


def classify(before: ProductTruth, after: ProductTruth, price_change_pct: Decimal) -> tuple[str, tuple[str, ...]] | None:
    """(kind, changed parts) between two good readings of a page, or None."""
    changes: list[str] = []
    kind: str | None = None
    was, now = _mechanics(before), _mechanics(after)
    if was != now:
        changes.append("promotion")
        kind = "promotion_started" if not was else "promotion_ended" if not now else "promotion_changed"
    assert before.price is not None and after.price is not None
    from storage.money import same_price

    old, new = _in(before.price, before.currency, after.currency), after.price
    if not same_price(before.price, before.currency, after.price, after.currency):
        changes.append("price")
        if kind is None and abs(new - old) * 100 >= price_change_pct * old:
            kind = "price_drop" if new < old else "price_rise"
    stock_before = before.availability in IN_STOCK_TERMS
    stock_after = after.availability in IN_STOCK_TERMS
    if stock_before != stock_after:
        changes.append("stock")
        if kind is None:
            kind = "back_in_stock" if stock_after else "out_of_stock"
    terms = [name for name in ("shipping_cost", "free_shipping_threshold", "warranty_months")
             if getattr(before, name) is not None and getattr(after, name) is not None
             and getattr(before, name) != getattr(after, name)]
    if _instalments(before) != _instalments(after):
        terms.append("instalments")
    if terms:
        changes.append("terms")
        if kind is None:
            kind = "terms_changed"
    return None if kind is None else (kind, tuple(changes))


def business_events(shop: str, days: int, seed: int = 42, faults: Faults | None = None,
                    price_change_pct: Decimal = Decimal(5)) -> list[BusinessEvent]:
    """Every true business event of `shop` over days 1..days-1, per product page.

    A page is compared with its last good day (a faulty page has no reading, so the change
    shows on the next good day, as a perfect crawler would see it).
    """
    last_good: dict[str, ProductTruth] = {}
    events: list[BusinessEvent] = []
    for day in range(days):
        for page in truth(shop, day, seed, faults):
            if page.fault is not None or page.price is None:
                continue
            before = last_good.get(page.path)
            last_good[page.path] = page
            if before is None:
                continue
            found = classify(before, page, price_change_pct)
            if found is not None:
                events.append(BusinessEvent(shop, page.path, day, found[0], found[1]))
    return events


# ------------------------------------------------------------------ market events


BUYABLE = frozenset({"InStock", "LimitedAvailability"})
"""Availability under which a single buyer can order today (the simulation uses no
pre- or backorders; the comparison leaves those out by default too)."""


@dataclass(frozen=True)
class MarketEvent:
    """A true event of our catalog against the shops on one day: what the comparison
    should find start (or end) that day, derived from the simulation alone.

    `kind`: ``became_undercut`` / ``no_longer_undercut`` (one story per product of ours:
    some shop sells it cheaper), ``map_violation`` (a shop starts advertising it under our
    MAP), ``fake_discount`` (a shop starts showing a 'was' price above its own lowest
    price in the 30 days before the discount). `pages` are the (shop, path) the event is
    about: the violating page, or the cheapest page(s) that day (for an undercut that
    ends, the cheapest of the day before), several only on a tie.
    """

    kind: str
    sku: str
    day: int
    pages: tuple[tuple[str, str], ...]


def landed(page: ProductTruth) -> Decimal:
    """What one unit costs a single buyer without a coupon, a membership or a bigger
    basket: the shelf price (a markdown is already in it; coupons, multi-buys, member
    prices and instalments are conditional) plus the shop's shipping unless the price
    reaches its free-shipping threshold (a product's own free shipping makes it 0)."""
    assert page.price is not None
    shipping = page.shipping_cost or Decimal(0)
    if page.free_shipping_threshold is not None and page.price >= page.free_shipping_threshold:
        shipping = Decimal(0)
    return page.price + shipping


def our_landed(row: dict[str, str]) -> Decimal:
    """Our landed price for a catalog row (`demo.shops.catalog.catalog_rows`): our price
    plus our shipping below our free-shipping threshold."""
    price = Decimal(row["price"])
    threshold = Decimal(row["free_shipping_threshold"]) if row["free_shipping_threshold"] else None
    if threshold is not None and price >= threshold:
        return price
    return price + (Decimal(row["shipping_cost"]) if row["shipping_cost"] else Decimal(0))


def _last_good_by_day(shop: str, days: int, seed: int,
                      faults: Faults | None) -> list[dict[str, ProductTruth]]:
    """Per day, every page's last good reading up to that day (a perfect crawler's view:
    a page that fails keeps its last good values, a page never good has none)."""
    last: dict[str, ProductTruth] = {}
    found = []
    for day in range(days):
        for page in truth(shop, day, seed, faults):
            if page.fault is None and page.price is not None:
                last[page.path] = page
        found.append(dict(last))
    return found


def _fake_discount(history: list[ProductTruth | None], day: int, window: int) -> bool:
    """Whether the page shows on `day` a 'was' price above its own lowest price in the
    `window` days before the discount began (EU Omnibus rule); only good days count."""
    page = history[day]
    if page is None or page.regular_price is None or page.price is None \
            or page.regular_price <= page.price:
        return False
    start = day
    while start > 0:
        before = history[start - 1]
        if before is not None and (before.regular_price is None or before.price is None
                                   or before.regular_price <= before.price):
            break
        start -= 1
    prices = [p.price for d in range(max(0, start - window), start)
              if (p := history[d]) is not None and p.price is not None]
    return bool(prices) and page.regular_price > min(prices)


def market_events(shops: tuple[str, ...], days: int, seed: int = 42,
                  faults: dict[str, Faults] | None = None, fake_discount_days: int = 30,
                  linked: Collection[tuple[str, str, str]] | None = None) -> list[MarketEvent]:
    """Every true undercut start / end, MAP-violation start and fake-discount start of our
    demo catalog against `shops` over days 1..days-1.

    The same business definitions as the comparison, worked out from the simulation: a
    shop's page is our product when it is the same universe product (never another size
    or model); it undercuts us when it can be bought now and its landed price
    (:func:`landed`) is under ours (our price plus our shipping below our free-shipping
    threshold); it violates MAP when its shelf price is under our MAP, in stock or not.
    Each page counts with its last good reading (see `business_events`).

    `linked` limits the pages to those (shop, path, our sku) links (e.g. the ones a
    matcher found; a link to another product than the page's never counts): the events
    as they look to someone who only knows those pages. None counts every page.
    """
    from demo.shops.catalog import catalog_links, catalog_rows

    rows = {row["sku"]: row for row in catalog_rows(seed)}
    sku_of = {key: sku for key, (sku, _link) in catalog_links(seed).items()}
    views = {shop: _last_good_by_day(shop, days, seed, (faults or {}).get(shop)) for shop in shops}
    offers: dict[str, list[tuple[str, str]]] = {}  # sku -> its (shop, path) pages
    for shop in shops:
        for path, page in (views[shop][-1] if views[shop] else {}).items():
            sku = sku_of.get(page.product_key)
            if sku is not None and (linked is None or (shop, path, sku) in linked):
                offers.setdefault(sku, []).append((shop, path))
    events: list[MarketEvent] = []

    def page_on(where: tuple[str, str], day: int) -> ProductTruth | None:
        return views[where[0]][day].get(where[1])

    for sku, pages in sorted(offers.items()):
        row = rows[sku]
        ours = our_landed(row)
        map_price = Decimal(row["map_price"]) if row["map_price"] else None
        cheapest_before: tuple[tuple[str, str], ...] = ()
        for day in range(days):
            buyable = [(landed(p), where) for where in pages
                       if (p := page_on(where, day)) is not None and p.availability in BUYABLE]
            low = min((price for price, _ in buyable), default=None)
            cheapest = tuple(sorted(w for price, w in buyable if price == low))
            under = low is not None and low < ours
            if day > 0 and under != bool(cheapest_before):
                kind = "became_undercut" if under else "no_longer_undercut"
                events.append(MarketEvent(kind, sku, day, cheapest if under else cheapest_before))
            cheapest_before = cheapest if under else ()
            if day == 0:
                continue
            for where in pages:
                now, then = page_on(where, day), page_on(where, day - 1)
                if now is None or then is None:
                    continue  # a page first read today starts nothing
                if map_price is not None and now.price is not None and now.price < map_price \
                        and not (then.price is not None and then.price < map_price):
                    events.append(MarketEvent("map_violation", sku, day, (where,)))
                history = [page_on(where, d) for d in range(day + 1)]
                if _fake_discount(history, day, fake_discount_days) \
                        and not _fake_discount(history, day - 1, fake_discount_days):
                    events.append(MarketEvent("fake_discount", sku, day, (where,)))
    return events
