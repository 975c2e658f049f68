"""Acknowledge and snooze alerts: the API the CLI (`pricewatch alerts ack|snooze`) and the
web app call. Stable: add keyword arguments, never change the meaning of existing ones.

- `acknowledge(engine, alert_id=... | product=... | competitor=...)` marks the open alerts
  of that target seen (they leave the open list); returns how many.
- `snooze(engine, alert_id=... | product=... | competitor=..., until=... | days=...)` holds
  back new alerts about that target until then: later runs store them with a `held_reason`
  and send nothing. Snoozing one alert holds its story: later alerts about the same
  competitor listing (or, for an alert about a product as a whole, the same product and kind).
- `cancel_snooze(engine, action_id)` ends a snooze early; `active_snoozes(engine)` lists them.
- `list_alerts(...)` and `needs_a_look(...)` read alerts back as `AlertView`s.

A product is given by id (int) or SKU (str), a competitor by id (int) or name (str).
Errors (unknown target, no target or two, a time in the past) raise `AlertActionError`
with a message fit to show a user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine

from monitor.alerts.text import headline, money
from storage.repos import alerts as repo
from storage.types import utcnow

ACKNOWLEDGE = "acknowledge"
SNOOZE = "snooze"
NEEDS_A_LOOK = "needs_a_look"
"""Kind of the operations alerts that hold back doubtful readings (see `needs_a_look`)."""


class AlertActionError(ValueError):
    """An acknowledge/snooze request that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class AlertView:
    """One stored alert, as a list or a page shows it."""

    id: int
    kind: str
    audience: str
    headline: str
    created_at: datetime
    impact: Decimal | None
    product_id: int | None
    competitor_id: int | None
    listing_id: int | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    held_reason: str | None
    """Why it was stored but not sent (snoozed, a doubtful reading), or None."""
    delivered: dict[str, Any]
    payload: dict[str, Any]

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.held_reason is None

    @property
    def impact_text(self) -> str:
        """The money at stake with its currency ("€12.50"), or "" when unknown."""
        if self.impact is None:
            return ""
        currency = self.payload.get("impact_currency") or (self.payload.get("details") or {}).get("currency")
        return money(self.impact, currency)


@dataclass(frozen=True, slots=True)
class ActionView:
    """One acknowledgement or snooze."""

    id: int
    action: str
    target: str
    """In words: "alert 12", "product SKU-1", "competitor woostore"."""
    alert_id: int | None
    product_id: int | None
    competitor_id: int | None
    listing_id: int | None
    until: datetime | None
    actor: str | None
    note: str | None
    created_at: datetime
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class Target:
    alert_id: int | None = None
    product_id: int | None = None
    competitor_id: int | None = None
    listing_id: int | None = None


def _target(conn: Connection, alert_id: int | None, product: int | str | None,
            competitor: int | str | None) -> Target:
    given = [x for x in (alert_id, product, competitor) if x is not None]
    if len(given) != 1:
        raise AlertActionError("give exactly one of: an alert id, a product (id or SKU), "
                               "a competitor (id or name)")
    if alert_id is not None:
        row = repo.alert_row(conn, alert_id)
        if row is None:
            raise AlertActionError(f"there is no alert {alert_id}")
        about_product = row.kind in ("became_undercut", "no_longer_undercut")
        return Target(alert_id=alert_id, listing_id=None if about_product else row.listing_id)
    if product is not None:
        found = repo.product_id_for(conn, product)
        if found is None:
            raise AlertActionError(f"there is no product {product!r} (give its id or SKU)")
        return Target(product_id=found)
    assert competitor is not None
    found = repo.competitor_id_for(conn, competitor)
    if found is None:
        raise AlertActionError(f"there is no competitor {competitor!r} (give its id or name)")
    return Target(competitor_id=found)


def _now(now: datetime | None) -> datetime:
    now = now or utcnow()
    if now.tzinfo is None:
        raise AlertActionError("times must be timezone-aware (UTC)")
    return now


def acknowledge(
    engine: Engine, *, alert_id: int | None = None, product: int | str | None = None,
    competitor: int | str | None = None, actor: str | None = None, note: str | None = None,
    now: datetime | None = None,
) -> int:
    """Mark the open alerts of one target acknowledged; returns how many were open.

    The acknowledgement is recorded (who, when, note) even when nothing was open.
    """
    now = _now(now)
    with engine.begin() as conn:
        target = _target(conn, alert_id, product, competitor)
        count = repo.acknowledge_alerts(conn, now=now, actor=actor, alert_id=target.alert_id,
                                        product_id=target.product_id,
                                        competitor_id=target.competitor_id)
        repo.insert_action(conn, {
            "action": ACKNOWLEDGE, "alert_id": target.alert_id, "product_id": target.product_id,
            "competitor_id": target.competitor_id, "listing_id": target.listing_id,
            "until": None, "actor": actor, "note": note, "created_at": now,
        })
    return count


def snooze(
    engine: Engine, *, alert_id: int | None = None, product: int | str | None = None,
    competitor: int | str | None = None, until: datetime | None = None,
    days: float | None = None, actor: str | None = None, note: str | None = None,
    now: datetime | None = None,
) -> ActionView:
    """Hold back new alerts about one target until `until` (or for `days`).

    The snoozed alert itself (for a per-alert snooze) is acknowledged too.
    """
    now = _now(now)
    if (until is None) == (days is None):
        raise AlertActionError("give either an end time (until) or a number of days")
    if days is not None:
        if days <= 0:
            raise AlertActionError(f"days must be more than 0, got {days}")
        until = now + timedelta(days=days)
    assert until is not None
    if until.tzinfo is None:
        raise AlertActionError("the end of a snooze must be timezone-aware (UTC)")
    if until <= now:
        raise AlertActionError(f"the snooze would end in the past ({until:%Y-%m-%d %H:%M} UTC)")
    with engine.begin() as conn:
        target = _target(conn, alert_id, product, competitor)
        action_id = repo.insert_action(conn, {
            "action": SNOOZE, "alert_id": target.alert_id, "product_id": target.product_id,
            "competitor_id": target.competitor_id, "listing_id": target.listing_id,
            "until": until, "actor": actor, "note": note, "created_at": now,
        })
        if target.alert_id is not None:
            repo.acknowledge_alerts(conn, now=now, actor=actor, alert_id=target.alert_id)
        row = repo.action_rows(conn, ids=[action_id])[0]
    return _action_view(row)


def cancel_snooze(engine: Engine, action_id: int, *, now: datetime | None = None) -> ActionView:
    """End a snooze now; later runs alert about its target again."""
    now = _now(now)
    with engine.begin() as conn:
        rows = repo.action_rows(conn, ids=[action_id])
        if not rows or rows[0].action != SNOOZE:
            raise AlertActionError(f"there is no snooze {action_id}")
        if not repo.cancel_action(conn, action_id, now):
            raise AlertActionError(f"snooze {action_id} was cancelled already")
        row = repo.action_rows(conn, ids=[action_id])[0]
    return _action_view(row)


def active_snoozes(engine: Engine, *, now: datetime | None = None) -> list[ActionView]:
    """The snoozes running at `now`, newest first."""
    with engine.connect() as conn:
        return [_action_view(r) for r in repo.action_rows(conn, action=SNOOZE, active_at=_now(now))]


def actions(engine: Engine, *, limit: int = 100) -> list[ActionView]:
    """Every acknowledgement and snooze, newest first."""
    with engine.connect() as conn:
        return [_action_view(r) for r in repo.action_rows(conn, limit=limit)]


def list_alerts(
    engine: Engine, *, limit: int = 50, audience: str | None = None, open_only: bool = False,
    product: int | str | None = None, competitor: int | str | None = None,
    kinds: Sequence[str] | None = None, since: datetime | None = None,
) -> list[AlertView]:
    """Stored alerts, newest first (open only: neither acknowledged nor held back)."""
    with engine.connect() as conn:
        product_id = competitor_id = None
        if product is not None:
            product_id = repo.product_id_for(conn, product)
            if product_id is None:
                raise AlertActionError(f"there is no product {product!r} (give its id or SKU)")
        if competitor is not None:
            competitor_id = repo.competitor_id_for(conn, competitor)
            if competitor_id is None:
                raise AlertActionError(f"there is no competitor {competitor!r} (give its id or name)")
        rows = repo.alerts_filtered(conn, limit=limit, audience=audience, kinds=kinds,
                                    open_only=open_only, product_id=product_id,
                                    competitor_id=competitor_id, since=since)
    return [alert_view(r) for r in rows]


def needs_a_look(engine: Engine, *, limit: int = 100, since: datetime | None = None) -> list[AlertView]:
    """Readings held back from business alerts because they looked doubtful (a suspect
    crawl, a page whose structure changed), newest first: for operations to check."""
    return list_alerts(engine, limit=limit, audience="operations", kinds=[NEEDS_A_LOOK], since=since)


def alert_view(row: Any) -> AlertView:
    payload = dict(row.payload or {})
    return AlertView(
        id=row.id, kind=row.kind, audience=row.audience, headline=headline(payload),
        created_at=row.created_at, impact=row.impact, product_id=row.product_id,
        competitor_id=row.competitor_id, listing_id=row.listing_id,
        acknowledged_at=row.acknowledged_at, acknowledged_by=row.acknowledged_by,
        held_reason=row.held_reason, delivered=dict(row.delivered or {}), payload=payload,
    )


def _action_view(row: Any) -> ActionView:
    if row.alert_id is not None:
        target = f"alert {row.alert_id}"
    elif row.product_id is not None:
        target = f"product {row.sku or row.product_id}"
    else:
        target = f"competitor {row.competitor or row.competitor_id}"
    return ActionView(
        id=row.id, action=row.action, target=target, alert_id=row.alert_id,
        product_id=row.product_id, competitor_id=row.competitor_id, listing_id=row.listing_id,
        until=row.until, actor=row.actor, note=row.note, created_at=row.created_at,
        cancelled_at=row.cancelled_at,
    )


@dataclass(frozen=True, slots=True)
class SnoozeBook:
    """The snoozes in force during one alert run, to test candidates against."""

    by_listing: dict[int, datetime]
    by_product: dict[int, datetime]
    by_competitor: dict[int, datetime]
    by_product_kind: dict[tuple[int, str], datetime]

    @classmethod
    def load(cls, conn: Connection, now: datetime) -> SnoozeBook:
        listing: dict[int, datetime] = {}
        product: dict[int, datetime] = {}
        comp: dict[int, datetime] = {}
        product_kind: dict[tuple[int, str], datetime] = {}

        def later(book: dict[Any, datetime], key: Any, until: datetime) -> None:
            book[key] = max(book.get(key, until), until)

        for row in repo.action_rows(conn, action=SNOOZE, active_at=now, limit=100_000):
            until = row.until
            if row.product_id is not None:
                later(product, row.product_id, until)
            elif row.competitor_id is not None:
                later(comp, row.competitor_id, until)
            elif row.listing_id is not None:
                later(listing, row.listing_id, until)
            elif row.alert_product_id is not None and row.alert_kind:
                later(product_kind, (row.alert_product_id, _story(row.alert_kind)), until)
        return cls(listing, product, comp, product_kind)

    def held_until(self, *, kind: str, product_id: int | None, competitor_id: int | None,
                   listing_id: int | None) -> datetime | None:
        """When the latest snooze covering this alert ends (None: not snoozed)."""
        found = [
            self.by_listing.get(listing_id) if listing_id is not None else None,
            self.by_product.get(product_id) if product_id is not None else None,
            self.by_competitor.get(competitor_id) if competitor_id is not None else None,
            self.by_product_kind.get((product_id, _story(kind))) if product_id is not None else None,
        ]
        times = [t for t in found if t is not None]
        return max(times) if times else None


def _story(kind: str) -> str:
    """Alerts about a product as a whole that continue one story (undercut starts and ends)."""
    return "undercut" if kind in ("became_undercut", "no_longer_undercut") else kind
