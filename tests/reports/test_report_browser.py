"""The daily report in a real headless Chromium: charts load, the table sorts and filters,
and the hostile product name stays text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from report_history import NOW, History
from report_support import ink_ratio, inspect_report, screenshot
from sqlalchemy import func, select

from reports.daily import build_daily_report
from reports.prices import label
from storage.models import CompareRun, Competitor, Finding, table

pytestmark = pytest.mark.chromium


def _expected_per_competitor(history: History) -> Counter[str]:
    finding, run, comp = table(Finding), table(CompareRun), table(Competitor)
    with history.engine.connect() as conn:
        last = conn.execute(select(func.max(run.c.id))).scalar_one()
        rows = conn.execute(
            select(comp.c.name, comp.c.display_name)
            .join(finding, finding.c.competitor_id == comp.c.id)
            .where(finding.c.compare_run_id == last)).all()
    return Counter(label(r.name, r.display_name) for r in rows)


def _numbers(values: list[str | None]) -> list[float]:
    return [float(v) for v in values if v is not None]


def test_report_works_in_chromium(history: History, tmp_path: Path) -> None:
    html = build_daily_report(history.engine, tmp_path / "out", now=NOW,
                              settings=history.settings)
    seen = inspect_report(html, tmp_path)
    expected = _expected_per_competitor(history)

    assert len(seen["images"]) == 4 + history.settings.history_products
    for image in seen["images"]:
        assert image["complete"] and image["w"] > 300 and image["h"] > 100, image
        assert image["shownW"] > 300, image

    assert seen["rows"] == sum(expected.values())
    assert seen["pwned"] is False, "the hostile product name ran as script"
    assert seen["scriptTags"] == 2, "the report's script and the check script, nothing else"
    assert any(p.startswith("<script>window.__pwned") for p in seen["products"])

    ascending, descending = _numbers(seen["gapAsc"]), _numbers(seen["gapDesc"])
    assert len(ascending) == seen["rows"]
    assert ascending == sorted(ascending) and ascending[0] < ascending[-1]
    assert descending == sorted(ascending, reverse=True)
    runs = [k for i, k in enumerate(seen["competitorAsc"])
            if i == 0 or k != seen["competitorAsc"][i - 1]]
    assert len(runs) == len(set(runs)), "sorting by competitor groups each competitor"

    assert sorted(seen["filterOptions"]) == sorted(expected)
    for name, count in expected.items():
        assert seen["filtered"][name] == {"visible": count, "shownCount": str(count)}
    assert seen["afterReset"] == seen["rows"]


def test_screenshot_shows_a_filled_page(history: History, tmp_path: Path) -> None:
    html = build_daily_report(history.engine, tmp_path / "out", lang="bg", now=NOW,
                              settings=history.settings)
    png = screenshot(html, tmp_path / "daily.png", tmp_path)
    assert png.stat().st_size > 20_000
    assert ink_ratio(png) > 0.05
