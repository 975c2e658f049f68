"""The jobs `pricewatch serve` schedules. Module-level functions with plain arguments, so
APScheduler can keep them in its database job store and find them again after a restart."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.scheduling.nightly import NightlyResult, run_nightly
from monitor.scheduling.settings import NightlySettings, ScheduleSettings
from monitor.settings import load_section
from storage.db import make_engine

log = logging.getLogger(__name__)

STOP = threading.Event()
"""Set when the service is asked to stop (SIGTERM/SIGINT); running jobs stop at their next step."""


def nightly_job(db_url: str, settings_path: str | None) -> str:
    path = Path(settings_path) if settings_path else None
    engine = make_engine(db_url)
    try:
        result: NightlyResult = run_nightly(
            engine, db_url, load_section(path, "nightly", NightlySettings),
            settings_path=path, trigger="schedule", stop=STOP, progress=log.info,
        )
    finally:
        engine.dispose()
    log.info("nightly run %s: %s %s", result.nightly_run_id, result.status, result.message)
    return result.status


def previous_month(today: datetime) -> str:
    first = today.replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def monthly_job(db_url: str, settings_path: str | None) -> str:
    from reports.config import ReportSettings
    from reports.monthly import build_monthly_report

    path = Path(settings_path) if settings_path else None
    reports = load_section(path, "reports", ReportSettings)
    engine = make_engine(db_url)
    try:
        month = previous_month(datetime.now(UTC))
        paths = build_monthly_report(engine, month, reports.out_dir, lang=reports.lang,
                                     settings=reports)
    finally:
        engine.dispose()
    log.info("monthly report for %s: %s", month, paths)
    return month


def retention_job(db_url: str, settings_path: str | None) -> dict[str, int]:
    from monitor.scheduling.retention import prune

    path = Path(settings_path) if settings_path else None
    schedule = load_section(path, "schedule", ScheduleSettings)
    engine = make_engine(db_url)
    try:
        return prune(engine, schedule.evidence_dir, schedule.retention_days)
    finally:
        engine.dispose()
