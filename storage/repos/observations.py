"""Observations: the bulk write path of every crawl, and the reads comparison needs.

The bulk path goes below the ORM on purpose: `executemany` on SQLite's own cursor and
COPY on PostgreSQL. The ORM's unit of work costs ~30x more per row (see bench/storage.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select

from storage.models import Observation, ObservationStatus, table
from storage.types import money_binder, sqlite_datetime_text


@dataclass(slots=True, kw_only=True)
class ObservationRow:
    """One observation as plain data, ready for the bulk path."""

    listing_id: int
    crawl_run_id: int
    observed_at: datetime
    status: str
    reason: str | None = None
    price: Decimal | None = None
    regular_price: Decimal | None = None
    currency: str | None = None
    availability: str | None = None
    shipping_cost: Decimal | None = None
    free_shipping_threshold: Decimal | None = None
    delivery_min_days: int | None = None
    delivery_max_days: int | None = None
    warranty_months: int | None = None
    returns_days: int | None = None
    promotions: list[dict[str, Any]] | None = None
    title: str | None = None
    extractor: str | None = None
    confidence: float | None = None
    page_hash: str | None = None
    secondary_price: Decimal | None = None
    secondary_currency: str | None = None
    converted_from: str | None = None
    instalments: int | None = None
    """Instalment plan offered, in months (a term of the offer; see storage.offer_terms)."""

    def __post_init__(self) -> None:
        if self.observed_at.tzinfo is None:
            raise ValueError("observed_at must be timezone-aware UTC")
        if self.status not in ObservationStatus.__members__:
            raise ValueError(f"unknown observation status {self.status!r}")
        if self.status == ObservationStatus.ok and self.price is None:
            raise ValueError("an 'ok' observation needs a price; store a missing price as not_found")


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ObservationRow))
_MONEY = frozenset({"price", "regular_price", "shipping_cost", "free_shipping_threshold",
                    "secondary_price"})


def _sqlite_tuples(rows: Iterable[ObservationRow]) -> Iterable[tuple[Any, ...]]:
    """Convert rows to what SQLite stores, as `Exact`/`UTCDateTime` would, but in one tight loop."""
    money = money_binder("sqlite")
    last_time: datetime | None = None
    last_text = ""
    for r in rows:
        if r.observed_at is not last_time:
            last_time, last_text = r.observed_at, sqlite_datetime_text(r.observed_at)
        yield (
            r.listing_id, r.crawl_run_id, last_text, r.status, r.reason,
            money(r.price), money(r.regular_price), r.currency, r.availability,
            money(r.shipping_cost), money(r.free_shipping_threshold),
            r.delivery_min_days, r.delivery_max_days, r.warranty_months, r.returns_days,
            None if r.promotions is None else json.dumps(r.promotions, default=str),
            r.title, r.extractor, r.confidence, r.page_hash,
            money(r.secondary_price), r.secondary_currency, r.converted_from, r.instalments,
        )


def _pg_tuples(rows: Iterable[ObservationRow]) -> Iterable[tuple[Any, ...]]:
    for r in rows:
        values = [getattr(r, c) for c in COLUMNS]
        if r.promotions is not None:
            values[COLUMNS.index("promotions")] = json.dumps(r.promotions, default=str)
        yield tuple(values)


def bulk_insert_observations(
    conn: Connection, rows: Iterable[ObservationRow], batch_size: int = 50_000
) -> int:
    """Insert observations in bulk inside the caller's transaction; return how many."""
    dialect = conn.dialect.name
    total = 0
    if dialect == "sqlite":
        sql = (
            f"INSERT INTO observation ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in COLUMNS)})"
        )
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        batch: list[tuple[Any, ...]] = []
        for values in _sqlite_tuples(rows):
            batch.append(values)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
        cursor.close()
        return total
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
            f"COPY observation ({', '.join(COLUMNS)}) FROM STDIN"
        ) as copy:
            for values in _pg_tuples(rows):
                copy.write_row(values)
                total += 1
        return total
    conn.execute(table(Observation).insert(), [
        {c: getattr(r, c) for c in COLUMNS} for r in rows
    ])
    return total


def insert_observations(engine: Engine, rows: Iterable[ObservationRow]) -> int:
    """Bulk insert in one transaction of its own: all rows or none."""
    with engine.begin() as conn:
        return bulk_insert_observations(conn, rows)


def latest_good_observations(
    conn: Connection, listing_ids: Sequence[int] | None = None
) -> Sequence[Row[Any]]:
    """The latest `ok` observation of every listing (or of the given ones): one set-based query.

    Quarantined, blocked and failed readings never count as a price.
    """
    obs = table(Observation)
    ranked = select(
        obs,
        func.row_number()
        .over(partition_by=obs.c.listing_id, order_by=(obs.c.observed_at.desc(), obs.c.id.desc()))
        .label("rn"),
    ).where(obs.c.status == ObservationStatus.ok.value)
    if listing_ids is not None:
        ranked = ranked.where(obs.c.listing_id.in_(list(listing_ids)))
    sub = ranked.subquery()
    cols = [sub.c[c.name] for c in obs.columns]
    return conn.execute(select(*cols).where(sub.c.rn == 1).order_by(sub.c.listing_id)).all()


def listing_history(
    conn: Connection, listing_id: int, since: datetime | None = None
) -> Sequence[Row[Any]]:
    """Every observation of one listing, oldest first."""
    obs = table(Observation)
    query = select(obs).where(obs.c.listing_id == listing_id)
    if since is not None:
        query = query.where(obs.c.observed_at >= since)
    return conn.execute(query.order_by(obs.c.observed_at, obs.c.id)).all()
