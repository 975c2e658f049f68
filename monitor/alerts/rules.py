"""The pure alert rules: `rule.evaluate(previous, current) -> Event | None`, and debounce.

Each rule compares two states under a resolved `Policy`. `debounced` asks a rule about the
last N states against the one before them, and fires only when all N agree, so a flapping
stock flag or a one-night glitch stays silent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol, TypeVar

from monitor.alerts.events import Event, FindingState, ListingState, money_text
from monitor.alerts.policy import Policy
from monitor.alerts.settings import EventKind

S = TypeVar("S", ListingState, FindingState)
S_contra = TypeVar("S_contra", ListingState, FindingState, contravariant=True)


class Rule(Protocol[S_contra]):
    def evaluate(self, previous: S_contra, current: S_contra) -> Event | None: ...


def _pct(old: Decimal, new: Decimal) -> Decimal | None:
    if old == 0:
        return None
    return ((new - old) * 100 / old).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class PriceMoveRule:
    """A competitor price drop or rise beyond the thresholds (same currency only)."""

    policy: Policy

    def evaluate(self, previous: ListingState, current: ListingState) -> Event | None:
        old, new = previous.price, current.price
        if old is None or new is None or previous.currency != current.currency:
            return None
        if self.policy.in_stock_only and current.in_stock is False:
            return None
        if not self.policy.moved_enough(old, new):
            return None
        kind = EventKind.price_drop if new < old else EventKind.price_rise
        return Event(
            kind=kind,
            signature=kind.value,
            impact=abs(new - old),
            details={
                "old_price": money_text(old), "new_price": money_text(new),
                "currency": current.currency, "change_pct": money_text(_pct(old, new)),
                "regular_price": money_text(current.regular_price),
            },
        )


@dataclass(frozen=True, slots=True)
class PromotionRule:
    """A promotion started, changed (different kind/value/code) or ended."""

    policy: Policy

    def evaluate(self, previous: ListingState, current: ListingState) -> Event | None:
        before, after = previous.promo_signature, current.promo_signature
        if before == after:
            return None
        if after and self.policy.in_stock_only and current.in_stock is False:
            return None
        if not before:
            kind = EventKind.promotion_started
        elif not after:
            kind = EventKind.promotion_ended
        else:
            kind = EventKind.promotion_changed
        impact = None
        if current.regular_price is not None and current.price is not None and after:
            impact = max(current.regular_price - current.price, Decimal(0))
        return Event(
            kind=kind,
            signature=f"{kind.value}:{sorted(after)}",
            impact=impact,
            details={
                "promotions": [p.describe() for p in current.promotions],
                "previous_promotions": [p.describe() for p in previous.promotions],
                "price": money_text(current.price), "regular_price": money_text(current.regular_price),
                "currency": current.currency,
            },
        )


@dataclass(frozen=True, slots=True)
class StockRule:
    """The competitor went out of stock (an opportunity) or came back. Unknown is no change."""

    policy: Policy

    def evaluate(self, previous: ListingState, current: ListingState) -> Event | None:
        was, now = previous.in_stock, current.in_stock
        if was is None or now is None or was == now:
            return None
        kind = EventKind.back_in_stock if now else EventKind.out_of_stock
        return Event(
            kind=kind,
            signature=kind.value,
            details={
                "availability": current.availability, "previous_availability": previous.availability,
                "price": money_text(current.price), "currency": current.currency,
            },
        )


def _finding_details(state: FindingState) -> dict[str, str | bool | None]:
    return {
        "our_price": money_text(state.our_price), "their_price": money_text(state.their_price),
        "gap": money_text(state.gap), "gap_pct": money_text(state.gap_pct),
        "currency": state.currency, "reason": state.reason, "promo_driven": state.promo_driven,
        "promo_until": None if state.promo_until is None else state.promo_until.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class UndercutRule:
    """We became undercut (an undercut finding appeared) or stopped being undercut."""

    policy: Policy

    def evaluate(self, previous: FindingState, current: FindingState) -> Event | None:
        if current.present and not previous.present:
            if not self.policy.gap_enough(current.gap, current.gap_pct):
                return None
            impact = current.impact if current.impact is not None else current.gap
            return Event(kind=EventKind.became_undercut, signature="undercut",
                         impact=None if impact is None else abs(impact),
                         details=_finding_details(current))
        if previous.present and not current.present:
            if not self.policy.gap_enough(previous.gap, previous.gap_pct):
                return None
            details = _finding_details(previous)
            details["previous_gap"] = details.pop("gap")
            return Event(kind=EventKind.no_longer_undercut, signature="not_undercut",
                         impact=None if previous.gap is None else abs(previous.gap), details=details)
        return None


@dataclass(frozen=True, slots=True)
class FakeDiscountRule:
    """The comparison started flagging a competitor's 'was' price as never charged."""

    policy: Policy

    def evaluate(self, previous: FindingState, current: FindingState) -> Event | None:
        if not current.present or previous.present:
            return None
        impact = current.impact if current.impact is not None else current.gap
        return Event(kind=EventKind.fake_discount, signature="fake_discount",
                     impact=None if impact is None else abs(impact),
                     details=_finding_details(current))


def listing_rules(policy: Policy) -> tuple[PriceMoveRule, PromotionRule, StockRule]:
    return (PriceMoveRule(policy), PromotionRule(policy), StockRule(policy))


def debounced(rule: Rule[S], history: Sequence[S], n: int) -> Event | None:
    """Fire only if the last `n` states all differ from the one before them in the same way.

    `history` is oldest first. With n=1 this is `rule.evaluate(history[-2], history[-1])`.
    The event's `since` is the first state of the change, so the same change gives the same
    dedupe key however often it is evaluated.
    """
    if n < 1:
        raise ValueError("debounce must be at least 1")
    if len(history) < n + 1:
        return None
    baseline = history[-n - 1]
    window = history[-n:]
    last: Event | None = None
    for state in window:
        event = rule.evaluate(baseline, state)
        if event is None or (last is not None and event.signature != last.signature):
            return None
        last = event
    assert last is not None
    return replace(last, since=window[0].ident)
