"""The pure alert rules: `rule.evaluate(previous, current) -> Event | None`, and debounce.

Each rule compares two states under a resolved `Policy`. `debounced` asks a rule about the
last N states against the one before them, and fires only when all N agree, so a flapping
stock flag or a one-night glitch stays silent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from monitor.alerts.events import Event, FindingState, ListingState, money_text
from monitor.alerts.policy import Policy
from monitor.alerts.settings import EventKind
from storage.money import amount_in, same_price

S = TypeVar("S", ListingState, FindingState)
S_contra = TypeVar("S_contra", ListingState, FindingState, contravariant=True)


class Rule(Protocol[S_contra]):
    def evaluate(self, previous: S_contra, current: S_contra) -> Event | None: ...


def _pct(old: Decimal, new: Decimal) -> Decimal | None:
    if old == 0:
        return None
    return ((new - old) * 100 / old).quantize(Decimal("0.1"))


PRICE_EVENT = {True: EventKind.price_drop, False: EventKind.price_rise}


def _price_move(previous: ListingState, current: ListingState) -> tuple[Decimal, Decimal] | None:
    """(old, new) in the current reading's currency when the price really moved, else None.

    Across a currency switch (BGN -> EUR) a price equal at the fixed rate is no move; a price
    in a currency that cannot be converted is not compared at all.
    """
    old, new = previous.price, current.price
    if old is None or new is None or not previous.currency or not current.currency:
        return None
    if same_price(old, previous.currency, new, current.currency):
        return None
    if previous.currency != current.currency:
        converted = amount_in(old, previous.currency, current.currency)
        if converted is None:
            return None
        old = converted
    return old, new


def _terms_changes(previous: ListingState, current: ListingState) -> dict[str, list[Any]]:
    """Terms that changed between two full readings ({} when none did or one is unknown)."""
    if not (previous.promotions_known and current.promotions_known):
        return {}
    changed: dict[str, list[Any]] = {}
    before, after = previous.terms, current.terms
    for name in ("shipping_cost", "free_shipping_threshold", "warranty_months"):
        was, now = before[name], after[name]
        if was is None or now is None:
            continue  # not stated is not a change
        if isinstance(was, Decimal) and previous.currency and current.currency:
            if same_price(was, previous.currency, now, current.currency):
                continue
        elif was == now:
            continue
        changed[name] = [money_text(was) if isinstance(was, Decimal) else was,
                         money_text(now) if isinstance(now, Decimal) else now]
    if bool(before["instalments"]) != bool(after["instalments"]):
        changed["instalments"] = [before["instalments"], after["instalments"]]
    return changed


@dataclass(frozen=True, slots=True)
class ListingChangeRule:
    """Everything that changed on one listing between two good readings, as ONE event.

    The event's kind says what it means, the most important first: a promotion started,
    ended or changed (real price mechanics; terms and sale badges are not promotions, and a
    price that moves inside a running promotion is not a promotion change), else a base
    price change beyond the thresholds, else stock out / back, else a change of terms. The
    other changes of the same night ride along in `details["changes"]`.
    """

    policy: Policy

    def evaluate(self, previous: ListingState, current: ListingState) -> Event | None:
        changes: dict[str, Any] = {}
        kind: EventKind | None = None
        before, after = previous.promo_signature, current.promo_signature
        promo_known = previous.promotions_known and current.promotions_known
        if promo_known and before != after:
            kind = (EventKind.promotion_started if not before else
                    EventKind.promotion_ended if not after else EventKind.promotion_changed)
            changes["promotion"] = {
                "before": _promo_words(previous), "after": _promo_words(current),
            }
        move = _price_move(previous, current)
        if move is not None:
            old, new = move
            changes["price"] = {"old": money_text(old), "new": money_text(new),
                                "currency": current.currency, "change_pct": money_text(_pct(old, new))}
            if kind is None and self.policy.moved_enough(old, new):
                kind = PRICE_EVENT[new < old]
        was, now = previous.in_stock, current.in_stock
        if was is not None and now is not None and was != now:
            changes["stock"] = {"before": previous.availability, "after": current.availability}
            if kind is None:
                kind = EventKind.back_in_stock if now else EventKind.out_of_stock
        terms = _terms_changes(previous, current)
        if terms:
            changes["terms"] = terms
            if kind is None:
                kind = EventKind.terms_changed
        if kind is None:
            return None
        if (self.policy.in_stock_only and current.in_stock is False
                and kind not in (EventKind.out_of_stock, EventKind.terms_changed)):
            if "stock" not in changes:
                return None
            # the night's news for an in-stock-only policy is that it sold out (the price or
            # promotion move that came with it stays in the event's changes)
            kind = EventKind.out_of_stock
        impact: Decimal | None = None
        if move is not None:
            impact = abs(move[1] - move[0])
        elif kind in (EventKind.promotion_started, EventKind.promotion_changed) and current.marked_down:
            assert current.regular_price is not None and current.price is not None
            impact = current.regular_price - current.price
        old_price = move[0] if move is not None else previous.price
        details: dict[str, Any] = {
            "changes": changes,
            "old_price": money_text(old_price), "new_price": money_text(current.price),
            "price": money_text(current.price), "regular_price": money_text(current.regular_price),
            "currency": current.currency,
            "change_pct": (changes.get("price") or {}).get("change_pct"),
            "promotions": _promo_words(current), "previous_promotions": _promo_words(previous),
            "availability": current.availability, "previous_availability": previous.availability,
        }
        # what debounce needs to agree on: the kind, and for promotions which ones run now
        signature = kind.value + (repr(sorted(after)) if "promotion" in kind.value else "")
        return Event(kind=kind, signature=signature, impact=impact, details=details,
                     impact_currency=current.currency if impact is not None else None)


def _promo_words(state: ListingState) -> list[str]:
    words = [p.describe() for p in state.promotions]
    if state.marked_down and not any(p.kind in ("percent_off", "amount_off", "badge") for p in state.promotions):
        words.append(f"was {state.regular_price}")
    return words


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
                         impact_currency=current.currency, details=_finding_details(current))
        if previous.present and not current.present:
            if not self.policy.gap_enough(previous.gap, previous.gap_pct):
                return None
            details = _finding_details(previous)
            details["previous_gap"] = details.pop("gap")
            return Event(kind=EventKind.no_longer_undercut, signature="not_undercut",
                         impact=None if previous.gap is None else abs(previous.gap),
                         impact_currency=previous.currency, details=details)
        return None


@dataclass(frozen=True, slots=True)
class FindingStartRule:
    """The comparison started flagging something about a listing: a 'was' price never
    charged (fake_discount), an advertised price below the MAP (map_violation)."""

    policy: Policy
    kind: EventKind = EventKind.fake_discount

    def evaluate(self, previous: FindingState, current: FindingState) -> Event | None:
        if not current.present or previous.present:
            return None
        impact = current.impact if current.impact is not None else current.gap
        return Event(kind=self.kind, signature=self.kind.value,
                     impact=None if impact is None else abs(impact),
                     impact_currency=current.currency, details=_finding_details(current))


def FakeDiscountRule(policy: Policy) -> FindingStartRule:
    return FindingStartRule(policy, EventKind.fake_discount)


def listing_rules(policy: Policy) -> tuple[ListingChangeRule]:
    """The rules asked about every listing each night: one, so one event per listing."""
    return (ListingChangeRule(policy),)


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
