"""Alerts and their outbox: what the alert step reads (windows of good observations,
comparison findings, new matches, suspect crawl runs) and what it writes.

Reads are set-based: one query for the last N good observations of every matched listing,
one for their promotions, one per comparison-run window. Writes skip what already exists
(the dedupe key is unique), so running the same night twice writes nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import (
    Alert,
    CompareRun,
    Competitor,
    CrawlRun,
    Finding,
    Listing,
    Match,
    MatchStatus,
    Observation,
    ObservationStatus,
    OutboxMessage,
    Product,
    Promotion,
    RunStatus,
    table,
)
from storage.repos.matches import usable

CHUNK = 500
OK = ObservationStatus.ok.value


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _usable_match() -> Any:
    match = table(Match)
    return match.c.status != MatchStatus.rejected.value


def matched_listings(conn: Connection, min_confidence: float) -> Sequence[Any]:
    """Every listing matched to an active product of ours, with what messages and policies need.

    Only matches that may feed alerts count: confirmed ones, and automatic ones at least
    `min_confidence` sure (the same rule the comparison uses); rejected ones never.
    """
    match, product, listing, comp = table(Match), table(Product), table(Listing), table(Competitor)
    query = (
        select(
            match.c.listing_id, match.c.product_id, match.c.status.label("match_status"),
            match.c.confidence, match.c.created_at.label("matched_at"),
            product.c.sku, product.c.name.label("product_name"), product.c.category,
            product.c.priority, product.c.price.label("our_price"),
            product.c.currency.label("our_currency"), product.c.cost,
            listing.c.competitor_id, listing.c.title, listing.c.url, listing.c.first_seen,
            comp.c.name.label("competitor"), comp.c.display_name.label("competitor_display"),
        )
        .join(product, product.c.id == match.c.product_id)
        .join(listing, listing.c.id == match.c.listing_id)
        .join(comp, comp.c.id == listing.c.competitor_id)
        .where(
            usable(match, min_confidence), product.c.active.is_(True),
        )
        .order_by(match.c.listing_id)
    )
    return conn.execute(query).all()


def _window_ranking(
    depth: int, crawl_run_ids: Sequence[int] | None, since: datetime | None, until: datetime | None,
    floor: datetime | None,
) -> Any:
    """The last `depth` good observations of each matched listing, up to its anchor.

    The anchor is the listing's good observation in the given crawl runs (a replay of an
    old run evaluates that night again), else its latest good one up to `until`, if that
    is after `since`. Observations before `floor` are not read at all, so the window
    function never scans the whole history of a long-running installation.
    """
    obs, match = table(Observation), table(Match)
    anchor_q = select(
        obs.c.listing_id.label("a_listing"), func.max(obs.c.observed_at).label("a_time")
    ).where(obs.c.status == OK)
    if crawl_run_ids is not None:
        anchor_q = anchor_q.where(obs.c.crawl_run_id.in_(list(crawl_run_ids)))
    elif until is not None:
        anchor_q = anchor_q.where(obs.c.observed_at <= until)
    anchor_q = anchor_q.group_by(obs.c.listing_id)
    if crawl_run_ids is None and since is not None:
        anchor_q = anchor_q.having(func.max(obs.c.observed_at) >= since)
    anchor = anchor_q.subquery("anchor")
    ranked = (
        select(
            obs.c.id, obs.c.listing_id, obs.c.crawl_run_id, obs.c.observed_at, obs.c.price,
            obs.c.regular_price, obs.c.currency, obs.c.availability,
            func.row_number().over(
                partition_by=obs.c.listing_id, order_by=(obs.c.observed_at.desc(), obs.c.id.desc())
            ).label("rn"),
        )
        .join(anchor, anchor.c.a_listing == obs.c.listing_id)
        .join(match, match.c.listing_id == obs.c.listing_id)
        .where(obs.c.status == OK, obs.c.observed_at <= anchor.c.a_time, _usable_match())
    )
    if floor is not None:
        ranked = ranked.where(obs.c.observed_at >= floor)
    return ranked.subquery("ranked")


def observation_windows(
    conn: Connection, depth: int, *, crawl_run_ids: Sequence[int] | None = None,
    since: datetime | None = None, until: datetime | None = None, floor: datetime | None = None,
) -> tuple[Sequence[Any], Sequence[Any]]:
    """(observations, promotions) of the last `depth` good observations per matched listing.

    Only status `ok` observations are read: quarantined, blocked, failed and not-found
    readings never reach the alert rules. Observations come oldest first per listing.
    """
    ranked = _window_ranking(depth, crawl_run_ids, since, until, floor)
    window = select(ranked).where(ranked.c.rn <= depth).order_by(
        ranked.c.listing_id, ranked.c.observed_at, ranked.c.id
    )
    observations = conn.execute(window).all()
    promo = table(Promotion)
    promos = conn.execute(
        select(promo.c.listing_id, promo.c.crawl_run_id, promo.c.kind, promo.c.value,
               promo.c.code, promo.c.text)
        .join(ranked, and_(ranked.c.listing_id == promo.c.listing_id,
                           ranked.c.crawl_run_id == promo.c.crawl_run_id))
        .where(ranked.c.rn <= depth)
        .order_by(promo.c.listing_id, promo.c.crawl_run_id, promo.c.id)
    ).all()
    return observations, promos


def earliest_run_start(conn: Connection, crawl_run_ids: Sequence[int]) -> datetime | None:
    runs = table(CrawlRun)
    return conn.execute(
        select(func.min(runs.c.started_at)).where(runs.c.id.in_(list(crawl_run_ids)))
    ).scalar()


def compare_run_window(conn: Connection, compare_run_id: int | None, depth: int) -> list[int]:
    """The ids of the last `depth` comparison runs up to `compare_run_id` (or the latest), oldest first."""
    runs = table(CompareRun)
    query = select(runs.c.id)
    if compare_run_id is not None:
        query = query.where(runs.c.id <= compare_run_id)
    ids = conn.execute(query.order_by(runs.c.id.desc()).limit(depth)).scalars().all()
    return sorted(ids)


def findings_in_runs(
    conn: Connection, compare_run_ids: Sequence[int], kinds: Sequence[str]
) -> Sequence[Any]:
    """Findings of the given kinds in the given comparison runs, with product and competitor."""
    if not compare_run_ids:
        return []
    finding, product, comp = table(Finding), table(Product), table(Competitor)
    query = (
        select(
            finding.c.id, finding.c.compare_run_id, finding.c.product_id, finding.c.competitor_id,
            finding.c.listing_id, finding.c.kind, finding.c.currency, finding.c.our_price,
            finding.c.our_effective, finding.c.their_price, finding.c.their_effective,
            finding.c.gap, finding.c.gap_pct, finding.c.impact, finding.c.reason, finding.c.promo_until,
            product.c.sku, product.c.name.label("product_name"), product.c.category,
            product.c.priority, comp.c.name.label("competitor"),
            comp.c.display_name.label("competitor_display"),
        )
        .join(product, product.c.id == finding.c.product_id)
        .outerjoin(comp, comp.c.id == finding.c.competitor_id)
        .where(finding.c.compare_run_id.in_(list(compare_run_ids)), finding.c.kind.in_(list(kinds)),
               product.c.active.is_(True))
        .order_by(finding.c.compare_run_id, finding.c.id)
    )
    return conn.execute(query).all()


def new_listing_ids(conn: Connection, listing_ids: Sequence[int], since: datetime) -> set[int]:
    """Of `listing_ids`, those first seen after `since` and absent from their competitor's first crawl.

    A competitor's first crawl finds its whole assortment; only listings that appeared
    later are new products.
    """
    listing, obs, runs = table(Listing), table(Observation), table(CrawlRun)
    first_run = (
        select(runs.c.competitor_id.label("f_comp"), func.min(runs.c.id).label("f_run"))
        .group_by(runs.c.competitor_id).subquery("first_run")
    )
    in_first = exists().where(
        obs.c.listing_id == listing.c.id, obs.c.crawl_run_id == first_run.c.f_run
    )
    has_good = exists().where(obs.c.listing_id == listing.c.id, obs.c.status == OK)
    found: set[int] = set()
    for chunk in _chunks(list(listing_ids)):
        query = (
            select(listing.c.id)
            .join(first_run, first_run.c.f_comp == listing.c.competitor_id)
            .where(listing.c.id.in_(list(chunk)), listing.c.first_seen >= since, ~in_first, has_good)
        )
        found.update(conn.execute(query).scalars())
    return found


def suspect_crawl_runs(
    conn: Connection, *, crawl_run_ids: Sequence[int] | None = None, since: datetime | None = None
) -> Sequence[Any]:
    """Crawl runs the health check marked suspect, or that failed (the given ones, or those
    started since)."""
    runs, comp = table(CrawlRun), table(Competitor)
    query: Select[Any] = (
        select(runs.c.id, runs.c.competitor_id, runs.c.started_at, runs.c.finished_at,
               runs.c.status, runs.c.counts, runs.c.suspect_reason, runs.c.error_summary,
               comp.c.name.label("competitor"))
        .join(comp, comp.c.id == runs.c.competitor_id)
        .where(or_(runs.c.suspect.is_(True), runs.c.status == RunStatus.failed.value))
    )
    if crawl_run_ids is not None:
        query = query.where(runs.c.id.in_(list(crawl_run_ids)))
    elif since is not None:
        query = query.where(runs.c.started_at >= since)
    return conn.execute(query.order_by(runs.c.id)).all()


def price_history(conn: Connection, listing_id: int, limit: int = 60) -> list[tuple[datetime, Decimal]]:
    """The last `limit` good prices of a listing, oldest first (for a chart)."""
    obs = table(Observation)
    rows = conn.execute(
        select(obs.c.observed_at, obs.c.price)
        .where(obs.c.listing_id == listing_id, obs.c.status == OK, obs.c.price.is_not(None))
        .order_by(obs.c.observed_at.desc(), obs.c.id.desc()).limit(limit)
    ).all()
    return [(r.observed_at, r.price) for r in reversed(rows)]


# --- alerts -------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class AlertRow:
    kind: str
    audience: str
    dedupe_key: str
    payload: dict[str, Any]
    impact: Decimal | None
    product_id: int | None
    competitor_id: int | None
    created_at: datetime
    delivered: dict[str, Any] = field(default_factory=dict)


def _insert_ignoring_duplicates(conn: Connection, model: Any, rows: list[dict[str, Any]], key: str) -> None:
    tbl = table(model)
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(tbl).on_conflict_do_nothing(index_elements=[key]), rows)
    elif conn.dialect.name == "sqlite":
        conn.execute(sqlite.insert(tbl).on_conflict_do_nothing(index_elements=[key]), rows)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        conn.execute(tbl.insert(), rows)


def existing_alert_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    alert = table(Alert)
    found: set[str] = set()
    for chunk in _chunks(list(keys)):
        found.update(conn.execute(
            select(alert.c.dedupe_key).where(alert.c.dedupe_key.in_(list(chunk)))
        ).scalars())
    return found


def insert_new_alerts(conn: Connection, rows: Sequence[AlertRow]) -> dict[str, int]:
    """Insert the alerts whose dedupe key is not stored yet; return key -> id of the new ones.

    A concurrent run inserting the same key loses quietly (ON CONFLICT DO NOTHING), so an
    alert exists once whatever happens.
    """
    known = existing_alert_keys(conn, [r.dedupe_key for r in rows])
    fresh: dict[str, AlertRow] = {}
    for row in rows:
        if row.dedupe_key not in known:
            fresh.setdefault(row.dedupe_key, row)
    if not fresh:
        return {}
    values = [
        {"kind": r.kind, "audience": r.audience, "dedupe_key": r.dedupe_key, "payload": r.payload,
         "impact": r.impact, "product_id": r.product_id, "competitor_id": r.competitor_id,
         "created_at": r.created_at, "delivered": r.delivered}
        for r in fresh.values()
    ]
    _insert_ignoring_duplicates(conn, Alert, values, "dedupe_key")
    alert = table(Alert)
    ids: dict[str, int] = {}
    for chunk in _chunks(list(fresh)):
        for key, alert_id, created in conn.execute(
            select(alert.c.dedupe_key, alert.c.id, alert.c.created_at)
            .where(alert.c.dedupe_key.in_(list(chunk)))
        ):
            if created == fresh[key].created_at:
                ids[key] = alert_id
    return ids


def set_delivery_state(conn: Connection, alert_ids: Sequence[int], channel: str, state: str) -> None:
    """Record per alert how far it got on a channel (`queued`, `sent`): one read and one
    batched update per chunk (the JSON is merged here, the same way on both databases)."""
    alert = table(Alert)
    statement = (
        update(alert).where(alert.c.id == bindparam("alert_id")).values(delivered=bindparam("merged"))
    )
    for chunk in _chunks(list(alert_ids)):
        rows = conn.execute(select(alert.c.id, alert.c.delivered).where(alert.c.id.in_(list(chunk)))).all()
        if rows:
            conn.execute(statement, [
                {"alert_id": alert_id, "merged": {**(delivered or {}), channel: state}}
                for alert_id, delivered in rows
            ])


def recent_alerts(
    conn: Connection, *, limit: int = 50, audience: str | None = None, since: datetime | None = None
) -> Sequence[Any]:
    alert = table(Alert)
    query = select(alert)
    if audience:
        query = query.where(alert.c.audience == audience)
    if since is not None:
        query = query.where(alert.c.created_at >= since)
    return conn.execute(query.order_by(alert.c.id.desc()).limit(limit)).all()


# --- outbox -------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class OutboxRow:
    channel: str
    dedupe_key: str
    subject: str
    body: dict[str, Any]
    alert_ids: list[int]
    next_attempt_at: datetime
    created_at: datetime


def enqueue_message(conn: Connection, row: OutboxRow) -> bool:
    """Queue a message unless one with the same dedupe key exists; True if queued now."""
    outbox = table(OutboxMessage)
    if conn.execute(select(outbox.c.id).where(outbox.c.dedupe_key == row.dedupe_key)).first():
        return False
    _insert_ignoring_duplicates(conn, OutboxMessage, [{
        "channel": row.channel, "dedupe_key": row.dedupe_key, "subject": row.subject,
        "body": row.body, "alert_ids": row.alert_ids, "status": "pending", "attempts": 0,
        "next_attempt_at": row.next_attempt_at, "created_at": row.created_at,
    }], "dedupe_key")
    return True


def due_messages(
    conn: Connection, now: datetime, limit: int = 100, channel: str | None = None
) -> list[tuple[int, str]]:
    """(id, channel) of the pending messages whose time has come, oldest first."""
    outbox = table(OutboxMessage)
    query = select(outbox.c.id, outbox.c.channel).where(
        outbox.c.status == "pending", outbox.c.next_attempt_at <= now
    )
    if channel:
        query = query.where(outbox.c.channel == channel)
    return [(r.id, r.channel) for r in conn.execute(query.order_by(outbox.c.id).limit(limit))]


def claim_message(conn: Connection, message_id: int, now: datetime, lease: timedelta) -> Any | None:
    """Take a due message for sending: push its next attempt past the lease so no other
    sender picks it up meanwhile. Returns the row, or None if someone else has it."""
    outbox = table(OutboxMessage)
    result = conn.execute(
        update(outbox)
        .where(outbox.c.id == message_id, outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
        .values(next_attempt_at=now + lease)
    )
    if result.rowcount != 1:
        return None
    return conn.execute(select(outbox).where(outbox.c.id == message_id)).first()


def mark_sent(conn: Connection, message_id: int, now: datetime) -> None:
    outbox = table(OutboxMessage)
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(
        status="sent", sent_at=now, attempts=outbox.c.attempts + 1, last_error=None,
    ))


def mark_failed(
    conn: Connection, message_id: int, *, error: str, next_attempt_at: datetime, give_up: bool
) -> int:
    """Record a failed attempt; the message stays pending (or becomes failed). Returns attempts."""
    outbox = table(OutboxMessage)
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(
        status="failed" if give_up else "pending", attempts=outbox.c.attempts + 1,
        last_error=error, next_attempt_at=next_attempt_at,
    ))
    return int(conn.execute(select(outbox.c.attempts).where(outbox.c.id == message_id)).scalar_one())


def requeue_failed(conn: Connection, now: datetime, channel: str | None = None) -> int:
    """Put given-up messages back in the queue (after fixing a channel)."""
    outbox = table(OutboxMessage)
    query = update(outbox).where(outbox.c.status == "failed")
    if channel:
        query = query.where(outbox.c.channel == channel)
    return conn.execute(query.values(status="pending", next_attempt_at=now, attempts=0)).rowcount


def outbox_counts(conn: Connection) -> dict[str, int]:
    outbox = table(OutboxMessage)
    return {status: count for status, count in conn.execute(
        select(outbox.c.status, func.count()).group_by(outbox.c.status)
    )}


def outbox_messages(conn: Connection, *, status: str | None = None, limit: int = 50) -> Sequence[Any]:
    outbox = table(OutboxMessage)
    query = select(outbox)
    if status:
        query = query.where(outbox.c.status == status)
    return conn.execute(query.order_by(outbox.c.id.desc()).limit(limit)).all()



def postpone(conn: Connection, message_ids: Sequence[int], until: datetime) -> None:
    """Move pending messages' next attempt to `until` (their channel just failed), no attempt counted."""
    outbox = table(OutboxMessage)
    for chunk in _chunks(list(message_ids)):
        conn.execute(update(outbox).where(
            outbox.c.id.in_(list(chunk)), outbox.c.status == "pending", outbox.c.next_attempt_at < until,
        ).values(next_attempt_at=until))
