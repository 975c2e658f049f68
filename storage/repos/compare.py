"""Reads and writes of the comparison: set-based SQL, the same on SQLite and PostgreSQL.

`latest_offers` reads, for every usable match (confirmed, or automatic and sure enough)
of an active listing (one marked gone is left out), its listing's latest priced `ok`
reading and latest known stock from `latest_observation` (one row per listing, kept
current by triggers, see migrations 0002, 0003 and 0006: a newer sold-out page without a
price makes the offer out of stock, its last price stays)
and the promotions seen in that same crawl run. For listings
showing a 'was' price it also works out when the current discount began (the first
reading after the last one without a markdown) and the competitor's own lowest `ok` price
in the N days before that: what the EU rule on announced discounts compares the 'was'
price with. Correlated subqueries served by the (listing_id, status, observed_at) index.

Money columns are read raw and converted through a small cache (prices repeat a lot):
going through the `Exact` type for a million rows costs seconds. `start_run`,
`add_findings` and `finish_run` write a run and its findings (encoded by `FindingCodec`)
in the caller's transaction, in bulk; on SQLite a worker's findings arrive packed as an
in-memory database image (`FindingCodec.pack`) and are copied by one INSERT ... SELECT.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
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
from storage.types import UTCDateTime, from_units, sqlite_datetime_text, to_units

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


class MoneyReader(Protocol):
    cache: dict[Any, Decimal]
    """Raw value -> Decimal, for the values read so far (a hot loop looks them up itself)."""

    def __call__(self, value: Any) -> Decimal | None: ...


def money_reader(dialect: str) -> MoneyReader:
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

    read.cache = cache  # type: ignore[attr-defined]
    return read  # type: ignore[return-value]


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


class OfferRow(NamedTuple):
    """A matched listing's latest good observation, with what the rules need (a named
    tuple: a comparison reads a million of them)."""

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
    lowest_before: tuple[tuple[str | None, Decimal], ...] | None
    """Their lowest ok price per currency in the days before the current discount."""
    availability: str | None
    """schema.org availability of the newest reading about stock (`latest_observation`)."""
    match_note: str | None
    """Why the listing was matched (the match's note)."""
    instalments: int | None = None
    """Months of instalments the shop offers (a term of the offer, of the priced reading)."""


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
    detail: str | None = None
    """Which variant of its kind (`storage.models.Promotion.detail`): a multi-buy's
    ``"quantity_discount"`` or ``"nth_item_discount"``."""


ProductRange = tuple[int, int]
"""Inclusive (first, last) product ids: one part of a comparison split across workers."""


def product_ranges(conn: Connection, parts: int | Sequence[int]) -> list[ProductRange]:
    """Active product ids cut into consecutive ranges: `parts` of equal size, or one range
    per weight of a sequence, each holding about its share of the products (a range that
    would hold none is left out)."""
    p = table(Product)
    ids = list(conn.execute(select(p.c.id).where(p.c.active.is_(True)).order_by(p.c.id)).scalars())
    weights = [1] * max(parts, 1) if isinstance(parts, int) else [w for w in parts if w > 0]
    if not ids or not weights:
        return []
    total, done, start, ranges = sum(weights), 0, 0, []
    for weight in weights:
        done += weight
        end = len(ids) * done // total
        if end > start:
            ranges.append((ids[start], ids[end - 1]))
            start = end
    return ranges


def count_matches(conn: Connection) -> int:
    """All matches, whatever their status: a cheap measure of the comparison's size."""
    return int(conn.execute(select(func.count()).select_from(table(Match))).scalar_one())


def _in_range(column: ColumnElement[Any], products: ProductRange | None) -> ColumnElement[bool]:
    return true() if products is None else column.between(*products)


def active_products(conn: Connection, products: ProductRange | None = None) -> list[ProductRow]:
    """Our active products (all, or those in the id range) with their offer, margin rules
    and terms."""
    p = table(Product)
    names = [f.name for f in fields(ProductRow)]
    query = select(*(_raw(p.c[n]) for n in names)).where(
        p.c.active.is_(True), _in_range(p.c.id, products))
    money = money_reader(conn.dialect.name)
    known = money.cache  # a few distinct amounts: look them up here, call only for a new one
    return [
        ProductRow(pid, sku, name, category, currency,
                   known.get(price) or money(price),  # type: ignore[arg-type]
                   None if cost is None else known.get(cost) or money(cost),
                   None if margin is None else known.get(margin) or money(margin),
                   None if map_price is None else known.get(map_price) or money(map_price),
                   None if ship is None else known.get(ship) or money(ship),
                   None if free is None else known.get(free) or money(free),
                   delivery, warranty, returns, priority)
        for (pid, sku, name, category, currency, price, cost, margin, map_price, ship, free,
             delivery, warranty, returns, priority) in _fetch_raw(conn, query)
    ]


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


def _read_offers(conn: Connection, min_confidence: float, products: ProductRange | None,
                 lowest: dict[int, tuple[tuple[str | None, Decimal], ...]],
                 visit: Callable[..., object]) -> None:
    lo, m, lst, c = table(LatestObservation), table(Match), table(Listing), table(Competitor)
    # the competitors' names and currencies (a few dozen) apart: not a join and two
    # strings more for each of a million rows
    competitors = {cid: (name, currency) for cid, name, currency
                   in conn.execute(select(c.c.id, c.c.name, _raw(c.c.currency)))}
    query = (
        select(
            m.c.product_id, m.c.listing_id, lst.c.competitor_id, _raw(m.c.pack_ratio),
            _raw(lo.c.price), _raw(lo.c.regular_price), lo.c.currency,
            _raw(lo.c.shipping_cost), _raw(lo.c.free_shipping_threshold), lo.c.delivery_min_days,
            lo.c.delivery_max_days, lo.c.warranty_months, lo.c.returns_days,
            _raw(lo.c.promotions), lo.c.availability, m.c.note, lo.c.instalments,
        )
        .select_from(m)
        .join(lo, lo.c.listing_id == m.c.listing_id)
        .join(lst, lst.c.id == m.c.listing_id)
        .where(usable(m, min_confidence, most=True), _in_range(m.c.product_id, products),
               lst.c.active.is_(True))  # a listing marked gone is no offer
    )
    money = money_reader(conn.dialect.name)
    known = money.cache  # most amounts repeat: look them up here, call only for a new one
    loads, found_lowest = json.loads, lowest.get
    for (pid, lid, cid, ratio, price, regular, currency, ship, free, dmin, dmax, warranty,
         returns, promos, availability, note, instalments) in _fetch_raw(conn, query):
        if promos is not None and promos.__class__ is str:
            promos = loads(promos)
        name, shop_currency = competitors[cid]
        if currency is None:  # not stated on the page: the shop's own currency
            currency = shop_currency
        visit(  # most optional money is NULL: skip the look-up then
            pid, lid, cid, name,
            None if ratio is None else known.get(ratio) or money(ratio),
            known.get(price) or money(price),
            None if regular is None else known.get(regular) or money(regular), currency,
            None if ship is None else known.get(ship) or money(ship),
            None if free is None else known.get(free) or money(free),
            dmin, dmax, warranty, returns, promos or None, found_lowest(lid), availability,
            note, instalments,
        )


def _lowest_before(conn: Connection, min_confidence: float, days: int,
                   products: ProductRange | None) -> dict[int, tuple[tuple[str | None, Decimal], ...]]:
    """Listing id -> its lowest ok price per currency (None: not stated) in the `days`
    before its current discount began, for usable listings whose latest reading shows a
    'was' price above the price."""
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
        .where(lo.c.regular_price > lo.c.price, usable(m, min_confidence, most=True),
               _in_range(m.c.product_id, products))
        .cte("sales")
        .prefix_with("MATERIALIZED")  # work out each start once (SQLite >= 3.35, PostgreSQL >= 12)
    )
    before = o.alias("before_sale")
    # per currency: a shop that moved from leva to euros has both in its 30 days, and
    # only the money module may compare them (the caller converts)
    lowest = (
        select(sales.c.listing_id, before.c.currency, func.min(_raw(before.c.price)))
        .join(before, before.c.listing_id == sales.c.listing_id)
        .where(before.c.status == _OK, before.c.observed_at < sales.c.start,
               before.c.observed_at >= days_before(sales.c.start,
                                                   literal_column(str(int(days)))))
        .group_by(sales.c.listing_id, before.c.currency)
    )
    money = money_reader(conn.dialect.name)
    found: dict[int, list[tuple[str | None, Decimal]]] = defaultdict(list)
    for listing_id, currency, value in _fetch_raw(conn, lowest):
        amount = money(value)
        if amount is not None:
            found[listing_id].append((currency, amount))
    return {k: tuple(v) for k, v in found.items()}


def _read_promotions(conn: Connection, min_confidence: float,
                     products: ProductRange | None) -> dict[int, list[PromotionRow]]:
    """Listing id -> the promotions of its latest priced reading's crawl run, in id order:
    of every listing, or of the usable matches of the products in the range."""
    p, lo, m = table(Promotion), table(LatestObservation), table(Match)
    query = select(p.c.listing_id, p.c.kind, p.c.value, p.c.code, p.c.buy_qty, p.c.pay_qty,
                   p.c.threshold, p.c.instalments, p.c.valid_until, p.c.text, p.c.detail)
    if products is not None:
        # from the range's matches (ix_match_product) into the promotions of each listing:
        # few listings have any, and an IN (subquery) builds the whole set of the range's
        # listings first
        query = query.select_from(m).join(p, p.c.listing_id == m.c.listing_id).where(
            usable(m, min_confidence, most=True), _in_range(m.c.product_id, products))
    query = query.join(
        lo, (lo.c.listing_id == p.c.listing_id) & (lo.c.crawl_run_id == p.c.crawl_run_id)
    ).order_by(p.c.listing_id, p.c.id)
    found: dict[int, list[PromotionRow]] = defaultdict(list)
    for r in conn.execute(query):
        found[r.listing_id].append(PromotionRow(*tuple(r)))
    return dict(found)


def latest_offers(
    conn: Connection, min_confidence: float, fake_discount_days: int = 30,
    products: ProductRange | None = None,
) -> tuple[list[OfferRow], dict[int, list[PromotionRow]]]:
    """Every usable match's latest good offer (for all products, or those in the id range),
    and the promotions of those readings by listing."""
    offers: list[OfferRow] = []
    append = offers.append
    visit_offers(conn, min_confidence, fake_discount_days, products,
                 lambda *values: append(OfferRow(*values)))
    return offers, latest_promotions(conn, min_confidence, products)


def visit_offers(conn: Connection, min_confidence: float, fake_discount_days: int,
                 products: ProductRange | None, visit: Callable[..., object]) -> None:
    """What `latest_offers` reads, handed to `visit` row by row with `OfferRow`'s fields
    as positional arguments: a caller that builds its own objects (the comparison, a million
    of them) makes one per offer instead of two."""
    lowest = _lowest_before(conn, min_confidence, fake_discount_days, products)
    _read_offers(conn, min_confidence, products, lowest, visit)


def latest_promotions(conn: Connection, min_confidence: float,
                      products: ProductRange | None = None) -> dict[int, list[PromotionRow]]:
    """The promotions seen with each usable listing's latest priced reading, by listing."""
    return _read_promotions(conn, min_confidence, products)


FINDING_VALUES = (
    "product_id", "competitor_id", "listing_id", "kind", "currency", "our_price",
    "our_effective", "their_price", "their_effective", "gap", "gap_pct", "recommended_price",
    "promo_until", "impact", "reason", "details",
)
"""A finding's own columns, in the order of the tuples `FindingCodec` encodes."""
_FINDING_MONEY = frozenset({"our_price", "our_effective", "their_price", "their_effective",
                            "gap", "gap_pct", "recommended_price", "impact"})
IMPACT = FINDING_VALUES.index("impact")
PRODUCT = FINDING_VALUES.index("product_id")


class _Units(dict[Decimal | None, int | None]):
    """Money -> SQLite units, each distinct amount converted once (None stays None)."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, value: Decimal) -> int:
        found = self[value] = to_units(value)
        return found


_AS_JSON_MODULE = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_NON_STR_KEYS)
"""orjson options that keep what the standard `json` module with `default=str` wrote:
dates and dataclasses through `str`, non-string keys as strings."""


class FindingCodec:
    """Findings as the database stores them, and back.

    `encode` turns a tuple of `FINDING_VALUES` (Decimals, aware datetimes, a details
    dict) into what the driver takes, as `Exact`, `UTCDateTime` and JSON would; `decode`
    reverses it. Encoded rows are plain ints and strings on SQLite, so a comparison split
    across processes hands them back cheaply, and `add_findings` writes them in bulk.
    Impacts stay comparable once encoded (units on SQLite, Decimals elsewhere).
    """

    _MONEY = tuple(i for i, n in enumerate(FINDING_VALUES) if n in _FINDING_MONEY)
    _WHEN = FINDING_VALUES.index("promo_until")
    _DETAILS = FINDING_VALUES.index("details")

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self._sqlite = dialect == "sqlite"
        self._units = _Units()
        self._money_out = money_reader(dialect)

    @staticmethod
    def _dumps(details: dict[str, Any]) -> str:
        """Details as compact JSON, Decimals as strings. orjson: a run writes ~300,000
        details, and the standard encoder took a twentieth of a comparison's CPU."""
        return orjson.dumps(details, default=str, option=_AS_JSON_MODULE).decode()

    @staticmethod
    def pack(rows: Sequence[Sequence[Any]]) -> bytes:
        """Encoded SQLite rows as the image of a small in-memory SQLite database: how a
        worker process hands its findings back. `add_findings` copies them into the
        `finding` table inside SQLite, with no Python object per value on the way (for a
        million listings that was a third of the writing process's CPU)."""
        memory = sqlite3.connect(":memory:")
        try:
            memory.execute(f"CREATE TABLE {_PACKED} ({', '.join(FINDING_VALUES)})")
            memory.executemany(
                f"INSERT INTO {_PACKED} VALUES ({', '.join('?' for _ in FINDING_VALUES)})", rows)
            memory.commit()
            return memory.serialize()
        finally:
            memory.close()

    @staticmethod
    def unpack(packed: bytes, top: int | None = None) -> list[tuple[Any, ...]]:
        """The rows `pack` was given, in their order; with `top`, only those whose impact
        is at least the `top`-th biggest (ties included: the caller picks among them)."""
        memory = sqlite3.connect(":memory:")
        try:
            memory.deserialize(packed)
            if top is None:
                return memory.execute(f"SELECT * FROM {_PACKED} ORDER BY rowid").fetchall()
            return memory.execute(
                f"SELECT * FROM {_PACKED} WHERE impact >= coalesce((SELECT impact FROM "
                f"{_PACKED} ORDER BY impact DESC LIMIT 1 OFFSET ?), impact) ORDER BY rowid",
                (max(top - 1, 0),)).fetchall()
        finally:
            memory.close()

    def encode(self, values: Sequence[Any]) -> tuple[Any, ...]:
        if not self._sqlite:  # JSON-safe as on SQLite: Decimals (reason data) become strings
            row = list(values)
            row[self._DETAILS] = orjson.loads(self._dumps(row[self._DETAILS] or {}))
            return tuple(row)
        # spelled out (a run encodes ~300,000): FINDING_VALUES' order, money as units
        (product_id, competitor_id, listing_id, kind, currency, our_price, our_effective,
         their_price, their_effective, gap, gap_pct, recommended_price, promo_until, impact,
         reason, details) = values
        u = self._units
        return (product_id, competitor_id, listing_id, kind, currency, u[our_price],
                u[our_effective], u[their_price], u[their_effective], u[gap], u[gap_pct],
                u[recommended_price],
                None if promo_until is None else sqlite_datetime_text(promo_until),
                u[impact], reason, self._dumps(details or {}))

    def decode(self, row: Sequence[Any]) -> dict[str, Any]:
        values = list(row)
        for i in self._MONEY:
            values[i] = self._money_out(values[i])
        when = values[self._WHEN]
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        if when is not None:
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        values[self._WHEN] = when
        details = values[self._DETAILS]
        values[self._DETAILS] = json.loads(details) if isinstance(details, str) else dict(details or {})
        return dict(zip(FINDING_VALUES, values, strict=True))


def start_run(conn: Connection, *, started_at: datetime, settings: dict[str, Any]) -> int:
    """Open a CompareRun in the caller's transaction (findings and summary follow);
    returns its id. Nothing of it is visible to others before the transaction commits."""
    result = conn.execute(table(CompareRun).insert().values(
        started_at=started_at, finished_at=None, settings=settings, summary={},
    ))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


_PACKED = "finding"
"""The table of a packed part (`FindingCodec.pack`)."""
_PART = "compare_part"
"""The schema a packed part is attached as, on the writing connection."""


def _add_packed(conn: Connection, run_id: int, packed: bytes, created_at: datetime) -> None:
    """Copy a packed part into `finding`: attached as an in-memory database (kept attached
    for the next part; `release_packed` detaches it once the transaction is over)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    if _PART not in {row[1] for row in raw.execute("PRAGMA database_list")}:
        raw.execute(f"ATTACH DATABASE ':memory:' AS {_PART}")
    raw.deserialize(packed, name=_PART)
    columns = ", ".join(FINDING_VALUES)
    raw.execute(
        f"INSERT INTO main.finding (compare_run_id, {columns}, created_at) "
        f"SELECT ?, {columns}, ? FROM {_PART}.{_PACKED} ORDER BY rowid",
        (run_id, sqlite_datetime_text(created_at)))


def release_packed(conn: Connection) -> None:
    """Detach the in-memory part `add_findings` attached (SQLite allows it only outside a
    transaction); a no-op when there is none."""
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.driver_connection
    try:
        if raw is not None and _PART in {row[1] for row in raw.execute("PRAGMA database_list")}:
            raw.execute(f"DETACH DATABASE {_PART}")
    except sqlite3.Error:
        pass  # a broken connection: the next write attaches the part again if need be


def add_findings(conn: Connection, run_id: int, findings: Iterable[Sequence[Any]] | bytes,
                 created_at: datetime) -> None:
    """Write findings (rows encoded by `FindingCodec` for this connection's dialect, or on
    SQLite a part packed by `FindingCodec.pack`) of a run, in bulk, in the caller's
    transaction."""
    if isinstance(findings, bytes):
        if conn.dialect.name != "sqlite":
            raise ValueError("packed findings are SQLite rows: write rows on this database")
        _add_packed(conn, run_id, findings, created_at)
        return
    if conn.dialect.name == "sqlite":
        created = sqlite_datetime_text(created_at)
        columns = ("compare_run_id", *FINDING_VALUES, "created_at")
        sql = (f"INSERT INTO finding ({', '.join(columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, ((run_id, *row, created) for row in findings))
        finally:
            cursor.close()
        return
    found = table(Finding)
    batch: list[dict[str, Any]] = []
    for row in findings:
        batch.append({**dict(zip(FINDING_VALUES, row, strict=True)),
                      "compare_run_id": run_id, "created_at": created_at})
        if len(batch) == 20_000:
            conn.execute(found.insert(), batch)
            batch = []
    if batch:
        conn.execute(found.insert(), batch)


def finish_run(conn: Connection, run_id: int, *, finished_at: datetime,
               summary: dict[str, Any]) -> None:
    runs = table(CompareRun)
    conn.execute(runs.update().where(runs.c.id == run_id).values(
        finished_at=finished_at, summary=summary))


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
