"""Set-based reads for the reports: one query per question, identical on SQLite and PostgreSQL.

Each function answers one question over the whole catalog (latest price of every match,
price index per crawl run, promotions per day...) and returns plain rows; the reports
turn them into tables and charts. Only `ok` observations ever count as a price.
Ratios are computed as floats in SQL (an index is not money); money stays Decimal.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Row,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from storage.models import (
    CompareRun,
    Competitor,
    CrawlRun,
    Finding,
    Listing,
    Match,
    MatchStatus,
    Observation,
    ObservationStatus,
    Product,
    ProductPriceChange,
    Promotion,
    table,
)
from storage.offer_terms import OUT_OF_STOCK

Rows = Sequence[Any]
"""Result rows (SQLAlchemy `Row`s, read by attribute name)."""


obs_t = table(Observation)
match_t = table(Match)
product_t = table(Product)
listing_t = table(Listing)
competitor_t = table(Competitor)
run_t = table(CrawlRun)
promo_t = table(Promotion)
finding_t = table(Finding)
compare_t = table(CompareRun)
change_t = table(ProductPriceChange)


def _live_matches() -> ColumnElement[bool]:
    return match_t.c.status != MatchStatus.rejected.value


def our_price_at(product_id: Any, at: Any, fallback: Any) -> Any:
    """Our price in force at time `at`: the last change before it, else `fallback`."""
    change = change_t.alias("ch")
    last = (
        select(change.c.new_price)
        .where(change.c.product_id == product_id, change.c.changed_at <= at)
        .order_by(change.c.changed_at.desc(), change.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(last, fallback, type_=product_t.c.price.type)


def competitors(conn: Connection) -> Rows:
    """All competitors, by name."""
    return conn.execute(select(competitor_t).order_by(competitor_t.c.name)).all()


def latest_compare_run(conn: Connection, as_of: datetime | None = None) -> Row[Any] | None:
    """The newest finished comparison run (started no later than `as_of`)."""
    query = select(compare_t).where(compare_t.c.finished_at.is_not(None))
    if as_of is not None:
        query = query.where(compare_t.c.started_at <= as_of)
    return conn.execute(
        query.order_by(compare_t.c.started_at.desc(), compare_t.c.id.desc()).limit(1)
    ).first()


def _latest_ok_time() -> Any:
    """Per listing: when its latest `ok` observation was made (correlated, for findings)."""
    return (
        select(func.max(obs_t.c.observed_at))
        .where(obs_t.c.listing_id == finding_t.c.listing_id,
               obs_t.c.status == ObservationStatus.ok.value)
        .scalar_subquery()
    )


def findings_of_run(conn: Connection, run_id: int) -> Rows:
    """Every finding of one comparison run with product, competitor and listing, by impact."""
    query = (
        select(
            finding_t,
            product_t.c.sku, product_t.c.name.label("product_name"), product_t.c.category,
            product_t.c.priority,
            competitor_t.c.name.label("competitor"),
            competitor_t.c.display_name.label("competitor_display"),
            listing_t.c.url, listing_t.c.title.label("listing_title"),
            _latest_ok_time().label("their_observed_at"),
        )
        .join(product_t, product_t.c.id == finding_t.c.product_id)
        .outerjoin(competitor_t, competitor_t.c.id == finding_t.c.competitor_id)
        .outerjoin(listing_t, listing_t.c.id == finding_t.c.listing_id)
        .where(finding_t.c.compare_run_id == run_id)
        .order_by(finding_t.c.impact.desc().nulls_last(), finding_t.c.id)
    )
    return conn.execute(query).all()


def _latest_per_listing(conn: Connection, as_of: datetime) -> tuple[dict[int, Any], dict[int, Any]]:
    """The newest `ok` observation and the newest observation of any status (up to `as_of`)
    of every matched listing: ({listing: row}, {listing: row}).

    One pass with two window functions, filtered to rank 1 before rows leave the database;
    joining the ranked subquery to the matches in SQL instead makes SQLite rescan it per
    match (minutes at 25,000 matches), so the two sides are joined in Python.
    """
    matched = select(match_t.c.listing_id).where(_live_matches())
    is_ok = case((obs_t.c.status == ObservationStatus.ok.value, 1), else_=0)
    order = (obs_t.c.observed_at.desc(), obs_t.c.id.desc())
    ranked = (
        select(
            obs_t.c.listing_id, obs_t.c.status, obs_t.c.reason, obs_t.c.price,
            obs_t.c.regular_price, obs_t.c.currency, obs_t.c.availability,
            obs_t.c.observed_at, obs_t.c.crawl_run_id,
            func.row_number().over(partition_by=obs_t.c.listing_id, order_by=order).label("rn"),
            func.row_number().over(partition_by=(obs_t.c.listing_id, is_ok), order_by=order)
            .label("rn_kind"),
        )
        .where(obs_t.c.observed_at <= as_of, obs_t.c.listing_id.in_(matched))
        .subquery("ranked")
    )
    good: dict[int, Any] = {}
    last: dict[int, Any] = {}
    ok = ObservationStatus.ok.value
    for row in conn.execute(select(ranked).where(
            or_(ranked.c.rn == 1, and_(ranked.c.status == ok, ranked.c.rn_kind == 1)))):
        if row.rn == 1:
            last[row.listing_id] = row
        if row.status == ok and row.rn_kind == 1:
            good[row.listing_id] = row
    return good, last


@dataclass(frozen=True, slots=True)
class MatchedLatest:
    """A live match with its latest good reading (`ok_*`) and latest reading (`last_*`)."""

    match_id: int
    pack_ratio: Decimal | None
    method: str
    product_id: int
    sku: str
    product_name: str
    category: str | None
    our_price: Decimal
    our_currency: str
    competitor_id: int
    competitor: str
    competitor_display: str | None
    listing_id: int
    url: str
    listing_title: str | None
    ok_price: Decimal | None
    ok_regular_price: Decimal | None
    ok_currency: str | None
    ok_availability: str | None
    ok_observed_at: datetime | None
    last_status: str | None
    last_reason: str | None
    last_observed_at: datetime | None


def matched_latest(conn: Connection, as_of: datetime) -> list[MatchedLatest]:
    """Every live match with its latest good price and its latest reading of any status.

    `ok_*` come from the newest `ok` observation (None when there never was one);
    `last_*` from the newest observation whatever its status, so a report can say
    "the latest reading was quarantined; last good price from <date>".
    """
    good, last = _latest_per_listing(conn, as_of)
    query = (
        select(
            match_t.c.id.label("match_id"), match_t.c.pack_ratio, match_t.c.method,
            product_t.c.id.label("product_id"), product_t.c.sku,
            product_t.c.name.label("product_name"), product_t.c.category,
            product_t.c.price.label("our_price"), product_t.c.currency.label("our_currency"),
            competitor_t.c.id.label("competitor_id"), competitor_t.c.name.label("competitor"),
            competitor_t.c.display_name.label("competitor_display"),
            listing_t.c.id.label("listing_id"), listing_t.c.url,
            listing_t.c.title.label("listing_title"),
        )
        .select_from(match_t)
        .join(product_t, product_t.c.id == match_t.c.product_id)
        .join(listing_t, listing_t.c.id == match_t.c.listing_id)
        .join(competitor_t, competitor_t.c.id == listing_t.c.competitor_id)
        .where(_live_matches(), product_t.c.active.is_(True))
        .order_by(competitor_t.c.name, product_t.c.sku)
    )
    result = []
    for row in conn.execute(query):
        g, latest = good.get(row.listing_id), last.get(row.listing_id)
        result.append(MatchedLatest(
            **row._asdict(),
            ok_price=g.price if g else None, ok_regular_price=g.regular_price if g else None,
            ok_currency=g.currency if g else None, ok_availability=g.availability if g else None,
            ok_observed_at=g.observed_at if g else None,
            last_status=latest.status if latest else None,
            last_reason=latest.reason if latest else None,
            last_observed_at=latest.observed_at if latest else None,
        ))
    return result


def index_by_run(conn: Connection, since: datetime, until: datetime) -> Rows:
    """Per crawl run and currency pair: how many matched prices, and the sum of their/our ratios.

    The ratio divides their `ok` price (per our unit, via the match's pack ratio) by our
    price in force when they were observed. Mean ratio x 100 x exchange factor is the
    price index (100 = parity, above 100 = they are dearer than us).
    """
    our = our_price_at(product_t.c.id, obs_t.c.observed_at, product_t.c.price)
    ratio = cast(obs_t.c.price, Float) / (
        func.nullif(cast(our, Float), 0.0) * func.coalesce(cast(match_t.c.pack_ratio, Float), 1.0)
    )
    if conn.dialect.name == "sqlite":
        # Exact stores 1/10,000 units on SQLite; pack_ratio is Exact too.
        ratio = cast(obs_t.c.price, Float) / (
            func.nullif(cast(our, Float), 0.0)
            * func.coalesce(cast(match_t.c.pack_ratio, Float) / 10000.0, 1.0)
        )
    query = (
        select(
            listing_t.c.competitor_id, obs_t.c.crawl_run_id, run_t.c.started_at,
            obs_t.c.currency.label("their_currency"), product_t.c.currency.label("our_currency"),
            func.count().label("n"), func.sum(ratio).label("ratio_sum"),
        )
        .select_from(obs_t)
        .join(match_t, match_t.c.listing_id == obs_t.c.listing_id)
        .join(product_t, product_t.c.id == match_t.c.product_id)
        .join(listing_t, listing_t.c.id == obs_t.c.listing_id)
        .join(run_t, run_t.c.id == obs_t.c.crawl_run_id)
        .where(
            obs_t.c.status == ObservationStatus.ok.value, _live_matches(),
            obs_t.c.observed_at >= since, obs_t.c.observed_at < until,
        )
        .group_by(listing_t.c.competitor_id, obs_t.c.crawl_run_id, run_t.c.started_at,
                  obs_t.c.currency, product_t.c.currency)
    )
    return conn.execute(query).all()


def stock_by_run(conn: Connection, since: datetime, until: datetime) -> Rows:
    """Per crawl run: matched listings read `ok`, and how many of them were out of stock."""
    out = case((obs_t.c.availability.in_(sorted(OUT_OF_STOCK)), 1), else_=0)
    query = (
        select(
            listing_t.c.competitor_id, obs_t.c.crawl_run_id, run_t.c.started_at,
            func.count().label("n"), func.sum(out).label("out_of_stock"),
        )
        .select_from(obs_t)
        .join(match_t, match_t.c.listing_id == obs_t.c.listing_id)
        .join(listing_t, listing_t.c.id == obs_t.c.listing_id)
        .join(run_t, run_t.c.id == obs_t.c.crawl_run_id)
        .where(
            obs_t.c.status == ObservationStatus.ok.value, _live_matches(),
            obs_t.c.observed_at >= since, obs_t.c.observed_at < until,
        )
        .group_by(listing_t.c.competitor_id, obs_t.c.crawl_run_id, run_t.c.started_at)
    )
    return conn.execute(query).all()


def promotions_by_run(conn: Connection, since: datetime, until: datetime) -> Rows:
    """Per crawl run and promotion kind: how many listings carried such a promotion."""
    query = (
        select(
            listing_t.c.competitor_id, promo_t.c.crawl_run_id, run_t.c.started_at, promo_t.c.kind,
            func.count(distinct(promo_t.c.listing_id)).label("listings"),
        )
        .select_from(promo_t)
        .join(listing_t, listing_t.c.id == promo_t.c.listing_id)
        .join(run_t, run_t.c.id == promo_t.c.crawl_run_id)
        .where(promo_t.c.observed_at >= since, promo_t.c.observed_at < until)
        .group_by(listing_t.c.competitor_id, promo_t.c.crawl_run_id, run_t.c.started_at,
                  promo_t.c.kind)
    )
    return conn.execute(query).all()


def crawl_runs(conn: Connection, since: datetime, until: datetime) -> Rows:
    """Crawl runs started in [since, until) with their competitor, oldest first."""
    query = (
        select(run_t, competitor_t.c.name.label("competitor"),
               competitor_t.c.display_name.label("competitor_display"))
        .join(competitor_t, competitor_t.c.id == run_t.c.competitor_id)
        .where(run_t.c.started_at >= since, run_t.c.started_at < until)
        .order_by(run_t.c.started_at, run_t.c.id)
    )
    return conn.execute(query).all()


def product_history(
    conn: Connection, product_ids: Sequence[int], since: datetime, until: datetime
) -> Rows:
    """`ok` observations of the products' live matches in [since, until), oldest first."""
    if not product_ids:
        return []
    query = (
        select(
            match_t.c.product_id, match_t.c.pack_ratio, listing_t.c.id.label("listing_id"),
            listing_t.c.competitor_id, obs_t.c.price, obs_t.c.regular_price, obs_t.c.currency,
            obs_t.c.observed_at, obs_t.c.crawl_run_id,
        )
        .select_from(obs_t)
        .join(match_t, match_t.c.listing_id == obs_t.c.listing_id)
        .join(listing_t, listing_t.c.id == obs_t.c.listing_id)
        .where(
            match_t.c.product_id.in_(list(product_ids)), _live_matches(),
            obs_t.c.status == ObservationStatus.ok.value,
            obs_t.c.observed_at >= since, obs_t.c.observed_at < until,
        )
        .order_by(match_t.c.product_id, listing_t.c.competitor_id, listing_t.c.id,
                  obs_t.c.observed_at)
    )
    return conn.execute(query).all()


def promotion_marks(
    conn: Connection, listing_ids: Sequence[int], since: datetime, until: datetime
) -> Rows:
    """Which of these listings carried which promotion in each crawl run."""
    if not listing_ids:
        return []
    query = (
        select(promo_t.c.listing_id, promo_t.c.crawl_run_id, promo_t.c.observed_at,
               promo_t.c.kind, promo_t.c.value, promo_t.c.valid_until)
        .where(promo_t.c.listing_id.in_(list(listing_ids)),
               promo_t.c.observed_at >= since, promo_t.c.observed_at < until)
        .order_by(promo_t.c.listing_id, promo_t.c.observed_at)
    )
    return conn.execute(query).all()


def price_changes(
    conn: Connection, product_ids: Sequence[int] | None, since: datetime, until: datetime
) -> Rows:
    """Changes of our own price in [since, until), oldest first (all products when None)."""
    query = select(change_t).where(change_t.c.changed_at >= since, change_t.c.changed_at < until)
    if product_ids is not None:
        if not product_ids:
            return []
        query = query.where(change_t.c.product_id.in_(list(product_ids)))
    return conn.execute(query.order_by(change_t.c.product_id, change_t.c.changed_at)).all()


def our_prices_at(conn: Connection, product_ids: Sequence[int], at: datetime) -> dict[int, Any]:
    """Our price of each product in force at `at` (its catalog price when it never changed)."""
    if not product_ids:
        return {}
    price = our_price_at(product_t.c.id, literal(at, type_=change_t.c.changed_at.type),
                         product_t.c.price)
    rows = conn.execute(
        select(product_t.c.id, price.label("price"))
        .where(product_t.c.id.in_(list(product_ids)))
    ).all()
    return {row.id: row.price for row in rows}


@dataclass(frozen=True, slots=True)
class FirstLast:
    """A live match's first and last `ok` price in a period, and our price at each time."""

    product_id: int
    pack_ratio: Decimal | None
    competitor_id: int
    sku: str
    product_name: str
    our_currency: str
    first_price: Decimal
    first_currency: str | None
    first_at: datetime
    our_first: Decimal
    last_price: Decimal
    last_currency: str | None
    last_at: datetime
    our_last: Decimal


def _price_then(changes: list[tuple[datetime, Decimal]], at: datetime, fallback: Decimal) -> Decimal:
    """Our price in force at `at` from a product's changes (oldest first)."""
    index = bisect_right(changes, at, key=lambda c: c[0])
    return changes[index - 1][1] if index else fallback


def first_and_last(conn: Connection, since: datetime, until: datetime) -> list[FirstLast]:
    """Per live match: its first and last `ok` price in [since, until) and our price then.

    One window pass (ascending and descending rank per listing) filtered in the database;
    matches and our price history are joined in Python (see `_latest_per_listing`).
    """
    order = (obs_t.c.observed_at, obs_t.c.id)
    ranked = (
        select(
            obs_t.c.listing_id, obs_t.c.price, obs_t.c.currency, obs_t.c.observed_at,
            func.row_number().over(partition_by=obs_t.c.listing_id, order_by=order).label("up"),
            func.row_number().over(partition_by=obs_t.c.listing_id,
                                   order_by=tuple(c.desc() for c in order)).label("down"),
        )
        .where(obs_t.c.status == ObservationStatus.ok.value,
               obs_t.c.observed_at >= since, obs_t.c.observed_at < until,
               obs_t.c.listing_id.in_(select(match_t.c.listing_id).where(_live_matches())))
        .subquery("ranked")
    )
    first: dict[int, Any] = {}
    last: dict[int, Any] = {}
    for row in conn.execute(select(ranked).where(or_(ranked.c.up == 1, ranked.c.down == 1))):
        if row.up == 1:
            first[row.listing_id] = row
        if row.down == 1:
            last[row.listing_id] = row
    history: dict[int, list[tuple[datetime, Decimal]]] = {}
    for change in conn.execute(select(change_t.c.product_id, change_t.c.changed_at,
                                      change_t.c.new_price)
                               .where(change_t.c.changed_at < until)
                               .order_by(change_t.c.product_id, change_t.c.changed_at,
                                         change_t.c.id)):
        history.setdefault(change.product_id, []).append((change.changed_at, change.new_price))
    matches = conn.execute(
        select(match_t.c.product_id, match_t.c.listing_id, match_t.c.pack_ratio,
               listing_t.c.competitor_id, product_t.c.sku,
               product_t.c.name.label("product_name"), product_t.c.currency.label("our_currency"),
               product_t.c.price)
        .join(product_t, product_t.c.id == match_t.c.product_id)
        .join(listing_t, listing_t.c.id == match_t.c.listing_id)
        .where(_live_matches())
    ).all()
    result = []
    for m in matches:
        a, b = first.get(m.listing_id), last.get(m.listing_id)
        if a is None or b is None:
            continue
        changes = history.get(m.product_id, [])
        result.append(FirstLast(
            product_id=m.product_id, pack_ratio=m.pack_ratio, competitor_id=m.competitor_id,
            sku=m.sku, product_name=m.product_name, our_currency=m.our_currency,
            first_price=a.price, first_currency=a.currency, first_at=a.observed_at,
            our_first=_price_then(changes, a.observed_at, m.price),
            last_price=b.price, last_currency=b.currency, last_at=b.observed_at,
            our_last=_price_then(changes, b.observed_at, m.price),
        ))
    return result


def promotion_episodes(conn: Connection, since: datetime, until: datetime) -> Rows:
    """Promotions in [since, until) grouped per listing, kind and value: first and last seen,
    in how many runs, and the average shelf discount of the observations that carried it."""
    discount = case(
        (and_(obs_t.c.regular_price > obs_t.c.price, obs_t.c.regular_price > 0),
         1.0 - cast(obs_t.c.price, Float) / cast(obs_t.c.regular_price, Float)),
        else_=None,
    )
    query = (
        select(
            listing_t.c.competitor_id, promo_t.c.listing_id, promo_t.c.kind, promo_t.c.value,
            func.min(promo_t.c.observed_at).label("first_seen"),
            func.max(promo_t.c.observed_at).label("last_seen"),
            func.count(distinct(promo_t.c.crawl_run_id)).label("runs"),
            func.avg(discount).label("shelf_discount"),
        )
        .select_from(promo_t)
        .join(listing_t, listing_t.c.id == promo_t.c.listing_id)
        .outerjoin(obs_t, and_(obs_t.c.listing_id == promo_t.c.listing_id,
                               obs_t.c.crawl_run_id == promo_t.c.crawl_run_id,
                               obs_t.c.status == ObservationStatus.ok.value))
        .where(promo_t.c.observed_at >= since, promo_t.c.observed_at < until)
        .group_by(listing_t.c.competitor_id, promo_t.c.listing_id, promo_t.c.kind,
                  promo_t.c.value)
    )
    return conn.execute(query).all()


def recommendations(conn: Connection, since: datetime, until: datetime) -> Rows:
    """Distinct recommendations made in [since, until): per product, kind and recommended
    price, when first and last made, our price then, and the product's current price."""
    query = (
        select(
            finding_t.c.product_id, finding_t.c.kind, finding_t.c.recommended_price,
            finding_t.c.currency,
            func.min(finding_t.c.created_at).label("first_made"),
            func.max(finding_t.c.created_at).label("last_made"),
            func.min(finding_t.c.our_price).label("our_price"),
            product_t.c.sku, product_t.c.name.label("product_name"),
            product_t.c.price.label("current_price"),
        )
        .join(product_t, product_t.c.id == finding_t.c.product_id)
        .where(finding_t.c.recommended_price.is_not(None),
               finding_t.c.created_at >= since, finding_t.c.created_at < until)
        .group_by(finding_t.c.product_id, finding_t.c.kind, finding_t.c.recommended_price,
                  finding_t.c.currency, product_t.c.sku, product_t.c.name, product_t.c.price)
        .order_by(func.min(finding_t.c.created_at), finding_t.c.product_id)
    )
    return conn.execute(query).all()


def quality_counts(conn: Connection, since: datetime, until: datetime) -> Rows:
    """Observations in [since, until) per competitor and status (quarantined, blocked...)."""
    query = (
        select(listing_t.c.competitor_id, obs_t.c.status, func.count().label("n"))
        .select_from(obs_t)
        .join(listing_t, listing_t.c.id == obs_t.c.listing_id)
        .where(obs_t.c.observed_at >= since, obs_t.c.observed_at < until)
        .group_by(listing_t.c.competitor_id, obs_t.c.status)
    )
    return conn.execute(query).all()


__all__ = [
    "OUT_OF_STOCK", "competitors", "crawl_runs", "findings_of_run", "first_and_last",
    "index_by_run", "latest_compare_run", "matched_latest", "our_price_at",
    "our_prices_at", "price_changes", "product_history", "promotion_episodes",
    "promotion_marks", "promotions_by_run", "quality_counts", "recommendations",
    "stock_by_run",
]
