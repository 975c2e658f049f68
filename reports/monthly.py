"""The monthly report to the boss: HTML and PDF for one calendar month.

`build_monthly_report(engine, "2026-10", out_dir)` writes
`pricewatch-monthly-2026-10-<lang>.html` and `.pdf`. The PDF is drawn with matplotlib's
PdfPages (pure Python, no browser, no network): A4 landscape pages with a title, the
charts and the tables, long tables continued over several pages.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from sqlalchemy import Engine

from reports import charts
from reports.config import ReportSettings, load_report_settings
from reports.i18n import Texts
from reports.monthly_data import MonthlyData, collect_monthly, month_bounds
from reports.render import data_uri, environment, write_atomically

A4_LANDSCAPE = (11.69, 8.27)
ROWS_PER_PAGE = 22
LIST_LIMIT = 200


@dataclass(frozen=True)
class MonthlyPaths:
    html: Path
    pdf: Path


@dataclass
class Table:
    """A table for both outputs: a title, column headers, formatted cells, numeric columns."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()
    note: str = ""


def _fmt_index(t: Texts, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    text = t.number(value, 1)
    return ("+" + text) if signed and value > 0 else text


def _tables(data: MonthlyData, t: Texts) -> list[Table]:
    recs = data.recommendations
    outcome = {"taken": t("rec_taken"), "partly": t("rec_partly"), "not_taken": t("rec_not_taken")}
    return [
        Table("index", t("month_index_trend"),
              [t("col_competitor"), t("month_index_start"), t("month_index_end"),
               t("month_index_change")],
              [[r.competitor, _fmt_index(t, r.start), _fmt_index(t, r.end),
                _fmt_index(t, r.change, signed=True)] for r in data.index_rows],
              frozenset({1, 2, 3})),
        Table("positions", t("month_position"),
              [t("col_competitor"), t("month_compared"), t("month_gained"), t("month_lost"),
               t("month_cheaper_end")],
              [[p.competitor, t.number(p.compared), t.number(p.gained), t.number(p.lost),
                t.number(p.cheaper_end)] for p in data.positions],
              frozenset({1, 2, 3, 4}), t("month_position_explain")),
        Table("moves", t("month_gained") + " / " + t("month_lost"),
              [t("col_product"), t("col_competitor"), t("month_index_start"),
               t("month_index_end"), t("month_rec_status")],
              [[f"{m.product} ({m.sku})", m.competitor, t.percent(m.gap_start, signed=True),
                t.percent(m.gap_end, signed=True),
                t("month_gained") if m.gained else t("month_lost")]
               for m in data.moves[:LIST_LIMIT]],
              frozenset({2, 3}), t("chart_gaps_x")),
        Table("promotions", t("month_promotions"),
              [t("col_competitor"), t("month_promo_count"), t("month_promo_listings"),
               t("month_promo_depth"), t("month_promo_duration")],
              [[p.competitor, t.number(p.count), t.number(p.listings),
                t.percent(p.depth) if p.depth is not None else "—",
                t.number(p.duration, 1) if p.duration is not None else "—"]
               for p in data.promotions],
              frozenset({1, 2, 3, 4}), t("month_promo_note")),
        Table("recommendations", t("month_recommendations"),
              [t("col_product"), t("col_kind"), t("month_rec_made"), t("month_rec_price"),
               t("month_rec_before"), t("month_rec_after"), t("month_rec_status")],
              [[f"{r.product} ({r.sku})", t.kind(r.kind), t.date(r.made),
                t.money(r.recommended, r.currency), t.money(r.before, r.currency),
                t.money(r.after, r.currency) if r.after is not None else "—",
                outcome[r.outcome]] for r in recs[:LIST_LIMIT]],
              frozenset({3, 4, 5}),
              f"{t('month_recs_made')}: {t.number(len(recs))} · "
              f"{t('month_recs_taken')}: {t.number(sum(r.outcome == 'taken' for r in recs))} · "
              f"{t('month_recs_partly')}: {t.number(sum(r.outcome == 'partly' for r in recs))} · "
              f"{t('month_recs_not_taken')}: "
              f"{t.number(sum(r.outcome == 'not_taken' for r in recs))}"),
        Table("quality", t("month_quality"),
              [t("col_competitor"), t("month_runs"), t("month_failed_runs"),
               t("month_suspect_runs"), t("month_ok_readings"), t("month_quarantined"),
               t("month_blocked"), t("month_coverage_end")],
              [[q.competitor, t.number(q.runs), t.number(q.failed), t.number(q.suspect),
                t.number(q.ok), t.number(q.quarantined), t.number(q.blocked),
                t.percent(100 * q.fresh / q.matched) if q.matched else "—"]
               for q in data.quality],
              frozenset({1, 2, 3, 4, 5, 6, 7})),
    ]


def _figures(data: MonthlyData, t: Texts) -> list[tuple[str, Figure]]:
    palette = charts.colors(list(data.index) + [p.competitor for p in data.positions])
    return [
        ("index", charts.index_chart(data.index, t, palette)),
        ("positions", charts.position_chart(
            [(p.competitor, p.gained, p.lost) for p in data.positions], t)),
    ]


def _summary(data: MonthlyData, t: Texts) -> list[str]:
    recs = data.recommendations
    lines = [
        f"{r.competitor}: {t('month_index_trend').lower()} {_fmt_index(t, r.start)} → "
        f"{_fmt_index(t, r.end)} ({_fmt_index(t, r.change, signed=True)})"
        for r in data.index_rows
    ]
    lines.append(f"{t('month_recs_made')}: {t.number(len(recs))}, {t('month_recs_taken').lower()}: "
                 f"{t.number(sum(r.outcome == 'taken' for r in recs))}")
    lines.append(f"{t('month_promotions')}: "
                 + ", ".join(f"{p.competitor} {t.number(p.count)}" for p in data.promotions))
    return lines


def render_html(data: MonthlyData, t: Texts, tables: list[Table], images: dict[str, str]) -> str:
    return environment().get_template("monthly.html.j2").render(
        d=data, t=t, tables=tables, images=images, summary=_summary(data, t),
        title=f"{t('monthly_title')}: {t.month(data.start.date())}",
        generated=t.datetime(datetime.now(UTC)),
    )


def _image_axes(fig: Figure, chart: Figure, rect: tuple[float, float, float, float]) -> None:
    buffer = io.BytesIO()
    chart.savefig(buffer, format="png", dpi=170)
    plt.close(chart)
    buffer.seek(0)
    ax = fig.add_axes(rect)
    ax.imshow(mpimg.imread(buffer, format="png"))
    ax.axis("off")


def _page(title: str, subtitle: str = "") -> Figure:
    fig = plt.figure(figsize=A4_LANDSCAPE)
    fig.text(0.05, 0.94, title, fontsize=17, fontweight="bold", va="top")
    if subtitle:
        fig.text(0.05, 0.895, textwrap.fill(subtitle, 150), fontsize=10, color="#555555",
                 va="top")
    return fig


def _table_page_count(table: Table) -> int:
    return max(1, math.ceil(len(table.rows) / ROWS_PER_PAGE))


def _table_pages(table: Table, t: Texts) -> Iterator[Figure]:
    """The table's pages, one figure at a time (each is closed once saved)."""
    chunks = [table.rows[i:i + ROWS_PER_PAGE] for i in range(0, len(table.rows), ROWS_PER_PAGE)]
    for number, chunk in enumerate(chunks or [[]], start=1):
        suffix = f" ({number}/{len(chunks)})" if len(chunks) > 1 else ""
        fig = _page(table.title + suffix, table.note)
        ax = fig.add_axes((0.05, 0.06, 0.9, 0.78))
        ax.axis("off")
        if not chunk:
            ax.text(0.0, 0.95, t("month_no_data"), fontsize=12, color="#666666", va="top")
            yield fig
            continue
        cells = [[c if len(c) <= 48 else c[:45] + "..." for c in row] for row in chunk]
        drawn = ax.table(cellText=cells, colLabels=table.columns, loc="upper center",
                         cellLoc="left", colLoc="left")
        drawn.auto_set_font_size(False)
        drawn.set_fontsize(9)
        drawn.auto_set_column_width(list(range(len(table.columns))))
        drawn.scale(1, 1.45)
        for (row, col), cell in drawn.get_celld().items():
            cell.set_edgecolor("#d0d6e0")
            if col in table.numeric:
                cell.get_text().set_horizontalalignment("right")
            if row == 0:
                cell.set_facecolor("#e8edf5")
                cell.get_text().set_fontweight("bold")
            elif row % 2 == 0:
                cell.set_facecolor("#f7f9fc")
        yield fig


def render_pdf(data: MonthlyData, t: Texts, tables: list[Table], path: Path) -> None:
    """Write the PDF: summary and index chart, positions chart, then every table."""
    title = f"{t('monthly_title')}: {t.month(data.start.date())}"
    figures = dict(_figures(data, t))
    total = 2 + sum(_table_page_count(table) for table in tables)

    def pages() -> Iterator[Figure]:
        first = _page(title, f"{t('generated')}: {t.datetime(datetime.now(UTC))}")
        lines = _summary(data, t) if not data.empty else [t("month_no_data")]
        first.text(0.05, 0.85, "\n".join(lines), fontsize=10.5, va="top", linespacing=1.6)
        _image_axes(first, figures["index"], (0.04, 0.03, 0.92, 0.56))
        yield first
        second = _page(t("month_position"), t("month_position_explain"))
        _image_axes(second, figures["positions"], (0.04, 0.08, 0.92, 0.75))
        yield second
        for table in tables:
            yield from _table_pages(table, t)

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": "pricewatch"}) as pdf:
        for number, fig in enumerate(pages(), start=1):
            fig.text(0.95, 0.02, f"{t('page')} {number} {t('of')} {total}",
                     ha="right", fontsize=8, color="#777777")
            pdf.savefig(fig)
            plt.close(fig)
    write_atomically(path, buffer.getvalue())


def build_monthly_report(engine: Engine, month: str, out_dir: Path, *, lang: str = "en",
                         settings: ReportSettings | None = None,
                         now: datetime | None = None) -> MonthlyPaths:
    """Write the month's HTML and PDF reports into `out_dir`; return both paths."""
    Texts(lang)  # refuse an unknown language before doing any work
    month_bounds(month)  # a clear error for a bad month before any work
    settings = settings or load_report_settings()
    t = Texts(lang, settings.money.secondary_currency, settings.rates)
    data = collect_monthly(engine, month, settings, now)
    tables = _tables(data, t)
    images = {key: data_uri(fig) for key, fig in _figures(data, t)}
    stem = Path(out_dir) / f"pricewatch-monthly-{month}-{lang}"
    html = write_atomically(stem.with_suffix(".html"), render_html(data, t, tables, images))
    pdf = stem.with_suffix(".pdf")
    render_pdf(data, t, tables, pdf)
    return MonthlyPaths(html=html, pdf=pdf)
