"""Run crawls: each competitor in its own subprocess (a Twisted reactor cannot restart),
several at once, one failing never stopping the others.

The parent syncs the competitors from the config, creates each `crawl_run` row, starts
`python -m spiders.runner one ...` per competitor and reads its progress as JSON lines on
stdout. The child runs Scrapy with the competitor's settings; its pipeline writes the
observations and closes the run. If the child dies without closing its run, the parent
marks it `failed` (or `interrupted` when we were stopping). SIGTERM to the parent is
passed on to the children; Scrapy stops them gracefully, and their runs end as
`interrupted`, never `finished`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from spiders.config import Competitor, CompetitorsFile, load_competitors
from storage.db import make_engine, upgrade
from storage.models import RunStatus
from storage.repos.crawls import close_dangling_run, crawl_run_row, last_finished_stats
from storage.repos.listings import CompetitorSpec, start_crawl_run, sync_competitors
from storage.types import utcnow

Progress = Callable[[str, dict[str, Any]], None]
"""progress(competitor_name, event): event["event"] is started/progress/done."""

STOP_GRACE_S = 60.0
STDERR_TAIL_LINES = 8
"""How long stopped children get to close their runs before they are killed."""


@dataclass
class CrawlSummary:
    """How one competitor's crawl ended (read back from its crawl_run row)."""

    competitor: str
    crawl_run_id: int | None
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    suspect: bool = False
    suspect_reason: str | None = None
    error: str | None = None
    pages: int = 0
    elapsed_s: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return int(self.counts.get("ok", 0))


def competitor_spec(comp: Competitor) -> CompetitorSpec:
    return CompetitorSpec(
        name=comp.name, base_url=comp.base_url, currency=comp.currency,
        display_name=comp.display_name, country=comp.country, enabled=comp.enabled,
        settings={"render_js": comp.render_js, "discovery": comp.discovery.kind.value},
    )


def select_competitors(config: CompetitorsFile, names: list[str] | None) -> list[Competitor]:
    """The named competitors (ConfigError for an unknown name), or every enabled one."""
    if names:
        return [config.get(name) for name in names]
    return [comp for comp in config.competitors if comp.enabled]


# ------------------------------------------------------------------ the parent


def longest_first(engine: Any, chosen: list[Competitor], ids: dict[str, int]) -> list[Competitor]:
    """Start the slowest crawls first (by their last run; browser-rendered shops when there
    is none), so that `parallel` slots finish together instead of one long crawl at the end."""
    with engine.connect() as conn:
        last = {c.name: float(last_finished_stats(conn, ids[c.name]).get("elapsed_s") or 0)
                for c in chosen}

    def expected(comp: Competitor) -> float:
        return last[comp.name] or (3600.0 if comp.render_js else 0.0)

    return sorted(chosen, key=expected, reverse=True)


class _Stopper:
    """Passes SIGTERM/SIGINT on to the children and remembers that we are stopping."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.children: dict[str, subprocess.Popen[str]] = {}
        self.lock = threading.Lock()
        self.previous: dict[int, Any] = {}
        self.stop_at: float | None = None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.stop()

    def overdue(self) -> bool:
        """Stopping for longer than STOP_GRACE_S."""
        return self.stop_at is not None and time.monotonic() - self.stop_at > STOP_GRACE_S

    def stop(self) -> None:
        if self.stop_at is None:
            self.stop_at = time.monotonic()
        self.stopping.set()
        with self.lock:
            for proc in self.children.values():
                if proc.poll() is None:
                    try:
                        proc.send_signal(signal.SIGTERM)
                    except ProcessLookupError:
                        pass


_ACTIVE: list[_Stopper] = []


def request_stop() -> None:
    """Stop the crawls in progress from another thread (e.g. a scheduler's own SIGTERM
    handler): children are stopped gracefully and their runs end as `interrupted`."""
    for stopper in list(_ACTIVE):
        stopper.stop()


def crawl_competitors(
    competitors_file: Path,
    names: list[str] | None,
    db_url: str,
    *,
    nightly_run_id: int | None = None,
    parallel: int = 2,
    progress: Progress | None = None,
    extra_settings: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> list[CrawlSummary]:
    """Crawl the named competitors (default: every enabled one), `parallel` at a time.

    Returns one summary per competitor, in config order. Raises ConfigError for a bad file
    or an unknown name before anything is crawled. `extra_settings` are Scrapy settings
    laid over every crawl (tests use them for short delays). `now` crawls "as of" another
    time: runs and observations are stamped from it onwards (the demo's simulated days).
    """
    config = load_competitors(competitors_file)
    chosen = select_competitors(config, names)
    offset_s = 0.0 if now is None else (now - utcnow()).total_seconds()
    if now is not None:
        extra_settings = {**(extra_settings or {}), "PRICEWATCH_CLOCK_OFFSET_S": offset_s}
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        ids = sync_competitors(conn, [competitor_spec(c) for c in config.competitors])
    stopper = _Stopper()
    stopper.install()
    _ACTIVE.append(stopper)
    summaries: dict[str, CrawlSummary] = {}
    pending = longest_first(engine, chosen, ids)
    running: dict[str, tuple[subprocess.Popen[str], int, _Child, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < max(1, parallel) and not stopper.stopping.is_set():
                comp = pending.pop(0)
                with engine.begin() as conn:
                    run_id = start_crawl_run(
                        conn, ids[comp.name], nightly_run_id,
                        started_at=utcnow() + timedelta(seconds=offset_s),
                    )
                proc = _spawn(competitors_file, comp.name, db_url, run_id, ids[comp.name],
                              extra_settings)
                with stopper.lock:
                    stopper.children[comp.name] = proc
                reader = _Child(proc, comp.name, progress)
                running[comp.name] = (proc, run_id, reader, time.monotonic())
                if progress:
                    progress(comp.name, {"event": "started", "crawl_run_id": run_id,
                                         "pid": proc.pid})
            if stopper.stopping.is_set():
                for comp in pending:
                    summaries[comp.name] = CrawlSummary(comp.name, None, "not_started",
                                                        error="stopped before it started")
                pending.clear()
            for name, (proc, run_id, reader, _started) in list(running.items()):
                if proc.poll() is None:
                    if stopper.overdue():
                        proc.kill()  # ignored SIGTERM for too long; its run is closed below
                    continue
                reader.join()
                del running[name]
                with stopper.lock:
                    stopper.children.pop(name, None)
                summaries[name] = _conclude(engine, name, run_id, proc, reader.stderr_tail(),
                                            stopper.stopping.is_set())
                if progress:
                    progress(name, {"event": "done", "status": summaries[name].status})
            time.sleep(0.05)
    finally:
        _ACTIVE.remove(stopper)
        stopper.restore()
        for proc, *_ in running.values():
            if proc.poll() is None:
                proc.kill()
        engine.dispose()
    return [summaries[c.name] for c in chosen if c.name in summaries]


def _spawn(competitors_file: Path, name: str, db_url: str, run_id: int, competitor_id: int,
           extra: dict[str, Any] | None) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "spiders.runner", "one", "--competitors", str(competitors_file),
           "--name", name, "--db", db_url, "--run-id", str(run_id),
           "--competitor-id", str(competitor_id), "--progress"]
    if extra:
        cmd += ["--settings-json", json.dumps(extra)]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)


class _Child:
    """Reads a child's stdout (progress events) and stderr (kept as a short tail) in two
    threads, so a chatty child never blocks on a full pipe."""

    def __init__(self, proc: subprocess.Popen[str], name: str, progress: Progress | None) -> None:
        self.proc, self.name, self.progress = proc, name, progress
        self.tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self.threads = [threading.Thread(target=self._events, daemon=True),
                        threading.Thread(target=self._errors, daemon=True)]
        for thread in self.threads:
            thread.start()

    def _events(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if self.progress:
                self.progress(self.name, event)

    def _errors(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if line.strip():
                self.tail.append(line.rstrip())

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=5)

    def stderr_tail(self) -> str:
        return "\n".join(self.tail)


def _conclude(engine: Any, name: str, run_id: int, proc: subprocess.Popen[str], tail: str,
              stopping: bool) -> CrawlSummary:
    """Read the run back; close it if the child died without doing so."""
    with engine.begin() as conn:
        status = RunStatus.interrupted if stopping else RunStatus.failed
        error = (f"crawl process ended with exit code {proc.returncode} before closing its run"
                 + (f": {tail}" if tail else ""))[:2000]
        close_dangling_run(conn, run_id, status, error)
        row = crawl_run_row(conn, run_id)
    stats = dict(row.stats or {})
    return CrawlSummary(
        competitor=name, crawl_run_id=run_id, status=row.status, counts=dict(row.counts or {}),
        suspect=bool(row.suspect), suspect_reason=row.suspect_reason, error=row.error_summary,
        pages=int(stats.get("product_pages", 0) or 0),
        elapsed_s=float(stats.get("elapsed_s", 0) or 0), stats=stats,
    )


# ------------------------------------------------------------------ the child


def crawl_settings(config: CompetitorsFile, comp: Competitor) -> dict[str, Any]:
    """Scrapy settings for one competitor: politeness from the file, rendering if asked."""
    from spiders import settings as base

    polite = config.politeness_for(comp)
    values: dict[str, Any] = {
        "USER_AGENT": polite.user_agent,
        "ROBOTSTXT_OBEY": polite.obey_robots,
        "CONCURRENT_REQUESTS_PER_DOMAIN": polite.concurrency_per_domain,
        "CONCURRENT_REQUESTS": max(polite.concurrency_per_domain, 8),
        "DOWNLOAD_DELAY": polite.download_delay,
        "AUTOTHROTTLE_ENABLED": polite.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(polite.download_delay, 0.0 if _loopback(comp) else 1.0),
        "DOWNLOAD_TIMEOUT": polite.timeout_s,
        "RETRY_TIMES": polite.retries,
        "DOWNLOAD_MAXSIZE": polite.max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(polite.max_page_bytes, base.DOWNLOAD_WARNSIZE),
    }
    if polite.proxy:
        values["PRICEWATCH_PROXY"] = polite.proxy
    if comp.render_js:
        values.update(render_settings())
    return values


def _loopback(comp: Competitor) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(comp.base_url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def render_settings() -> dict[str, Any]:
    """scrapy-playwright driving Debian's Chromium; only requests marked `playwright` use it."""
    from spiders import settings as base

    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": base.CHROMIUM_PATH, "headless": True, "args": base.CHROMIUM_ARGS,
        },
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 8,
        "PLAYWRIGHT_ABORT_REQUEST": "spiders.rendering.abort_request",
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
    }


def run_one(competitors_file: Path, name: str, db_url: str, run_id: int, competitor_id: int,
            *, progress: bool = False, extra: dict[str, Any] | None = None) -> int:
    """Crawl one competitor in this process (the child side). Returns an exit code."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from spiders import settings as base
    from spiders.spiders.competitor import CompetitorSpider

    config = load_competitors(competitors_file)
    comp = config.get(name)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        prefer = last_finished_stats(conn, competitor_id).get("prefer")
    engine.dispose()
    settings = Settings()
    settings.setmodule(base, priority="project")
    settings.update(crawl_settings(config, comp), priority="project")
    settings.update({
        "PRICEWATCH_DB_URL": db_url, "PRICEWATCH_RUN_ID": run_id,
        "PRICEWATCH_COMPETITOR_ID": competitor_id, "PRICEWATCH_PROGRESS": progress,
    }, priority="project")
    if extra:
        settings.update(extra, priority="cmdline")
    if comp.render_js:
        from spiders.rendering import check_chromium

        problem = check_chromium(base.CHROMIUM_PATH)
        if problem:
            _fail_run(db_url, run_id, f"{comp.label} skipped: install chromium ({problem})",
                      RunStatus.skipped)
            return 3
    process = CrawlerProcess(settings)
    process.crawl(CompetitorSpider, competitor=comp, prefer=prefer)
    process.start()
    return 0


def _fail_run(db_url: str, run_id: int, error: str, status: RunStatus = RunStatus.failed) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        close_dangling_run(conn, run_id, status, error)
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.runner")
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("one", help="crawl one competitor into an existing crawl_run")
    one.add_argument("--competitors", type=Path, required=True)
    one.add_argument("--name", required=True)
    one.add_argument("--db", required=True)
    one.add_argument("--run-id", type=int, required=True)
    one.add_argument("--competitor-id", type=int, required=True)
    one.add_argument("--progress", action="store_true")
    one.add_argument("--settings-json", default=None)
    args = parser.parse_args(argv)
    extra = json.loads(args.settings_json) if args.settings_json else None
    return run_one(args.competitors, args.name, args.db, args.run_id, args.competitor_id,
                   progress=args.progress, extra=extra)


if __name__ == "__main__":
    sys.exit(main())
