"""The comparison's business rules for one product: stats and findings, from plain data.

`evaluate_product(our, offers, settings, now)` compares our landed price with every
competitor offer (already in our currency; pack sizes normalised by the match's ratio)
and returns where we stand and what to tell the manager:

- price findings (at most one story per product): `promo_driven` when every competitor
  that undercuts us does so only through a temporary promotion (hold, until its end date);
  otherwise `undercut` against the cheapest, plus `beatable` when we can at least match
  the cheapest *lasting* competitor price and keep our floor (cost x (1 + min margin),
  MAP); or `headroom` when we are cheapest by more than `headroom_pct`;
- per competitor offer: `terms_gap` (better terms at about the same price: within
  `same_price_pct` of ours; a cheaper competitor is already an `undercut`),
  `fake_discount` (a 'was' price above their own lowest price before the discount),
  `map_violation` (advertised under our MAP).

Money at stake: `gap` is in the finding's own terms (how much cheaper they are, our room
to raise, how far under MAP, how inflated the 'was' price is); `impact` = gap x our
product's priority, which orders what the manager reads first.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from monitor.compare.model import (
    FindingData,
    FindingKind,
    Landed,
    OurProduct,
    ProductStats,
    TheirOffer,
)
from monitor.compare.pricing import (
    HUNDRED,
    ONE,
    ZERO,
    Floor,
    cents,
    effective_price,
    percent,
    plain_price,
    price_floor,
    recommend_price,
    shelf_for_effective,
)
from monitor.compare.reasons import why as reason_piece
from monitor.compare.settings import CompareSettings, in_stock


@dataclass(slots=True)
class Priced:
    """A competitor offer with its landed price worked out."""

    offer: TheirOffer
    landed: Landed


@dataclass(slots=True)
class Evaluation:
    product: OurProduct
    findings: list[FindingData]
    priced: list[Priced]
    """The offers that can be bought now, cheapest first: what undercut, beatable, rank and
    index use."""
    our: Landed
    out_of_stock: int = 0
    """Offers left out because they cannot be bought now (see `settings.in_stock`)."""

    @property
    def stats(self) -> ProductStats | None:
        """Where we stand among the offers that can be bought now (None: there are none);
        worked out when asked, as a comparison run needs only the offers."""
        return product_stats(self.product, self.our, self.priced) if self.priced else None


def land_ours(our: OurProduct) -> Landed:
    """Our landed price: our shelf price and shipping (we run no promotions here)."""
    return plain_price(our.price, our.shipping_cost, our.free_shipping_threshold, ONE)


def land_theirs(offer: TheirOffer, settings: CompareSettings, now: datetime | None) -> Landed:
    if not offer.promotions and (offer.regular_price is None or offer.regular_price <= offer.price):
        # most offers: no promotion, no markdown (what `effective_price` checks first)
        return plain_price(offer.price, offer.shipping_cost, offer.free_shipping_threshold,
                           ONE if offer.pack_ratio is None else offer.pack_ratio)
    return effective_price(
        offer.price, regular_price=offer.regular_price, shipping_cost=offer.shipping_cost,
        free_shipping_threshold=offer.free_shipping_threshold, promotions=offer.promotions,
        pack_ratio=offer.pack_ratio, now=now,
    )


def _cheapest_first(p: Priced) -> tuple[Decimal, int]:
    return (p.landed.effective, p.offer.listing_id)


def _median(ordered: Sequence[Decimal]) -> Decimal:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return cents((ordered[middle - 1] + ordered[middle]) / 2)


def product_stats(our: OurProduct, our_landed: Landed, priced: Sequence[Priced]) -> ProductStats | None:
    """Min / median / max of competitor effective prices, our rank and the gap to the cheapest."""
    if not priced:
        return None
    theirs = sorted([p.landed.effective for p in priced])  # already sorted: one pass
    ours = our_landed.effective
    gap = ours - theirs[0]
    return ProductStats(
        product_id=our.product_id, offers=len(theirs), our_effective=ours,
        min=theirs[0], median=_median(theirs), max=theirs[-1],
        rank=1 + bisect_left(theirs, ours), of=len(theirs) + 1,
        gap=gap, gap_pct=percent(gap, ours),
    )


def _shown(landed: Landed) -> str:
    """'12.49 (11.99 + shipping 0.50)' style: effective price and how it comes about."""
    if landed.effective == landed.shelf and not landed.applied:
        return f"{landed.effective}"
    return f"{landed.effective} (shelf {landed.shelf}; {', '.join(landed.describe())})"


def _finding(kind: FindingKind, our: OurProduct, ours: Landed, p: Priced | None, reason: str,
             gap: Decimal | None, *, details: dict[str, object] | None = None,
             impact: Decimal | None = None, recommended_price: Decimal | None = None,
             promo_until: datetime | None = None,
             why: list[dict[str, Any]] | None = None) -> FindingData:
    gap_pct = percent(gap, ours.effective) if gap is not None else None
    details = dict(details or {})
    if p is not None:
        applied = p.landed.describe()
        if applied:  # nothing between their shelf and effective price: nothing to say
            details.setdefault("applied", applied)
        if p.landed.member_price is not None:
            details.setdefault("member_price", str(p.landed.member_price))
        if p.offer.pack_ratio is not None:
            details.setdefault("pack_ratio", str(p.offer.pack_ratio))
        if p.landed.conditional is not None and kind != FindingKind.conditional_offer:
            # shown beside: what a coupon, a membership or a bigger basket would give
            beside = conditional_details(p, ours)
            details.setdefault("conditional_offer", beside)
        if p.offer.conversion is not None:
            source, rate, fixed = p.offer.conversion
            details.setdefault("conversion", {
                "from": source, "to": our.currency, "rate": str(rate), "fixed": fixed})
        if p.offer.match_note:
            details.setdefault("match", p.offer.match_note)
    pieces = list(why or [])
    if p is not None and pieces:
        if p.landed.conditional is not None and kind != FindingKind.conditional_offer:
            c = beside  # worked out above, for the details
            pieces.append(reason_piece("beside_conditional", condition=c["kind"],
                                       offer=c["text"], gap_pct=c["gap_pct"]))
        if p.offer.conversion is not None and p.offer.original_price is not None:
            source, rate, fixed = p.offer.conversion
            pieces.append(reason_piece("conversion", original=p.offer.original_price,
                                       converted=p.offer.price, rate=rate, fixed=fixed,
                                       **{"from": source}))
        if kind in _PRICE_CLAIMS and not _shipping_known(p.offer):
            # their landed price has no shipping in it: say so beside the claim
            details["shipping_unknown"] = True
            pieces.append(reason_piece("shipping_unknown", competitor=p.offer.competitor))
    if pieces:
        details["why"] = pieces
    if impact is None:
        impact = cents(abs(gap) * our.priority) if gap is not None else ZERO
    if p is None:
        return FindingData(kind, our.product_id, our.currency, reason, None, None, our.price,
                           ours.effective, None, None, gap, gap_pct, recommended_price,
                           promo_until, impact, details)
    # positional, in FindingData's field order (a run makes ~300,000)
    return FindingData(kind, our.product_id, our.currency, reason, p.offer.competitor_id,
                       p.offer.listing_id, our.price, ours.effective, p.landed.shelf,
                       p.landed.effective, gap, gap_pct, recommended_price, promo_until, impact,
                       details)


_PRICE_CLAIMS = frozenset({FindingKind.undercut, FindingKind.beatable, FindingKind.promo_driven,
                           FindingKind.conditional_offer})
"""Findings whose claim rests on their landed price (shipping included)."""


def conditional_details(p: Priced, ours: Landed) -> dict[str, object]:
    """A conditional offer as finding details: its price, kind, words and how much
    cheaper than us it would be."""
    assert p.landed.conditional is not None
    gap = ours.effective - p.landed.conditional
    return {"price": str(p.landed.conditional), "kind": p.landed.conditional_kind,
            "text": p.landed.conditional_text, "gap": str(gap),
            "gap_pct": str(percent(gap, ours.effective))}


def _conditional_offers(our: OurProduct, ours: Landed, priced: list[Priced]) -> list[FindingData]:
    """Offers cheaper than us only through a condition (multi-buy, member price, coupon,
    instalments): their own kind, never an undercut."""
    findings = []
    for p in priced:
        price = p.landed.conditional
        if price is None or price >= ours.effective or p.landed.effective < ours.effective:
            continue
        gap = ours.effective - price
        findings.append(_finding(
            FindingKind.conditional_offer, our, ours, p,
            f"{p.offer.competitor} is not cheaper for a single buyer ({_shown(p.landed)} vs our "
            f"{ours.effective}), but with {p.landed.conditional_text} "
            f"({_kind_words(p.landed.conditional_kind)}) they would be {gap} "
            f"({percent(gap, ours.effective)}%) cheaper: {price} a unit.",
            gap, details={"conditional_offer": conditional_details(p, ours)},
            why=[reason_piece("conditional_offer", competitor=p.offer.competitor,
                              their=p.landed.effective, ours=ours.effective,
                              condition=p.landed.conditional_kind,
                              offer=p.landed.conditional_text, gap=gap,
                              gap_pct=percent(gap, ours.effective), price=price)],
        ))
    return findings


def _kind_words(kind: str | None) -> str:
    return {"multi_buy": "buying several", "member_price": "members only",
            "coupon": "with a coupon code", "instalments": "paying in instalments",
            "percent_off": "with a code or a bigger basket",
            "amount_off": "with a code or a bigger basket"}.get(kind or "", kind or "")


def _out_of_stock(our: OurProduct, ours: Landed, gone: list[Priced]) -> list[FindingData]:
    """Offers that cannot be bought now: an opportunity, never a "cheaper" claim."""
    findings = []
    for p in gone:
        gap = ours.effective - p.landed.effective
        state = p.offer.availability or "OutOfStock"
        findings.append(_finding(
            FindingKind.out_of_stock, our, ours, p,
            f"{p.offer.competitor} cannot sell it now ({state}; their price "
            f"{p.landed.effective} vs our {ours.effective}): room to hold or raise our price.",
            gap, impact=cents(max(gap, ZERO) * our.priority),
            details={"availability": state},
            why=[reason_piece("out_of_stock", competitor=p.offer.competitor, state=state,
                              their=p.landed.effective, ours=ours.effective)],
        ))
    return findings


def _price_findings(our: OurProduct, ours: Landed, priced: list[Priced],
                    settings: CompareSettings) -> list[FindingData]:
    cheapest = priced[0]  # sorted cheapest first
    gap = ours.effective - cheapest.landed.effective
    if gap > 0:
        if percent(gap, ours.effective) < settings.min_undercut_pct:
            return []
        return _undercut(our, ours, priced, cheapest, gap, settings)
    room = -gap
    if percent(room, ours.effective) > settings.headroom_pct:
        return _headroom(our, ours, cheapest, room, settings)
    return []


def _undercut(our: OurProduct, ours: Landed, priced: list[Priced], cheapest: Priced,
              gap: Decimal, settings: CompareSettings) -> list[FindingData]:
    cheaper = [p for p in priced if p.landed.effective < ours.effective]
    lasting, lasting_price = _cheapest_lasting(priced)
    name = cheapest.offer.competitor
    if lasting_price >= ours.effective:
        until = cheapest.landed.promo_until
        when = f" until {until:%Y-%m-%d}" if until else " (end date not shown)"
        return [_finding(
            FindingKind.promo_driven, our, ours, cheapest,
            f"{name} is {gap} cheaper ({_shown(cheapest.landed)} vs our {ours.effective}) only "
            f"through a temporary promotion{when}; without it they charge {cheapest.landed.base}. "
            f"Hold our price.",
            gap, promo_until=until,
            details={"base": str(cheapest.landed.base), "cheaper_competitors": len(cheaper)},
            why=[reason_piece("promo_driven", competitor=name, gap=gap,
                              their=cheapest.landed.effective, ours=ours.effective,
                              until=f"{until:%Y-%m-%d}" if until else None,
                              base=cheapest.landed.base)],
        )]
    findings = [_finding(
        FindingKind.undercut, our, ours, cheapest,
        f"{name} sells it for {_shown(cheapest.landed)} vs our {_shown(ours)}: {gap} "
        f"({percent(gap, ours.effective)}%) cheaper; {len(cheaper)} of {len(priced)} "
        f"competitors are cheaper than us.",
        gap, details={"cheaper_competitors": len(cheaper)},
        why=[reason_piece("undercut", competitor=name, their=cheapest.landed.effective,
                          ours=ours.effective, gap=gap, gap_pct=percent(gap, ours.effective),
                          cheaper=len(cheaper), offers=len(priced))],
    )]
    floor = price_floor(our.cost, our.min_margin, our.map_price, settings.default_min_margin)
    beat = _beatable(our, ours, lasting, lasting_price, floor, settings)
    if beat is not None:
        findings.append(beat)
    else:
        text, piece = _why_not(our, lasting.offer.competitor, lasting_price, floor)
        first = findings[0]
        details = dict(first.details)
        details["why"] = [*details.get("why", [])[:1], piece, *details.get("why", [])[1:]]
        findings[0] = replace(first, reason=f"{first.reason} We cannot follow: {text}.",
                              details=details)
    return findings


def _lasting_price(landed: Landed) -> Decimal:
    """Their price once temporary promotions end (the effective price when there are none)."""
    return landed.base if landed.temporary else landed.effective


def _cheapest_lasting(priced: list[Priced]) -> tuple[Priced, Decimal]:
    """The offer cheapest once temporary promotions end (ties: the lowest listing id), and
    that price. `priced` is sorted by effective price, which is never above the lasting
    one: the search stops at the first offer whose effective price is above the best."""
    best, best_price = priced[0], _lasting_price(priced[0].landed)
    for p in priced[1:]:
        effective = p.landed.effective
        if effective > best_price:
            break
        price = _lasting_price(p.landed)
        if price < best_price or (price == best_price
                                  and p.offer.listing_id < best.offer.listing_id):
            best, best_price = p, price
    return best, best_price


def _why_not(our: OurProduct, competitor: str, lasting_price: Decimal,
             floor: Floor | None) -> tuple[str, dict[str, Any]]:
    """Why an undercut cannot be answered, in words and as reason data."""
    if our.cost is None or floor is None:
        return ("our cost is unknown, so the margin cannot be checked",
                reason_piece("cannot_follow_cost"))
    match_shelf = shelf_for_effective(lasting_price, our.shipping_cost, our.free_shipping_threshold)
    under = f"our floor {floor.price} ({floor.explanation})"
    piece = {"competitor": competitor, "lasting": lasting_price, "floor": floor.price}
    if floor.price > match_shelf:
        return (f"matching {competitor}'s {lasting_price} would go under {under}",
                reason_piece("cannot_follow_floor", **piece))
    return (f"no price ending between {under} and {competitor}'s {lasting_price}",
            reason_piece("cannot_follow_ending", **piece))


def _beatable(our: OurProduct, ours: Landed, lasting: Priced, lasting_price: Decimal,
              floor: Floor | None, settings: CompareSettings) -> FindingData | None:
    if our.cost is None or floor is None:
        return None
    match_shelf = shelf_for_effective(lasting_price, our.shipping_cost, our.free_shipping_threshold)
    if floor.price > match_shelf:
        return None
    target = shelf_for_effective(lasting_price - settings.price_step, our.shipping_cost,
                                 our.free_shipping_threshold)
    rec = recommend_price(target, our.price, floor, endings=settings.price_endings,
                          max_move_pct=settings.max_move_pct)
    # our own price has no promotions: its landed price is the plain one
    goal = plain_price(rec.goal, our.shipping_cost, our.free_shipping_threshold, ONE).effective
    if goal > lasting_price:
        return None  # the floor, rounded to our endings, lands above them: cannot match
    new = plain_price(rec.price, our.shipping_cost, our.free_shipping_threshold, ONE).effective
    outcome = ("beats" if new < lasting_price else "matches" if new == lasting_price
               else "moves towards")
    bound = rec.bound
    limits = (
        "" if bound == "target"
        else f"; held at our margin floor ({floor.explanation})" if bound == "margin"
        else f"; held at MAP {our.map_price}" if bound == "map"
        else f"; limited to a {settings.max_move_pct.normalize():f}% step, repeat next run"
    )
    gap = ours.effective - lasting.landed.effective
    # their current price is a temporary markdown: we answer the price it returns to, and
    # say so (a bare "(1111.90)" beside a shelf of 833.93 reads as a wrong number)
    marked_down = lasting.landed.temporary
    answered = (f"{lasting.offer.competitor} at {lasting_price}, their price once the current "
                f"markdown ends (now {lasting.landed.effective}),"
                if marked_down else f"{lasting.offer.competitor} ({lasting_price})")
    return _finding(
        FindingKind.beatable, our, ours, lasting,
        f"We can answer {answered} and keep our margin: "
        f"price {rec.price} instead of {our.price} {outcome} them (effective {new}){limits}. "
        f"Floor {floor.price} ({floor.explanation}).",
        gap, recommended_price=rec.price,
        why=[reason_piece("beatable_after_markdown" if marked_down else "beatable",
                          competitor=lasting.offer.competitor, lasting=lasting_price,
                          price=rec.price, current=our.price, outcome=outcome, new=new,
                          floor=floor.price,
                          **({"now": lasting.landed.effective} if marked_down else {}))],
        details={"floor": str(floor.price), "floor_reason": floor.reason, "bound": rec.bound,
                 "new_effective": str(new), "target_shelf": str(target)},
    )


def _headroom(our: OurProduct, ours: Landed, cheapest: Priced, room: Decimal,
              settings: CompareSettings) -> list[FindingData]:
    target = shelf_for_effective(cheapest.landed.effective - settings.price_step,
                                 our.shipping_cost, our.free_shipping_threshold)
    floor = price_floor(our.cost, our.min_margin, our.map_price, settings.default_min_margin)
    rec = recommend_price(target, our.price, floor, endings=settings.price_endings,
                          max_move_pct=settings.max_move_pct)
    if rec.price <= our.price:
        return []
    step = (f"; limited to a {settings.max_move_pct.normalize():f}% step"
            if rec.bound == "max_step" else "")
    return [_finding(
        FindingKind.headroom, our, ours, cheapest,
        f"We are cheapest by {room} ({percent(room, ours.effective)}%): the next cheapest is "
        f"{cheapest.offer.competitor} at {_shown(cheapest.landed)}. We could raise to "
        f"{rec.price} and stay cheapest{step}.",
        room, recommended_price=rec.price, details={"bound": rec.bound},
        why=[reason_piece("headroom", room=room, room_pct=percent(room, ours.effective),
                          competitor=cheapest.offer.competitor,
                          their=cheapest.landed.effective, price=rec.price)],
    )]


def _terms_gaps(our: OurProduct, ours: Landed, priced: list[Priced],
                settings: CompareSettings) -> list[FindingData]:
    findings = []
    band = ours.effective * settings.same_price_pct / HUNDRED
    low, high = ours.effective - band, ours.effective + band
    mine = our.terms
    for p in priced:
        if not low <= p.landed.effective <= high:
            continue
        theirs = p.offer.terms
        better: list[str] = []
        terms: list[dict[str, Any]] = []
        ships_free = p.landed.shipping == 0 and ours.shipping > 0 and _shipping_known(p.offer)
        if ships_free:
            better.append(f"free shipping (we charge {ours.shipping})")
            terms.append({"k": "free_shipping", "ours": str(ours.shipping)})
        if theirs.warranty_months is not None and mine.warranty_months is not None \
                and theirs.warranty_months > mine.warranty_months:
            better.append(f"{theirs.warranty_months} months warranty vs our {mine.warranty_months}")
            terms.append({"k": "warranty", "theirs": theirs.warranty_months,
                          "ours": mine.warranty_months})
        if theirs.delivery_days is not None and mine.delivery_days is not None \
                and theirs.delivery_days < mine.delivery_days:
            better.append(f"delivery in {theirs.delivery_days} days vs our {mine.delivery_days}")
            terms.append({"k": "delivery", "theirs": theirs.delivery_days,
                          "ours": mine.delivery_days})
        if theirs.returns_days is not None and mine.returns_days is not None \
                and theirs.returns_days > mine.returns_days:
            better.append(f"{theirs.returns_days} days to return vs our {mine.returns_days}")
            terms.append({"k": "returns", "theirs": theirs.returns_days, "ours": mine.returns_days})
        if theirs.instalments and not settings.our_instalments:
            better.append("payment in instalments, which we do not offer")
            terms.append({"k": "instalments"})
        if not better:
            continue
        gap = ours.effective - p.landed.effective
        # money at stake: any price advantage plus the shipping we charge and they do not
        stake = max(gap, ZERO) + (ours.shipping if ships_free else ZERO)
        findings.append(_finding(
            FindingKind.terms_gap, our, ours, p,
            f"{p.offer.competitor} offers better terms at about the same price "
            f"({p.landed.effective} vs our {ours.effective}): {'; '.join(better)}.",
            gap, details={"terms": better}, impact=cents(stake * our.priority),
            why=[reason_piece("terms_gap", competitor=p.offer.competitor,
                              their=p.landed.effective, ours=ours.effective, terms=terms)],
        ))
    return findings


def _shipping_known(offer: TheirOffer) -> bool:
    """Whether their shipping was read at all (unknown shipping is no 'free shipping' claim)."""
    return offer.shipping_cost is not None or any(
        p.kind == "free_shipping" for p in offer.promotions)


def _fake_discounts(our: OurProduct, ours: Landed, priced: list[Priced],
                    settings: CompareSettings) -> list[FindingData]:
    findings = []
    for p in priced:
        o = p.offer
        if o.regular_price is None or o.regular_price <= o.price or o.lowest_before is None:
            continue
        if o.regular_price <= o.lowest_before:
            continue
        inflated = o.regular_price - o.lowest_before
        ratio = o.pack_ratio or Decimal(1)
        finding = _finding(
            FindingKind.fake_discount, our, ours, p,
            f"{o.competitor} shows 'was {o.regular_price}, now {o.price}', but its own lowest "
            f"price in the {settings.fake_discount_days} days before the discount was "
            f"{o.lowest_before}: the announced discount is inflated by {inflated} "
            f"(EU rule: the 'was' price must be the lowest of the previous 30 days).",
            cents(inflated * ratio),
            why=[reason_piece("fake_discount", competitor=o.competitor, was=o.regular_price,
                              now=o.price, lowest=o.lowest_before,
                              days=settings.fake_discount_days, inflated=inflated)],
            details={"was": str(o.regular_price), "lowest_before": str(o.lowest_before),
                     "real_discount_pct": str(percent(o.lowest_before - o.price, o.lowest_before))},
        )
        findings.append(finding)
    return findings


def _map_violations(our: OurProduct, ours: Landed, priced: list[Priced]) -> list[FindingData]:
    if our.map_price is None:
        return []
    findings = []
    for p in priced:
        advertised = p.landed.shelf
        if advertised >= our.map_price:
            continue
        below = our.map_price - advertised
        findings.append(_finding(
            FindingKind.map_violation, our, ours, p,
            f"{p.offer.competitor} advertises {advertised}"
            + (f" per our unit (x{p.offer.pack_ratio})" if p.offer.pack_ratio else "")
            + f", {below} under the minimum advertised price {our.map_price}.",
            below, details={"map_price": str(our.map_price)},
            why=[reason_piece("map_violation", competitor=p.offer.competitor,
                              advertised=advertised, below=below, map=our.map_price)],
        ))
    return findings


def evaluate_product(
    our: OurProduct, offers: Sequence[TheirOffer], settings: CompareSettings | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """Stats and every finding for one product.

    Offers must already be in our product's currency (the run converts them); any other
    is skipped. Offers that cannot be bought now (`in_stock`) are left out of undercut,
    beatable, rank and index and give an `out_of_stock` finding instead."""
    settings = settings or CompareSettings()
    ours = land_ours(our)
    priced: list[Priced] = []
    gone: list[Priced] = []
    currency = our.currency
    for o in offers:
        if o.currency != currency:
            continue
        landed = land_theirs(o, settings, now)
        if o.availability is None or in_stock(o.availability, settings):
            priced.append(Priced(o, landed))
        else:
            gone.append(Priced(o, landed))
    findings: list[FindingData] = []
    if priced:
        priced.sort(key=_cheapest_first)
        findings = _price_findings(our, ours, priced, settings)
        findings += _conditional_offers(our, ours, priced)
        findings += _terms_gaps(our, ours, priced, settings)
    everyone = priced + gone  # what they advertise, in stock or not
    findings += _fake_discounts(our, ours, everyone, settings)
    findings += _map_violations(our, ours, everyone)
    findings += _out_of_stock(our, ours, gone)
    return Evaluation(our, findings, priced, ours, len(gone))
