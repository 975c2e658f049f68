"""The nightly chain: crawl every enabled competitor -> store -> match -> compare -> alerts
-> report, with one summary at the end.

A step that fails is recorded and the chain goes on where that makes sense: a competitor
whose crawl fails does not stop the others (the report says which are missing), and a
failed report does not lose the alerts. Only one nightly run at a time, across processes:
the run holds the database lock `nightly`.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from monitor.scheduling.lock import LockHeld, db_lock
from monitor.scheduling.settings import NightlySettings
from storage.locks import crawl_lock_name, held_by_someone_alive
from storage.models import NightlyRun, RunStatus, table
from storage.repos.crawls import close_dangling_run, running_runs
from storage.types import utcnow

log = logging.getLogger(__name__)

LOCK_NAME = "nightly"

Progress = Callable[[str], None]


@dataclass
class StepResult:
    name: str
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class NightlyResult:
    nightly_run_id: int | None
    status: str
    """finished | failed | interrupted | skipped (another run holds the lock)."""
    steps: list[StepResult] = field(default_factory=list)
    report_path: Path | None = None
    message: str = ""

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "steps": {s.name: {"ok": s.ok, **s.detail, **({"error": s.error} if s.error else {})}
                      for s in self.steps},
            "report": str(self.report_path) if self.report_path else None,
            "message": self.message,
        }


class Interrupted(Exception):
    """The run was asked to stop (SIGTERM to the service)."""


def _start_run(engine: Engine, trigger: str, started: datetime) -> int:
    with engine.begin() as conn:
        result = conn.execute(table(NightlyRun).insert().values(
            started_at=started, status=RunStatus.running.value, trigger=trigger, summary={},
        ))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def _finish_run(engine: Engine, run_id: int, result: NightlyResult, finished_at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(table(NightlyRun)).where(table(NightlyRun).c.id == run_id).values(
            status=result.status, finished_at=finished_at, summary=result.summary(),
            report_path=str(result.report_path) if result.report_path else None,
        ))


def recover_abandoned_runs(engine: Engine) -> int:
    """Mark runs left `running` by a process that died as `interrupted`.

    Called while holding the nightly lock, so no other nightly chain is running them. A
    crawl run whose competitor's crawl lock is still held by a live process (an orphaned
    crawl child finishing its graceful stop, or a `pricewatch crawl` started by hand) is
    left alone; the others get the counts of the rows they stored and are resumed by the
    next crawl.
    """
    now = utcnow()
    count = 0
    with engine.connect() as conn:
        crawl_runs = running_runs(conn)
    for run_id, competitor_id in crawl_runs:
        if held_by_someone_alive(engine, crawl_lock_name(competitor_id)):
            continue
        with engine.begin() as conn:
            count += close_dangling_run(conn, run_id, RunStatus.interrupted,
                                        "the process running this crawl stopped before it "
                                        "ended", finished_at=now)
    with engine.begin() as conn:
        tbl = table(NightlyRun)
        done = conn.execute(
            update(tbl).where(tbl.c.status == RunStatus.running.value).values(
                status=RunStatus.interrupted.value, finished_at=now)
        )
        count += done.rowcount or 0
    return count


def _step(
    result: NightlyResult, name: str, progress: Progress, stop: threading.Event | None,
    action: Callable[[], dict[str, Any]],
) -> bool:
    if stop is not None and stop.is_set():
        raise Interrupted(name)
    progress(f"{name} ...")
    began = time.perf_counter()
    try:
        detail = action()
    except Interrupted:
        raise
    except Exception as exc:
        log.exception("nightly step %s failed", name)
        result.steps.append(StepResult(name, False, error=f"{type(exc).__name__}: {exc}",
                                       detail={"trace": traceback.format_exc(limit=3)}))
        progress(f"{name} failed: {exc}")
        return False
    detail["seconds"] = round(time.perf_counter() - began, 1)
    result.steps.append(StepResult(name, True, detail))
    progress(f"{name} done: " + ", ".join(f"{k}={v}" for k, v in detail.items() if not isinstance(v, (dict, list))))
    return True


def run_nightly(
    engine: Engine,
    db_url: str,
    settings: NightlySettings,
    *,
    settings_path: Path | None = None,
    trigger: str = "manual",
    now: datetime | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> NightlyResult:
    """Run the whole chain once. Returns status `skipped` if another run holds the lock."""
    say = progress or (lambda _msg: None)
    try:
        with db_lock(engine, LOCK_NAME):
            recovered = recover_abandoned_runs(engine)
            if recovered:
                say(f"marked {recovered} run(s) abandoned by a stopped process as interrupted")
            return _run_locked(engine, db_url, settings, settings_path, trigger, now, say, stop)
    except LockHeld as held:
        say(f"skipped: {held}")
        return NightlyResult(None, "skipped", message=str(held))


def _run_locked(
    engine: Engine, db_url: str, settings: NightlySettings, settings_path: Path | None,
    trigger: str, now: datetime | None, say: Progress, stop: threading.Event | None,
) -> NightlyResult:
    began = time.perf_counter()
    run_id = _start_run(engine, trigger, now or utcnow())
    result = NightlyResult(run_id, RunStatus.running.value)
    try:
        _chain(engine, db_url, settings, settings_path, run_id, now, say, stop, result)
        failed = [s.name for s in result.steps if not s.ok]
        result.status = RunStatus.failed.value if failed else RunStatus.finished.value
        if failed:
            result.message = "ran to the end with errors in: " + ", ".join(failed)
    except Interrupted as stopped:
        result.status = RunStatus.interrupted.value
        result.message = f"stopped before step '{stopped}'"
    finally:
        if result.status == RunStatus.running.value:
            result.status = RunStatus.interrupted.value if stop and stop.is_set() else RunStatus.failed.value
        elapsed = timedelta(seconds=time.perf_counter() - began)
        _finish_run(engine, run_id, result, (now or utcnow() - elapsed) + elapsed)
    return result


def _chain(
    engine: Engine, db_url: str, settings: NightlySettings, settings_path: Path | None,
    run_id: int, now: datetime | None, say: Progress, stop: threading.Event | None,
    result: NightlyResult,
) -> None:
    # Imported here: the chain sits on top of every layer, and importing Scrapy or
    # matplotlib only when a run happens keeps `pricewatch --help` fast.
    from monitor.alerts import AlertSettings, deliver_pending, run_alerts
    from monitor.compare import CompareSettings, run_comparison
    from monitor.matching import MatchSettings, run_matching
    from monitor.settings import load_section
    from reports.config import load_report_settings
    from reports.daily import build_daily_report
    from spiders.runner import crawl_competitors
    from storage.money import MoneySettings

    crawl_ids: list[int] = []

    def crawl() -> dict[str, Any]:
        summaries = crawl_competitors(
            settings.competitors_file, None, db_url, nightly_run_id=run_id,
            parallel=settings.parallel, now=now,
        )
        if stop is not None and stop.is_set():
            raise Interrupted("crawl")
        crawl_ids.extend(s.crawl_run_id for s in summaries if s.crawl_run_id is not None)
        crawled = (RunStatus.finished.value, RunStatus.truncated.value)
        failed = [s.competitor for s in summaries if s.status not in crawled]
        truncated = [s.competitor for s in summaries if s.status == RunStatus.truncated.value]
        suspect = [s.competitor for s in summaries if s.suspect]
        detail = {
            "competitors": len(summaries), "failed": failed, "suspect": suspect,
            "truncated": truncated,
            "not_crawled": {s.competitor: s.error or s.status for s in summaries
                            if s.status not in crawled},
            "observations": sum(sum(s.counts.values()) for s in summaries),
        }
        if failed and len(failed) == len(summaries):
            raise RuntimeError(f"every competitor's crawl failed: {', '.join(failed)}")
        return detail

    _step(result, "crawl", say, stop, crawl)

    def match() -> dict[str, Any]:
        found = run_matching(engine, settings.mapping_file,
                             load_section(settings_path, "matching", MatchSettings))
        return _plain(found)

    _step(result, "match", say, stop, match)

    compare_ids: list[int] = []

    def compare() -> dict[str, Any]:
        done = run_comparison(engine, load_section(settings_path, "compare", CompareSettings), now=now,
                              rates=load_section(settings_path, "money", MoneySettings).table())
        compare_ids.append(done.run_id)
        return _plain(done, skip={"rows", "codec"})

    _step(result, "compare", say, stop, compare)

    alert_settings = load_section(settings_path, "alerts", AlertSettings)

    def alerts() -> dict[str, Any]:
        made = run_alerts(engine, alert_settings, now=now, crawl_run_ids=crawl_ids,
                          compare_run_id=compare_ids[0] if compare_ids else None,
                          secondary_currency=load_section(settings_path, "money",
                                                          MoneySettings).secondary_currency)
        detail = _plain(made)
        if settings.deliver_alerts:
            sent = deliver_pending(engine, alert_settings, now=now)
            detail.update({f"delivery_{k}": v for k, v in _plain(sent).items()})
        return detail

    _step(result, "alerts", say, stop, alerts)

    report_settings = load_report_settings(settings_path)  # with the money section

    def report() -> dict[str, Any]:
        path = build_daily_report(engine, report_settings.out_dir, lang=report_settings.lang,
                                  now=now, settings=report_settings)
        result.report_path = path
        return {"path": str(path)}

    _step(result, "report", say, stop, report)


def _plain(obj: Any, skip: set[str] | None = None) -> dict[str, Any]:
    """Scalars and small lists of a result dataclass, for the run summary."""
    out: dict[str, Any] = {}
    source = obj if isinstance(obj, dict) else getattr(obj, "__dict__", {})
    if not source and hasattr(obj, "__dataclass_fields__"):
        source = {k: getattr(obj, k) for k in obj.__dataclass_fields__}
    for key, value in source.items():
        if (skip and key in skip) or key.startswith("_"):
            continue
        if isinstance(value, (int, float, str, bool)) or value is None:
            out[key] = value
        elif isinstance(value, dict) and len(value) <= 50:
            out[key] = {str(k): v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in value.items()}
        elif isinstance(value, (list, tuple)):
            out[key] = len(value)
    return out


def last_runs(engine: Engine, limit: int = 5) -> list[Any]:
    tbl = table(NightlyRun)
    with engine.connect() as conn:
        return list(conn.execute(select(tbl).order_by(tbl.c.started_at.desc()).limit(limit)))
