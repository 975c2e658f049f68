"""A small PNG of a listing's price history for the email digest (matplotlib, no display)."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any


def price_chart_png(chart: dict[str, Any], width: float = 4.8, height: float = 2.2) -> bytes:
    """Render `{"title", "competitor", "currency", "points": [[iso, price], ...]}` as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates
    from matplotlib.figure import Figure

    points = chart.get("points") or []
    times = dates.date2num([datetime.fromisoformat(t) for t, _ in points])
    prices = [float(Decimal(p)) for _, p in points]  # float only for drawing
    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.add_subplot()
    ax.step(times, prices, where="post", color="#c0392b", linewidth=1.6)
    ax.plot(times, prices, "o", color="#c0392b", markersize=3)
    title = str(chart.get("title") or "")[:60]
    if chart.get("competitor"):
        title += f" at {chart['competitor']}"
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(str(chart.get("currency") or ""), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.xaxis_date()
    span = max(int(times[-1] - times[0]), 1) if len(times) else 1
    ax.xaxis.set_major_locator(dates.DayLocator(interval=max(1, span // 6)))
    ax.xaxis.set_major_formatter(dates.DateFormatter("%d %b"))
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
