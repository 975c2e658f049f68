"""The monthly report: HTML and a PDF whose pages poppler renders with content on each."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from report_history import NOW, History
from report_support import ink_ratio, pdf_pages

from reports.i18n import Texts
from reports.monthly import ROWS_PER_PAGE, _tables, build_monthly_report
from reports.monthly_data import MonthError, collect_monthly, month_bounds


def test_month_bounds() -> None:
    start, end = month_bounds("2026-12")
    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00")
    for bad in ("2026-13", "26-10", "2026/10", "october"):
        with pytest.raises(MonthError, match="YYYY-MM"):
            month_bounds(bad)


def test_recommendations_taken_are_recognised(history: History) -> None:
    data = collect_monthly(history.engine, "2026-10", history.settings, NOW)
    taken = {r.sku for r in data.recommendations if r.outcome == "taken"}
    followed = {sku for sku, _price in history.sample.taken}
    assert followed, "the sample history follows some recommendations"
    assert followed <= taken
    assert {r.sku for r in data.recommendations if r.outcome == "not_taken"}
    assert {r.competitor for r in data.index_rows} == {"Alpha Market", "Bravo Shop", "Чарли ООД"}
    assert all(80 < (r.end or 0) < 120 for r in data.index_rows)
    assert sum(p.count for p in data.promotions) > 0
    assert all(p.depth is not None and 5 <= p.depth <= 35 for p in data.promotions)
    quality = {q.competitor: q for q in data.quality}
    assert quality["Чарли ООД"].failed == 2
    assert quality["Alpha Market"].suspect == 1
    assert quality["Bravo Shop"].quarantined == history.spec.quarantined


@pytest.mark.parametrize("lang", ["en", "bg"])
def test_pdf_pages_render_with_content(history: History, tmp_path: Path, lang: str) -> None:
    paths = build_monthly_report(history.engine, "2026-10", tmp_path / "out", lang=lang,
                                 settings=history.settings, now=NOW)
    assert paths.html.exists() and paths.pdf.read_bytes().startswith(b"%PDF")
    data = collect_monthly(history.engine, "2026-10", history.settings, NOW)
    tables = _tables(data, Texts(lang))
    expected = 2 + sum(max(1, math.ceil(len(t.rows) / ROWS_PER_PAGE)) for t in tables)
    pages = pdf_pages(paths.pdf, tmp_path)
    assert len(pages) == expected
    for page in pages:
        assert ink_ratio(page) > 0.01, f"{page.name} is (nearly) empty"
    html = paths.html.read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned" in html and "<script>window" not in html
    assert len(re.findall(r'<img class="chart" src="data:image/png;base64,', html)) == 2


def test_a_month_without_data_still_gives_both_files(history: History, tmp_path: Path) -> None:
    paths = build_monthly_report(history.engine, "2025-01", tmp_path, settings=history.settings)
    assert "No data for this month." in paths.html.read_text(encoding="utf-8")
    assert paths.pdf.stat().st_size > 1000
