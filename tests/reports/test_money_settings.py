"""The `money:` section: read with the report settings, refused in the wrong place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.settings import SettingsError, load_money_settings
from reports.config import load_report_settings
from storage.money import convert


def test_reports_read_the_money_section(tmp_path: Path) -> None:
    path = tmp_path / "pricewatch.yaml"
    path.write_text("reports: {lang: bg}\nmoney:\n  secondary_currency: bgn\n  rates:\n"
                    "    - {currency: USD, per_eur: '1.25', from: 2026-12-01}\n",
                    encoding="utf-8")
    settings = load_report_settings(path)
    assert settings.lang == "bg" and settings.money.secondary_currency == "BGN"
    usd = convert(Decimal("125"), "USD", "EUR", on=date(2026, 12, 6), rates=settings.rates)
    assert usd is not None and usd.amount == Decimal("100.00")
    assert load_money_settings(path) == settings.money


def test_money_in_the_reports_section_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pricewatch.yaml"
    path.write_text("reports:\n  money: {secondary_currency: BGN}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="top-level 'money' section"):
        load_report_settings(path)


def test_a_bad_rate_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "pricewatch.yaml"
    path.write_text("money:\n  rates:\n    - {currency: BGN, per_eur: '2', from: 2026-01-01}\n",
                    encoding="utf-8")
    with pytest.raises(SettingsError, match=r"section 'money', field rates\.0\.currency: .*fixed"):
        load_money_settings(path)
