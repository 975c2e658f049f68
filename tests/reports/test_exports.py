"""CSV and XLSX exports: every finding, every matched price with its freshness, formulas
defused, quarantined readings never exported as a price."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from report_history import NOW, History
from sqlalchemy import func, select

from reports.exports import FINDING_COLUMNS, PRICE_COLUMNS, export, to_csv, to_xlsx
from storage.models import CompareRun, Finding, Match, table


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _counts(history: History) -> tuple[int, int]:
    finding, run, match = table(Finding), table(CompareRun), table(Match)
    with history.engine.connect() as conn:
        last = conn.execute(select(func.max(run.c.id))).scalar_one()
        findings = conn.execute(select(func.count()).select_from(finding)
                                .where(finding.c.compare_run_id == last)).scalar_one()
        matches = conn.execute(select(func.count()).select_from(match)).scalar_one()
    return int(findings), int(matches)


def test_csv_has_all_findings_and_prices(history: History, tmp_path: Path) -> None:
    findings_csv, prices_csv = export(history.engine, tmp_path, "csv", now=NOW,
                                      settings=history.settings)
    findings, prices = _read_csv(findings_csv), _read_csv(prices_csv)
    assert (len(findings), len(prices)) == _counts(history)
    assert list(findings[0]) == list(FINDING_COLUMNS)
    assert list(prices[0]) == list(PRICE_COLUMNS)
    impacts = [Decimal(f["impact"]) for f in findings if f["impact"]]
    assert impacts == sorted(impacts, reverse=True)
    stale = [p for p in prices if p["state"] == "stale"]
    assert stale and all(p["current_price"] == "" and p["last_good_price"] for p in stale)
    assert {p["competitor"] for p in stale} == {"Чарли ООД"}
    fresh = [p for p in prices if p["state"] == "fresh"]
    assert all(p["current_price"] == p["last_good_price"] for p in fresh)


def test_quarantined_reading_is_not_exported_as_a_price(history: History, tmp_path: Path) -> None:
    _, prices_csv = export(history.engine, tmp_path, "csv", now=NOW, settings=history.settings)
    held = [p for p in _read_csv(prices_csv) if p["latest_status"] == "quarantined"]
    assert len(held) == 2 * history.spec.quarantined
    for row in held:
        assert row["last_good_price"], "the last good price is kept, with its date"
        assert Decimal(row["last_good_price"]) not in history.sample.quarantined_prices
        assert row["last_good_at"] < row["latest_at"]


def test_xlsx_has_the_same_rows(history: History, tmp_path: Path) -> None:
    findings_x, prices_x = export(history.engine, tmp_path, "xlsx", now=NOW,
                                  settings=history.settings)
    counts = _counts(history)
    for path, count, columns in ((findings_x, counts[0], FINDING_COLUMNS),
                                 (prices_x, counts[1], PRICE_COLUMNS)):
        sheet = load_workbook(path).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == columns and len(rows) == count + 1


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_formulas_are_written_as_text(tmp_path: Path, text: str) -> None:
    records = [{"sku": "S1", "product": text}]
    rows = list(csv.reader(to_csv(("sku", "product"), records).splitlines()))
    assert rows[1] == ["S1", "'" + text]
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx("x", ("sku", "product"), records))
    sheet = load_workbook(path).active
    assert sheet is not None
    cell = sheet["B2"]
    assert cell.value == text and cell.data_type == "s"


def test_unknown_format_is_refused(history: History, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'pdf' is not a valid ExportFormat"):
        export(history.engine, tmp_path, "pdf", now=NOW)
    assert list(tmp_path.iterdir()) == []
