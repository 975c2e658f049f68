"""The alert step of the nightly run: derive events, apply the policies, store new alerts
once, and queue one digest per audience and channel in the outbox.

Everything is written in one transaction: the alerts and the messages that carry them
exist together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine

from monitor.alerts.actions import SnoozeBook
from monitor.alerts.digest import DigestItem, build_digest, rank
from monitor.alerts.events import Event, FindingState, ListingState, PromoView, money_text
from monitor.alerts.policy import Policy, PolicyBook, Scope
from monitor.alerts.rules import FindingStartRule, Rule, UndercutRule, debounced, listing_rules
from monitor.alerts.settings import AlertSettings, EventKind, load_alert_settings
from storage.offer_terms import is_term, variant_price
from storage.repos import alerts as repo
from storage.repos.observations import latest_good_observations
from storage.types import utcnow

log = logging.getLogger(__name__)

PRICE_KINDS = frozenset({
    EventKind.price_drop, EventKind.price_rise, EventKind.promotion_started,
    EventKind.promotion_changed, EventKind.promotion_ended, EventKind.back_in_stock,
    EventKind.out_of_stock,
})
"""Kinds about one listing whose price history makes a useful chart."""


@dataclass(slots=True)
class AlertRunResult:
    """What one alert step did."""

    created: int = 0
    duplicates: int = 0
    """Events that had alerted before (same night twice, a replay): not stored again."""
    by_kind: dict[str, int] = field(default_factory=dict)
    suppressed: dict[str, int] = field(default_factory=dict)
    """Events the policies held back, by reason (muted, below min priority)."""
    alert_ids: list[int] = field(default_factory=list)
    messages_queued: int = 0
    held_until: datetime | None = None
    """When quiet hours hold messages back, the earliest time they may go."""
    warnings: list[str] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)
    """Alerts stored but not sent, by why (snoozed)."""
    held_back: dict[str, int] = field(default_factory=dict)
    """Business events from doubtful readings put on operations' "needs a look" list, by why."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """An event with who it is about, the policy that let it through, and its dedupe key."""

    event: Event
    dedupe_key: str
    audience: str
    payload: dict[str, Any]
    product_id: int | None
    competitor_id: int | None
    priority: int
    release_at: datetime | None
    listing_id: int | None = None
    held_reason: str | None = None


def _scope(ctx: Any) -> Scope:
    return Scope(competitor=ctx.competitor, category=ctx.category, sku=ctx.sku)


def gate(policy: Policy, kind: EventKind, priority: int) -> str | None:
    """Why the policy holds an event back, or None if it may alert."""
    if kind in policy.mute:
        return "muted"
    if priority < policy.min_priority:
        return "below_min_priority"
    return None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _product_payload(ctx: Any) -> dict[str, Any]:
    return {
        "product_id": ctx.product_id, "sku": ctx.sku, "product_name": ctx.product_name,
        "category": ctx.category, "priority": ctx.priority,
        "competitor": getattr(ctx, "competitor_display", None) or getattr(ctx, "competitor", None),
        "competitor_name": getattr(ctx, "competitor", None),
    }


class _Collector:
    """Gathers candidates, applying the policy gate and counting what it holds back."""

    def __init__(self, book: PolicyBook, now: datetime) -> None:
        self.book = book
        self.now = now
        self.candidates: list[Candidate] = []
        self.suppressed: Counter[str] = Counter()
        self.held: Counter[str] = Counter()
        self.ops_release: datetime | None = None

    def hold(self, event: Event, *, why: str, key: str, payload: dict[str, Any], ctx: Any,
             listing_id: int | None) -> None:
        """A business event from a doubtful reading: to operations' "needs a look" list,
        saying what was held back and why, never to the business audience."""
        details = {"held_kind": event.kind.value, "reason": why, "held_details": event.details}
        self.candidates.append(Candidate(
            event=Event(kind=EventKind.needs_a_look, signature=event.signature, details=details),
            dedupe_key=f"needs_a_look:{key}", audience="operations",
            payload={**payload, "kind": EventKind.needs_a_look.value, "details": details},
            product_id=ctx.product_id, competitor_id=ctx.competitor_id, priority=0,
            release_at=self.ops_release, listing_id=listing_id,
        ))
        self.held[why.split(":", 1)[0]] += 1

    def add(self, event: Event, *, policy: Policy, key: str, payload: dict[str, Any],
            product_id: int | None, competitor_id: int | None, priority: int,
            listing_id: int | None = None) -> None:
        reason = gate(policy, event.kind, priority)
        if reason:
            self.suppressed[reason] += 1
            return
        payload = {**payload, "kind": event.kind.value, "details": event.details,
                   "impact_currency": event.impact_currency}
        self.candidates.append(Candidate(
            event=event, dedupe_key=key, audience="business", payload=payload,
            product_id=product_id, competitor_id=competitor_id, priority=priority,
            release_at=policy.release_time(self.now), listing_id=listing_id,
        ))


def _promotions(raw: Any) -> tuple[tuple[PromoView, ...], bool]:
    """(promotions, known) from an observation's promotions JSON; terms are left out
    (readings stored before terms were split off still list them)."""
    if raw is None:
        return (), False
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return (), False
    views = []
    for item in raw or ():
        if not isinstance(item, dict) or not item.get("kind") or is_term(item):
            continue
        views.append(PromoView(
            kind=str(item["kind"]), value=_decimal(item.get("value")), code=item.get("code"),
            text=item.get("text"), buy_qty=item.get("buy_qty"), pay_qty=item.get("pay_qty"),
        ))
    return tuple(views), True


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@dataclass(frozen=True, slots=True)
class _Reading:
    state: ListingState
    suspect: str | None
    """Why the reading's crawl run was marked suspect, or None."""


def _listing_histories(obs_rows: Sequence[Any]) -> dict[int, list[_Reading]]:
    histories: dict[int, list[_Reading]] = defaultdict(list)
    for o in obs_rows:
        promos, known = _promotions(o.promotions)
        histories[o.listing_id].append(_Reading(ListingState(
            observation_id=o.id, observed_at=o.observed_at, price=o.price, currency=o.currency,
            regular_price=o.regular_price, availability=o.availability, promotions=promos,
            promotions_known=known, crawl_run_id=o.crawl_run_id, shipping_cost=o.shipping_cost,
            free_shipping_threshold=o.free_shipping_threshold, warranty_months=o.warranty_months,
            instalments=o.instalments, extractor=o.extractor,
        ), (o.run_suspect_reason or "marked suspect by the health check") if o.run_suspect else None))
    return histories


NIGHT = timedelta(hours=12)
"""Readings of a listing less than this after the first reading of a night belong to that
night (a retry crawl, a second nightly run, a quick read after a full one)."""
FILLED_FROM_FULL = ("promotions", "promotions_known", "regular_price", "shipping_cost",
                    "free_shipping_threshold", "warranty_months", "instalments")
"""What a quick read does not read, taken from the same night's full read of the same price."""


def night_groups(readings: Sequence[_Reading]) -> list[list[_Reading]]:
    """The readings of each night, oldest first: a reading less than `NIGHT` after the
    first reading of a night belongs to that night. Events compare the night's final state
    (`night_reading`) with the night before, never two readings of one night with each
    other."""
    nights: list[list[_Reading]] = []
    for reading in readings:
        if nights and reading.state.observed_at - nights[-1][0].state.observed_at < NIGHT:
            nights[-1].append(reading)
        else:
            nights.append([reading])
    return nights


def night_reading(group: Sequence[_Reading]) -> _Reading:
    """A night's reading: its last one; when that is a quick read (promotions, old price
    and terms not read) of the same price as the night's last full read, those come from
    the full read. It carries the id of the night's first reading: a change already told
    that night (an alert step after the first crawl) keeps its dedupe key."""
    last = group[-1]
    if len(group) == 1:
        return last
    state = replace(last.state, observation_id=group[0].state.observation_id)
    full = next((r.state for r in reversed(group) if r.state.promotions_known), None)
    if not state.promotions_known and full is not None and (full.price, full.currency) == (
            state.price, state.currency):
        state = replace(state, **{name: getattr(full, name) for name in FILLED_FROM_FULL
                                  if name == "promotions_known" or getattr(state, name) in (None, ())})
    return _Reading(state, last.suspect)


def _family(extractor: str | None) -> str | None:
    """The extraction strategy without the quick-read suffix."""
    return None if extractor is None else extractor.split("/", 1)[0]


def doubt(history: Sequence[_Reading]) -> str | None:
    """Why the newest reading of a listing is not to be trusted for a business alert.

    Its crawl run was marked suspect, or the page changed structure: the price came from
    another source than the reading before (e.g. structured data before, a text heuristic
    now), or a field the page always had (availability) is gone.
    """
    current = history[-1]
    if current.suspect:
        return f"the crawl run was suspect: {current.suspect}"
    if len(history) < 2:
        return None
    before, now = history[-2].state, current.state
    if (variant_price(now.extractor) or variant_price(before.extractor)) and (
            now.price != before.price or now.currency != before.currency):
        return ("the page sells several variants at different prices and its URL names "
                "none: the price shown may be another variant's than before")
    if _family(before.extractor) and _family(now.extractor) != _family(before.extractor):
        return (f"the page changed structure: the price was read by {_family(now.extractor)} "
                f"where it was read by {_family(before.extractor)} before")
    if before.availability is not None and now.availability is None:
        return "the page changed structure: its stock status is gone"
    return None


@dataclass(frozen=True, slots=True)
class _ListingNight:
    """One listing's readings for the alert step: its nights (one reading each, tonight's
    last), and tonight's readings one by one."""

    ctx: Any
    policy: Policy
    kept: list[_Reading]
    tonight: list[_Reading]

    @property
    def night_key(self) -> int | None:
        """The `since` of any event the debounced rule derives tonight (the first reading
        of its window), or None when the history is too short for one."""
        n = self.policy.debounce
        return self.kept[-n].state.observation_id if len(self.kept) > n else None


def _event_key(listing_id: int, since: int | None) -> str:
    # one event per listing and night, whatever a second alert step that night would call it
    return f"listing_event:listing={listing_id}:since={since}"


def _correction_key(listing_id: int, since: int | None, to: int) -> str:
    # one correction per reading it is about: a replayed night never sends it twice
    return f"listing_correction:listing={listing_id}:since={since}:to={to}"


def _told_keys(listing_id: int, night: _ListingNight) -> list[str]:
    """The keys under which an earlier alert step tonight may have told the business about
    this listing: tonight's event, and a correction about each of tonight's readings."""
    if len(night.tonight) < 2 or night.night_key is None:
        return []
    return [_event_key(listing_id, night.night_key)] + [
        _correction_key(listing_id, night.night_key, r.state.observation_id) for r in night.tonight[1:-1]]


def _told_reading(listing_id: int, night: _ListingNight, told: dict[str, Any]) -> tuple[int, Any] | None:
    """(index in tonight's readings, alert) of the latest business alert an earlier step
    tonight sent about this listing, or None: a correction names its reading, tonight's
    event its reading's time."""
    for index in range(len(night.tonight) - 2, 0, -1):
        row = told.get(_correction_key(listing_id, night.night_key, night.tonight[index].state.observation_id))
        if row is not None:
            return index, row
    row = told.get(_event_key(listing_id, night.night_key))
    if row is None:
        return None
    at = (row.payload or {}).get("observed_at")
    for index, reading in enumerate(night.tonight[:-1]):
        if _iso(reading.state.observed_at) == at:
            return index, row
    return None


def _signature(event: Event | None) -> str | None:
    return None if event is None else event.signature


def _correction(rule: Rule[ListingState], listing_id: int, night: _ListingNight, event: Event | None,
                told: dict[str, Any]) -> tuple[Event | None, str] | None:
    """What to tell about a listing an earlier alert step told about tonight, when what it
    told no longer holds for the night's final state: (the move from the reading it told
    about to the final one, marked as correcting it, and its own key), or (None, "") when
    that move is below the rule's thresholds. None when nothing was told tonight, or what
    was told still holds (the event the rule derives from the final state is the one it
    derived from the reading told about)."""
    found = _told_reading(listing_id, night, told)
    if found is None:
        return None
    index, row = found
    n = night.policy.debounce
    then = [*night.kept[:-1], night_reading(night.tonight[:index + 1])]
    if _signature(debounced(rule, [r.state for r in then][-(n + 1):], n)) == _signature(event):
        return None
    move = rule.evaluate(then[-1].state, night.kept[-1].state)
    if move is None:
        return None, ""
    details = {**move.details, "corrects": {
        "kind": row.kind, "alert_id": row.id, "observed_at": (row.payload or {}).get("observed_at")}}
    key = _correction_key(listing_id, night.night_key, night.tonight[-1].state.observation_id)
    return replace(move, details=details, since=night.night_key), key


def _listing_events(
    conn: Connection, out: _Collector, contexts: dict[int, Any],
    crawl_run_ids: Sequence[int] | None, since: datetime, history_days: int,
) -> None:
    """Each matched listing's event of the night: its final state against the night before.

    When an earlier alert step tonight told the business something about the listing that
    the night's final state no longer bears out (sold out at the first crawl, back at the
    second), the move from what was told to the final state is told once, as a correction.
    """
    debounce_depth = out.book.max_debounce() + 1
    start = since
    if crawl_run_ids is not None:
        start = repo.earliest_run_start(conn, crawl_run_ids) or since
    obs_rows = repo.observation_windows(
        conn, debounce_depth + SUSPECT_SLACK, crawl_run_ids=crawl_run_ids, since=since,
        until=out.now, floor=start - timedelta(days=history_days),
    )
    nights: dict[int, _ListingNight] = {}
    for listing_id, readings in _listing_histories(obs_rows).items():
        ctx = contexts.get(listing_id)
        if ctx is None:
            continue
        # readings of suspect runs before the newest never serve as a baseline; one
        # reading per night
        groups = night_groups([r for r in readings[:-1] if r.suspect is None] + readings[-1:])
        nights[listing_id] = _ListingNight(ctx, out.book.for_scope(_scope(ctx)),
                                           [night_reading(g) for g in groups], groups[-1])
    told = repo.alerts_by_key(conn, [k for lid, n in nights.items() for k in _told_keys(lid, n)],
                              audience="business")
    for listing_id, night in nights.items():
        ctx, policy, kept = night.ctx, night.policy, night.kept
        history = [r.state for r in kept]
        for rule in listing_rules(policy):
            event = debounced(rule, history[-(policy.debounce + 1):], policy.debounce)
            key = _event_key(listing_id, None if event is None else event.since)
            corrected = _correction(rule, listing_id, night, event, told) if told else None
            if corrected is not None:
                event, key = corrected
            if event is None:
                continue
            if event.kind in STOCK_KINDS and event.impact is None and ctx.cost is not None:
                # money at stake: our margin on the sale we may win (or lose again)
                event = replace(event, impact=max(ctx.our_price - ctx.cost, Decimal(0)),
                                impact_currency=ctx.our_currency)
            payload = {
                **_product_payload(ctx), "listing_id": listing_id, "title": ctx.title,
                "url": ctx.url, "observed_at": _iso(history[-1].observed_at),
            }
            why = doubt(kept)
            if why is not None:
                out.hold(event, why=why, key=key, payload=payload, ctx=ctx, listing_id=listing_id)
                continue
            out.add(event, policy=policy, key=key,
                    payload=payload, product_id=ctx.product_id, competitor_id=ctx.competitor_id,
                    priority=ctx.priority, listing_id=listing_id)


SUSPECT_SLACK = 3
"""Extra readings fetched per listing so that a baseline skipping suspect runs exists."""
STOCK_KINDS = frozenset({EventKind.out_of_stock, EventKind.back_in_stock})


LISTING_FINDINGS = {"fake_discount": EventKind.fake_discount, "map_violation": EventKind.map_violation}
"""Findings about one listing that alert when they start."""
UNDERCUT_KINDS = {"undercut": 0, "promo_driven": 1}
"""Findings that mean 'a competitor is cheaper than us' (a promotion-only one too), by preference."""


def _finding_state(run_id: int, row: Any | None) -> FindingState:
    if row is None:
        return FindingState(compare_run_id=run_id, present=False)
    return FindingState(
        compare_run_id=run_id, present=True, gap=row.gap, gap_pct=row.gap_pct, impact=row.impact,
        our_price=row.our_effective if row.our_effective is not None else row.our_price,
        their_price=row.their_effective if row.their_effective is not None else row.their_price,
        currency=row.currency, reason=row.reason, promo_until=row.promo_until,
        promo_driven=row.kind == "promo_driven",
    )


def _finding_groups(rows: Sequence[Any]) -> dict[tuple[str, int, int | None], dict[int, Any]]:
    """Per story, the finding of each comparison run.

    Being undercut is one story per product, whoever the cheapest competitor is that night
    (a new cheapest competitor is not a new undercut). A fake discount is one per listing.
    """
    groups: dict[tuple[str, int, int | None], dict[int, Any]] = defaultdict(dict)
    for row in rows:
        if row.kind in UNDERCUT_KINDS:
            runs = groups[("undercut", row.product_id, None)]
            held = runs.get(row.compare_run_id)
            if held is None or UNDERCUT_KINDS[row.kind] < UNDERCUT_KINDS[held.kind]:
                runs[row.compare_run_id] = row
        else:
            groups[(row.kind, row.product_id, row.listing_id)][row.compare_run_id] = row
    return groups


def _finding_events(conn: Connection, out: _Collector, compare_run_id: int | None) -> None:
    runs = repo.compare_run_window(conn, compare_run_id, out.book.max_debounce() + 1)
    if not runs:
        return
    rows = repo.findings_in_runs(conn, runs, [*UNDERCUT_KINDS, *LISTING_FINDINGS])
    pending: list[tuple[Event, Policy, str, dict[str, Any], Any]] = []
    for (story, product_id, listing_id), by_run in _finding_groups(rows).items():
        latest = by_run[max(by_run)]  # the finding the message is about
        policy = out.book.for_scope(_scope(latest))
        window = runs[-(policy.debounce + 1):]
        states = [_finding_state(run, by_run.get(run)) for run in window]
        rule: UndercutRule | FindingStartRule = (
            UndercutRule(policy) if story == "undercut"
            else FindingStartRule(policy, LISTING_FINDINGS[story]))
        event = debounced(rule, states, policy.debounce)
        if event is None:
            continue
        payload = {**_product_payload(latest), "listing_id": latest.listing_id,
                   "title": None, "url": None, "compare_run_id": window[-1]}
        where = f":listing={listing_id}" if listing_id is not None else ""
        key = f"{event.kind.value}:product={product_id}{where}:since_run={event.since}"
        pending.append((event, policy, key, payload, latest))
    readings = repo.latest_readings(conn, [p[4].listing_id for p in pending if p[4].listing_id])
    for event, policy, key, payload, latest in pending:
        why = _finding_doubt(readings.get(latest.listing_id)) if latest.listing_id else None
        if why is not None:
            out.hold(event, why=why, key=key, payload=payload, ctx=_FindingCtx(latest.product_id, latest.competitor_id),
                     listing_id=latest.listing_id)
            continue
        out.add(event, policy=policy, key=key,
                payload=payload, product_id=latest.product_id, competitor_id=latest.competitor_id,
                priority=latest.priority, listing_id=latest.listing_id)


@dataclass(frozen=True, slots=True)
class _FindingCtx:
    product_id: int
    competitor_id: int | None


def _finding_doubt(reading: repo.LatestReading | None) -> str | None:
    """Why a comparison finding that appeared or vanished is not to be trusted: the
    competitor's page had no good reading in its latest crawl, or that crawl was suspect
    or did not finish (a finding then vanishes for lack of a price, not because it ended),
    or its latest good price was read another way than the good one before it."""
    if reading is None:
        return None
    if reading.run_suspect:
        return f"the crawl run was suspect: {reading.run_suspect_reason or 'marked by the health check'}"
    if reading.run_status not in ("finished", "truncated"):
        return f"the competitor's latest crawl {reading.run_status}"
    if reading.status != "ok":
        return f"the page had no good reading in the latest crawl ({reading.status}: {reading.reason or ''})"
    if reading.good_extractors and variant_price(reading.good_extractors[0]):
        return ("the page sells several variants at different prices and its URL names "
                "none: the price compared may be another variant's")
    if len(reading.good_extractors) == 2:
        # as for the listing's own events (`doubt`): a price read another way than the
        # reading before (a text heuristic where structured data read it) is no news yet
        now, before = (_family(e) for e in reading.good_extractors)
        if before and now != before:
            return (f"the page changed structure: the price was read by {now} "
                    f"where it was read by {before} before")
    return None


def _new_match_events(conn: Connection, out: _Collector, contexts: dict[int, Any], since: datetime) -> None:
    new_ids = repo.new_listing_ids(conn, list(contexts), since)
    if not new_ids:
        return
    latest = {r.listing_id: r for r in latest_good_observations(conn, sorted(new_ids))}
    for listing_id in sorted(new_ids):
        ctx, obs = contexts[listing_id], latest.get(listing_id)
        price = None if obs is None else obs.price
        currency = None if obs is None else obs.currency
        impact = None
        if price is not None and currency == ctx.our_currency:
            impact = abs(ctx.our_price - price)
        event = Event(kind=EventKind.new_match, signature="new_match", impact=impact,
                      impact_currency=ctx.our_currency if impact is not None else None, details={
            "price": money_text(price), "currency": currency, "our_price": money_text(ctx.our_price),
            "our_currency": ctx.our_currency, "match_confidence": ctx.confidence,
            "match_status": ctx.match_status,
        })
        policy = out.book.for_scope(_scope(ctx))
        payload = {**_product_payload(ctx), "listing_id": listing_id, "title": ctx.title, "url": ctx.url}
        out.add(event, policy=policy, key=f"new_match:listing={listing_id}", payload=payload,
                product_id=ctx.product_id, competitor_id=ctx.competitor_id, priority=ctx.priority,
                listing_id=listing_id)


def _operations_events(
    conn: Connection, settings: AlertSettings, now: datetime,
    crawl_run_ids: Sequence[int] | None, since: datetime,
) -> list[Candidate]:
    release = None if settings.operations_quiet_hours is None else settings.operations_quiet_hours.release_time(now)
    found = []
    for run in repo.suspect_crawl_runs(conn, crawl_run_ids=crawl_run_ids, since=since):
        counts = run.counts or {}
        reason = run.suspect_reason or "marked suspect by the health check"
        if run.status == "failed":
            reason = f"the crawl failed: {run.error_summary or run.suspect_reason or 'no error recorded'}"
        event = Event(kind=EventKind.crawl_suspect, signature="suspect", details={
            "reason": reason,
            "crawl_run_id": run.id, "status": run.status, "counts": counts,
            "started_at": _iso(run.started_at), "error_summary": run.error_summary,
        })
        found.append(Candidate(
            # one operations alert per competitor, problem and day: a crawl that fails the
            # same way twice in one night is not news twice
            event=event,
            dedupe_key=f"crawl_{run.status}:competitor={run.competitor_id}:day={run.started_at:%Y-%m-%d}",
            audience="operations",
            payload={"kind": event.kind.value, "competitor": run.competitor, "competitor_name": run.competitor,
                     "details": event.details},
            product_id=None, competitor_id=run.competitor_id, priority=0, release_at=release,
        ))
    return found


def _alert_row(c: Candidate, now: datetime) -> repo.AlertRow:
    return repo.AlertRow(
        kind=c.event.kind.value, audience=c.audience, dedupe_key=c.dedupe_key, payload=c.payload,
        impact=c.event.impact, product_id=c.product_id, competitor_id=c.competitor_id,
        created_at=now, delivered={}, listing_id=c.listing_id, held_reason=c.held_reason,
    )


def _chart_for(conn: Connection, items: Sequence[tuple[DigestItem, Candidate]]) -> dict[str, Any] | None:
    """Price history of the highest-ranked listing alert, for a small chart in the email."""
    for _item, cand in items:
        if cand.event.kind in PRICE_KINDS and cand.listing_id is not None:
            points = repo.price_history(conn, cand.listing_id)
            if len(points) < 2:
                continue
            return {
                "title": cand.payload.get("product_name") or cand.payload.get("title") or "",
                "competitor": cand.payload.get("competitor"),
                "currency": cand.event.details.get("currency"),
                "points": [[t.isoformat(), str(p)] for t, p in points],
            }
    return None


def _enqueue(
    conn: Connection, settings: AlertSettings, stored: Sequence[tuple[int, Candidate]], now: datetime,
    result: AlertRunResult, secondary: str | None = None,
) -> None:
    groups: dict[tuple[str, datetime | None], list[tuple[int, Candidate]]] = defaultdict(list)
    for alert_id, cand in stored:
        groups[(cand.audience, cand.release_at)].append((alert_id, cand))
    for (audience, release), members in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or now)):
        channels = settings.operations_channels if audience == "operations" else settings.business_channels
        if not channels:
            result.warnings.append(
                f"{len(members)} {audience} alert(s) stored but no {audience}_channels configured: "
                "see `pricewatch alerts list`"
            )
            continue
        pairs = [(DigestItem(a, c.event.kind.value, c.payload, c.event.impact, c.priority), c)
                 for a, c in members]
        by_id = {item.alert_id: (item, cand) for item, cand in pairs}
        ranked = [by_id[i.alert_id] for i in rank([p[0] for p in pairs])]
        chart = _chart_for(conn, ranked) if audience == "business" else None
        ids = sorted(a for a, _ in members)
        digest_id = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:20]
        due = release or now
        if release is not None:
            result.held_until = min(result.held_until or release, release)
        bodies: dict[str, tuple[str, dict[str, Any]]] = {}
        for channel in channels:
            config = settings.channels.get(channel)
            lang = (getattr(config, "lang", None) or settings.digest.lang)
            if lang not in bodies:
                report_url = None
                if settings.digest.report_url:
                    report_url = settings.digest.report_url.format(date=f"{now:%Y-%m-%d}", lang=lang)
                bodies[lang] = build_digest([p[0] for p in pairs], audience=audience,
                                            top=settings.digest.top, chart=chart, lang=lang,
                                            report_url=report_url, secondary=secondary)
            subject, body = bodies[lang]
            queued = repo.enqueue_message(conn, repo.OutboxRow(
                channel=channel, dedupe_key=f"digest:{channel}:{audience}:{digest_id}", subject=subject,
                body=body, alert_ids=ids, next_attempt_at=due, created_at=now,
            ))
            if queued:
                result.messages_queued += 1
                repo.set_delivery_state(conn, ids, channel, "queued")


def run_alerts(
    engine: Engine,
    settings: AlertSettings | None = None,
    *,
    now: datetime | None = None,
    crawl_run_ids: list[int] | None = None,
    compare_run_id: int | None = None,
    secondary_currency: str | None = None,
) -> AlertRunResult:
    """Derive events, apply the policies, store new alerts once, queue the digests.

    `secondary_currency` (the `money:` section's) puts each amount of the digests also in
    that currency ("385,43 € (753,84 лв.)").

    `crawl_run_ids` limits listing events to what those crawl runs observed (replaying an
    old run yields the same dedupe keys, so nothing alerts twice); without it, each matched
    listing's latest good observation from the last `lookback_days` counts. `compare_run_id`
    picks the comparison run (default: the latest).
    """
    if settings is None:
        settings = load_alert_settings()
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    since = now - timedelta(days=settings.lookback_days)
    book = PolicyBook(settings)
    out = _Collector(book, now)
    if settings.operations_quiet_hours is not None:
        out.ops_release = settings.operations_quiet_hours.release_time(now)
    result = AlertRunResult()
    with engine.begin() as conn:
        contexts = {r.listing_id: r for r in repo.matched_listings(conn, settings.min_match_confidence)}
        _listing_events(conn, out, contexts, crawl_run_ids, since, settings.history_days)
        _finding_events(conn, out, compare_run_id)
        _new_match_events(conn, out, contexts, since)
        _gone_events(conn, out, contexts, settings.gone_after_nights)
        candidates = _fold(out.candidates) + _operations_events(conn, settings, now, crawl_run_ids, since)
        snoozes = SnoozeBook.load(conn, now)
        candidates = [_snoozed(c, snoozes) for c in candidates]
        ids = repo.insert_new_alerts(conn, [_alert_row(c, now) for c in candidates])
        stored = [(ids[c.dedupe_key], c) for c in _unique(candidates) if c.dedupe_key in ids]
        result.created = len(stored)
        result.duplicates = len(_unique(candidates)) - len(stored)
        result.alert_ids = [a for a, _ in stored]
        result.by_kind = dict(Counter(c.event.kind.value for _, c in stored))
        result.suppressed = dict(out.suppressed)
        result.held = dict(Counter(
            (c.held_reason or "").split(" ", 1)[0] or "held" for _, c in stored if c.held_reason))
        result.held_back = dict(out.held)
        _enqueue(conn, settings, [(a, c) for a, c in stored if c.held_reason is None], now, result,
                 secondary_currency)
    for warning in result.warnings:
        log.warning("alerts: %s", warning)
    log.info("alerts: %d new (%d already known), %d message(s) queued",
             result.created, result.duplicates, result.messages_queued)
    return result


FOLDED_FINDINGS = frozenset({
    EventKind.became_undercut, EventKind.no_longer_undercut, EventKind.fake_discount,
    EventKind.map_violation,
})
LISTING_KINDS = frozenset({
    EventKind.promotion_started, EventKind.promotion_changed, EventKind.promotion_ended,
    EventKind.price_drop, EventKind.price_rise, EventKind.out_of_stock, EventKind.back_in_stock,
    EventKind.terms_changed,
})
BECOMES = {EventKind.became_undercut, EventKind.no_longer_undercut}


def _fold(candidates: Sequence[Candidate]) -> list[Candidate]:
    """One alert per listing per night: a finding caused by that night's change on the same
    listing (they undercut us because they cut their price) joins that listing's event.

    A base price change that makes us undercut (or no longer) is told as the undercut, the
    meaning for us; a promotion stays a promotion, with the undercut in its details.
    """
    by_listing: dict[int, int] = {}
    folded: list[Candidate] = []
    for c in candidates:
        if c.audience == "business" and c.event.kind in LISTING_KINDS and c.listing_id is not None:
            by_listing[c.listing_id] = len(folded)
        folded.append(c)
    result: list[Candidate | None] = list(folded)
    for i, c in enumerate(folded):
        if c.event.kind not in FOLDED_FINDINGS or c.listing_id not in by_listing:
            continue
        j = by_listing[c.listing_id]
        host = result[j]
        assert host is not None
        details = {**host.event.details}
        details["changes"] = {**details.get("changes", {}), c.event.kind.value: c.event.details}
        # the money at stake is the larger of the two (an undercut may cost more than the
        # move); amounts in two currencies are not compared: ours (the finding's) counts
        impact, currency = host.event.impact, host.event.impact_currency
        if c.event.impact is not None and (
                impact is None or currency != c.event.impact_currency or c.event.impact > impact):
            impact, currency = c.event.impact, c.event.impact_currency
        event = replace(host.event, details=details, impact=impact, impact_currency=currency)
        payload = {**host.payload, "details": details, "impact_currency": currency}
        if host.event.kind in (EventKind.price_drop, EventKind.price_rise) and c.event.kind in BECOMES:
            event = replace(event, kind=c.event.kind)
            details.update({k: v for k, v in c.event.details.items() if k not in details or v is not None})
            payload = {**payload, "kind": c.event.kind.value, "details": details}
        result[j] = replace(host, event=event, payload=payload)
        result[i] = None
    return [c for c in result if c is not None]


def _snoozed(c: Candidate, snoozes: SnoozeBook) -> Candidate:
    if c.audience != "business":
        return c
    until = snoozes.held_until(kind=c.event.kind.value, product_id=c.product_id,
                               competitor_id=c.competitor_id, listing_id=c.listing_id)
    if until is None:
        return c
    return replace(c, held_reason=f"snoozed until {until:%Y-%m-%d %H:%M} UTC")


def _gone_events(conn: Connection, out: _Collector, contexts: dict[int, Any], nights: int) -> None:
    """Matched competitor products that are gone: the page answered 410 Gone, or for
    `nights` crawls it answered 404 or was missing from the shop (see `gone_listings`).
    The listing is marked inactive (the comparison then leaves it out; only a reading of
    the page alive makes it active again) and alerts once per disappearance: the dedupe
    key is when it was last seen alive."""
    gone = repo.gone_listings(conn, list(contexts), nights)
    if not gone:
        return
    repo.deactivate_listings(conn, [g.listing_id for g in gone])
    for g in gone:
        ctx = contexts[g.listing_id]
        event = Event(kind=EventKind.listing_gone, signature="gone", details={"reason": g.reason})
        policy = out.book.for_scope(_scope(ctx))
        payload = {**_product_payload(ctx), "listing_id": g.listing_id, "title": ctx.title, "url": ctx.url}
        out.add(event, policy=policy, key=f"listing_gone:listing={g.listing_id}:alive={g.alive_at:%Y%m%dT%H%M%S}",
                payload=payload, product_id=ctx.product_id, competitor_id=ctx.competitor_id,
                priority=ctx.priority, listing_id=g.listing_id)


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for c in candidates:
        seen.setdefault(c.dedupe_key, c)
    return list(seen.values())

