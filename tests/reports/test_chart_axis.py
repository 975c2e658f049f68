"""The first night's charts: one day of data keeps a one-day date axis (matplotlib alone
widens a single day to about four years and builds some 1,600 daily ticks)."""

from __future__ import annotations

import warnings
from datetime import date

import matplotlib.dates as mdates
import pytest

from reports import charts
from reports.i18n import Texts


@pytest.mark.parametrize("chart", [charts.index_chart, charts.stockout_chart])
def test_one_day_of_data_gives_a_one_day_axis(chart) -> None:  # type: ignore[no-untyped-def]
    day = date(2026, 12, 1)
    series = {"jsonshop": [(day, 98.5)], "woostore": [(day, 101.0)]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Locator attempting to generate 1607 ticks" fails
        fig = chart(series, Texts("bg"), charts.colors(list(series)))
        fig.canvas.draw()
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    assert high - low == pytest.approx(1.0)
    assert mdates.num2date(low).date() <= day <= mdates.num2date(high).date()
    assert len(ax.get_xticks()) <= 3
    charts.plt.close(fig)
