"""Run states that tell the truth: a JS shop without its browser is skipped and says why
(status table, report, demo); a failed or cut-short crawl is never health "ok"."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from demo.run import not_crawled
from demo.shops import start_shops
from monitor.cli import cli
from reports.config import ReportSettings
from reports.daily import build_daily_report
from storage.db import make_engine
from storage.run_health import run_health

from .support import crawl, write_competitors


def test_js_shop_without_chromium_is_skipped_and_named(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRICEWATCH_CHROMIUM", str(tmp_path / "no-chromium-here"))
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    with start_shops(day=0, shops=["jsshop"]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, ["jsshop"])
        [summary] = crawl(path, ["jsshop"], db_url)
    assert summary.status == "skipped" and summary.counts == {}
    assert (summary.error or "").startswith("JS Shop skipped: install chromium")
    health = run_health(summary.status, summary.suspect, summary.suspect_reason, summary.error,
                        summary.stats)
    assert not health.ok and health.state == "skipped"
    engine = make_engine(db_url)
    assert not_crawled(engine) == [f"JS Shop: skipped: {summary.error}"]
    report = build_daily_report(engine, tmp_path / "reports", settings=ReportSettings())
    html = report.read_text(encoding="utf-8")
    assert "skipped: JS Shop skipped: install chromium" in html
    engine.dispose()
    result = CliRunner().invoke(cli, ["--db", db_url, "status"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    # the health column says skipped and why (the table may wrap it), never "ok"
    row = next(line for line in result.output.splitlines() if "jsshop" in line)
    health_cell = row.rstrip(" │").rsplit("│", 1)[-1].strip()
    assert health_cell.startswith("skipped: JS"), health_cell
    assert "│ ok" not in row
    flat = " ".join(part.strip(" │") for part in result.output.splitlines())
    assert "install" in flat and "chromium" in flat


@pytest.mark.parametrize(
    ("status", "suspect", "state"),
    [("finished", False, "ok"), ("finished", True, "suspect"), ("failed", False, "failed"),
     ("failed", True, "failed"), ("skipped", False, "skipped"), ("truncated", False, "truncated"),
     ("interrupted", False, "interrupted"), ("running", False, "running")],
)
def test_only_a_finished_healthy_run_is_ok(status: str, suspect: bool, state: str) -> None:
    health = run_health(status, suspect, "yield fell" if suspect else None, "boom",
                        {"pages_left": 12, "max_pages": 500})
    assert health.state == state
    assert health.ok is (state == "ok")
    if state == "truncated":
        assert health.detail == "stopped at max_pages=500 with at least 12 product page(s) left"
    if state == "failed":
        assert health.detail == "boom"
