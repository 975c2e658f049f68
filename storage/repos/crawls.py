"""Reads and writes the crawl pipeline needs beyond listings and observations.

Everything is set-based: one query per batch of listings, never one per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, update

from storage.models import CrawlRun, Observation, ObservationStatus, Promotion, RunStatus, table
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
    obs = table(Observation)
    result: dict[int, GoodValue] = {}
    ids = sorted(set(listing_ids))
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        ranked = (
            select(
                obs.c.listing_id, obs.c.price, obs.c.currency, obs.c.title,
                func.row_number().over(
                    partition_by=obs.c.listing_id,
                    order_by=(obs.c.observed_at.desc(), obs.c.id.desc()),
                ).label("rn"),
            )
            .where(obs.c.status == ObservationStatus.ok.value, obs.c.listing_id.in_(part))
            .subquery()
        )
        rows = conn.execute(
            select(ranked.c.listing_id, ranked.c.price, ranked.c.currency, ranked.c.title)
            .where(ranked.c.rn == 1)
        )
        for row in rows:
            result[row.listing_id] = GoodValue(row.price, row.currency, row.title)
    return result


PROMOTION_COLUMNS = (
    "listing_id", "crawl_run_id", "observed_at", "kind", "text", "value", "code", "buy_qty",
    "pay_qty", "threshold", "instalments", "valid_from", "valid_until",
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


def close_dangling_run(
    conn: Connection, run_id: int, status: RunStatus, error: str | None,
    finished_at: datetime | None = None,
) -> bool:
    """Mark a run that is still `running` as failed/interrupted (its process died or stopped
    before saying how it ended). Returns whether the row was still running."""
    runs = table(CrawlRun)
    result = conn.execute(
        update(runs)
        .where(runs.c.id == run_id, runs.c.status == RunStatus.running.value)
        .values(status=status.value, error_summary=error, finished_at=finished_at or utcnow())
    )
    return bool(result.rowcount)
