"""Reads and writes of the comparison: set-based SQL, the same on SQLite and PostgreSQL.

`latest_offers` finds, in one window-function query, the latest `ok` observation of every
listing with a usable match (confirmed, or automatic and sure enough), keeps it in a
temporary table for the duration of the read, and from there:

- joins the observation's terms and the promotions seen in the same crawl run;
- works out, for listings showing a 'was' price, when the current discount began (the
  first reading after the last one without a markdown) and the competitor's own lowest
  `ok` price in the N days before that: what the EU rule on announced discounts compares
  the 'was' price with. Two correlated UPDATEs over the temporary table, served by the
  (listing_id, status, observed_at) index.

`save_run` writes a CompareRun and its findings in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from storage.models import (
    CompareRun,
    Competitor,
    Finding,
    Listing,
    Match,
    Observation,
    ObservationStatus,
    Product,
    Promotion,
    table,
)
from storage.repos.matches import usable
from storage.types import Exact, UTCDateTime

_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)
_OK = ObservationStatus.ok.value


class days_before(FunctionElement[datetime]):
    """`moment - N days`, spelled per database (SQLite keeps times as sortable text)."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(days_before, "sqlite")
def _days_before_sqlite(element: days_before, compiler: SQLCompiler, **kw: Any) -> str:
    moment, days = list(element.clauses)
    return (f"strftime('%Y-%m-%d %H:%M:%f', {compiler.process(moment, **kw)}, "
            f"'-' || {compiler.process(days, **kw)} || ' days')")


@compiles(days_before, "postgresql")
def _days_before_pg(element: days_before, compiler: SQLCompiler, **kw: Any) -> str:
    moment, days = list(element.clauses)
    return f"({compiler.process(moment, **kw)} - make_interval(days => {compiler.process(days, **kw)}))"


_tmp = MetaData()
LATEST = Table(
    "tmp_latest_offer", _tmp,
    Column("listing_id", Integer, primary_key=True),
    Column("product_id", Integer, nullable=False),
    Column("pack_ratio", Exact()),
    Column("observation_id", Integer, nullable=False),
    Column("crawl_run_id", Integer, nullable=False),
    Column("observed_at", UTCDateTime(), nullable=False),
    Column("price", Exact()),
    Column("regular_price", Exact()),
    Column("sale_start", UTCDateTime()),
    Column("lowest_before", Exact()),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: int
    sku: str
    name: str
    category: str | None
    currency: str
    price: Decimal
    cost: Decimal | None
    min_margin: Decimal | None
    map_price: Decimal | None
    shipping_cost: Decimal | None
    free_shipping_threshold: Decimal | None
    delivery_days: int | None
    warranty_months: int | None
    returns_days: int | None
    priority: int


@dataclass(frozen=True, slots=True)
class OfferRow:
    """A matched listing's latest good observation, with what the rules need."""

    product_id: int
    listing_id: int
    competitor_id: int
    competitor: str
    pack_ratio: Decimal | None
    price: Decimal
    regular_price: Decimal | None
    currency: str | None
    shipping_cost: Decimal | None
    free_shipping_threshold: Decimal | None
    delivery_min_days: int | None
    delivery_max_days: int | None
    warranty_months: int | None
    returns_days: int | None
    promotions_json: list[Any] | None
    lowest_before: Decimal | None


@dataclass(frozen=True, slots=True)
class PromotionRow:
    listing_id: int
    kind: str
    value: Decimal | None
    code: str | None
    buy_qty: int | None
    pay_qty: int | None
    threshold: Decimal | None
    instalments: int | None
    valid_until: datetime | None
    text: str | None


def active_products(conn: Connection) -> list[ProductRow]:
    p = table(Product)
    cols = [p.c[f.name] for f in fields(ProductRow)]
    return [ProductRow(*tuple(r)) for r in conn.execute(
        select(*cols).where(p.c.active.is_(True)).order_by(p.c.id)
    )]


def _fill_latest(conn: Connection, min_confidence: float) -> None:
    o, m = table(Observation), table(Match)
    ranked = (
        select(
            o.c.listing_id, m.c.product_id, m.c.pack_ratio, o.c.id.label("observation_id"),
            o.c.crawl_run_id, o.c.observed_at, o.c.price, o.c.regular_price,
            func.row_number().over(
                partition_by=o.c.listing_id, order_by=(o.c.observed_at.desc(), o.c.id.desc())
            ).label("rn"),
        )
        .join(m, m.c.listing_id == o.c.listing_id)
        .where(o.c.status == _OK, usable(m, min_confidence))
        .subquery()
    )
    names = ["listing_id", "product_id", "pack_ratio", "observation_id", "crawl_run_id",
             "observed_at", "price", "regular_price"]
    conn.execute(LATEST.insert().from_select(
        names, select(*(ranked.c[n] for n in names)).where(ranked.c.rn == 1)
    ))


def _fill_lowest_before(conn: Connection, days: int) -> None:
    """For listings showing a 'was' price: when the discount began, and the lowest price
    in the `days` before that."""
    o, t = table(Observation), LATEST
    full = o.alias("full_price")
    last_full = select(func.max(full.c.observed_at)).where(
        full.c.listing_id == t.c.listing_id, full.c.status == _OK,
        full.c.observed_at < t.c.observed_at,
        or_(full.c.regular_price.is_(None), full.c.regular_price <= full.c.price),
    ).scalar_subquery()
    sale = o.alias("on_sale")
    sale_start = select(func.min(sale.c.observed_at)).where(
        sale.c.listing_id == t.c.listing_id, sale.c.status == _OK,
        sale.c.observed_at <= t.c.observed_at,
        sale.c.observed_at > func.coalesce(last_full, literal(_EPOCH, UTCDateTime())),
    ).scalar_subquery()
    conn.execute(update(t).where(t.c.regular_price > t.c.price).values(sale_start=sale_start))
    before = o.alias("before")
    lowest = select(func.min(before.c.price)).where(
        before.c.listing_id == t.c.listing_id, before.c.status == _OK,
        before.c.observed_at < t.c.sale_start,
        before.c.observed_at >= days_before(t.c.sale_start, literal_column(str(int(days)))),
    ).scalar_subquery()
    conn.execute(update(t).where(t.c.sale_start.is_not(None)).values(lowest_before=lowest))


def _read_offers(conn: Connection) -> list[OfferRow]:
    o, lst, c, t = table(Observation), table(Listing), table(Competitor), LATEST
    query = (
        select(
            t.c.product_id, t.c.listing_id, lst.c.competitor_id, c.c.name, t.c.pack_ratio,
            o.c.price, o.c.regular_price, func.coalesce(o.c.currency, c.c.currency),
            o.c.shipping_cost,
            o.c.free_shipping_threshold, o.c.delivery_min_days, o.c.delivery_max_days,
            o.c.warranty_months, o.c.returns_days, o.c.promotions, t.c.lowest_before,
        )
        .join(o, o.c.id == t.c.observation_id)
        .join(lst, lst.c.id == t.c.listing_id)
        .join(c, c.c.id == lst.c.competitor_id)
        .order_by(t.c.product_id, t.c.listing_id)
    )
    return [OfferRow(*tuple(r)) for r in conn.execute(query)]


def _read_promotions(conn: Connection) -> dict[int, list[PromotionRow]]:
    p, t = table(Promotion), LATEST
    query = (
        select(p.c.listing_id, p.c.kind, p.c.value, p.c.code, p.c.buy_qty, p.c.pay_qty,
               p.c.threshold, p.c.instalments, p.c.valid_until, p.c.text)
        .join(t, (t.c.listing_id == p.c.listing_id) & (t.c.crawl_run_id == p.c.crawl_run_id))
        .order_by(p.c.listing_id, p.c.id)
    )
    found: dict[int, list[PromotionRow]] = defaultdict(list)
    for r in conn.execute(query):
        found[r.listing_id].append(PromotionRow(*tuple(r)))
    return dict(found)


def latest_offers(
    conn: Connection, min_confidence: float, fake_discount_days: int = 30
) -> tuple[list[OfferRow], dict[int, list[PromotionRow]]]:
    """Every usable match's latest good offer (ordered by product), and its promotions by listing."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS tmp_latest_offer")
    LATEST.create(conn)
    try:
        _fill_latest(conn, min_confidence)
        _fill_lowest_before(conn, fake_discount_days)
        return _read_offers(conn), _read_promotions(conn)
    finally:
        conn.exec_driver_sql("DROP TABLE IF EXISTS tmp_latest_offer")


def save_run(
    conn: Connection, *, started_at: datetime, finished_at: datetime,
    settings: dict[str, Any], summary: dict[str, Any], findings: Sequence[dict[str, Any]],
) -> int:
    """Write one CompareRun and its findings (dicts of Finding columns); returns the run id."""
    runs, found = table(CompareRun), table(Finding)
    result = conn.execute(runs.insert().values(
        started_at=started_at, finished_at=finished_at, settings=settings, summary=summary,
    ))
    key = result.inserted_primary_key
    assert key is not None
    run_id = int(key[0])
    rows = [{**f, "compare_run_id": run_id, "created_at": finished_at} for f in findings]
    for start in range(0, len(rows), 20_000):
        conn.execute(found.insert(), rows[start:start + 20_000])
    return run_id


def run_findings(conn: Connection, run_id: int, limit: int | None = None) -> Sequence[Any]:
    """A run's findings, biggest impact first."""
    f = table(Finding)
    query = select(f).where(f.c.compare_run_id == run_id).order_by(f.c.impact.desc(), f.c.id)
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).all()


def latest_run_id(conn: Connection) -> int | None:
    runs = table(CompareRun)
    return conn.execute(select(func.max(runs.c.id))).scalar()
