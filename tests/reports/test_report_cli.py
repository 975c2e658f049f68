"""`pricewatch report daily|monthly` and `pricewatch export` through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from report_history import History

from monitor.cli import cli


def _run(history: History, *args: str) -> tuple[int, str]:
    url = history.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_report_daily_writes_html(history: History, tmp_path: Path) -> None:
    code, output = _run(history, "report", "daily", "--out", str(tmp_path), "--lang", "bg")
    assert code == 0, output
    written = list(tmp_path.glob("pricewatch-daily-*-bg.html"))
    assert len(written) == 1 and str(written[0]) in output


def test_report_monthly_writes_html_and_pdf(history: History, tmp_path: Path) -> None:
    code, output = _run(history, "report", "monthly", "--month", "2026-10", "--out", str(tmp_path))
    assert code == 0, output
    assert (tmp_path / "pricewatch-monthly-2026-10-en.pdf").exists()
    assert (tmp_path / "pricewatch-monthly-2026-10-en.html").exists()


def test_report_monthly_rejects_a_bad_month(history: History, tmp_path: Path) -> None:
    code, output = _run(history, "report", "monthly", "--month", "2026-13", "--out", str(tmp_path))
    assert code == 2
    assert "month '2026-13' is not of the form YYYY-MM" in output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export(history: History, tmp_path: Path, fmt: str) -> None:
    code, output = _run(history, "export", "--format", fmt, "--out", str(tmp_path))
    assert code == 0, output
    assert sorted(p.name.split("-")[1] for p in tmp_path.glob(f"*.{fmt}")) == ["findings", "prices"]


@pytest.mark.parametrize("args", [["report"], ["report", "daily"], ["report", "monthly"],
                                  ["export"]])
def test_every_command_has_help(args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0
    assert len(result.output.split("\n\n", 2)[1].strip()) > 20


def test_bad_settings_file_is_a_clear_error(history: History, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "pricewatch.yaml"
    settings.write_text("reports:\n  stale_after_hours: 0\n", encoding="utf-8")
    monkeypatch.setenv("PRICEWATCH_CONFIG", str(settings))
    code, output = _run(history, "report", "daily", "--out", str(tmp_path / "out"))
    assert code == 1
    assert "section 'reports', field stale_after_hours" in output
