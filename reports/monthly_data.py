"""The figures of the monthly report, as plain data: index trend, positions, promotions,
recommendations and what became of them, coverage and data quality."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from reports.config import ReportSettings
from reports.prices import (
    PRICE_PROMOTIONS,
    DaySeries,
    PriceState,
    gap_percent,
    index_series,
    label,
    price_rows,
)
from storage.money import RateTable, amount_in
from storage.repos import reporting as repo

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
PERCENT_KINDS = ("percent_off", "coupon")


class MonthError(ValueError):
    """A month that is not YYYY-MM."""


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-10' -> [2026-10-01 00:00 UTC, 2026-11-01 00:00 UTC)."""
    found = MONTH.match(month.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise MonthError(f"month {month!r} is not of the form YYYY-MM (e.g. 2026-10)")
    year, number = int(found.group(1)), int(found.group(2))
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=UTC)
    return start, end


@dataclass
class IndexRow:
    competitor: str
    start: float | None
    end: float | None

    @property
    def change(self) -> float | None:
        return None if self.start is None or self.end is None else round(self.end - self.start, 2)


@dataclass
class PositionRow:
    competitor: str
    compared: int = 0
    gained: int = 0
    lost: int = 0
    cheaper_end: int = 0


@dataclass
class Move:
    """One product whose position against one competitor flipped during the month."""

    sku: str
    product: str
    competitor: str
    gap_start: Decimal
    gap_end: Decimal
    gained: bool


@dataclass
class PromoRow:
    competitor: str
    count: int = 0
    listings: int = 0
    depth: float | None = None
    """Average depth in percent."""
    duration: float | None = None
    """Average days a promotion was seen."""


@dataclass
class Recommendation:
    sku: str
    product: str
    kind: str
    made: datetime
    recommended: Decimal
    currency: str
    before: Decimal | None
    after: Decimal | None
    outcome: str
    """taken | partly | not_taken."""


@dataclass
class QualityMonth:
    competitor: str
    runs: int = 0
    failed: int = 0
    suspect: int = 0
    ok: int = 0
    quarantined: int = 0
    blocked: int = 0
    matched: int = 0
    fresh: int = 0


@dataclass
class MonthlyData:
    month: str
    start: datetime
    end: datetime
    index: DaySeries = field(default_factory=dict)
    index_rows: list[IndexRow] = field(default_factory=list)
    positions: list[PositionRow] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    promotions: list[PromoRow] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    quality: list[QualityMonth] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.index or self.positions or self.promotions or self.recommendations
                    or any(q.runs for q in self.quality))


def _positions(rows: Sequence[Any], names: dict[int, str],
               rates: RateTable) -> tuple[list[PositionRow], list[Move]]:
    per: dict[str, PositionRow] = {}
    moves: list[Move] = []
    for r in rows:
        name = names.get(r.competitor_id, str(r.competitor_id))
        ratio = r.pack_ratio or Decimal(1)
        first = amount_in(r.first_price / ratio, r.first_currency, r.our_currency, rates=rates)
        last = amount_in(r.last_price / ratio, r.last_currency, r.our_currency, rates=rates)
        gap_start, gap_end = gap_percent(r.our_first, first), gap_percent(r.our_last, last)
        if gap_start is None or gap_end is None:
            continue
        row = per.setdefault(name, PositionRow(name))
        row.compared += 1
        row.cheaper_end += gap_end < 0
        if gap_start > 0 >= gap_end or gap_start >= 0 > gap_end:
            row.gained += 1
            moves.append(Move(r.sku, r.product_name, name, gap_start, gap_end, True))
        elif gap_start < 0 <= gap_end or gap_start <= 0 < gap_end:
            row.lost += 1
            moves.append(Move(r.sku, r.product_name, name, gap_start, gap_end, False))
    moves.sort(key=lambda m: -abs(m.gap_end - m.gap_start))
    return sorted(per.values(), key=lambda p: p.competitor), moves


def _promotions(rows: Sequence[Any], names: dict[int, str]) -> list[PromoRow]:
    depths: dict[str, list[float]] = defaultdict(list)
    durations: dict[str, list[int]] = defaultdict(list)
    listings: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        if r.kind not in PRICE_PROMOTIONS:
            continue
        name = names.get(r.competitor_id, str(r.competitor_id))
        listings[name].add(r.listing_id)
        durations[name].append((r.last_seen.date() - r.first_seen.date()).days + 1)
        if r.kind in PERCENT_KINDS and r.value is not None:
            depths[name].append(float(r.value))
        elif r.shelf_discount is not None:
            depths[name].append(100 * float(r.shelf_discount))
    return [
        PromoRow(
            competitor=name, count=len(durations[name]), listings=len(listings[name]),
            depth=round(sum(depths[name]) / len(depths[name]), 1) if depths[name] else None,
            duration=round(sum(durations[name]) / len(durations[name]), 1),
        )
        for name in sorted(durations)
    ]


def _outcome(rec: Any, changes: Sequence[Any], settings: ReportSettings) -> tuple[str, Decimal | None]:
    """Did our price follow the recommendation within the allowed time? (outcome, new price)."""
    deadline = rec.last_made + timedelta(days=settings.taken_within_days)
    after = [c for c in changes if rec.first_made <= c.changed_at <= deadline]
    if not after:
        return "not_taken", None
    tolerance = rec.recommended_price * settings.taken_tolerance_pct / 100
    for change in after:
        if abs(change.new_price - rec.recommended_price) <= max(tolerance, Decimal("0.01")):
            return "taken", change.new_price
    new = after[-1].new_price
    before = rec.our_price
    if before is not None and (rec.recommended_price - before) * (new - before) > 0:
        return "partly", new
    return "not_taken", new


RANK = {"taken": 0, "partly": 1, "not_taken": 2}


def _recommendations(rows: Sequence[Any], changes: Sequence[Any],
                     settings: ReportSettings) -> list[Recommendation]:
    """One line per product and finding kind: the comparison repeats a recommendation
    every night (often a few cents apart), so the nights are merged and the best outcome
    of any of them is kept, dated from the first night it was made."""
    by_product: dict[int, list[Any]] = defaultdict(list)
    for c in changes:
        by_product[c.product_id].append(c)
    best: dict[tuple[int, str], Recommendation] = {}
    for r in rows:
        outcome, new = _outcome(r, by_product.get(r.product_id, []), settings)
        rec = Recommendation(
            sku=r.sku, product=r.product_name, kind=r.kind, made=r.first_made,
            recommended=r.recommended_price, currency=r.currency, before=r.our_price,
            after=new, outcome=outcome)
        key = (r.product_id, r.kind)
        kept = best.get(key)
        if kept is None:
            best[key] = rec
        elif RANK[outcome] < RANK[kept.outcome]:
            rec.made, rec.before = min(kept.made, rec.made), kept.before
            best[key] = rec
        else:
            kept.made = min(kept.made, rec.made)
    return sorted(best.values(), key=lambda r: (r.made, r.sku))


def _quality(runs: Sequence[Any], counts: Sequence[Any], names: dict[int, str],
             fresh_rows: Sequence[Any]) -> list[QualityMonth]:
    per: dict[str, QualityMonth] = {name: QualityMonth(name) for name in names.values()}
    for run in runs:
        row = per.setdefault(label(run.competitor, run.competitor_display),
                             QualityMonth(label(run.competitor, run.competitor_display)))
        row.runs += 1
        row.failed += run.status == "failed"
        row.suspect += bool(run.suspect)
    for c in counts:
        row = per[names.get(c.competitor_id, str(c.competitor_id))]
        if c.status in ("ok", "quarantined", "blocked"):
            setattr(row, c.status, getattr(row, c.status) + int(c.n))
    for p in fresh_rows:
        row = per[p.competitor_label]
        row.matched += 1
        row.fresh += p.state is PriceState.fresh
    return [per[name] for name in sorted(per) if per[name].runs or per[name].matched]


def collect_monthly(engine: Engine, month: str, settings: ReportSettings,
                    now: datetime | None = None) -> MonthlyData:
    """Read the database and compute the month's figures."""
    start, end = month_bounds(month)
    rates = settings.rates
    as_of = min(end - timedelta(microseconds=1), now or datetime.now(UTC))
    data = MonthlyData(month=month, start=start, end=end)
    with engine.connect() as conn:
        names = {c.id: label(c.name, c.display_name) for c in repo.competitors(conn)}
        data.index = index_series(repo.index_by_run(conn, start, end), names, rates)
        data.index_rows = [IndexRow(name, points[0][1], points[-1][1])
                           for name, points in data.index.items()]
        data.positions, data.moves = _positions(repo.first_and_last(conn, start, end), names,
                                                rates)
        data.promotions = _promotions(repo.promotion_episodes(conn, start, end), names)
        recs = repo.recommendations(conn, start, end)
        changes = repo.price_changes(
            conn, sorted({r.product_id for r in recs}), start,
            end + timedelta(days=settings.taken_within_days))
        data.recommendations = _recommendations(recs, changes, settings)
        prices = price_rows(repo.matched_latest(conn, as_of), as_of,
                            timedelta(hours=settings.stale_after_hours), rates)
        data.quality = _quality(repo.crawl_runs(conn, start, end),
                                repo.quality_counts(conn, start, end), names, prices)
    return data


def month_label_date(data: MonthlyData) -> date:
    return data.start.date()
