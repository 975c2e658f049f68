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

from sqlalchemy import Connection, Select, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import (
    Alert,
    AlertAction,
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
    runs = table(CrawlRun)
    ranked = (
        select(
            obs.c.id, obs.c.listing_id, obs.c.crawl_run_id, obs.c.observed_at, obs.c.price,
            obs.c.regular_price, obs.c.currency, obs.c.availability, obs.c.shipping_cost,
            obs.c.free_shipping_threshold, obs.c.warranty_months, obs.c.instalments,
            obs.c.promotions, obs.c.extractor, runs.c.suspect.label("run_suspect"),
            runs.c.suspect_reason.label("run_suspect_reason"),
            func.row_number().over(
                partition_by=obs.c.listing_id, order_by=(obs.c.observed_at.desc(), obs.c.id.desc())
            ).label("rn"),
        )
        .join(anchor, anchor.c.a_listing == obs.c.listing_id)
        .join(match, match.c.listing_id == obs.c.listing_id)
        .join(runs, runs.c.id == obs.c.crawl_run_id)
        .where(obs.c.status == OK, obs.c.observed_at <= anchor.c.a_time, _usable_match())
    )
    if floor is not None:
        ranked = ranked.where(obs.c.observed_at >= floor)
    return ranked.subquery("ranked")


def observation_windows(
    conn: Connection, depth: int, *, crawl_run_ids: Sequence[int] | None = None,
    since: datetime | None = None, until: datetime | None = None, floor: datetime | None = None,
) -> Sequence[Any]:
    """The last `depth` good observations per matched listing, oldest first per listing,
    with their promotions (JSON as read: NULL = not read) and whether their run was suspect.

    Only status `ok` observations are read: quarantined, blocked, failed and not-found
    readings never reach the alert rules.
    """
    ranked = _window_ranking(depth, crawl_run_ids, since, until, floor)
    window = select(ranked).where(ranked.c.rn <= depth).order_by(
        ranked.c.listing_id, ranked.c.observed_at, ranked.c.id
    )
    return conn.execute(window).all()


@dataclass(frozen=True, slots=True)
class LatestReading:
    status: str
    reason: str | None
    run_suspect: bool
    run_suspect_reason: str | None
    run_status: str
    good_extractors: tuple[str | None, ...] = ()
    """The extractors of the listing's last two good (ok) readings, newest first."""


def latest_readings(conn: Connection, listing_ids: Sequence[int]) -> dict[int, LatestReading]:
    """The newest observation of each listing, whatever its status, with its run's health
    and how its last two good readings were read."""
    obs, runs = table(Observation), table(CrawlRun)
    found: dict[int, LatestReading] = {}
    extractors: dict[int, list[str | None]] = {}
    for chunk in _chunks(sorted(set(listing_ids))):
        good = (
            select(obs.c.listing_id, obs.c.extractor,
                   func.row_number().over(partition_by=obs.c.listing_id,
                                          order_by=(obs.c.observed_at.desc(), obs.c.id.desc())).label("rn"))
            .where(obs.c.listing_id.in_(list(chunk)), obs.c.status == OK)
        ).subquery()
        for ranked_row in conn.execute(select(good.c.listing_id, good.c.extractor)
                                       .where(good.c.rn <= 2)
                                       .order_by(good.c.listing_id, good.c.rn)):
            extractors.setdefault(ranked_row.listing_id, []).append(ranked_row.extractor)
        ranked = (
            select(obs.c.listing_id, obs.c.status, obs.c.reason, obs.c.crawl_run_id,
                   func.row_number().over(partition_by=obs.c.listing_id,
                                          order_by=(obs.c.observed_at.desc(), obs.c.id.desc())).label("rn"))
            .where(obs.c.listing_id.in_(list(chunk)))
        ).subquery()
        for row in conn.execute(
            select(ranked.c.listing_id, ranked.c.status, ranked.c.reason, runs.c.suspect,
                   runs.c.suspect_reason, runs.c.status.label("run_status"))
            .join(runs, runs.c.id == ranked.c.crawl_run_id).where(ranked.c.rn == 1)
        ):
            found[row.listing_id] = LatestReading(row.status, row.reason, bool(row.suspect),
                                                  row.suspect_reason, row.run_status,
                                                  tuple(extractors.get(row.listing_id, ())))
    return found


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


@dataclass(frozen=True, slots=True)
class GoneListing:
    listing_id: int
    alive_at: datetime
    """When the page was last seen alive: one disappearance is one `alive_at`."""
    reason: str


ALIVE = (ObservationStatus.ok.value, ObservationStatus.parse_failed.value,
         ObservationStatus.quarantined.value)
"""Readings that show the product page is there (even one we could not read a price from)."""
DEAD = ObservationStatus.not_found.value
"""A 404/410 answer, or a page without the product on it."""


def gone_listings(
    conn: Connection, listing_ids: Sequence[int], nights: int,
) -> list[GoneListing]:
    """Active listings (of `listing_ids`) that are gone since they were last seen alive:
    their page answered 410 Gone in a healthy crawl, or `nights` healthy crawls of their
    competitor each found it dead (404, no product on the page) or did not find it at all
    (a finished crawl, or any crawl that read it dead). A blocked reading says nothing, and
    a crawl marked suspect counts for nothing."""
    listing, obs, runs = table(Listing), table(Observation), table(CrawlRun)
    alive_at = func.coalesce(
        select(func.max(obs.c.observed_at))
        .where(obs.c.listing_id == listing.c.id, obs.c.status.in_(ALIVE))
        .correlate(listing).scalar_subquery(),
        listing.c.first_seen,
    )
    in_run = (obs.c.listing_id == listing.c.id) & (obs.c.crawl_run_id == runs.c.id)
    dead_nights = (
        select(func.count(runs.c.id)).where(
            runs.c.competitor_id == listing.c.competitor_id, runs.c.suspect.is_(False),
            runs.c.started_at > alive_at,
            runs.c.status.in_([RunStatus.finished.value, RunStatus.truncated.value]),
            ~exists().where(in_run, obs.c.status != DEAD),
            or_(runs.c.status == RunStatus.finished.value,
                exists().where(in_run, obs.c.status == DEAD)),
        ).correlate(listing).scalar_subquery()
    )
    answered = (
        select(func.max(obs.c.reason)).join(runs, runs.c.id == obs.c.crawl_run_id)
        .where(obs.c.listing_id == listing.c.id, obs.c.status == DEAD,
               obs.c.reason.like("HTTP 4%"), obs.c.observed_at > alive_at,
               runs.c.suspect.is_(False))
        .correlate(listing).scalar_subquery()
    )
    found: list[GoneListing] = []
    for chunk in _chunks(list(listing_ids)):
        rows = conn.execute(
            select(listing.c.id, alive_at.label("alive_at"), dead_nights.label("nights"),
                   answered.label("answer"))
            .where(listing.c.id.in_(list(chunk)), listing.c.active.is_(True))
        )
        for row in rows:
            answer = row.answer or ""
            if answer.startswith("HTTP 410"):
                found.append(GoneListing(row.id, row.alive_at, f"the page answers {answer}"))
            elif row.nights >= nights:
                why = f"the page answered {answer}" if answer else "missing from the shop"
                found.append(GoneListing(
                    row.id, row.alive_at, f"{why} in its last {row.nights} crawls"))
    return sorted(found, key=lambda g: g.listing_id)


def deactivate_listings(conn: Connection, listing_ids: Sequence[int]) -> None:
    listing = table(Listing)
    for chunk in _chunks(list(listing_ids)):
        conn.execute(update(listing).where(listing.c.id.in_(list(chunk))).values(active=False))


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
    listing_id: int | None = None
    held_reason: str | None = None


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


def alerts_by_key(conn: Connection, keys: Sequence[str], *, audience: str | None = None) -> dict[str, Any]:
    """The stored alerts with these dedupe keys (of one audience), by key."""
    alert = table(Alert)
    found: dict[str, Any] = {}
    for chunk in _chunks(sorted(set(keys))):
        query = select(alert.c.id, alert.c.kind, alert.c.dedupe_key, alert.c.payload).where(
            alert.c.dedupe_key.in_(list(chunk)))
        if audience is not None:
            query = query.where(alert.c.audience == audience)
        found.update((row.dedupe_key, row) for row in conn.execute(query))
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
         "created_at": r.created_at, "delivered": r.delivered, "listing_id": r.listing_id,
         "held_reason": r.held_reason}
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


# --- acknowledge and snooze ---------------------------------------------------------------


def product_id_for(conn: Connection, product: int | str) -> int | None:
    """An id of ours from an id or a SKU (None when there is no such product)."""
    tbl = table(Product)
    column = tbl.c.id if isinstance(product, int) else tbl.c.sku
    return conn.execute(select(tbl.c.id).where(column == product)).scalar()


def competitor_id_for(conn: Connection, competitor: int | str) -> int | None:
    """A competitor's id from its id or its name (None when there is no such competitor)."""
    tbl = table(Competitor)
    column = tbl.c.id if isinstance(competitor, int) else tbl.c.name
    return conn.execute(select(tbl.c.id).where(column == competitor)).scalar()


def alert_row(conn: Connection, alert_id: int) -> Any | None:
    alert = table(Alert)
    return conn.execute(select(alert).where(alert.c.id == alert_id)).first()


def acknowledge_alerts(
    conn: Connection, *, now: datetime, actor: str | None, alert_id: int | None = None,
    product_id: int | None = None, competitor_id: int | None = None,
) -> int:
    """Mark the open alerts of one target acknowledged; returns how many were open."""
    alert = table(Alert)
    query = update(alert).where(alert.c.acknowledged_at.is_(None))
    if alert_id is not None:
        query = query.where(alert.c.id == alert_id)
    if product_id is not None:
        query = query.where(alert.c.product_id == product_id)
    if competitor_id is not None:
        query = query.where(alert.c.competitor_id == competitor_id)
    return int(conn.execute(query.values(acknowledged_at=now, acknowledged_by=actor)).rowcount or 0)


def insert_action(conn: Connection, values: dict[str, Any]) -> int:
    key = conn.execute(table(AlertAction).insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def action_rows(
    conn: Connection, *, action: str | None = None, active_at: datetime | None = None,
    ids: Sequence[int] | None = None, limit: int = 500,
) -> Sequence[Any]:
    """Actions with what they are about (alert kind/product, product SKU, competitor name);
    `active_at` keeps the snoozes still running then (not cancelled, until later)."""
    act, alert, product, comp = table(AlertAction), table(Alert), table(Product), table(Competitor)
    query = (
        select(act, alert.c.kind.label("alert_kind"), alert.c.product_id.label("alert_product_id"),
               product.c.sku, comp.c.name.label("competitor"))
        .outerjoin(alert, alert.c.id == act.c.alert_id)
        .outerjoin(product, product.c.id == act.c.product_id)
        .outerjoin(comp, comp.c.id == act.c.competitor_id)
    )
    if action is not None:
        query = query.where(act.c.action == action)
    if active_at is not None:
        query = query.where(act.c.cancelled_at.is_(None),
                            or_(act.c.until.is_(None), act.c.until > active_at))
    if ids is not None:
        query = query.where(act.c.id.in_(list(ids)))
    return conn.execute(query.order_by(act.c.id.desc()).limit(limit)).all()


def cancel_action(conn: Connection, action_id: int, now: datetime) -> bool:
    act = table(AlertAction)
    done = conn.execute(update(act).where(act.c.id == action_id, act.c.cancelled_at.is_(None))
                        .values(cancelled_at=now))
    return bool(done.rowcount)


def alerts_filtered(
    conn: Connection, *, limit: int = 50, audience: str | None = None, kinds: Sequence[str] | None = None,
    open_only: bool = False, product_id: int | None = None, competitor_id: int | None = None,
    since: datetime | None = None,
) -> Sequence[Any]:
    """Alerts newest first, narrowed as asked (open = not acknowledged and not held back)."""
    alert = table(Alert)
    query = select(alert)
    if audience:
        query = query.where(alert.c.audience == audience)
    if kinds:
        query = query.where(alert.c.kind.in_(list(kinds)))
    if open_only:
        query = query.where(alert.c.acknowledged_at.is_(None), alert.c.held_reason.is_(None))
    if product_id is not None:
        query = query.where(alert.c.product_id == product_id)
    if competitor_id is not None:
        query = query.where(alert.c.competitor_id == competitor_id)
    if since is not None:
        query = query.where(alert.c.created_at >= since)
    return conn.execute(query.order_by(alert.c.id.desc()).limit(limit)).all()
