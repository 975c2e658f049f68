"""The `reports` section of pricewatch.yaml: what the reports show and how they judge data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.settings import (
    SettingsError,
    load_money_settings,
    load_section,
    read_settings,
    settings_path,
)
from storage.money import MoneySettings, RateTable


class ReportSettings(BaseModel):
    """Typed `reports:` settings; every field has a default, so the section is optional."""

    model_config = ConfigDict(extra="forbid")

    out_dir: Path = Path("var/reports")
    """Where `pricewatch report` writes when --out is not given."""
    lang: str = "en"
    """Default report language: en | bg."""
    stale_after_hours: int = Field(default=36, ge=1)
    """A price older than this is stale: shown with its date, never as current."""
    history_days: int = Field(default=30, ge=2, le=400)
    """How many days the daily report's charts look back."""
    table_rows: int = Field(default=2000, ge=10)
    """At most this many findings in the HTML table (by impact); the CSV has them all."""
    history_products: int = Field(default=4, ge=0, le=12)
    """How many products get a price-history chart (those with the largest impact)."""
    taken_tolerance_pct: Decimal = Field(default=Decimal("1"), ge=0)
    """Our new price within this percent of a recommendation counts as taken."""
    taken_within_days: int = Field(default=14, ge=1)
    """How long after a recommendation a price change still counts as taking it."""
    money: MoneySettings = Field(default_factory=MoneySettings)
    """Filled from the top-level `money:` section (rates, dual display), not from `reports:`."""

    @field_validator("lang")
    @classmethod
    def _known_lang(cls, value: str) -> str:
        if value not in ("en", "bg"):
            raise ValueError(f"unknown language {value!r}; use en or bg")
        return value

    @property
    def rates(self) -> RateTable:
        """Configured rates (the fixed pegs are built into `storage.money`)."""
        return self.money.table()


def load_report_settings(path: Path | str | None = None) -> ReportSettings:
    """The `reports` section of the settings file (defaults when absent), with the
    `money` section (exchange rates, dual display) attached."""
    section = read_settings(path).get("reports") or {}
    if isinstance(section, dict) and "money" in section:
        raise SettingsError(f"{settings_path(path)}: section 'reports', field money: "
                            "put rates and the dual display in the top-level 'money' section")
    settings = load_section(path, "reports", ReportSettings)
    settings.money = load_money_settings(path)
    return settings
