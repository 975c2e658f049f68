"""The `nightly:` and `schedule:` sections of pricewatch.yaml."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.settings import TimeZoneName


class NightlySettings(BaseModel):
    """What the nightly chain runs on."""

    model_config = ConfigDict(extra="forbid")

    competitors_file: Path = Path("competitors.yaml")
    mapping_file: Path | None = None
    """Manual listing -> product mapping (CSV), used by matching when given."""
    parallel: int = Field(2, ge=1, le=32)
    """How many competitors are crawled at once (each in its own process)."""
    deliver_alerts: bool = True
    """Send pending alerts at the end of the run (otherwise they wait in the outbox)."""


class ScheduleSettings(BaseModel):
    """When `pricewatch serve` runs what."""

    model_config = ConfigDict(extra="forbid")

    timezone: TimeZoneName = "Europe/Sofia"
    nightly_cron: str = "30 2 * * *"
    """Crontab fields: minute hour day month day-of-week."""
    jitter_s: int = Field(300, ge=0)
    misfire_grace_s: int = Field(6 * 3600, ge=1)
    """A run missed while the service was down still runs (once) if it is this late at most."""
    monthly_day: int = Field(1, ge=1, le=28)
    monthly_hour: int = Field(6, ge=0, le=23)
    retention_days: int = Field(90, ge=1)
    """Raw evidence (saved pages, sent outbox messages) older than this is pruned."""
    evidence_dir: Path = Path("var/evidence")

    @field_validator("nightly_cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a crontab expression ({exc}); e.g. '30 2 * * *'") from None
        return value
