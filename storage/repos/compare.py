"""Reads and writes of the comparison: set-based SQL, the same on SQLite and PostgreSQL.

`latest_offers` reads, for every usable match (confirmed, or automatic and sure enough),
its listing's latest `ok` reading from `latest_observation` (kept current by triggers on
insert, see migrations 0002 and 0003) and the promotions seen in that same crawl run. For listings
showing a 'was' price it also works out when the current discount began (the first
reading after the last one without a markdown) and the competitor's own lowest `ok` price
in the N days before that: what the EU rule on announced discounts compares the 'was'
price with. Correlated subqueries served by the (listing_id, status, observed_at) index.

Money columns are read raw and converted through a small cache (prices repeat a lot):
going through the `Exact` type for a million rows costs seconds. `save_run` writes the
run and its findings in the caller's transaction, in bulk.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType

from storage.models import (
    CompareRun,
    Competitor,
    Finding,
    LatestObservation,
    Listing,
    Match,
    Observation,
    ObservationStatus,
    Product,
    Promotion,
    table,
)
from storage.repos.matches import usable
from storage.types import UTCDateTime, from_units, money_binder, sqlite_datetime_text

_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)
_OK = ObservationStatus.ok.value
_CENT = Decimal("0.01")


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


def _raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column without result processing: the driver's value as is."""
    return type_coerce(column, NullType())


def money_reader(dialect: str) -> Callable[[Any], Decimal | None]:
    """Raw money value -> Decimal as `Exact` would give it, cached per distinct value."""
    cache: dict[Any, Decimal] = {}

    def numeric(value: Any) -> Decimal:
        value = Decimal(value)
        quantized = value.quantize(_CENT)
        return quantized if quantized == value else value.normalize()

    convert: Callable[[Any], Decimal] = (lambda v: from_units(int(v))) if dialect == "sqlite" else numeric

    def read(value: Any) -> Decimal | None:
        if value is None:
            return None
        found = cache.get(value)
        if found is None:
            found = cache[value] = convert(value)
        return found

    return read


@dataclass(slots=True)
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


@dataclass(slots=True)
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


@dataclass(slots=True)
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


_PRODUCT_MONEY = frozenset({"price", "cost", "min_margin", "map_price", "shipping_cost",
                            "free_shipping_threshold"})


def active_products(conn: Connection) -> list[ProductRow]:
    """Our active products with their offer, margin rules and terms."""
    p = table(Product)
    names = [f.name for f in fields(ProductRow)]
    money = money_reader(conn.dialect.name)
    cols = [_raw(p.c[n]) if n in _PRODUCT_MONEY else p.c[n] for n in names]
    flags = [n in _PRODUCT_MONEY for n in names]
    products = []
    for row in conn.execute(select(*cols).where(p.c.active.is_(True))):
        values: list[Any] = [money(v) if m else v for v, m in zip(row, flags, strict=True)]
        products.append(ProductRow(*values))
    return products


def _fetch_raw(conn: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of `query` straight from the driver: a million rows without SQLAlchemy's
    per-row work. The values in it are literals of our own (no user input)."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _read_offers(conn: Connection, min_confidence: float) -> list[OfferRow]:
    lo, m, lst, c = table(LatestObservation), table(Match), table(Listing), table(Competitor)
    query = (
        select(
            m.c.product_id, m.c.listing_id, lst.c.competitor_id, c.c.name, _raw(m.c.pack_ratio),
            _raw(lo.c.price), _raw(lo.c.regular_price), func.coalesce(lo.c.currency, c.c.currency),
            _raw(lo.c.shipping_cost), _raw(lo.c.free_shipping_threshold), lo.c.delivery_min_days,
            lo.c.delivery_max_days, lo.c.warranty_months, lo.c.returns_days,
            _raw(lo.c.promotions),
        )
        .select_from(m)
        .join(lo, lo.c.listing_id == m.c.listing_id)
        .join(lst, lst.c.id == m.c.listing_id)
        .join(c, c.c.id == lst.c.competitor_id)
        .where(usable(m, min_confidence))
    )
    money = money_reader(conn.dialect.name)
    names: dict[int, str] = {}
    offers = []
    for (pid, lid, cid, name, ratio, price, regular, currency, ship, free, dmin, dmax, warranty,
         returns, promos) in _fetch_raw(conn, query):
        if isinstance(promos, str):
            promos = json.loads(promos)
        offers.append(OfferRow(
            pid, lid, cid, names.setdefault(cid, name), money(ratio), money(price),  # type: ignore[arg-type]
            money(regular), currency, money(ship), money(free), dmin, dmax, warranty, returns,
            promos or None, None,
        ))
    return offers


def _lowest_before(conn: Connection, min_confidence: float, days: int) -> dict[int, Decimal]:
    """Listing id -> its lowest ok price in the `days` before its current discount began,
    for usable listings whose latest reading shows a 'was' price above the price."""
    o, lo, m = table(Observation), table(LatestObservation), table(Match)
    full = o.alias("full_price")
    last_full = select(func.max(full.c.observed_at)).where(
        full.c.listing_id == lo.c.listing_id, full.c.status == _OK,
        full.c.observed_at < lo.c.observed_at,
        or_(full.c.regular_price.is_(None), full.c.regular_price <= full.c.price),
    ).correlate(lo).scalar_subquery()  # nested two levels down: correlate by hand
    during = o.alias("on_sale")
    sale_start = select(func.min(during.c.observed_at)).where(
        during.c.listing_id == lo.c.listing_id, during.c.status == _OK,
        during.c.observed_at <= lo.c.observed_at,
        during.c.observed_at > func.coalesce(last_full, literal(_EPOCH, UTCDateTime())),
    ).correlate(lo).scalar_subquery()
    sales = (
        select(lo.c.listing_id, sale_start.label("start"))
        .join(m, m.c.listing_id == lo.c.listing_id)
        .where(lo.c.regular_price > lo.c.price, usable(m, min_confidence))
        .cte("sales")
        .prefix_with("MATERIALIZED")  # work out each start once (SQLite >= 3.35, PostgreSQL >= 12)
    )
    before = o.alias("before_sale")
    lowest = select(func.min(_raw(before.c.price))).where(
        before.c.listing_id == sales.c.listing_id, before.c.status == _OK,
        before.c.observed_at < sales.c.start,
        before.c.observed_at >= days_before(sales.c.start, literal_column(str(int(days)))),
    ).correlate(sales).scalar_subquery()
    money = money_reader(conn.dialect.name)
    found: dict[int, Decimal] = {}
    for listing_id, value in conn.execute(select(sales.c.listing_id, lowest)):
        amount = money(value)
        if amount is not None:
            found[listing_id] = amount
    return found


def _read_promotions(conn: Connection) -> dict[int, list[PromotionRow]]:
    p, lo = table(Promotion), table(LatestObservation)
    query = (
        select(p.c.listing_id, p.c.kind, p.c.value, p.c.code, p.c.buy_qty, p.c.pay_qty,
               p.c.threshold, p.c.instalments, p.c.valid_until, p.c.text)
        .join(lo, (lo.c.listing_id == p.c.listing_id) & (lo.c.crawl_run_id == p.c.crawl_run_id))
        .order_by(p.c.listing_id, p.c.id)
    )
    found: dict[int, list[PromotionRow]] = defaultdict(list)
    for r in conn.execute(query):
        found[r.listing_id].append(PromotionRow(*tuple(r)))
    return dict(found)


def latest_offers(
    conn: Connection, min_confidence: float, fake_discount_days: int = 30
) -> tuple[list[OfferRow], dict[int, list[PromotionRow]]]:
    """Every usable match's latest good offer, and the promotions of those readings by listing."""
    offers = _read_offers(conn, min_confidence)
    lowest = _lowest_before(conn, min_confidence, fake_discount_days)
    if lowest:
        offers = [
            replace(o, lowest_before=lowest[o.listing_id]) if o.listing_id in lowest else o
            for o in offers
        ]
    return offers, _read_promotions(conn)


FINDING_COLUMNS = (
    "compare_run_id", "product_id", "competitor_id", "listing_id", "kind", "currency",
    "our_price", "our_effective", "their_price", "their_effective", "gap", "gap_pct",
    "recommended_price", "promo_until", "impact", "reason", "details", "created_at",
)
_FINDING_MONEY = frozenset({"our_price", "our_effective", "their_price", "their_effective",
                            "gap", "gap_pct", "recommended_price", "impact"})


def _insert_findings_sqlite(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """The bulk path below the ORM, converting as `Exact` / `UTCDateTime` / JSON would."""
    money = money_binder("sqlite")

    def when(value: Any) -> Any:
        return sqlite_datetime_text(value) if isinstance(value, datetime) else value

    def details(value: Any) -> str:
        return json.dumps(value or {}, default=str)

    def same(value: Any) -> Any:
        return value

    convert = [money if col in _FINDING_MONEY else details if col == "details"
               else when if col in ("promo_until", "created_at") else same
               for col in FINDING_COLUMNS]
    pairs = list(zip(FINDING_COLUMNS, convert, strict=True))
    values = [tuple(fn(row.get(col)) for col, fn in pairs) for row in rows]
    sql = (f"INSERT INTO finding ({', '.join(FINDING_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in FINDING_COLUMNS)})")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()


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
    if conn.dialect.name == "sqlite":
        _insert_findings_sqlite(conn, rows)
        return run_id
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
