"""The product page's price chart as plain SVG geometry (no JavaScript, no image library):
our price as a step line, each competitor listing's effective and shelf price, promotion
periods shaded, stock changes marked. Every number is computed here; the template only
draws, and escapes every label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

WIDTH, HEIGHT = 900, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


@dataclass
class Reading:
    """One `ok` reading of a listing, already in our currency and per our unit."""

    at: datetime
    effective: Decimal | None
    shelf: Decimal | None
    promoted: bool
    in_stock: bool | None


@dataclass
class Series:
    name: str
    color: str
    readings: list[Reading]
    effective_points: str = ""
    shelf_points: str = ""
    promo_bands: list[tuple[float, float]] = field(default_factory=list)
    stock_marks: list[tuple[float, float, bool, str]] = field(default_factory=list)
    """(x, y, back in stock?, when)."""


@dataclass
class Chart:
    width: int
    height: int
    our_points: str
    series: list[Series]
    y_ticks: list[tuple[float, Decimal]]
    x_ticks: list[tuple[float, datetime]]
    empty: bool
    plot: tuple[int, int, int, int] = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)


def build_chart(ours: list[tuple[datetime, Decimal]], series: list[Series], start: datetime,
                end: datetime) -> Chart:
    """Lay out the chart over [start, end]. `ours` are our price changes (oldest first,
    the first one in force at `start`)."""
    values = [p for _, p in ours] + [v for s in series for r in s.readings
                                      for v in (r.effective, r.shelf) if v is not None]
    if not values or end <= start:
        return Chart(WIDTH, HEIGHT, "", series, [], [], True)
    low, high = min(values), max(values)
    pad = (high - low) * Decimal("0.08") or (high * Decimal("0.05")) or Decimal(1)
    low, high = max(Decimal(0), low - pad), high + pad
    span = (end - start).total_seconds()
    top, scale = float(high), (HEIGHT - TOP - BOTTOM) / float(high - low)  # geometry in floats

    def x(at: datetime) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * max(0.0, min(1.0, (at - start).total_seconds() / span)), 1)

    def y(value: Decimal) -> float:
        return round(TOP + (top - float(value)) * scale, 1)

    steps: list[str] = []
    for i, (at, price) in enumerate(ours):
        if i:
            steps.append(f"{x(at)},{y(ours[i - 1][1])}")
        steps.append(f"{x(max(at, start))},{y(price)}")
    if ours:
        steps.append(f"{x(end)},{y(ours[-1][1])}")
    for s in series:
        s.effective_points = " ".join(f"{x(r.at)},{y(r.effective)}" for r in s.readings
                                      if r.effective is not None)
        s.shelf_points = " ".join(f"{x(r.at)},{y(r.shelf)}" for r in s.readings
                                  if r.shelf is not None)
        band_start: datetime | None = None
        previous: Reading | None = None
        for r in s.readings:
            if r.promoted and band_start is None:
                band_start = r.at
            if not r.promoted and band_start is not None and previous is not None:
                s.promo_bands.append((x(band_start), max(4.0, x(r.at) - x(band_start))))
                band_start = None
            if previous is not None and r.in_stock is not None and previous.in_stock is not None \
                    and r.in_stock != previous.in_stock and r.shelf is not None:
                s.stock_marks.append((x(r.at), y(r.shelf), r.in_stock, r.at.isoformat()))
            previous = r
        if band_start is not None and previous is not None:
            s.promo_bands.append((x(band_start), max(4.0, x(previous.at) - x(band_start) + 4)))
    ticks = 5
    y_ticks = [(y(low + (high - low) * i / ticks), (low + (high - low) * i / ticks)
                .quantize(Decimal("0.01"))) for i in range(ticks + 1)]
    first_day = start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    days = max(1, (end - first_day).days + 1)
    step = max(1, -(-days // 8))  # at most about 8 labelled midnights
    x_ticks = [(x(first_day + timedelta(days=d)), first_day + timedelta(days=d))
               for d in range(0, days, step) if first_day + timedelta(days=d) <= end]
    return Chart(WIDTH, HEIGHT, " ".join(steps), series, y_ticks, x_ticks, False)
