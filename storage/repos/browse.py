"""Reads for the web app and its API: one page of findings, one product's whole story,
the last crawl runs, listings and observations. Paging, filtering and sorting happen in
SQL, so a page costs the same with 100 or 100,000 findings.

Rules (which kinds mean "they are cheaper", when a price is stale) are passed in by the
caller; this module only knows tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, distinct, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from storage.models import (
    CompareRun,
    Competitor,
    CrawlRun,
    Finding,
    LatestObservation,
    Listing,
    Match,
    MatchStatus,
    Observation,
    ObservationStatus,
    Product,
    Promotion,
    table,
)

finding_t = table(Finding)
product_t = table(Product)
competitor_t = table(Competitor)
listing_t = table(Listing)
match_t = table(Match)
obs_t = table(Observation)
run_t = table(CrawlRun)
compare_t = table(CompareRun)
promo_t = table(Promotion)
latest_t = table(LatestObservation)

Rows = Sequence[Any]


def compare_runs(conn: Connection, limit: int = 90) -> Rows:
    """The newest finished comparison runs, newest first."""
    return conn.execute(
        select(compare_t.c.id, compare_t.c.started_at, compare_t.c.finished_at)
        .where(compare_t.c.finished_at.is_not(None))
        .order_by(compare_t.c.started_at.desc(), compare_t.c.id.desc()).limit(limit)
    ).all()


def compare_run(conn: Connection, run_id: int) -> Any | None:
    return conn.execute(select(compare_t).where(compare_t.c.id == run_id)).first()


def products_per_kind(conn: Connection, run_id: int) -> dict[str, int]:
    """How many distinct products have a finding of each kind in a run."""
    rows = conn.execute(
        select(finding_t.c.kind, func.count(distinct(finding_t.c.product_id)))
        .where(finding_t.c.compare_run_id == run_id).group_by(finding_t.c.kind)
    ).all()
    return {kind: int(n) for kind, n in rows}


def products_with_kinds(conn: Connection, run_id: int, kinds: Sequence[str]) -> int:
    """How many distinct products have a finding of any of these kinds in a run."""
    return int(conn.execute(
        select(func.count(distinct(finding_t.c.product_id)))
        .where(finding_t.c.compare_run_id == run_id, finding_t.c.kind.in_(list(kinds)))
    ).scalar_one())


def coverage(conn: Connection, fresh_since: datetime, until: datetime) -> tuple[int, int]:
    """(matched products, of them with an `ok` reading in [fresh_since, until]).

    Matched = active products with a match not rejected (as in the daily report). A
    listing's newest `ok` reading is read from `latest_observation`; only when that is
    newer than `until` (a past night) is its history asked whether a reading fell in
    the window, so the latest night costs one pass over the matches, not over readings."""
    live = (match_t.c.status != MatchStatus.rejected.value)
    matched = conn.execute(
        select(func.count()).select_from(product_t)
        .where(product_t.c.active.is_(True),
               select(match_t.c.id).where(match_t.c.product_id == product_t.c.id, live).exists())
    ).scalar_one()
    in_window = (
        select(obs_t.c.id)
        .where(obs_t.c.listing_id == latest_t.c.listing_id,
               obs_t.c.status == ObservationStatus.ok.value,
               obs_t.c.observed_at >= fresh_since, obs_t.c.observed_at <= until)
        .exists()
    )
    fresh = conn.execute(
        select(func.count(distinct(match_t.c.product_id)))
        .select_from(latest_t)
        .join(match_t, match_t.c.listing_id == latest_t.c.listing_id)
        .join(product_t, product_t.c.id == match_t.c.product_id)
        .where(live, product_t.c.active.is_(True), latest_t.c.observed_at >= fresh_since,
               or_(latest_t.c.observed_at <= until, in_window))
    ).scalar_one()
    return int(matched), int(fresh)


def last_crawl_runs(conn: Connection, until: datetime | None = None) -> Rows:
    """Each competitor with its newest crawl run started by `until` (None when never)."""
    newest = select(run_t.c.competitor_id, func.max(run_t.c.id).label("run_id"))
    if until is not None:
        newest = newest.where(run_t.c.started_at <= until)
    latest = newest.group_by(run_t.c.competitor_id).subquery("latest")
    return conn.execute(
        select(competitor_t.c.id.label("competitor_id"), competitor_t.c.name,
               competitor_t.c.display_name, competitor_t.c.enabled, run_t.c.id.label("run_id"),
               run_t.c.started_at, run_t.c.finished_at, run_t.c.status, run_t.c.counts,
               run_t.c.stats, run_t.c.suspect, run_t.c.suspect_reason,
               run_t.c.error_summary)
        .outerjoin(latest, latest.c.competitor_id == competitor_t.c.id)
        .outerjoin(run_t, run_t.c.id == latest.c.run_id)
        .order_by(competitor_t.c.name)
    ).all()


def crawl_runs_of(conn: Connection, competitor_id: int | None = None, limit: int = 50) -> Rows:
    """The newest crawl runs (of one competitor), newest first."""
    query = (select(run_t, competitor_t.c.name.label("competitor"),
                    competitor_t.c.display_name.label("competitor_display"))
             .join(competitor_t, competitor_t.c.id == run_t.c.competitor_id))
    if competitor_id is not None:
        query = query.where(run_t.c.competitor_id == competitor_id)
    return conn.execute(query.order_by(run_t.c.started_at.desc(), run_t.c.id.desc())
                        .limit(limit)).all()


# --- findings -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """What a findings page asks for. `sort` is a key of `FINDING_SORTS`."""

    run_id: int
    competitor_id: int | None = None
    kind: str | None = None
    category: str | None = None
    search: str | None = None
    product_id: int | None = None
    sort: str = "impact"
    descending: bool = True
    offset: int = 0
    limit: int = 50


FINDING_SORTS: dict[str, ColumnElement[Any]] = {
    "impact": finding_t.c.impact,
    "gap": finding_t.c.gap,
    "gap_pct": finding_t.c.gap_pct,
    "our_price": finding_t.c.our_price,
    "their_effective": finding_t.c.their_effective,
    "product": product_t.c.name,
    "competitor": competitor_t.c.name,
    "kind": finding_t.c.kind,
    "category": product_t.c.category,
}


def _finding_where(f: FindingFilter) -> list[ColumnElement[bool]]:
    where = [finding_t.c.compare_run_id == f.run_id]
    if f.competitor_id is not None:
        where.append(finding_t.c.competitor_id == f.competitor_id)
    if f.kind:
        where.append(finding_t.c.kind == f.kind)
    if f.category:
        where.append(product_t.c.category == f.category)
    if f.product_id is not None:
        where.append(finding_t.c.product_id == f.product_id)
    if f.search:
        pattern = f"%{f.search.lower()}%"
        where.append(or_(func.lower(product_t.c.name).like(pattern),
                         func.lower(product_t.c.sku).like(pattern)))
    return where


def findings_page(conn: Connection, f: FindingFilter,
                  run_started: datetime | None = None) -> tuple[Rows, int]:
    """One page of a run's findings with product, competitor and listing, and the total
    matching the filter. Each row also carries `their_observed_at`: when the listing's
    newest `ok` reading up to the run (started at `run_started`, read from the run when
    not given) was made (for the "stale" badge)."""
    where = _finding_where(f)
    counted = select(func.count()).select_from(finding_t)
    if f.category or f.search:
        counted = counted.join(product_t, product_t.c.id == finding_t.c.product_id)
    total = conn.execute(counted.where(*where)).scalar_one()
    column = FINDING_SORTS.get(f.sort, finding_t.c.impact)
    if conn.dialect.name == "sqlite" and f.descending:
        order = column.desc()  # NULLs sort last already, and the index serves it
    else:
        order = column.desc().nulls_last() if f.descending else column.asc().nulls_last()
    # The page's finding ids first, from the finding table alone (joined only where the
    # filter or the sort needs it); then the other tables for those rows only. Joining
    # first made every request join the run's whole selection (20,000 rows) to sort it.
    ids = select(finding_t.c.id).select_from(finding_t)
    if f.category or f.search or column.table is product_t:
        ids = ids.join(product_t, product_t.c.id == finding_t.c.product_id)
    if column.table is competitor_t:
        ids = ids.outerjoin(competitor_t, competitor_t.c.id == finding_t.c.competitor_id)
    page = (ids.where(*where).order_by(order, finding_t.c.id).offset(f.offset).limit(f.limit)
            .subquery("page"))
    rows = conn.execute(
        select(finding_t, product_t.c.sku, product_t.c.name.label("product_name"),
               product_t.c.category, competitor_t.c.name.label("competitor"),
               competitor_t.c.display_name.label("competitor_display"),
               listing_t.c.url, listing_t.c.title.label("listing_title"))
        .join(page, page.c.id == finding_t.c.id)
        .join(product_t, product_t.c.id == finding_t.c.product_id)
        .outerjoin(competitor_t, competitor_t.c.id == finding_t.c.competitor_id)
        .outerjoin(listing_t, listing_t.c.id == finding_t.c.listing_id)
        .order_by(order, finding_t.c.id)
    ).all()
    if run_started is None:
        run = compare_run(conn, f.run_id)
        run_started = run.started_at if run is not None else None
    seen = _latest_ok_times(conn, [r.listing_id for r in rows if r.listing_id is not None],
                            run_started)
    return [_with_seen(r, seen.get(r.listing_id)) for r in rows], int(total)


@dataclass(frozen=True, slots=True)
class _Seen:
    row: Any
    their_observed_at: datetime | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def _with_seen(row: Any, seen: datetime | None) -> Any:
    return _Seen(row, seen)


def _latest_ok_times(conn: Connection, listing_ids: list[int],
                     until: datetime | None) -> dict[int, datetime]:
    if not listing_ids:
        return {}
    # One index seek per listing (ix_observation_latest), not a read of its history.
    newest = (select(func.max(obs_t.c.observed_at))
              .where(obs_t.c.listing_id == listing_t.c.id,
                     obs_t.c.status == ObservationStatus.ok.value))
    if until is not None:
        newest = newest.where(obs_t.c.observed_at <= until)
    rows = conn.execute(select(listing_t.c.id, newest.scalar_subquery())
                        .where(listing_t.c.id.in_(sorted(set(listing_ids)))))
    return {lid: at for lid, at in rows if at is not None}


def _kinds_of_run(conn: Connection, run_id: int) -> list[str]:
    """The distinct finding kinds of a run, by hopping from one kind to the next through
    ix_finding_run_kind_product (a recursive query, one index seek per kind) instead of reading
    the run's 20,000 findings."""
    f = finding_t.alias("f")
    first = select(func.min(f.c.kind).label("kind")).where(f.c.compare_run_id == run_id)
    hops = first.cte("hops", recursive=True)
    g = finding_t.alias("g")
    following = (select(func.min(g.c.kind)).where(g.c.compare_run_id == run_id,
                                                  g.c.kind > hops.c.kind).scalar_subquery())
    hops = hops.union_all(select(following).where(hops.c.kind.is_not(None)))
    return list(conn.execute(select(hops.c.kind).where(hops.c.kind.is_not(None))).scalars())


def _categories(conn: Connection) -> list[str]:
    """The distinct product categories, hopping through ix_product_category the same way."""
    p = product_t.alias("p")
    first = select(func.min(p.c.category).label("category"))
    hops = first.cte("cats", recursive=True)
    q = product_t.alias("q")
    following = select(func.min(q.c.category)).where(q.c.category > hops.c.category) \
        .scalar_subquery()
    hops = hops.union_all(select(following).where(hops.c.category.is_not(None)))
    return list(conn.execute(select(hops.c.category).where(hops.c.category.is_not(None)))
                .scalars())


def finding_facets(conn: Connection, run_id: int) -> dict[str, list[Any]]:
    """The kinds in a run, every competitor (id, name, display name) and every category."""
    comps = conn.execute(select(competitor_t.c.id, competitor_t.c.name,
                                competitor_t.c.display_name)
                         .order_by(competitor_t.c.name)).all()
    return {"kinds": sorted(_kinds_of_run(conn, run_id)), "competitors": list(comps),
            "categories": sorted(_categories(conn))}


# --- products, listings, observations -----------------------------------------------------


def product(conn: Connection, product_id: int) -> Any | None:
    return conn.execute(select(product_t).where(product_t.c.id == product_id)).first()


def products(conn: Connection, search: str | None, offset: int, limit: int) -> tuple[Rows, int]:
    where = []
    if search:
        pattern = f"%{search.lower()}%"
        where.append(or_(func.lower(product_t.c.name).like(pattern),
                         func.lower(product_t.c.sku).like(pattern)))
    total = conn.execute(select(func.count()).select_from(product_t).where(*where)).scalar_one()
    rows = conn.execute(select(product_t).where(*where).order_by(product_t.c.sku)
                        .offset(offset).limit(limit)).all()
    return rows, int(total)


def product_matches(conn: Connection, product_id: int) -> Rows:
    """Every match of a product, whatever its status, with listing and competitor."""
    return conn.execute(
        select(match_t.c.id.label("match_id"), match_t.c.method, match_t.c.confidence,
               match_t.c.status, match_t.c.pack_ratio, match_t.c.note,
               match_t.c.updated_at, listing_t.c.id.label("listing_id"), listing_t.c.url,
               listing_t.c.variant, listing_t.c.title.label("listing_title"),
               listing_t.c.brand.label("listing_brand"), listing_t.c.mpn.label("listing_mpn"),
               listing_t.c.gtin.label("listing_gtin"),
               competitor_t.c.id.label("competitor_id"), competitor_t.c.name.label("competitor"),
               competitor_t.c.display_name.label("competitor_display"))
        .join(listing_t, listing_t.c.id == match_t.c.listing_id)
        .join(competitor_t, competitor_t.c.id == listing_t.c.competitor_id)
        .where(match_t.c.product_id == product_id)
        .order_by(competitor_t.c.name, listing_t.c.id)
    ).all()


OBSERVATION_COLUMNS = (
    obs_t.c.id, obs_t.c.listing_id, obs_t.c.crawl_run_id, obs_t.c.observed_at, obs_t.c.status,
    obs_t.c.reason, obs_t.c.price, obs_t.c.regular_price, obs_t.c.currency, obs_t.c.availability,
    obs_t.c.shipping_cost, obs_t.c.free_shipping_threshold, obs_t.c.delivery_min_days,
    obs_t.c.delivery_max_days, obs_t.c.warranty_months, obs_t.c.returns_days,
    obs_t.c.promotions, obs_t.c.title, obs_t.c.extractor, obs_t.c.confidence,
    obs_t.c.secondary_price, obs_t.c.secondary_currency, obs_t.c.converted_from,
)


def latest_readings(conn: Connection, listing_ids: Sequence[int]) -> dict[int, Any]:
    """The newest observation of each listing, whatever its status."""
    if not listing_ids:
        return {}
    newest = (select(obs_t.c.listing_id, func.max(obs_t.c.observed_at).label("at"))
              .where(obs_t.c.listing_id.in_(list(listing_ids)))
              .group_by(obs_t.c.listing_id).subquery("newest"))
    rows = conn.execute(
        select(*OBSERVATION_COLUMNS)
        .join(newest, (newest.c.listing_id == obs_t.c.listing_id)
              & (newest.c.at == obs_t.c.observed_at))
        .order_by(obs_t.c.id)
    ).all()
    return {r.listing_id: r for r in rows}


def listing_readings(conn: Connection, listing_ids: Sequence[int], since: datetime) -> Rows:
    """Every observation of these listings since `since` (any status), oldest first."""
    if not listing_ids:
        return []
    return conn.execute(
        select(*OBSERVATION_COLUMNS)
        .where(obs_t.c.listing_id.in_(list(listing_ids)), obs_t.c.observed_at >= since)
        .order_by(obs_t.c.listing_id, obs_t.c.observed_at, obs_t.c.id)
    ).all()


def promotions_seen(conn: Connection, readings: Sequence[tuple[int, int]]) -> dict[int, list[Any]]:
    """The typed promotions read with each of these observations, given as
    (listing_id, crawl_run_id): by listing, in one query."""
    if not readings:
        return {}
    wanted = set(readings)
    found: dict[int, list[Any]] = {}
    for row in conn.execute(
        select(promo_t).where(promo_t.c.listing_id.in_(sorted({lid for lid, _ in wanted})),
                              promo_t.c.crawl_run_id.in_(sorted({rid for _, rid in wanted})))
        .order_by(promo_t.c.id)
    ):
        if (row.listing_id, row.crawl_run_id) in wanted:
            found.setdefault(row.listing_id, []).append(row)
    return found


def listings(conn: Connection, competitor_id: int | None, offset: int,
             limit: int) -> tuple[Rows, int]:
    where = [] if competitor_id is None else [listing_t.c.competitor_id == competitor_id]
    total = conn.execute(select(func.count()).select_from(listing_t).where(*where)).scalar_one()
    rows = conn.execute(
        select(listing_t, competitor_t.c.name.label("competitor"))
        .join(competitor_t, competitor_t.c.id == listing_t.c.competitor_id)
        .where(*where).order_by(listing_t.c.id).offset(offset).limit(limit)
    ).all()
    return rows, int(total)


def listing(conn: Connection, listing_id: int) -> Any | None:
    return conn.execute(select(listing_t).where(listing_t.c.id == listing_id)).first()


def observations_of(conn: Connection, listing_id: int, limit: int) -> Rows:
    """A listing's newest observations (any status), newest first."""
    return conn.execute(
        select(*OBSERVATION_COLUMNS).where(obs_t.c.listing_id == listing_id)
        .order_by(obs_t.c.observed_at.desc(), obs_t.c.id.desc()).limit(limit)
    ).all()


def match_product(conn: Connection, match_id: int) -> int | None:
    """The product a match belongs to (None when the match does not exist)."""
    return conn.execute(select(match_t.c.product_id)
                        .where(match_t.c.id == match_id)).scalar_one_or_none()


def review_details(conn: Connection, match_ids: Sequence[int]) -> dict[int, Any]:
    """Side-by-side details of matches: our product's identifiers and price, their listing's
    identifiers and newest `ok` price."""
    if not match_ids:
        return {}
    rows = conn.execute(
        select(match_t.c.id.label("match_id"), product_t.c.id.label("product_id"),
               product_t.c.brand, product_t.c.mpn, product_t.c.gtin, product_t.c.category,
               product_t.c.price, product_t.c.currency, listing_t.c.id.label("listing_id"),
               listing_t.c.brand.label("their_brand"), listing_t.c.mpn.label("their_mpn"),
               listing_t.c.gtin.label("their_gtin"))
        .join(product_t, product_t.c.id == match_t.c.product_id)
        .join(listing_t, listing_t.c.id == match_t.c.listing_id)
        .where(match_t.c.id.in_(list(match_ids)))
    ).all()
    prices = dict(
        (r.listing_id, r) for r in conn.execute(
            select(latest_t.c.listing_id, latest_t.c.price, latest_t.c.currency,
                   latest_t.c.observed_at)
            .where(latest_t.c.listing_id.in_([r.listing_id for r in rows])))
    )
    return {r.match_id: (r, prices.get(r.listing_id)) for r in rows}
