"""How a crawl run is closed: the one rule for its final status, counts and health,
whether one process crawled it (`spiders.pipelines.StorePipeline`) or several workers
shared it (`spiders.runner.crawl_distributed`, from the workers' tallies).

The caller says how the crawl itself ended (finished, interrupted, failed, and why);
here a finished run that reached nothing becomes `failed`, one stopped at `max_pages`
with product pages left becomes `truncated` (with how many), and a finished or truncated
run gets the health check against the competitor's recent runs (`suspect`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from spiders.config import Competitor
from spiders.quality import RunFigures, run_health
from storage.db import redact
from storage.models import RunStatus
from storage.repos.listings import finish_crawl_run, recent_runs


@dataclass
class RunEnd:
    """What a crawl knows when it ends."""

    run_id: int
    competitor_id: int
    status: RunStatus
    """How the crawl ended before the rules below: finished, interrupted or failed."""
    error: str | None
    counts: Mapping[str, int]
    """Pages by outcome (observation statuses and fetch failures)."""
    product_pages: int
    fill: dict[str, float]
    """Share of product pages on which each field was found."""
    stats: dict[str, Any] = field(default_factory=dict)
    """The run's stats (`discovery_errors` among them); completed here."""
    pages_left: int = 0
    """Product pages found but not requested because `max_pages` was reached."""
    finished_at: datetime | None = None


@dataclass(frozen=True)
class RunClosed:
    status: RunStatus
    counts: dict[str, int]
    suspect_reason: str | None
    error: str | None
    stats: dict[str, Any]


def close_run(engine: Engine, end: RunEnd, competitor: Competitor,
              db_url: str | None = None) -> RunClosed:
    """Decide the run's final status and health and write it (one transaction)."""
    status, error, stats = end.status, end.error, {**end.stats, "fill": end.fill}
    stats["product_pages"] = end.product_pages
    if status is RunStatus.interrupted and not stats.get("distributed"):
        stats["resumable"] = True  # the next crawl of the competitor continues this run
    lost = stats.get("discovery_errors") or []
    if status is RunStatus.finished and not sum(end.counts.values()) and lost:
        # Nothing reached at all (shop down, sitemap gone, robots.txt forbids it): the
        # competitor could not be crawled - a failure, not a quiet empty run.
        status = RunStatus.failed
        error = (f"nothing crawled: {len(lost)} discovery page(s) failed, e.g. "
                 f"{lost[0]['url']}: {lost[0]['reason']}")
    if status is RunStatus.finished and end.pages_left:
        # Stopped at max_pages: what was read is good, but the shop was not covered.
        status = RunStatus.truncated
        stats["pages_left"] = end.pages_left
        stats["max_pages"] = competitor.discovery.max_pages
    counts = {k: int(v) for k, v in end.counts.items() if v}
    if error and db_url:
        error = redact(error, db_url)
    with engine.begin() as conn:
        previous = [RunFigures.from_run(r.counts or {}, r.stats or {})
                    for r in recent_runs(conn, end.competitor_id, limit=5)]
        current = RunFigures(ok=counts.get("ok", 0), product_pages=end.product_pages,
                             blocked=counts.get("blocked", 0), fill=end.fill)
        suspect = (run_health(current, previous, competitor.quality.suspect_drop)
                   if status in (RunStatus.finished, RunStatus.truncated) else None)
        if suspect and lost:
            suspect += (f"; {len(lost)} discovery page(s) failed, e.g. "
                        f"{lost[0]['url']}: {lost[0]['reason']}")
        finish_crawl_run(conn, end.run_id, status=status, counts=counts, stats=stats,
                         suspect=suspect is not None, suspect_reason=suspect,
                         error_summary=error, finished_at=end.finished_at)
    return RunClosed(status, counts, suspect, error, stats)
