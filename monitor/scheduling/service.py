"""`pricewatch serve`: APScheduler 3.x with its jobs kept in the pricewatch database.

- nightly chain on a cron (time zone from settings, with jitter), monthly report on the
  first day of the month, retention daily;
- jobs persisted in the same database (SQLAlchemyJobStore), so a run missed while the
  service was down runs once when it comes back (coalesce + misfire grace time);
- never two nightly runs at once, also across two services on one database (the
  nightly run holds a database lock);
- SIGTERM/SIGINT stop cleanly: a crawl in progress is stopped and recorded as
  interrupted, not finished.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.scheduling import jobs
from monitor.scheduling.settings import ScheduleSettings

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"


@dataclass(frozen=True)
class ServeOptions:
    db_url: str
    settings_path: Path | None
    schedule: ScheduleSettings
    nightly_every_s: float | None = None
    """Run the nightly chain every N seconds instead of the cron (tests, demos)."""


def _plain_url(db_url: str) -> str:
    return db_url


def build_scheduler(options: ServeOptions, *, blocking: bool = True) -> BaseScheduler:
    cls: Callable[..., BaseScheduler] = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(url=_plain_url(options.db_url), tablename=JOBSTORE_TABLE)},
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": options.schedule.misfire_grace_s},
        timezone=options.schedule.timezone,
    )
    args: list[Any] = [options.db_url, str(options.settings_path) if options.settings_path else None]
    zone = options.schedule.timezone
    nightly_trigger: Any = (
        IntervalTrigger(seconds=options.nightly_every_s, timezone=zone)
        if options.nightly_every_s
        else CronTrigger.from_crontab(options.schedule.nightly_cron, timezone=zone)
    )
    scheduler.add_job(
        jobs.nightly_job, nightly_trigger, args=args, id="nightly", name="nightly chain",
        replace_existing=True, jitter=None if options.nightly_every_s else options.schedule.jitter_s,
    )
    scheduler.add_job(
        jobs.monthly_job,
        CronTrigger(day=options.schedule.monthly_day, hour=options.schedule.monthly_hour, timezone=zone),
        args=args, id="monthly", name="monthly report", replace_existing=True,
    )
    scheduler.add_job(
        jobs.retention_job, CronTrigger(hour=4, minute=15, timezone=zone), args=args,
        id="retention", name="data retention", replace_existing=True,
    )
    return scheduler


def serve(options: ServeOptions, on_start: Callable[[BaseScheduler], None] | None = None) -> None:
    """Run the scheduler in the foreground until SIGTERM/SIGINT."""
    scheduler = build_scheduler(options, blocking=True)

    def stop(signum: int, _frame: Any) -> None:
        log.warning("received %s: stopping; a run in progress is recorded as interrupted",
                    signal.Signals(signum).name)
        jobs.STOP.set()
        from spiders.runner import request_stop

        request_stop()
        if scheduler.running:  # a second signal, or one before start, finds it stopped
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if on_start:
        scheduler.add_listener(lambda _e: None)
        on_start(scheduler)
    scheduler.start()
    # BlockingScheduler.start returns after shutdown; wait for the running job to notice STOP.
    executor = scheduler._lookup_executor("default")
    pool = getattr(executor, "_pool", None)
    if pool is not None:
        pool.shutdown(wait=True)


def next_runs(db_url: str) -> list[tuple[str, Any]]:
    """The persisted jobs and their next run times (for `pricewatch status`)."""
    store = SQLAlchemyJobStore(url=db_url, tablename=JOBSTORE_TABLE)
    try:
        store.start(None, "default")
        return [(job.name, job.next_run_time) for job in store.get_all_jobs()]
    except Exception:
        return []
    finally:
        store.shutdown()
