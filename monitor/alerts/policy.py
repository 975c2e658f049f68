"""A typed alert policy, resolved per product and competitor from the scoped rules.

`resolve_policy` layers the rules (all -> competitor -> category -> product); the result is
a frozen `Policy` with every knob set, which the pure rules in `monitor.alerts.rules` read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from monitor.alerts.settings import AlertSettings, EventKind, PolicyFields, PolicyRule, QuietHours

SCOPE_ORDER = ("all", "competitor", "category", "product")


@dataclass(frozen=True, slots=True)
class Policy:
    """The alert policy in force for one product at one competitor."""

    price_change_pct: Decimal | None = Decimal("5")
    price_change_amount: Decimal | None = None
    undercut_min_pct: Decimal | None = None
    undercut_min_amount: Decimal | None = None
    min_priority: int = 0
    in_stock_only: bool = False
    quiet_hours: QuietHours | None = None
    debounce: int = 1
    mute: frozenset[EventKind] = field(default_factory=frozenset)

    def overlay(self, fields: PolicyFields) -> Policy:
        """This policy with the knobs `fields` sets replaced."""
        changes: dict[str, Any] = {}
        for name in fields.model_fields_set:
            if name in ("scope", "name"):
                continue
            value = getattr(fields, name)
            if name == "mute":
                value = frozenset(value or ())
            elif name in ("min_priority",) and value is None:
                value = 0
            elif name == "in_stock_only" and value is None:
                value = False
            elif name == "debounce" and value is None:
                value = 1
            changes[name] = value
        return replace(self, **changes) if changes else self

    def moved_enough(self, old: Decimal, new: Decimal) -> bool:
        """Whether a move from `old` to `new` meets every threshold that is set."""
        return _meets(abs(new - old), old, self.price_change_pct, self.price_change_amount)

    def gap_enough(self, gap: Decimal | None, gap_pct: Decimal | None) -> bool:
        """Whether an undercut gap meets the undercut thresholds (unknown gaps pass)."""
        if self.undercut_min_amount is not None and gap is not None and abs(gap) < self.undercut_min_amount:
            return False
        return not (
            self.undercut_min_pct is not None and gap_pct is not None and abs(gap_pct) < self.undercut_min_pct
        )

    def release_time(self, now: datetime) -> datetime | None:
        """When alerts found at `now` may be sent, if quiet hours hold them back."""
        return None if self.quiet_hours is None else self.quiet_hours.release_time(now)


def _meets(delta: Decimal, base: Decimal, pct: Decimal | None, amount: Decimal | None) -> bool:
    if amount is not None and delta < amount:
        return False
    if pct is not None:
        if base <= 0:
            return False
        if delta * 100 < pct * base:
            return False
    return delta > 0


@dataclass(frozen=True, slots=True)
class Scope:
    """Who an alert is about, for choosing the rules that apply."""

    competitor: str | None = None
    category: str | None = None
    sku: str | None = None


def _applies(rule: PolicyRule, scope: Scope) -> bool:
    if rule.scope == "all":
        return True
    wanted = {"competitor": scope.competitor, "category": scope.category, "product": scope.sku}[rule.scope]
    return wanted is not None and rule.name == wanted


def resolve_policy(
    rules: Sequence[PolicyRule], scope: Scope, base: Policy | None = None
) -> Policy:
    """Layer the rules that apply to `scope`, the most specific last."""
    policy = base or Policy()
    for level in SCOPE_ORDER:
        for rule in rules:
            if rule.scope == level and _applies(rule, scope):
                policy = policy.overlay(rule)
    return policy


class PolicyBook:
    """Resolved policies for a settings object, cached per scope."""

    def __init__(self, settings: AlertSettings) -> None:
        self._rules = list(settings.policies)
        self._base = Policy().overlay(settings.defaults)
        self._cache: dict[Scope, Policy] = {}

    def for_scope(self, scope: Scope) -> Policy:
        found = self._cache.get(scope)
        if found is None:
            found = self._cache[scope] = resolve_policy(self._rules, scope, self._base)
        return found

    def max_debounce(self) -> int:
        """The deepest history any policy may need."""
        depth = self._base.debounce
        for rule in self._rules:
            if rule.debounce is not None:
                depth = max(depth, rule.debounce)
        return depth
