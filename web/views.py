"""What each page shows, as plain data: the HTML page and its JSON twin in the API are
built from the same function, so the page never knows something the API does not.

Rules come from where the CLI and reports keep them: which finding kinds mean "they are
cheaper" and when a price is stale (reports), the landed price (monitor.compare), the
review queue (monitor.matching), currency conversion (storage.money).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine

from monitor.compare import effective_price, promos_from_json
from monitor.matching import (
    MatchSettings,
    compare_attributes,
    parse_attributes,
    review_queue,
)
from monitor.matching.matcher import Method, same_brand
from monitor.matching.normalize import agreement, norm_code
from reports.charts import OURS, colors
from reports.config import ReportSettings
from reports.daily import CHEAPER_KINDS
from reports.prices import label
from storage.money import amount_in
from storage.repos import browse
from storage.repos import reporting as report_repo
from storage.repos import web as accounts
from web.chart import Chart, Reading, Series, build_chart

DECISIONS = ("match_confirmed", "match_rejected")


@dataclass
class Page:
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def run_or_latest(conn: Connection, run_id: int | None) -> Any | None:
    if run_id is not None:
        return browse.compare_run(conn, run_id)
    return report_repo.latest_compare_run(conn)


# --- dashboard ----------------------------------------------------------------------------


@dataclass
class Dashboard:
    run: Any | None
    runs: list[Any]
    kpis: dict[str, int]
    matched: int
    fresh: int
    top: list[Any]
    findings_total: int
    health: list[Any]
    stale_hours: int


class _RunCache:
    """Figures of one comparison run kept for a while: a finished run's findings never
    change, and the coverage of its night only through readings added after the fact, so
    they are recomputed after `ttl_s` at the latest (a few hundred milliseconds on 10,000
    products, which the dashboard would otherwise pay on every view)."""

    def __init__(self, ttl_s: float = 300.0, size: int = 64) -> None:
        self.ttl_s, self.size = ttl_s, size
        self._items: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        value = compute()
        with self._lock:
            if len(self._items) >= self.size:
                self._items.pop(min(self._items, key=lambda k: self._items[k][0]))
            self._items[key] = (now, value)
        return value


RUN_FIGURES = _RunCache()


def _night_figures(conn: Connection, run_id: int, as_of: datetime,
                   stale_hours: int) -> tuple[dict[str, int], int, int]:
    """The daily report's "at a glance" for one comparison run: products per finding kind
    (any of `CHEAPER_KINDS` for "a competitor is cheaper") and fresh-price coverage."""
    per_kind = browse.products_per_kind(conn, run_id)
    kpis = {
        "cheaper": browse.products_with_kinds(conn, run_id, CHEAPER_KINDS),
        "beatable": per_kind.get("beatable", 0),
        "promo_driven": per_kind.get("promo_driven", 0),
        "headroom": per_kind.get("headroom", 0),
    }
    matched, fresh = browse.coverage(conn, as_of - timedelta(hours=stale_hours), as_of)
    return kpis, matched, fresh


def dashboard(conn: Connection, run_id: int | None, report: ReportSettings) -> Dashboard:
    """The daily report's "at a glance" for one night, its top findings, competitor health."""
    run = run_or_latest(conn, run_id)
    runs = list(browse.compare_runs(conn))
    if run is None:
        return Dashboard(None, runs, {}, 0, 0, [], 0, list(browse.last_crawl_runs(conn)),
                         report.stale_after_hours)
    as_of = run.started_at
    kpis, matched, fresh = RUN_FIGURES.get(
        (str(conn.engine.url), run.id, report.stale_after_hours),
        lambda: _night_figures(conn, run.id, as_of, report.stale_after_hours))
    top, total = browse.findings_page(conn, browse.FindingFilter(run_id=run.id, limit=10),
                                      run.started_at)
    return Dashboard(run, runs, kpis, matched, fresh, list(top), total,
                     list(browse.last_crawl_runs(conn, until=as_of + timedelta(hours=12))),
                     report.stale_after_hours)


# --- findings -----------------------------------------------------------------------------


@dataclass
class Findings:
    run: Any | None
    runs: list[Any]
    rows: list[Any]
    page: Page
    filter: browse.FindingFilter | None
    facets: dict[str, list[Any]]
    stale_after: timedelta


def findings(conn: Connection, wanted: dict[str, Any], page: int, size: int,
             report: ReportSettings, choices: bool = True) -> Findings:
    """One page of one run's findings, filtered and sorted in the database; with
    `choices`, also the nights and the filter's choices the page offers (the API has no
    use for them)."""
    run = run_or_latest(conn, wanted.get("run_id"))
    stale = timedelta(hours=report.stale_after_hours)
    if run is None:
        return Findings(None, [], [], Page(1, size, 0), None, {}, stale)
    f = browse.FindingFilter(
        run_id=run.id, competitor_id=wanted.get("competitor_id"), kind=wanted.get("kind"),
        category=wanted.get("category"), search=wanted.get("q"),
        sort=str(wanted.get("sort")) if wanted.get("sort") in browse.FINDING_SORTS else "impact",
        descending=wanted.get("dir", "desc") != "asc", offset=(page - 1) * size, limit=size)
    rows, total = browse.findings_page(conn, f, run.started_at)
    if not choices:
        return Findings(run, [], list(rows), Page(page, size, total), f, {}, stale)
    return Findings(run, list(browse.compare_runs(conn)), list(rows), Page(page, size, total),
                    f, browse.finding_facets(conn, run.id), stale)


def is_stale(row: Any, run: Any, stale_after: timedelta) -> bool:
    """The daily report's rule: their price is older than `stale_after` at the run."""
    seen = getattr(row, "their_observed_at", None)
    return seen is not None and run is not None and run.started_at - seen > stale_after


# --- product ------------------------------------------------------------------------------


@dataclass
class Offer:
    """A match with its newest reading (any status) and the evidence for it."""

    match: Any
    reading: Any | None
    promotions: list[Any]
    decisions: list[Any]
    effective: Decimal | None
    effective_note: str
    name: str


@dataclass
class ProductStory:
    product: Any
    offers: list[Offer]
    chart: Chart
    findings: list[Any]
    run: Any | None
    legend: list[tuple[str, str]] = field(default_factory=list)


def _landed(reading: Any, pack_ratio: Decimal | None) -> tuple[Decimal | None, Decimal | None, str]:
    """(effective, shelf, how) of one `ok` reading, per our unit, via the comparison's rule."""
    if reading is None or reading.status != "ok" or reading.price is None:
        return None, None, ""
    landed = effective_price(
        reading.price, regular_price=reading.regular_price, shipping_cost=reading.shipping_cost,
        free_shipping_threshold=reading.free_shipping_threshold,
        promotions=promos_from_json(reading.promotions or []), pack_ratio=pack_ratio,
        now=reading.observed_at)
    return landed.effective, landed.shelf, "; ".join(landed.describe())


def _series_names(matches: list[Any]) -> dict[int, str]:
    """Listing -> its line's name: the competitor, "Shop #2" for a second listing there."""
    names = {m.listing_id: label(m.competitor, m.competitor_display) for m in matches}
    taken: dict[str, int] = {}
    for m in matches:
        n = taken[names[m.listing_id]] = taken.get(names[m.listing_id], 0) + 1
        if n > 1:
            names[m.listing_id] = f"{names[m.listing_id]} #{n}"
    return names


def _chart(conn: Connection, product: Any, matches: list[Any], names: dict[int, str],
           report: ReportSettings, now: datetime) -> Chart:
    """Our price and every matched (not rejected) listing's effective and shelf price over
    the last `history_days`, in our currency."""
    rates = report.rates
    start = now - timedelta(days=report.history_days)
    by_match = {m.listing_id: m for m in matches if m.status != "rejected"}
    palette = colors(list(names.values()))
    by_listing: dict[int, list[Reading]] = {}
    for r in browse.listing_readings(conn, list(by_match), start):
        if r.status != "ok":
            continue
        effective, shelf, _ = _landed(r, by_match[r.listing_id].pack_ratio)
        by_listing.setdefault(r.listing_id, []).append(Reading(
            r.observed_at,
            amount_in(effective, r.currency, product.currency, on=r.observed_at, rates=rates),
            amount_in(shelf, r.currency, product.currency, on=r.observed_at, rates=rates),
            bool(r.promotions) or (r.regular_price is not None and r.regular_price > r.price),
            None if r.availability is None else r.availability not in report_repo.OUT_OF_STOCK))
    series = [Series(names[lid], palette[names[lid]], readings)
              for lid, readings in by_listing.items()]
    first_seen = [r.at for s in series for r in s.readings]
    if first_seen:
        start = max(start, min(first_seen) - timedelta(hours=12))
    end = max([*(r.at for s in series for r in s.readings), start + timedelta(days=1)]) \
        + timedelta(hours=12)
    start_price = report_repo.our_prices_at(conn, [product.id], start).get(product.id,
                                                                           product.price)
    ours = [(start, start_price)] + [(c.changed_at, c.new_price) for c in
                                     report_repo.price_changes(conn, [product.id], start, end)]
    return build_chart(ours, series, start, end)


def product_history(conn: Connection, product_id: int, report: ReportSettings,
                    now: datetime | None = None) -> tuple[Any, Chart] | None:
    """A product and its price chart only (the API's history: no offers, no findings)."""
    product = browse.product(conn, product_id)
    if product is None:
        return None
    matches = list(browse.product_matches(conn, product_id))
    return product, _chart(conn, product, matches, _series_names(matches), report,
                           now or datetime.now(UTC))


def product_story(conn: Connection, product_id: int, report: ReportSettings,
                  now: datetime | None = None) -> ProductStory | None:
    product = browse.product(conn, product_id)
    if product is None:
        return None
    rates = report.rates
    matches = list(browse.product_matches(conn, product_id))
    latest = browse.latest_readings(conn, [m.listing_id for m in matches])
    promotions = browse.promotions_seen(conn, [(r.listing_id, r.crawl_run_id)
                                               for r in latest.values()])
    decisions: dict[str, list[Any]] = {}
    for event in accounts.events(conn, DECISIONS, [str(m.match_id) for m in matches], limit=200):
        decisions.setdefault(event.target, []).append(event)
    names = _series_names(matches)
    offers = []
    for m in matches:
        reading = latest.get(m.listing_id)
        effective, _shelf, how = _landed(reading, m.pack_ratio)
        offers.append(Offer(m, reading, promotions.get(m.listing_id, []) if reading else [],
                            decisions.get(str(m.match_id), []),
                            amount_in(effective, reading.currency if reading else None, product.currency,
                                      on=reading.observed_at if reading else None, rates=rates), how, names[m.listing_id]))
    chart = _chart(conn, product, matches, names, report, now or datetime.now(UTC))
    run = report_repo.latest_compare_run(conn)
    found: Any = []
    if run is not None:
        found, _ = browse.findings_page(
            conn, browse.FindingFilter(run_id=run.id, product_id=product_id), run.started_at)
    legend = [(OURS, "ours")] + [(s.color, s.name) for s in chart.series]
    return ProductStory(product, offers, chart, list(found), run, legend)


# --- review queue -------------------------------------------------------------------------


@dataclass
class ReviewRow:
    item: Any
    ours: Any | None
    their_price: Any | None
    checks: list[tuple[str, str, str, bool | None]]
    """(attribute, ours, theirs, agree?)"""


def _same(a: str | None, b: str | None) -> bool | None:
    return None if not a or not b else norm_code(a) == norm_code(b)


def review(engine: Engine, settings: MatchSettings, limit: int) -> tuple[list[ReviewRow], int, list[Any]]:
    """The review queue (the same function as `pricewatch match review`) side by side, and
    the latest decisions with who and when."""
    items, total = review_queue(engine, settings, limit)
    with engine.connect() as conn:
        details = browse.review_details(conn, [i.match_id for i in items])
        recent = list(accounts.events(conn, DECISIONS, limit=20))
    rows = []
    for item in items:
        ours, price = details.get(item.match_id, (None, None))
        ours_attrs, theirs_attrs = parse_attributes(item.product_name), parse_attributes(item.listing_title)
        # as the matcher checked it: an identifier that names our product makes a tier
        # word missing on one side missing wording, not another model
        attrs = compare_attributes(ours_attrs, theirs_attrs,
                                   identified=item.method in (Method.gtin, Method.brand_mpn))
        checks: list[tuple[str, str, str, bool | None]] = []
        if ours is not None:
            checks += [
                ("brand", ours.brand or "", ours.their_brand or "",
                 None if not ours.brand or not ours.their_brand
                 else same_brand(norm_code(ours.brand), norm_code(ours.their_brand))),
                ("mpn", ours.mpn or "", ours.their_mpn or "", _same(ours.mpn, ours.their_mpn)),
                ("gtin", ours.gtin or "", ours.their_gtin or "", _same(ours.gtin, ours.their_gtin)),
            ]
        checks.append(("pack", str(ours_attrs.pack), str(theirs_attrs.pack),
                       ours_attrs.pack == theirs_attrs.pack))
        agree = agreement(ours_attrs, theirs_attrs)
        checks.append(("size", ", ".join(f"{d} {v}" for d, v in ours_attrs.sizes),
                       ", ".join(f"{d} {v}" for d, v in theirs_attrs.sizes), agree["size"]))
        checks.append(("colour", ", ".join(sorted(ours_attrs.colours)),
                       ", ".join(sorted(theirs_attrs.colours)), agree["colour"]))
        # the matcher's verdict in its words: what conflicts, or what one side leaves out
        checks.append(("variant", "", attrs.reason or "no conflict", attrs.compatible))
        rows.append(ReviewRow(item, ours, price, checks))
    return rows, total, recent
