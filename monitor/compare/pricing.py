"""Prices as the customer and the manager see them: pure functions over Decimals.

`effective_price` turns a shelf price, promotions and shipping into the landed price of
one unit for a single-unit buyer with no coupon code and no membership: what anyone pays
today, without conditions. Its rules:

- The shelf `price` already includes a visible markdown ("was 20, now 15"). A
  `percent_off` / `amount_off` promotion is only applied on top when no markdown is
  shown (otherwise it is the markdown itself, and applying it again would count it twice).
  When several apply, the largest one counts (shops do not stack them).
- Conditional offers (`is_conditional`: multi-buy, member prices, coupon codes,
  instalments, bundles, a markdown that needs a code or a bigger basket) are never in the
  effective price. The best of them is worked out beside it (`Landed.conditional`): "with
  the coupon they would be 5% cheaper" is shown, never claimed as their price. A
  multi-buy's price is per unit of the whole deal: "3 for 2" is 2/3 of the price; "item N
  at -X%" (`nth_item_discount`, or no detail) is (N - X/100) / N of it; a quantity
  discount, "-X% each when buying N+" (detail `quantity_discount`), is (1 - X/100) of it.
- Shipping is added per order unless the order reaches the free-shipping threshold (a
  `free_shipping` promotion lowers or removes the threshold), then spread over its units.
  The order holds as many of their units as make one of ours (six singles against our
  6-pack: one order, one shipping); a multi-buy's order holds all the units of the
  deal. Unknown shipping counts as 0, and a cheaper claim resting on it says so
  (`findings._PRICE_CLAIMS`).
- Everything is per *our* unit: multiplied by the match's `pack_ratio`.
- Expired promotions (`valid_until` before `now`) are ignored.

`recommend_price` applies the manager's rules to a target price: round to our price
endings, never under the floor (cost x (1 + minimum margin), MAP), never move more than
`max_move_pct` in one step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from monitor.compare.model import Landed, Promo

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ONE = Decimal(1)
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole in percent, two places (0 when whole is 0)."""
    if not whole:
        return ZERO
    return cents(part * HUNDRED / whole)


def _active(promos: Sequence[Promo], now: datetime | None) -> list[Promo]:
    if now is None:
        return list(promos)
    return [p for p in promos if p.valid_until is None or p.valid_until >= now]


def _markdown(price: Decimal, promos: list[Promo], marked_down: bool) -> tuple[Decimal, str | None, Promo | None]:
    """The best percent/amount-off not already shown as a markdown."""
    if marked_down:
        return price, None, None
    best, label, used = price, None, None
    for p in promos:
        if p.value is None or p.value <= 0:
            continue
        if p.kind == "percent_off" and p.value < HUNDRED:
            candidate = price * (ONE - p.value / HUNDRED)
            text = f"-{p.value.normalize():f}%"
        elif p.kind == "amount_off" and p.value < price:
            candidate = price - p.value
            text = f"-{p.value}"
        else:
            continue
        if candidate < best:
            best, label, used = candidate, text, p
    return best, label, used


CONDITIONAL_KINDS = frozenset({"multi_buy", "member_price", "coupon", "instalments", "bundle"})
"""Promotion kinds a single-unit buyer without a code or membership does not get."""


def is_conditional(promo: Promo, unit_price: Decimal | None = None) -> bool:
    """THE rule of what is a conditional offer: multi-buy, member/loyalty prices, coupon
    codes, instalments and bundles; and a percent/amount off that needs a code or a basket
    above the price of the one unit (`unit_price`). Conditional offers never make an
    undercut; they are shown beside it."""
    if promo.kind in CONDITIONAL_KINDS:
        return True
    if promo.kind in ("percent_off", "amount_off", "free_shipping"):
        if promo.code:
            return True
        if promo.threshold is not None and (unit_price is None or unit_price < promo.threshold):
            return True
    return False


def _conditional(unit: Decimal, promos: list[Promo]) -> tuple[Decimal, str, str, int] | None:
    """The lowest per-unit price a conditional offer gives (kind, words and how many units
    its order holds: a multi-buy's `buy_qty`, else one), or None."""
    best: tuple[Decimal, str, str, int] | None = None
    for p in promos:
        candidate: Decimal | None = None
        quantity = 1
        if p.kind == "multi_buy" and p.buy_qty and p.buy_qty >= 2:
            quantity = p.buy_qty
            if p.pay_qty and 0 < p.pay_qty < p.buy_qty:
                candidate = unit * Decimal(p.pay_qty) / Decimal(p.buy_qty)
                text = f"{p.buy_qty} for {p.pay_qty}"
            elif p.detail == "quantity_discount":
                # every unit at -X% once buy_qty or more are bought
                if p.value and 0 < p.value < HUNDRED:
                    candidate = unit * (ONE - p.value / HUNDRED)
                    text = f"-{p.value.normalize():f}% each when buying {p.buy_qty}+"
            elif p.value and 0 < p.value <= HUNDRED:
                candidate = unit * (Decimal(p.buy_qty) - p.value / HUNDRED) / Decimal(p.buy_qty)
                text = f"item {p.buy_qty} at -{p.value.normalize():f}%"
        elif p.kind == "member_price" and p.value and ZERO < p.value < unit:
            candidate, text = p.value, f"member price {p.value}"
        elif p.kind in ("coupon", "percent_off") and p.value and ZERO < p.value < HUNDRED:
            candidate = unit * (ONE - p.value / HUNDRED)
            text = f"{'coupon ' + p.code + ' ' if p.code else ''}-{p.value.normalize():f}%"
            if p.threshold is not None:
                text += f" over {p.threshold}"
        elif p.kind == "amount_off" and p.value and ZERO < p.value < unit:
            candidate = unit - p.value
            text = f"{'code ' + p.code + ' ' if p.code else ''}-{p.value}" + (
                f" over {p.threshold}" if p.threshold is not None else "")
        elif p.kind == "instalments" and p.value and p.instalments:
            total = p.value * p.instalments
            if total < unit:
                candidate, text = total, f"{p.instalments} x {p.value}"
        if candidate is not None and candidate < unit and (best is None or candidate < best[0]):
            best = (candidate, p.kind, text, quantity)
    return best


def _shipping(basket: Decimal, cost: Decimal | None, threshold: Decimal | None,
              promos: list[Promo]) -> Decimal:
    """Shipping for one order of value `basket` (0 once it reaches the free-shipping threshold)."""
    for p in promos:
        if p.kind == "free_shipping" and not is_conditional(p, basket):
            if p.threshold is None:
                return ZERO
            threshold = p.threshold if threshold is None else min(threshold, p.threshold)
    if cost is None or cost <= 0:
        return ZERO
    if threshold is not None and basket >= threshold:
        return ZERO
    return cost


def plain_price(price: Decimal, shipping_cost: Decimal | None, threshold: Decimal | None,
                 ratio: Decimal) -> Landed:
    """The common case, kept cheap: no promotion, no markdown (same result as the full path)."""
    if ratio == ONE:
        shelf = price.quantize(CENT, ROUND_HALF_UP)
        if shipping_cost is None or shipping_cost <= 0 or (threshold is not None and price >= threshold):
            return Landed(shelf, shelf, shelf, ZERO)
        total = (price + shipping_cost).quantize(CENT, ROUND_HALF_UP)
        return Landed(shelf, total, total, shipping_cost.quantize(CENT, ROUND_HALF_UP))
    units = ratio if ratio > ONE else ONE
    shelf = cents(price * ratio)
    if shipping_cost is None or shipping_cost <= 0 or (
            threshold is not None and price * units >= threshold):
        return Landed(shelf, shelf, shelf, ZERO)
    ship = cents(shipping_cost * ratio / units)
    total = cents(price * ratio + shipping_cost * ratio / units)
    return Landed(shelf, total, total, ship)


def effective_price(
    price: Decimal,
    *,
    regular_price: Decimal | None = None,
    shipping_cost: Decimal | None = None,
    free_shipping_threshold: Decimal | None = None,
    promotions: Sequence[Promo] = (),
    pack_ratio: Decimal | None = None,
    now: datetime | None = None,
) -> Landed:
    """The landed price of one of *our* units at this offer (see the module docstring)."""
    ratio = pack_ratio if pack_ratio is not None else ONE
    if not promotions and (regular_price is None or regular_price <= price):
        return plain_price(price, shipping_cost, free_shipping_threshold, ratio)
    promos = _active(promotions, now)
    conditional = [p for p in promos if is_conditional(p, price)]
    plain = [p for p in promos if not is_conditional(p, price)]
    marked_down = regular_price is not None and regular_price > price
    applied: list[str] = []
    temporary: list[Promo] = []
    if marked_down:
        applied.append(f"marked down from {regular_price}")

    unit, label, used = _markdown(price, plain, marked_down)
    if label and used:
        applied.append(label)
        temporary.append(used)
    # one order holds enough of their units for one of ours
    units = max(ONE, ratio)
    ship = _shipping(unit * units, shipping_cost, free_shipping_threshold, plain)

    base_unit = regular_price if marked_down and regular_price is not None else price
    permanent = [p for p in plain if p.kind == "free_shipping" and p.valid_until is None]
    base_ship = _shipping(base_unit * units, shipping_cost, free_shipping_threshold, permanent)

    members = [p.value for p in conditional if p.kind == "member_price" and p.value]
    ends = [p.valid_until for p in temporary if p.valid_until is not None]
    offer = _conditional(unit, conditional)
    cond_price = cond_kind = cond_text = None
    if offer is not None:
        # the deal's own order: "3 for 2" ships three units at once (and may reach free
        # shipping where one unit does not), its shipping spread over them
        cond_unit, cond_kind, cond_text, quantity = offer
        order = units * quantity
        cond_ship = _shipping(cond_unit * order, shipping_cost, free_shipping_threshold, plain)
        cond_price = cents(cond_unit * ratio + cond_ship * ratio / order)
    return Landed(
        shelf=cents(price * ratio),
        effective=cents(unit * ratio + ship * ratio / units),
        base=cents(base_unit * ratio + base_ship * ratio / units),
        shipping=cents(ship * ratio / units),
        member_price=cents(min(members) * ratio) if members else None,
        promo_until=min(ends) if ends else None,
        applied=tuple(applied),
        conditional=cond_price,
        conditional_kind=cond_kind,
        conditional_text=cond_text,
    )


@dataclass(frozen=True, slots=True)
class Floor:
    """The lowest shelf price we may ask, and what sets it."""

    price: Decimal
    reason: str
    """'margin' or 'map'."""
    explanation: str


def price_floor(
    cost: Decimal | None, min_margin: Decimal | None, map_price: Decimal | None,
    default_margin: Decimal = ZERO,
) -> Floor | None:
    """max(cost x (1 + margin), MAP), rounded up to the cent; None when neither is known."""
    candidates: list[Floor] = []
    if cost is not None:
        margin = min_margin if min_margin is not None else default_margin
        value = (cost * (ONE + margin)).quantize(CENT, rounding=ROUND_CEILING)
        candidates.append(Floor(value, "margin", f"cost {cost} + {cents(margin * HUNDRED).normalize():f}% margin = {value}"))
    if map_price is not None:
        candidates.append(Floor(map_price, "map", f"MAP {map_price}"))
    if not candidates:
        return None
    return max(candidates, key=lambda f: f.price)


def round_to_ending(value: Decimal, endings: Sequence[Decimal], *, up: bool = False) -> Decimal:
    """The nearest price at or below `value` (or at or above, with `up`) that ends in one
    of `endings` (e.g. .99). With no endings: the cent. Never below 0.01."""
    if not endings:
        result = value.quantize(CENT, rounding=ROUND_CEILING if up else ROUND_FLOOR)
        return max(result, CENT)
    whole = value.to_integral_value(rounding=ROUND_FLOOR)
    if up:
        options = [whole + d + e for d in (0, 1) for e in endings]
        return min(o for o in options if o >= value)
    options = [whole + d + e for d in (0, -1) for e in endings]
    below = [o for o in options if CENT <= o <= value]
    if below:
        return max(below)
    return max(value.quantize(CENT, rounding=ROUND_FLOOR), CENT)


def shelf_for_effective(
    target: Decimal, shipping_cost: Decimal | None, free_shipping_threshold: Decimal | None
) -> Decimal:
    """The highest shelf price whose effective price (with our shipping) is at most `target`."""
    if shipping_cost is None or shipping_cost <= 0:
        return target
    if free_shipping_threshold is not None and target >= free_shipping_threshold:
        return target
    return target - shipping_cost


@dataclass(frozen=True, slots=True)
class Recommendation:
    price: Decimal
    """The next price to set."""
    bound: str
    """What set it: 'target', 'margin', 'map' or 'max_step'."""
    goal: Decimal
    """Where the rules lead without the step limit (equal to `price` unless 'max_step')."""


def recommend_price(
    target: Decimal,
    current: Decimal,
    floor: Floor | None,
    *,
    endings: Sequence[Decimal] = (Decimal("0.99"),),
    max_move_pct: Decimal = Decimal(10),
) -> Recommendation:
    """Our next shelf price aiming at `target`, within the floor and the step limit.

    Order: round `target` down to an ending; lift to the floor (rounded up to an ending)
    if under it; then keep within `max_move_pct` of `current` (down or up). The floor wins
    over the step limit: a price is never recommended under it.
    """
    price = round_to_ending(target, endings)
    bound = "target"
    if floor is not None and price < floor.price:
        price, bound = round_to_ending(floor.price, endings, up=True), floor.reason
    goal = price
    step = current * max_move_pct / HUNDRED
    lowest, highest = current - step, current + step
    if price < lowest:
        price, bound = round_to_ending(lowest, endings, up=True), "max_step"
    elif price > highest:
        capped = round_to_ending(highest, endings)
        if floor is None or capped >= floor.price:
            price, bound = capped, "max_step"
    return Recommendation(price, bound, goal)
