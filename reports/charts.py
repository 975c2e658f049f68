"""Report charts with matplotlib (Agg backend): each function takes plain data, returns a figure.

`png(fig)` turns a figure into PNG bytes for the HTML reports; the monthly PDF puts the
same figures on its pages. Every competitor keeps one color across all charts; our own
price is always black. Titles and axis labels come translated from `Texts`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.i18n import Texts
from reports.prices import DaySeries, PromoCalendar

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#d62728")
OURS = "#111111"
DEARER = "#d62728"
CHEAPER = "#2ca02c"
WIDTH = 10.0
DPI = 110

plt.rcParams.update({
    "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold", "axes.labelsize": 10,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.alpha": 0.3, "legend.fontsize": 9, "legend.frameon": False,
})


def colors(names: Sequence[str]) -> dict[str, str]:
    """A stable color per competitor (by sorted name), shared by every chart."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (and the figure closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def _figure(height: float = 4.2) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(WIDTH, height), layout="constrained")
    return fig, ax


def _no_data(ax: plt.Axes, t: Texts) -> None:
    ax.text(0.5, 0.5, t("chart_no_data"), ha="center", va="center", transform=ax.transAxes,
            fontsize=12, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def _date_axis(ax: plt.Axes, t: Texts, span_days: int,
               days: Sequence[date] | None = None) -> None:
    """Day ticks, about ten. With `days`, the axis spans them with half a day either side:
    left to itself, matplotlib widens a single day to about four years (and a daily
    locator then builds some 1,600 ticks)."""
    if days:
        first, last = min(days), max(days)
        ax.set_xlim(float(mdates.date2num(first)) - 0.5, float(mdates.date2num(last)) + 0.5)
    interval = max(1, round(span_days / 10))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=interval))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _pos: t.short_date(mdates.num2date(x).date())))
    ax.set_xlabel(t("chart_date"))


def _legend_right(ax: plt.Axes) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def index_chart(series: DaySeries, t: Texts, palette: Mapping[str, str]) -> Figure:
    """Price index per competitor over time, with the parity line at 100."""
    fig, ax = _figure()
    ax.set_title(t("chart_index_title"), loc="left")
    if not series:
        _no_data(ax, t)
        return fig
    all_days = [day for points in series.values() for day, _ in points]
    for name, points in series.items():
        days, values = zip(*points, strict=True)
        ax.plot(days, values, marker="o", markersize=3.5, linewidth=2, label=name,
                color=palette.get(name))
    ax.axhline(100, color=OURS, linewidth=1.2, linestyle="--", label=t("chart_parity"))
    ax.set_ylabel(t("chart_index_y"))
    low = min(min(v for _, v in p) for p in series.values())
    high = max(max(v for _, v in p) for p in series.values())
    pad = max(1.0, (high - low) * 0.15)
    ax.set_ylim(min(low, 100) - pad, max(high, 100) + pad)
    _date_axis(ax, t, (max(all_days) - min(all_days)).days, all_days)
    _legend_right(ax)
    return fig


def gaps_chart(gaps: Mapping[str, Sequence[float]], t: Texts, palette: Mapping[str, str],
               clip: float = 40.0) -> Figure:
    """Distribution of our price vs. each competitor's current price (stacked histogram)."""
    fig, ax = _figure()
    ax.set_title(t("chart_gaps_title"), loc="left")
    names = [name for name, values in gaps.items() if values]
    if not names:
        _no_data(ax, t)
        return fig
    bins = np.arange(-clip, clip + 0.001, 2.5)
    data = [np.clip(np.asarray(gaps[n], dtype=float), -clip + 0.01, clip - 0.01) for n in names]
    ax.axvspan(-clip, 0, color=CHEAPER, alpha=0.07, linewidth=0)
    ax.axvspan(0, clip, color=DEARER, alpha=0.07, linewidth=0)
    ax.hist(data, bins=bins.tolist(), stacked=True, label=names, color=[palette.get(n, "#777777") for n in names],
            edgecolor="white", linewidth=0.6)
    ax.axvline(0, color=OURS, linewidth=1.2)
    ax.text(0.01, 0.97, "← " + t("chart_gaps_cheaper"), transform=ax.transAxes, ha="left",
            va="top", color=CHEAPER, fontweight="bold")
    ax.text(0.99, 0.97, t("chart_gaps_dearer") + " →", transform=ax.transAxes, ha="right",
            va="top", color=DEARER, fontweight="bold")
    ax.set_xlim(-clip, clip)
    ax.set_xlabel(t("chart_gaps_x"))
    ax.set_ylabel(t("chart_gaps_y"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _p: ("≤" if x <= -clip else "≥" if x >= clip else "")
        + (f"{x:+.0f}%" if x else "0")))
    _, top = ax.get_ylim()
    ax.set_ylim(0, top * 1.12)
    _legend_right(ax)
    return fig


HistoryPoint = tuple[datetime, Decimal, bool]
"""(when, their price in our currency, on promotion)."""


def _promo_spans(points: Sequence[HistoryPoint]) -> list[tuple[datetime, datetime]]:
    """Stretches where the price shown came from a promotion: from the first reading on
    promotion to the next reading without one (a day past the last reading if it lasts)."""
    spans: list[tuple[datetime, datetime]] = []
    start: datetime | None = None
    for when, _price, on_promo in points:
        if on_promo and start is None:
            start = when
        elif not on_promo and start is not None:
            spans.append((start, when))
            start = None
    if start is not None:
        spans.append((start, points[-1][0] + timedelta(days=1)))
    return spans


def _our_steps(ours: Sequence[tuple[datetime, Decimal]], first: datetime,
               end: datetime) -> tuple[list[datetime], list[float]]:
    """Our price as steps from `first` to `end` (changes before `first` collapse into one)."""
    before = [p for when, p in ours if when <= first]
    steps = ([(first, before[-1])] if before else []) + [(w, p) for w, p in ours if w > first]
    if not steps:
        return [], []
    return [w for w, _ in steps] + [end], [float(p) for _, p in steps] + [float(steps[-1][1])]


def history_chart(product: str, currency: str, ours: Sequence[tuple[datetime, Decimal]],
                  theirs: Mapping[str, Sequence[HistoryPoint]], t: Texts,
                  palette: Mapping[str, str], end: datetime) -> Figure:
    """One product's price against each competitor; promotion periods shaded."""
    fig, ax = _figure(3.8)
    title = product if len(product) <= 70 else product[:67] + "..."
    ax.set_title(t("chart_history_title", product=title), loc="left")
    if not theirs and not ours:
        _no_data(ax, t)
        return fig
    starts = [p[0][0] for p in theirs.values() if p]
    first = min(starts) - timedelta(hours=12) if starts else (ours[0][0] if ours else end)
    for name, points in theirs.items():
        if not points:
            continue
        color = palette.get(name.split(" #")[0])
        ax.step(mdates.date2num([p[0] for p in points]), [float(p[1]) for p in points],
                where="post", linewidth=1.8, color=color, label=name, marker="o", markersize=3,
                linestyle="--" if " #" in name else "-")
        for a, b in _promo_spans(points):
            ax.axvspan(float(mdates.date2num(a)), float(mdates.date2num(b)), color=color, alpha=0.14, linewidth=0)
    times, prices = _our_steps(ours, first, end)
    if times:
        ax.step(mdates.date2num(times), prices, where="post", color=OURS, linewidth=2.6, label=t("chart_our_price"))
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(facecolor="#888888", alpha=0.25))
    labels.append(t("chart_promo"))
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.set_ylabel(t("chart_history_y", currency=currency))
    ax.set_xlim(float(mdates.date2num(first)), float(mdates.date2num(end + timedelta(hours=12))))
    _date_axis(ax, t, max(1, (end - first).days))
    return fig


def promo_calendar_chart(cells: PromoCalendar, days: Sequence[date], t: Texts,
                         crawled: set[tuple[str, date]] | None = None) -> Figure:
    """Which competitor ran which kind of promotion when: listings on promotion per day.

    Days a competitor was not crawled (given `crawled`, the (competitor, day) pairs that
    were) are hatched: "no data" must not read as "no promotions".
    """
    rows = list(cells)
    height = max(2.6, 1.3 + 0.42 * len(rows))
    fig, ax = _figure(height)
    ax.set_title(t("chart_promo_title"), loc="left")
    if not rows or not days:
        _no_data(ax, t)
        return fig
    grid = np.full((len(rows), len(days)), np.nan)
    index = {day: i for i, day in enumerate(days)}
    for r, key in enumerate(rows):
        for day, count in cells[key].items():
            if day in index and count:
                grid[r, index[day]] = count
    image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="YlOrRd",
                      interpolation="nearest", vmin=0)
    ax.set_facecolor("#f4f4f4")
    ax.grid(False)
    ax.set_yticks(range(len(rows)), [f"{comp} · {t.promo_kind(kind)}" for comp, kind in rows])
    step = max(1, math.ceil(len(days) / 10))
    ticks = list(range(0, len(days), step))
    ax.set_xticks(ticks, [t.short_date(days[i]) for i in ticks])
    ax.set_xticks(np.arange(-0.5, len(days), 1), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows), 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.2)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel(t("chart_date"))
    if crawled is not None:
        missing = False
        for r, (comp, _kind) in enumerate(rows):
            for c, day in enumerate(days):
                if (comp, day) not in crawled:
                    missing = True
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="#e6e6e6",
                                           hatch="///", edgecolor="#9a9a9a", linewidth=0))
        if missing:
            ax.legend(handles=[Patch(facecolor="#e6e6e6", hatch="///", edgecolor="#9a9a9a",
                                     label=t("chart_not_crawled"))],
                      loc="upper left", bbox_to_anchor=(0, -0.18 if len(rows) > 4 else -0.3),
                      frameon=False)
    peak = np.nanmax(grid) if np.isfinite(grid).any() else 0
    if len(days) * len(f"{peak:.0f}") <= 64:  # the numbers fit their cells
        for (r, c), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ax.text(c, r, f"{value:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if value > 0.6 * peak else "#333333")
    bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
    bar.set_label(t("chart_promo_listings"))
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    return fig


def stockout_chart(series: DaySeries, t: Texts, palette: Mapping[str, str]) -> Figure:
    """Share of each competitor's matched items out of stock, per day."""
    fig, ax = _figure(3.6)
    ax.set_title(t("chart_stock_title"), loc="left")
    if not series:
        _no_data(ax, t)
        return fig
    all_days = [day for points in series.values() for day, _ in points]
    for name, points in series.items():
        days, values = zip(*points, strict=True)
        ax.plot(days, values, marker="o", markersize=3.5, linewidth=2, label=name,
                color=palette.get(name))
    ax.set_ylabel(t("chart_stock_y"))
    high = max(v for p in series.values() for _, v in p)
    ax.set_ylim(0, max(5.0, high * 1.2))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _p: f"{y:.0f}%"))
    _date_axis(ax, t, (max(all_days) - min(all_days)).days, all_days)
    _legend_right(ax)
    return fig


def position_chart(rows: Sequence[tuple[str, int, int]], t: Texts) -> Figure:
    """Per competitor: products where we gained (green, up) and lost (red, down) position."""
    fig, ax = _figure(3.6)
    ax.set_title(t("month_position"), loc="left")
    if not rows:
        _no_data(ax, t)
        return fig
    names = [r[0] for r in rows]
    x = np.arange(len(rows))
    gained = [r[1] for r in rows]
    lost = [-r[2] for r in rows]
    bars_up = ax.bar(x, gained, color=CHEAPER, label=t("month_gained"), width=0.55)
    bars_down = ax.bar(x, lost, color=DEARER, label=t("month_lost"), width=0.55)
    ax.bar_label(bars_up, labels=[str(v) if v else "" for v in gained], padding=2)
    ax.bar_label(bars_down, labels=[str(-v) if v else "" for v in lost], padding=2)
    ax.axhline(0, color=OURS, linewidth=1)
    ax.set_xticks(x, names)
    ax.set_ylabel(t("chart_gaps_y"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _p: f"{abs(y):.0f}"))
    low, high = min([*lost, 0]), max([*gained, 0])
    pad = max(1.0, (high - low) * 0.15)
    ax.set_ylim(low - pad, high + pad)
    _legend_right(ax)
    return fig
