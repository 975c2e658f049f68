"""Simulated days: each shop's offer for each product as a pure function of (seed, day).

Day ``n`` is computed from day ``n - 1`` with a random generator fixed by
(seed, shop, product, day), so any process asking for the same day gets the same state.
From one day to the next some list prices move, promotions start and end, items go out
of and back into stock. On top of that a few *scripted* events make sure the demo has
something to report (see :func:`scripted_events`):

* ``undercut``: a shop cuts its price below ours and keeps it there;
* ``promo``: a 20 % sale that starts and ends on known days;
* ``stock_out``: an item that is out of stock for a few days;
* ``fake_discount``: from a given day a shop shows a "was" price 30 % above its price,
  which has not moved, so the "was" price is above its 30-day low.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache

from demo.shops.assortment import our_items, shop_pids
from demo.shops.spec import SHOPS, ShopSpec, day_date
from demo.shops.universe import Product, build_universe, charm, money, stable_rng
from storage.money import amount_in

COUPONS = (("SAVE10", 10), ("PROMO15", 15), ("WEEKEND5", 5), ("VIP20", 20), ("BLACK25", 25))


@dataclass(frozen=True)
class Promo:
    """A promotion, independent of wording. Field meanings follow
    ``spiders.extraction.model.Promotion``.

    kinds: percent_off (value = percent), amount_off (value = money), coupon (code,
    value = percent), multi_buy (buy_qty/pay_qty, or value = percent off the second item
    with buy_qty=2 and detail 'nth_item_discount'), free_shipping (this product ships free),
    member_price (value = the member price), instalments (instalments x value).
    """

    kind: str
    value: Decimal | None = None
    code: str | None = None
    buy_qty: int | None = None
    pay_qty: int | None = None
    threshold: Decimal | None = None
    instalments: int | None = None
    valid_until: date | None = None
    detail: str | None = None
    style: int = 0  # which wording the shop uses for it


@dataclass(frozen=True)
class Offer:
    """What one shop offers for one product on one day."""

    product: Product
    price: Decimal
    regular_price: Decimal | None
    currency: str
    availability: str  # schema.org term
    promos: tuple[Promo, ...]
    shipping_cost: Decimal
    free_shipping_threshold: Decimal
    delivery_min_days: int
    delivery_max_days: int
    warranty_months: int | None
    returns_days: int
    fake_discount: bool = False

    @property
    def per_unit(self) -> Decimal | None:
        """Price per litre / kilogram for groceries (shown on pages as a trap)."""
        pack = self.product.pack
        if pack is None:
            return None
        return money(self.price / pack.base_quantity)


@dataclass(frozen=True)
class _Running:
    """A promotion with its first and last day."""

    promo: Promo
    start: int
    end: int


@dataclass(frozen=True)
class _State:
    list_price: Decimal
    running: _Running | None
    out_of_stock_until: int  # last day out of stock; -1 when in stock
    limited: bool


@dataclass(frozen=True)
class Scripted:
    """A scripted event (see module docstring)."""

    kind: str  # undercut | promo | stock_out | fake_discount
    shop: str
    pid: int
    start: int
    end: int  # inclusive; a large number means "from start on"


FOREVER = 10_000


@lru_cache(maxsize=8)
def scripted_events(seed: int = 42) -> tuple[Scripted, ...]:
    """Events that make the 14-day demo show undercuts, promos, stock-outs, fake discounts."""
    ours = [item.product.pid for item in our_items(seed) if item.link in ("gtin", "mpn")]
    plan = (
        ("undercut", "jsonshop", 2, FOREVER, 4),
        ("undercut", "woostore", 5, FOREVER, 2),
        ("promo", "woostore", 3, 7, 3),
        ("promo", "shopifyish", 6, 10, 2),
        ("stock_out", "shopifyish", 4, 6, 3),
        ("stock_out", "plainshop", 9, 11, 2),
        ("fake_discount", "plainshop", 8, FOREVER, 4),
        ("fake_discount", "jsonshop", 10, FOREVER, 2),
    )
    events: list[Scripted] = []
    taken: set[tuple[str, int]] = set()
    rng = stable_rng("scripted", seed)
    for kind, shop, start, end, count in plan:
        carried = [pid for pid in ours if pid in set(shop_pids(shop, seed))]
        chosen = 0
        while chosen < count and carried:
            pid = rng.choice(carried)
            if (shop, pid) in taken:
                carried.remove(pid)
                continue
            taken.add((shop, pid))
            events.append(Scripted(kind, shop, pid, start, end))
            chosen += 1
    return tuple(events)


def _to_shop_currency(spec: ShopSpec, bgn: Decimal) -> Decimal:
    """A market price (the universe keeps them in leva) in the shop's currency."""
    return in_currency(bgn, "BGN", spec.currency)


def in_currency(amount: Decimal, source: str, target: str) -> Decimal:
    """`amount` converted at the fixed rate, to the cent (storage.money.convert)."""
    converted = amount_in(amount, source, target)
    assert converted is not None, f"no fixed rate {source}->{target}"
    return converted


def _our_price(product: Product, seed: int) -> Decimal:
    from demo.shops.catalog import our_price

    return our_price(product, seed)


def _initial_state(spec: ShopSpec, product: Product, seed: int) -> _State:
    rng = stable_rng(seed, spec.name, product.pid, "init")
    spread = spec.price_spread
    factor = Decimal(str(round(rng.uniform(1 - spread, 1 + spread), 4)))
    list_price = charm(_to_shop_currency(spec, product.base_price * factor))
    out = rng.random() < 0.05
    return _State(list_price, None, FOREVER if out and rng.random() < 0.3 else (
        rng.randint(1, 4) if out else -1), rng.random() < 0.04)


def _random_promo(rng: random.Random, spec: ShopSpec, product: Product, list_price: Decimal,
                  end: int) -> Promo:
    until = day_date(end)
    grocery = product.category.department == "groceries"
    kinds = ["percent_off", "percent_off", "amount_off", "coupon", "multi_buy", "free_shipping",
             "member_price"]
    if spec.name == "woostore":
        kinds.remove("member_price")  # woostore has member prices as a standing offer
    kind = rng.choice(kinds)
    style = rng.randint(0, 3)
    if kind == "amount_off" and list_price < 10:
        kind = "percent_off"  # a round amount off a cheap item would leave nothing
    if kind == "percent_off":
        return Promo("percent_off", Decimal(rng.choice((10, 15, 20, 25, 30))), valid_until=until,
                     style=style)
    if kind == "amount_off":
        raw = list_price * Decimal(str(rng.uniform(0.08, 0.2)))
        step = Decimal(1) if raw < 20 else Decimal(5)
        amount = max(Decimal(1), (raw / step).to_integral_value() * step)
        return Promo("amount_off", money(amount), valid_until=until, style=style)
    if kind == "coupon":
        code, percent = rng.choice(COUPONS)
        return Promo("coupon", Decimal(percent), code=code, valid_until=until, style=style)
    if kind == "multi_buy":
        if grocery and rng.random() < 0.7:
            return Promo("multi_buy", buy_qty=3, pay_qty=2, valid_until=until, style=style)
        return Promo("multi_buy", Decimal(50), buy_qty=2, detail="nth_item_discount",
                     valid_until=until, style=style)
    if kind == "free_shipping":
        return Promo("free_shipping", valid_until=until, style=style)
    return Promo("member_price", money(list_price * Decimal("0.95")), style=style)


def _step(spec: ShopSpec, product: Product, seed: int, day: int, prev: _State) -> _State:
    rng = stable_rng(seed, spec.name, product.pid, day)
    draws = [rng.random() for _ in range(5)]
    list_price = prev.list_price
    if draws[0] < 0.06:
        change = Decimal(str(round(rng.uniform(0.9, 1.08), 3)))
        list_price = charm(list_price * change)
    running = prev.running
    if running is not None and day > running.end:
        running = None
    if running is None and draws[1] < 0.09:
        end = day + rng.randint(2, 7)
        running = _Running(_random_promo(rng, spec, product, list_price, end), day, end)
    out_until = prev.out_of_stock_until
    if out_until < day and draws[2] < 0.03:
        out_until = day + rng.randint(0, 3)
    limited = prev.limited if draws[3] > 0.05 else not prev.limited
    return _State(list_price, running, out_until, limited)


def _first_state(spec: ShopSpec, product: Product, seed: int) -> _State:
    state = _initial_state(spec, product, seed)
    rng = stable_rng(seed, spec.name, product.pid, "promo0")
    if rng.random() < 0.22:
        end = rng.randint(1, 6)
        state = replace(state, running=_Running(
            _random_promo(rng, spec, product, state.list_price, end), 0, end))
    return state


@lru_cache(maxsize=4096)
def _states(shop: str, day: int, seed: int) -> dict[int, _State]:
    """Internal per-product state of a shop on a day (before scripted events)."""
    spec = SHOPS[shop]
    universe = build_universe(seed)
    if day <= 0:
        return {pid: _first_state(spec, universe[pid], seed) for pid in shop_pids(shop, seed)}
    prev = _states(shop, day - 1, seed)
    return {pid: _step(spec, universe[pid], seed, day, prev[pid]) for pid in prev}


def _terms(spec: ShopSpec, product: Product) -> tuple[Decimal, int, int, int | None]:
    shipping = spec.bulky_shipping_cost if product.bulky else spec.shipping_cost
    extra = 1 if product.bulky else 0
    warranty = product.warranty_months
    if warranty is not None and spec.name == "plainshop" and product.category.department == (
            "appliances"):
        warranty = 36
    return shipping, spec.delivery_min_days + extra, spec.delivery_max_days + extra, warranty


def _apply_scripted(offer: Offer, events: list[Scripted], day: int, seed: int,
                    spec: ShopSpec) -> Offer:
    for event in events:
        if not event.start <= day <= event.end:
            continue
        if event.kind == "undercut":
            ours = in_currency(_our_price(offer.product, seed), OUR_CURRENCY, spec.currency)
            offer = replace(offer, price=charm(ours * Decimal("0.88")), regular_price=None,
                            promos=tuple(p for p in offer.promos if p.kind == "instalments"))
        elif event.kind == "promo":
            until = day_date(event.end)
            base = offer.regular_price or offer.price
            offer = replace(offer, price=money(base * Decimal("0.8")), regular_price=base,
                            promos=(Promo("percent_off", Decimal(20), valid_until=until),))
        elif event.kind == "stock_out":
            offer = replace(offer, availability="OutOfStock")
        elif event.kind == "fake_discount":
            was = charm(offer.price * Decimal("1.3"))
            percent = ((1 - offer.price / was) * 100).to_integral_value()
            offer = replace(offer, regular_price=was, fake_discount=True,
                            promos=(Promo("percent_off", percent),))
    return offer


def _offer(spec: ShopSpec, product: Product, state: _State, day: int) -> Offer:
    shipping, dmin, dmax, warranty = _terms(spec, product)
    price, regular = state.list_price, None
    promos: list[Promo] = []
    if state.running is not None:
        promo = state.running.promo
        if promo.kind == "percent_off":
            assert promo.value is not None
            price = money(state.list_price * (100 - promo.value) / 100)
            regular = state.list_price
        elif promo.kind == "amount_off":
            assert promo.value is not None
            price = state.list_price - promo.value
            regular = state.list_price
        elif promo.kind == "member_price":
            promo = replace(promo, value=money(state.list_price * Decimal("0.95")))
        elif promo.kind == "free_shipping":
            shipping = Decimal("0.00")
        promos.append(promo)
    elif spec.name == "woostore" and product.pid % 9 == 0:
        promos.append(Promo("member_price", money(price * Decimal("0.95"))))
    if spec.instalments_from is not None and price >= spec.instalments_from:
        months = 12 if price < 1000 else 24
        promos.append(Promo("instalments", money(price / months), instalments=months))
    if state.out_of_stock_until >= day:
        availability = "OutOfStock"
    elif state.limited and spec.name != "shopifyish":  # Shopify has no "few left" state
        availability = "LimitedAvailability"
    else:
        availability = "InStock"
    return Offer(product, price, regular, spec.currency, availability, tuple(promos), shipping,
                 spec.free_shipping_threshold, dmin, dmax, warranty, spec.returns_days)


@lru_cache(maxsize=256)
def shop_offers(shop: str, day: int, seed: int = 42) -> dict[int, Offer]:
    """Every offer of a shop on a day, by product id (pure function of its arguments)."""
    if day < 0:
        raise ValueError(f"day must be >= 0, got {day}")
    spec = SHOPS[shop]
    universe = build_universe(seed)
    for warm in range(0, day, 50):  # day n is built from day n - 1: keep the recursion short
        _states(shop, warm, seed)
    by_pid: dict[int, list[Scripted]] = {}
    for event in scripted_events(seed):
        if event.shop == shop:
            by_pid.setdefault(event.pid, []).append(event)
    offers: dict[int, Offer] = {}
    for pid, state in _states(shop, day, seed).items():
        offer = _offer(spec, universe[pid], state, day)
        if pid in by_pid:
            offer = _apply_scripted(offer, by_pid[pid], day, seed, spec)
        offers[pid] = offer
    return offers


OUR_CURRENCY = "EUR"
"""The currency of our demo catalog."""
MONEY_PROMOS = frozenset({"amount_off", "member_price", "instalments"})


def shows_leva(spec: ShopSpec, day: int) -> bool:
    """Whether the shop's pages show leva only on `day` (a laggard before its switch)."""
    return spec.leva_until_day is not None and day <= spec.leva_until_day


def in_leva(offer: Offer) -> Offer:
    """The offer as a shop still pricing in leva shows it: every amount at the fixed rate."""
    def lev(amount: Decimal | None) -> Decimal | None:
        return None if amount is None else in_currency(amount, offer.currency, "BGN")

    def lev_(amount: Decimal) -> Decimal:
        return in_currency(amount, offer.currency, "BGN")

    promos = tuple(replace(p, value=lev(p.value) if p.kind in MONEY_PROMOS else p.value,
                           threshold=lev(p.threshold)) for p in offer.promos)
    return replace(offer, price=lev_(offer.price), regular_price=lev(offer.regular_price),
                   currency="BGN", promos=promos, shipping_cost=lev_(offer.shipping_cost),
                   free_shipping_threshold=lev_(offer.free_shipping_threshold))


@lru_cache(maxsize=256)
def shown_offers(shop: str, day: int, seed: int = 42) -> dict[int, Offer]:
    """The offers as the shop's pages show them on `day`: in leva before a laggard's switch
    (`ShopSpec.leva_until_day`), else the same as `shop_offers` (what a crawl stores)."""
    offers = shop_offers(shop, day, seed)
    if not shows_leva(SHOPS[shop], day):
        return offers
    return {pid: in_leva(offer) for pid, offer in offers.items()}
