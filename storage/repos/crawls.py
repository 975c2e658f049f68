"""Reads and writes the crawl pipeline needs beyond listings and observations.

Everything is set-based: one query per batch of listings, never one per row.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from storage.models import (
    CrawlRun,
    Listing,
    Observation,
    ObservationStatus,
    Promotion,
    RunStatus,
    table,
)
from storage.repos.listings import ListingInfo, ListingKey
from storage.types import utcnow


@dataclass(frozen=True, slots=True)
class GoodValue:
    """The last `ok` reading of a listing: what a new reading is checked against."""

    price: Decimal | None
    currency: str | None
    title: str | None


def last_good_values(
    conn: Connection, listing_ids: Sequence[int], chunk: int = 500
) -> dict[int, GoodValue]:
    """listing id -> its latest `ok` price, currency and title (listings never ok are absent)."""
    return _latest(conn, listing_ids, chunk, ObservationStatus.ok)


def pending_quarantined(
    conn: Connection, listing_ids: Sequence[int], chunk: int = 500
) -> dict[int, GoodValue]:
    """listing id -> its latest observation's values, for listings whose latest observation
    is quarantined (a second reading that agrees with it confirms the change)."""
    latest = _latest(conn, listing_ids, chunk, None, with_status=True)
    return {k: v for k, (v, status) in latest.items()
            if status == ObservationStatus.quarantined.value}


def _latest(conn: Connection, listing_ids: Sequence[int], chunk: int,
            status: ObservationStatus | None, with_status: bool = False) -> dict[int, Any]:
    obs = table(Observation)
    result: dict[int, Any] = {}
    ids = sorted(set(listing_ids))
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        query = select(
            obs.c.listing_id, obs.c.price, obs.c.currency, obs.c.title, obs.c.status,
            func.row_number().over(
                partition_by=obs.c.listing_id,
                order_by=(obs.c.observed_at.desc(), obs.c.id.desc()),
            ).label("rn"),
        ).where(obs.c.listing_id.in_(part))
        if status is not None:
            query = query.where(obs.c.status == status.value)
        ranked = query.subquery()
        rows = conn.execute(
            select(ranked.c.listing_id, ranked.c.price, ranked.c.currency, ranked.c.title,
                   ranked.c.status)
            .where(ranked.c.rn == 1)
        )
        for row in rows:
            value = GoodValue(row.price, row.currency, row.title)
            result[row.listing_id] = (value, row.status) if with_status else value
    return result


PROMOTION_COLUMNS = (
    "listing_id", "crawl_run_id", "observed_at", "kind", "text", "value", "code", "buy_qty",
    "pay_qty", "threshold", "instalments", "valid_from", "valid_until", "detail",
)


def insert_promotions(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert typed promotion rows (dicts with PROMOTION_COLUMNS keys) in one executemany."""
    if not rows:
        return 0
    conn.execute(table(Promotion).insert(), list(rows))
    return len(rows)


def last_finished_stats(conn: Connection, competitor_id: int) -> dict[str, Any]:
    """The stats of the competitor's latest finished run ({} when there is none)."""
    runs = table(CrawlRun)
    row = conn.execute(
        select(runs.c.stats)
        .where(runs.c.competitor_id == competitor_id, runs.c.status == RunStatus.finished.value)
        .order_by(runs.c.started_at.desc(), runs.c.id.desc())
        .limit(1)
    ).first()
    return dict(row.stats or {}) if row is not None else {}


def crawl_run_row(conn: Connection, run_id: int) -> Any:
    """One crawl_run row (None when there is no such run)."""
    runs = table(CrawlRun)
    return conn.execute(select(runs).where(runs.c.id == run_id)).first()


def run_counts(conn: Connection, run_id: int) -> dict[str, int]:
    """Observations of a run by status, counted from its rows (what a killed run stored)."""
    obs = table(Observation)
    rows = conn.execute(
        select(obs.c.status, func.count()).where(obs.c.crawl_run_id == run_id)
        .group_by(obs.c.status)
    )
    return {status: int(n) for status, n in rows if n}


def run_fill_counts(conn: Connection, run_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """(pages of the run on which each field was read, pages priced by each extractor),
    counted from its rows: what a resumed run had read before it was cut short. A price
    counts where the row keeps one (ok and quarantined readings; a page stored as blocked,
    not found or unreadable has none to keep)."""
    obs, lst = table(Observation), table(Listing)
    row = conn.execute(
        select(func.count(obs.c.price), func.count(obs.c.title), func.count(obs.c.availability),
               func.count(obs.c.currency), func.count(lst.c.sku), func.count(lst.c.gtin),
               func.count(lst.c.brand))
        .join_from(obs, lst, obs.c.listing_id == lst.c.id)
        .where(obs.c.crawl_run_id == run_id)
    ).one()
    names = ("price", "title", "availability", "currency", "sku", "gtin", "brand")
    fill = {name: int(n) for name, n in zip(names, row, strict=True) if n}
    extractors = {str(name): int(n) for name, n in conn.execute(
        select(obs.c.extractor, func.count())
        .where(obs.c.crawl_run_id == run_id, obs.c.price.is_not(None),
               obs.c.extractor.is_not(None))
        .group_by(obs.c.extractor))}
    return fill, extractors


def close_dangling_run(
    conn: Connection, run_id: int, status: RunStatus, error: str | None,
    finished_at: datetime | None = None,
) -> bool:
    """Mark a run that is still `running` as failed/interrupted (its process died or stopped
    before saying how it ended). Its counts become those of the rows it stored, and it is
    marked resumable: the next crawl of the competitor continues it. Returns whether the
    row was still running."""
    runs = table(CrawlRun)
    row = conn.execute(select(runs.c.stats).where(
        runs.c.id == run_id, runs.c.status == RunStatus.running.value)).first()
    if row is None:
        return False
    result = conn.execute(
        update(runs)
        .where(runs.c.id == run_id, runs.c.status == RunStatus.running.value)
        .values(status=status.value, error_summary=error, finished_at=finished_at or utcnow(),
                counts=run_counts(conn, run_id), stats={**(row.stats or {}), "resumable": True})
    )
    return bool(result.rowcount)


def running_runs(conn: Connection, competitor_id: int | None = None) -> list[tuple[int, int]]:
    """(run id, competitor id) of the runs still marked `running`."""
    runs = table(CrawlRun)
    query = select(runs.c.id, runs.c.competitor_id).where(
        runs.c.status == RunStatus.running.value)
    if competitor_id is not None:
        query = query.where(runs.c.competitor_id == competitor_id)
    return [(int(r.id), int(r.competitor_id)) for r in conn.execute(query.order_by(runs.c.id))]


def resumable_run(conn: Connection, competitor_id: int, since: datetime) -> int | None:
    """The competitor's latest run, when a kill or a stop cut it short after `since` and it
    can be continued (see `close_dangling_run`); None otherwise."""
    runs = table(CrawlRun)
    row = conn.execute(
        select(runs.c.id, runs.c.status, runs.c.stats, runs.c.started_at)
        .where(runs.c.competitor_id == competitor_id)
        .order_by(runs.c.id.desc()).limit(1)
    ).first()
    if row is None or row.status not in (RunStatus.interrupted.value, RunStatus.failed.value):
        return None
    if not (row.stats or {}).get("resumable") or row.started_at < since:
        return None
    return int(row.id)


def reopen_run(conn: Connection, run_id: int, nightly_run_id: int | None) -> None:
    """Mark a resumable run `running` again: the crawl that continues it now owns it."""
    runs = table(CrawlRun)
    row = conn.execute(select(runs.c.stats).where(runs.c.id == run_id)).one()
    stats = {k: v for k, v in (row.stats or {}).items() if k != "resumable"}
    stats["resumed"] = int(stats.get("resumed", 0)) + 1
    values: dict[str, Any] = {"status": RunStatus.running.value, "finished_at": None,
                              "error_summary": None, "stats": stats}
    if nightly_run_id is not None:
        values["nightly_run_id"] = nightly_run_id
    conn.execute(update(runs).where(runs.c.id == run_id).values(**values))


def stored_pages(conn: Connection, run_id: int) -> set[tuple[str, str]]:
    """(url, variant) of every listing that already has an observation in the run."""
    obs, lst = table(Observation), table(Listing)
    rows = conn.execute(
        select(lst.c.url, lst.c.variant).join(obs, obs.c.listing_id == lst.c.id)
        .where(obs.c.crawl_run_id == run_id)
    )
    return {(r.url, r.variant) for r in rows}


IDENTITY = ("sku", "gtin", "mpn", "brand", "title", "condition")


def upsert_listings_bulk(
    conn: Connection, competitor_id: int, listings: Sequence[ListingInfo], seen_at: datetime,
    chunk: int = 500, not_alive: Collection[ListingKey] = (),
) -> dict[ListingKey, int]:
    """`upsert_listings` for a crawl batch: one select, one executemany insert and one
    executemany update, instead of one statement per row.

    Same rules: identifiers only ever fill in (a page that lost its GTIN keeps the one it
    had), last_seen moves on and the listing is active again, unless its reading is in
    `not_alive` (a 404/410 or a blocked page): a listing marked gone stays inactive until
    its page is seen alive again.
    """
    tbl = table(Listing)
    wanted: dict[ListingKey, ListingInfo] = {}
    for item in listings:
        wanted.setdefault(ListingKey(item.url, item.variant), item)
    if not wanted:
        return {}
    current = _current_listings(conn, competitor_id, {k.url for k in wanted}, chunk)
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key, item in wanted.items():
        row = current.get(key)
        if row is None:
            new_rows.append({
                "competitor_id": competitor_id, "url": item.url, "variant": item.variant,
                "first_seen": seen_at, "last_seen": seen_at, "active": True,
                **{f: getattr(item, f) for f in IDENTITY},
            })
            continue
        merged = {f: getattr(item, f) or getattr(row, f) for f in IDENTITY}
        updates.append({"_id": row.id, "_seen": seen_at, "_active": key not in not_alive or row.active,
                        **{f"_{f}": v for f, v in merged.items()}})
    if new_rows:
        conn.execute(tbl.insert(), new_rows)
        current.update(_current_listings(conn, competitor_id,
                                         {r["url"] for r in new_rows}, chunk))
    if updates:
        conn.execute(
            update(tbl).where(tbl.c.id == bindparam("_id")).values(
                last_seen=bindparam("_seen"), active=bindparam("_active"),
                **{f: bindparam(f"_{f}") for f in IDENTITY},
            ),
            updates,
        )
    return {key: current[key].id for key in wanted}


def _current_listings(
    conn: Connection, competitor_id: int, urls: set[str], chunk: int
) -> dict[ListingKey, Any]:
    tbl = table(Listing)
    ordered = sorted(urls)
    found: dict[ListingKey, Any] = {}
    for start in range(0, len(ordered), chunk):
        for row in conn.execute(
            select(tbl.c.id, tbl.c.url, tbl.c.variant, tbl.c.active, *[tbl.c[f] for f in IDENTITY])
            .where(tbl.c.competitor_id == competitor_id, tbl.c.url.in_(ordered[start:start + chunk]))
        ):
            found[ListingKey(row.url, row.variant)] = row
    return found


PAGE_READING_COLUMNS = (
    "price", "regular_price", "currency", "availability", "promotions", "shipping_cost",
    "free_shipping_threshold", "delivery_min_days", "delivery_max_days", "warranty_months",
    "returns_days",
)


def last_page_readings(conn: Connection, competitor_id: int) -> dict[tuple[str, str], Any]:
    """(url, variant) -> the listing's identity and its latest `ok` observation that was
    read in full from the product page (not from a platform API, not a quick read), with
    `observed_at`: what a crawl reading prices from a platform API carries over."""
    from sqlalchemy import and_, not_, or_

    obs, lst = table(Observation), table(Listing)
    page_read = or_(obs.c.extractor.is_(None),
                    and_(not_(obs.c.extractor.like("api:%")),
                         not_(obs.c.extractor.like("%/quick"))))
    ranked = (
        select(obs.c.listing_id, obs.c.observed_at,
               *(obs.c[name] for name in PAGE_READING_COLUMNS),
               func.row_number().over(partition_by=obs.c.listing_id,
                                      order_by=(obs.c.observed_at.desc(), obs.c.id.desc()))
               .label("rn"))
        .join(lst, lst.c.id == obs.c.listing_id)
        .where(lst.c.competitor_id == competitor_id,
               obs.c.status == ObservationStatus.ok.value, page_read)
        .subquery()
    )
    rows = conn.execute(
        select(lst.c.url, lst.c.variant, lst.c.sku, lst.c.gtin, lst.c.mpn, lst.c.brand,
               lst.c.title, ranked.c.observed_at,
               *(ranked.c[name] for name in PAGE_READING_COLUMNS))
        .join(ranked, ranked.c.listing_id == lst.c.id)
        .where(ranked.c.rn == 1)
    )
    return {(row.url, row.variant): row for row in rows}
