"""The nightly comparison report: one self-contained HTML file a manager reads in a minute.

`build_daily_report(engine, out_dir)` reads the latest comparison run and the price
history, draws the charts, and writes `pricewatch-daily-<date>-<lang>.html` with every
image embedded (no server, no network). Findings based on a stale price carry a
"stale" badge with the price's date; quarantined and blocked readings appear only in the
data-quality section, never as a price.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from monitor.compare.reasons import render_reason
from reports import charts
from reports.config import ReportSettings, load_report_settings
from reports.i18n import Texts
from reports.prices import (
    PRICE_PROMOTIONS,
    PriceRow,
    PriceState,
    days_between,
    index_series,
    label,
    price_rows,
    promo_calendar,
    stock_series,
)
from reports.render import data_uri, environment, write_atomically
from storage.money import RateTable, amount_in
from storage.repos import reporting as repo
from storage.run_health import run_health

CHEAPER_KINDS = ("undercut", "beatable", "promo_driven")
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""The daily report reads the newest data there is: `now` only dates the report and judges
freshness. (A clock behind the crawler's, as in the demo's simulated days, must not hide
the night's prices; a reading newer than `now` counts as fresh.)"""
LIST_LIMIT = 50



@dataclass
class FindingView:
    """One findings-table row: display texts plus raw sort keys."""

    product: str
    sku: str
    category: str
    competitor: str
    kind: str
    kind_label: str
    our_price: str
    their_effective: str
    their_shelf: str
    gap: str
    gap_pct: str
    recommendation: str
    gap_note: str
    """Under the gap when it holds only with conditions (a conditional offer): never read
    as "they are cheaper"."""
    reason: str
    url: str | None
    price_from: str
    stale: bool
    sort: dict[str, Any]


@dataclass
class QualityRow:
    competitor: str
    last_crawl: str
    status: str
    status_raw: str
    suspect: bool
    matched: int
    fresh: int
    stale: int
    never: int
    quarantined: int
    blocked: int
    coverage: str


@dataclass
class DailyReport:
    """Everything the template shows (already formatted for the language)."""

    lang: str
    title: str
    generated: str
    as_of: str
    compare_run: str | None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Plain remarks under the header (the dual display's rate)."""
    kpis: list[tuple[str, str]] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    findings_total: int = 0
    filters: dict[str, list[str]] = field(default_factory=dict)
    charts: list[tuple[str, str, str]] = field(default_factory=list)
    """(id, title, data URI)."""
    quality: list[QualityRow] = field(default_factory=list)
    suspect_runs: list[dict[str, str]] = field(default_factory=list)
    stale_list: list[dict[str, str]] = field(default_factory=list)
    quarantined_list: list[dict[str, str]] = field(default_factory=list)
    stale_total: int = 0
    quarantined_total: int = 0
    stale_hours: int = 36


def _sort_num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _finding_view(row: Any, t: Texts, as_of: datetime, stale_after: timedelta) -> FindingView:
    cur = row.currency
    stale = row.their_observed_at is not None and as_of - row.their_observed_at > stale_after
    if row.recommended_price is not None:
        recommendation = t.money(row.recommended_price, cur)
    elif row.kind == "promo_driven" and row.promo_until is not None:
        recommendation = t("hold_until", date=t.date(row.promo_until))
    else:
        recommendation = ""
    competitor = label(row.competitor or "", row.competitor_display)
    return FindingView(
        product=row.product_name, sku=row.sku, category=row.category or "",
        competitor=competitor, kind=row.kind, kind_label=t.kind(row.kind),
        our_price=t.money(row.our_price, cur), their_effective=t.money(row.their_effective, cur),
        their_shelf=t.money(row.their_price, cur), gap=t.money(row.gap, cur, dual=False),
        gap_pct=t.percent(row.gap_pct, signed=True), recommendation=recommendation,
        gap_note=t("gap_with_conditions") if row.kind == "conditional_offer" else "",
        reason=render_reason(row._mapping, t.lang), url=row.url, price_from=t.date(row.their_observed_at), stale=stale,
        sort={
            "product": row.product_name.lower(), "category": (row.category or "").lower(),
            "competitor": competitor.lower(), "kind": t.kind(row.kind).lower(),
            "our": _sort_num(row.our_price), "eff": _sort_num(row.their_effective),
            "shelf": _sort_num(row.their_price), "gap": _sort_num(row.gap),
            "gappct": _sort_num(row.gap_pct), "rec": _sort_num(row.recommended_price),
            "from": row.their_observed_at.timestamp() if row.their_observed_at else None,
            "impact": _sort_num(row.impact),
        },
    )


def _kpis(findings: list[Any], prices: list[PriceRow], t: Texts) -> list[tuple[str, str]]:
    products: dict[str, set[int]] = defaultdict(set)
    for f in findings:
        products[f.kind].add(f.product_id)
    cheaper = set().union(*(products[k] for k in CHEAPER_KINDS))
    matched = {p.product_id for p in prices}
    fresh = {p.product_id for p in prices if p.state is PriceState.fresh}
    coverage = t.percent(100 * len(fresh) / len(matched)) if matched else t("dq_none")
    return [
        (t("kpi_undercut"), t.number(len(cheaper))),
        (t("kpi_beatable"), t.number(len(products["beatable"]))),
        (t("kpi_promo"), t.number(len(products["promo_driven"]))),
        (t("kpi_headroom"), t.number(len(products["headroom"]))),
        (t("kpi_coverage"), f"{coverage} ({t.number(len(fresh))} / {t.number(len(matched))})"),
    ]


def _quality(conn: Connection, prices: list[PriceRow], t: Texts, since: datetime,
             until: datetime) -> tuple[list[QualityRow], list[dict[str, str]]]:
    runs = repo.crawl_runs(conn, since, until)
    last_run: dict[str, Any] = {}
    suspect: list[dict[str, str]] = []
    for crawl in runs:
        name = label(crawl.competitor, crawl.competitor_display)
        last_run[name] = crawl
        if crawl.suspect:
            suspect.append({"competitor": name, "started": t.datetime(crawl.started_at),
                            "reason": crawl.suspect_reason or ""})
    per: dict[str, list[PriceRow]] = defaultdict(list)
    for p in prices:
        per[p.competitor_label].append(p)
    names = sorted({*per, *(label(c.name, c.display_name) for c in repo.competitors(conn)
                            if c.enabled)})
    rows = []
    for name in names:
        items = per.get(name, [])
        run: Any = last_run.get(name)
        fresh = sum(p.state is PriceState.fresh for p in items)
        rows.append(QualityRow(
            competitor=name,
            last_crawl=t.datetime(run.started_at) if run else t("dq_never_crawled"),
            status=status_text(run, t), status_raw=run.status if run else "none",
            suspect=bool(run and run.suspect), matched=len(items), fresh=fresh,
            stale=sum(p.state is PriceState.stale for p in items),
            never=sum(p.state is PriceState.never for p in items),
            quarantined=sum(p.held_back and p.last_status == "quarantined" for p in items),
            blocked=sum(p.held_back and p.last_status == "blocked" for p in items),
            coverage=t.percent(100 * fresh / len(items)) if items else "—",
        ))
    return rows, suspect[::-1]


def status_text(run: Any, t: Texts) -> str:
    """The run's status in words, with why when it did not simply finish (a failed or
    skipped crawl names its cause; a truncated one how many pages were left). The web
    app's competitor health says it the same way."""
    if run is None:
        return t.status(None)
    health = run_health(run.status, bool(run.suspect), run.suspect_reason,
                        getattr(run, "error_summary", None), getattr(run, "stats", None))
    if health.ok or health.state == "suspect" or not health.detail:
        return t.status(run.status)
    return f"{t.status(run.status)}: {health.detail}"


def _price_item(p: PriceRow, t: Texts) -> dict[str, str]:
    return {
        "product": p.product_name, "sku": p.sku, "competitor": p.competitor_label,
        "price": t.money(p.price, p.currency), "observed": t.datetime(p.observed_at),
        "reason": p.last_reason or "", "status": p.last_status or "",
        "url": p.url,
    }


def _histories(conn: Connection, findings: list[Any], prices: list[PriceRow], t: Texts,
               settings: ReportSettings, rates: RateTable, since: datetime, as_of: datetime,
               palette: dict[str, str]) -> list[tuple[str, str, str]]:
    """Price-history charts for the products with the largest impact."""
    chosen: list[Any] = []
    for f in findings:
        if f.kind in CHEAPER_KINDS and f.product_id not in {c.product_id for c in chosen}:
            chosen.append(f)
        if len(chosen) >= settings.history_products:
            break
    if not chosen:
        return []
    ids = [f.product_id for f in chosen]
    names = {c.id: label(c.name, c.display_name) for c in repo.competitors(conn)}
    history = repo.product_history(conn, ids, since, LATEST)
    marks = repo.promotion_marks(conn, sorted({h.listing_id for h in history}), since, LATEST)
    on_promo = {(m.listing_id, m.crawl_run_id) for m in marks if m.kind in PRICE_PROMOTIONS}
    start_prices = repo.our_prices_at(conn, ids, since)
    changes = repo.price_changes(conn, ids, since, LATEST)
    end = max([as_of, *(h.observed_at for h in history)])
    our_currency = {p.product_id: p.our_currency for p in prices}
    result = []
    for f in chosen:
        currency = our_currency.get(f.product_id, f.currency)
        theirs = their_history([h for h in history if h.product_id == f.product_id], names,
                               currency, rates, on_promo)
        ours = [(since, start_prices[f.product_id])] if f.product_id in start_prices else []
        ours += [(c.changed_at, c.new_price) for c in changes if c.product_id == f.product_id]
        fig = charts.history_chart(f.product_name, currency, ours, dict(sorted(theirs.items())),
                                   t, palette, end)
        result.append((f"history-{f.product_id}",
                       t("chart_history_title", product=f.product_name), data_uri(fig)))
    return result


def their_history(history: list[Any], names: dict[int, str], currency: str, rates: RateTable,
                  on_promo: set[tuple[int, int]]) -> dict[str, list[charts.HistoryPoint]]:
    """One product's competitor prices per listing, every reading converted into our
    `currency` on its day: a shop that moved from leva to euros keeps one line."""
    theirs: dict[str, list[charts.HistoryPoint]] = defaultdict(list)
    series_name: dict[int, str] = {}
    for h in history:
        name = names.get(h.competitor_id, "?")
        if h.listing_id not in series_name:  # a second listing of the same shop: "#2"
            taken = sum(1 for v in series_name.values() if v.split(" #")[0] == name)
            series_name[h.listing_id] = name if not taken else f"{name} #{taken + 1}"
        price = h.price / h.pack_ratio if h.pack_ratio else h.price
        converted = amount_in(price, h.currency, currency, on=h.observed_at, rates=rates)
        shelf_discount = h.regular_price is not None and h.regular_price > h.price
        if converted is not None:
            theirs[series_name[h.listing_id]].append(
                (h.observed_at, converted,
                 shelf_discount or (h.listing_id, h.crawl_run_id) in on_promo))
    return dict(theirs)


def collect_daily(engine: Engine, settings: ReportSettings, lang: str,
                  as_of: datetime) -> DailyReport:
    """Read the database and prepare everything the daily template shows."""
    rates = settings.rates
    t = Texts(lang, settings.money.secondary_currency, rates)
    stale_after = timedelta(hours=settings.stale_after_hours)
    since = as_of - timedelta(days=settings.history_days)
    with engine.connect() as conn:
        run = repo.latest_compare_run(conn)
        findings = list(repo.findings_of_run(conn, run.id)) if run else []
        prices = price_rows(repo.matched_latest(conn, LATEST), as_of, stale_after, rates)
        names = {c.id: label(c.name, c.display_name) for c in repo.competitors(conn)}
        palette = charts.colors(list(names.values()))
        report = DailyReport(
            lang=lang, title=t("daily_title"), generated=t.datetime(datetime.now(UTC)),
            as_of=t.datetime(as_of),
            compare_run=t.datetime(run.started_at) if run else None,
            stale_hours=settings.stale_after_hours,
        )
        if run is None:
            report.warnings.append(t("no_compare_run"))
        elif as_of - run.started_at > stale_after:
            report.warnings.append(t("stale_note", date=t.datetime(run.started_at),
                                     hours=settings.stale_after_hours))
        ours = Counter(p.our_currency for p in prices if p.our_currency)
        note = t.dual_note(ours.most_common(1)[0][0]) if ours else None
        if note:
            report.notes.append(note)
        report.kpis = _kpis(findings, prices, t)
        report.findings_total = len(findings)
        views = [_finding_view(f, t, as_of, stale_after) for f in findings]
        report.findings = views[:settings.table_rows]
        report.filters = {
            "competitor": sorted({v.competitor for v in views}),
            "category": sorted({v.category for v in views if v.category}),
            "kind": sorted({v.kind for v in views}),
        }
        report.quality, report.suspect_runs = _quality(conn, prices, t, since, LATEST)
        stale = sorted((p for p in prices if p.state is PriceState.stale),
                       key=lambda p: (p.observed_at or as_of, p.sku))
        report.stale_list = [_price_item(p, t) for p in stale[:LIST_LIMIT]]
        report.stale_total = len(stale)
        held = [p for p in prices if p.held_back and p.last_status == "quarantined"]
        report.quarantined_list = [_price_item(p, t) for p in held[:LIST_LIMIT]]
        report.quarantined_total = len(held)
        report.charts = _charts(conn, t, settings, rates, since, as_of, names, palette,
                                prices, findings)
    return report


def _charts(conn: Connection, t: Texts, settings: ReportSettings, rates: RateTable,
            since: datetime, as_of: datetime, names: dict[int, str], palette: dict[str, str],
            prices: list[PriceRow], findings: list[Any]) -> list[tuple[str, str, str]]:
    index = index_series(repo.index_by_run(conn, since, LATEST), names, rates)
    gaps: dict[str, list[float]] = defaultdict(list)
    for p in prices:
        if p.gap_pct is not None:
            gaps[p.competitor_label].append(float(p.gap_pct))
    cells = promo_calendar([r for r in repo.promotions_by_run(conn, since, LATEST)
                            if r.kind in PRICE_PROMOTIONS], names)
    stock = stock_series(repo.stock_by_run(conn, since, LATEST), names)
    run_days = sorted({d for s in (*index.values(), *stock.values()) for d, _ in s}
                      | {d for c in cells.values() for d in c})
    days = days_between(run_days[0], run_days[-1]) if run_days else []
    crawled = {(name, day) for name, points in stock.items() for day, _ in points}
    result = [
        ("index", t("chart_index_title"), data_uri(charts.index_chart(index, t, palette))),
        ("gaps", t("chart_gaps_title"), data_uri(charts.gaps_chart(dict(sorted(gaps.items())),
                                                                    t, palette))),
    ]
    result += _histories(conn, findings, prices, t, settings, rates, since, as_of, palette)
    result += [
        ("promotions", t("chart_promo_title"),
         data_uri(charts.promo_calendar_chart(cells, days, t, crawled))),
        ("stockouts", t("chart_stock_title"), data_uri(charts.stockout_chart(stock, t, palette))),
    ]
    return result


def render_daily(report: DailyReport) -> str:
    return environment().get_template("daily.html.j2").render(r=report, t=Texts(report.lang))


def build_daily_report(engine: Engine, out_dir: Path, *, lang: str = "en",
                       now: datetime | None = None,
                       settings: ReportSettings | None = None) -> Path:
    """Write the daily HTML report into `out_dir`; return its path."""
    Texts(lang)  # refuse an unknown language before doing any work
    settings = settings or load_report_settings()
    as_of = now or datetime.now(UTC)
    if as_of.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    report = collect_daily(engine, settings, lang, as_of.astimezone(UTC))
    path = Path(out_dir) / f"pricewatch-daily-{as_of:%Y-%m-%d}-{lang}.html"
    return write_atomically(path, render_daily(report))
