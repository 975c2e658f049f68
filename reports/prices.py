"""Plain data for the reports, built from the reporting repository's rows.

Here the rules that keep a report honest live in one place: a price is *current* only
when its latest good reading is fresher than `stale_after`; anything else is stale or
missing and is reported as such, with its date. Quarantined and blocked readings never
become a price. Series are per competitor per calendar day (UTC), taking the last crawl
run of the day when there were several.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from storage.money import RateTable, amount_in, convert

PRICE_PROMOTIONS = frozenset({"percent_off", "amount_off", "coupon", "multi_buy", "member_price",
                              "bundle"})
"""Promotions that lower the price paid. Standing offers (free shipping over a threshold,
instalments, badges) run all the time; counted as promotions they would shade every day
of every chart and swamp the promotion figures, so the reports leave them out."""


class PriceState(StrEnum):
    fresh = "fresh"
    """The latest good reading is recent enough to count as the current price."""
    stale = "stale"
    """There is a good reading, but it is older than the freshness limit."""
    never = "never"
    """No good reading at all (only blocked, failed or quarantined ones, or none)."""


@dataclass(frozen=True, slots=True)
class PriceRow:
    """One matched competitor listing with the state of its price."""

    product_id: int
    sku: str
    product_name: str
    category: str | None
    our_price: Decimal
    our_currency: str
    competitor: str
    competitor_label: str
    listing_id: int
    url: str
    state: PriceState
    price: Decimal | None
    """Their latest good price (in their currency), whatever its age: check `state`."""
    regular_price: Decimal | None
    currency: str | None
    availability: str | None
    observed_at: datetime | None
    """When the latest good price was read."""
    last_status: str | None
    last_observed_at: datetime | None
    last_reason: str | None
    gap_pct: Decimal | None
    """Our price vs. theirs in percent (positive = we are dearer); only for fresh prices."""

    @property
    def current_price(self) -> Decimal | None:
        """Their price if and only if it is current."""
        return self.price if self.state is PriceState.fresh else None

    @property
    def held_back(self) -> bool:
        """The newest reading was quarantined or blocked (newer than the good one, if any)."""
        if self.last_status in (None, "ok"):
            return False
        return self.observed_at is None or (
            self.last_observed_at is not None and self.last_observed_at > self.observed_at
        )


def label(name: str, display_name: str | None) -> str:
    return display_name or name


def price_state(observed_at: datetime | None, as_of: datetime, stale_after: timedelta) -> PriceState:
    if observed_at is None:
        return PriceState.never
    return PriceState.fresh if as_of - observed_at <= stale_after else PriceState.stale


def gap_percent(ours: Decimal, theirs: Decimal | None) -> Decimal | None:
    """(ours - theirs) / theirs x 100, to 0.1 %; None without a usable price."""
    if theirs is None or theirs <= 0:
        return None
    return ((ours - theirs) / theirs * 100).quantize(Decimal("0.1"))


def rate_between(source: str | None, target: str | None, rates: RateTable) -> Decimal | None:
    """Units of `target` per unit of `source` (for ratios such as the price index)."""
    if not source or not target:
        return None
    conversion = convert(Decimal(1), source, target, rates=rates)
    return conversion.rate if conversion else None


def price_rows(
    rows: Iterable[Any], as_of: datetime, stale_after: timedelta, rates: RateTable
) -> list[PriceRow]:
    """`matched_latest` rows -> PriceRow with a state and (for fresh prices) our gap."""
    result = []
    for r in rows:
        state = price_state(r.ok_observed_at, as_of, stale_after)
        price = r.ok_price
        if price is not None and r.pack_ratio:
            price = (price / r.pack_ratio).quantize(Decimal("0.01"))
        theirs = amount_in(price, r.ok_currency, r.our_currency, rates=rates)
        result.append(PriceRow(
            product_id=r.product_id, sku=r.sku, product_name=r.product_name,
            category=r.category, our_price=r.our_price, our_currency=r.our_currency,
            competitor=r.competitor, competitor_label=label(r.competitor, r.competitor_display),
            listing_id=r.listing_id, url=r.url, state=state, price=r.ok_price,
            regular_price=r.ok_regular_price, currency=r.ok_currency,
            availability=r.ok_availability, observed_at=r.ok_observed_at,
            last_status=r.last_status, last_observed_at=r.last_observed_at,
            last_reason=r.last_reason,
            gap_pct=gap_percent(r.our_price, theirs) if state is PriceState.fresh else None,
        ))
    return result


DaySeries = dict[str, list[tuple[date, float]]]
"""Competitor label -> [(day, value)], days ascending."""


def _last_run_per_day(rows: Iterable[Any]) -> dict[tuple[int, date], int]:
    """(competitor, day) -> the crawl run id started last that day."""
    latest: dict[tuple[int, date], tuple[datetime, int]] = {}
    for r in rows:
        key = (r.competitor_id, r.started_at.date())
        if key not in latest or (r.started_at, r.crawl_run_id) > latest[key]:
            latest[key] = (r.started_at, r.crawl_run_id)
    return {key: run for key, (_, run) in latest.items()}


def index_series(rows: Sequence[Any], names: dict[int, str], rates: RateTable) -> DaySeries:
    """`index_by_run` rows -> price index (mean their/our x 100) per competitor per day."""
    keep = _last_run_per_day(rows)
    sums: dict[tuple[int, date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        key = (r.competitor_id, r.started_at.date())
        factor = rate_between(r.their_currency, r.our_currency, rates)
        if keep[key] != r.crawl_run_id or factor is None or not r.n or r.ratio_sum is None:
            continue
        sums[key][0] += float(r.ratio_sum) * float(factor)
        sums[key][1] += r.n
    series: DaySeries = defaultdict(list)
    for (cid, day), (total, n) in sorted(sums.items(), key=lambda kv: kv[0][1]):
        series[names.get(cid, str(cid))].append((day, round(100 * total / n, 2)))
    return dict(sorted(series.items()))


def stock_series(rows: Sequence[Any], names: dict[int, str]) -> DaySeries:
    """`stock_by_run` rows -> share of matched listings out of stock, percent, per day."""
    keep = _last_run_per_day(rows)
    series: DaySeries = defaultdict(list)
    for r in sorted(rows, key=lambda r: r.started_at):
        if keep[(r.competitor_id, r.started_at.date())] != r.crawl_run_id or not r.n:
            continue
        series[names.get(r.competitor_id, str(r.competitor_id))].append(
            (r.started_at.date(), round(100 * float(r.out_of_stock or 0) / r.n, 2)))
    return dict(sorted(series.items()))


PromoCalendar = dict[tuple[str, str], dict[date, int]]
"""(competitor label, promotion kind) -> {day: listings on that promotion}."""


def promo_calendar(rows: Sequence[Any], names: dict[int, str]) -> PromoCalendar:
    keep = _last_run_per_day(rows)
    cells: PromoCalendar = defaultdict(dict)
    for r in rows:
        day = r.started_at.date()
        if keep[(r.competitor_id, day)] != r.crawl_run_id:
            continue
        cells[(names.get(r.competitor_id, str(r.competitor_id)), r.kind)][day] = int(r.listings)
    return dict(sorted(cells.items()))


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
