"""Run crawls: each competitor in its own subprocess (a Twisted reactor cannot restart),
several at once, one failing never stopping the others.

The parent syncs the competitors from the config, creates each `crawl_run` row, starts
`python -m spiders.runner one ...` per competitor and reads its progress as JSON lines on
stdout. The child runs Scrapy with the competitor's settings; its pipeline writes the
observations and closes the run. If the child dies without closing its run, the parent
marks it `failed` (or `interrupted` when we were stopping). SIGTERM to the parent is
passed on to the children; Scrapy stops them gracefully, and their runs end as
`interrupted`, never `finished`.

Faults, and why they leave nothing behind:

* The database URL (with its password) reaches the child through its environment, never
  its command line, which any local user can read in `ps`.
* A child dies with its parent: it watches its parent process and, once it is gone
  (`kill -9` of `pricewatch crawl` or of `serve`), stops its crawl the graceful way, so its
  run ends `interrupted` with counts equal to its rows.
* A child holds the competitor's crawl lock (`storage.locks`) while it crawls: a second
  crawl of the same shop (another `serve` taking over from a dead one) waits until the
  first child is gone, and never crawls alongside it. A run left `running` by processes
  that are all gone is closed by the next crawl of its competitor, its counts taken
  from the rows it stored.
* Resume: a run cut short (killed or stopped) is continued by the next crawl of its
  competitor, within RESUME_WINDOW: the spider discovers the shop again and skips every
  page the run already stored. The database is the record of what is done, so even a
  `kill -9` between fetching and storing loses nothing and stores nothing twice (Scrapy's
  JOBDIR would not do: its queue forgets requests in flight when a process is killed).
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
from storage.db import ENV_URL, database_url, make_engine, redact, upgrade
from storage.locks import (
    Heartbeat,
    acquire_waiting,
    crawl_lock_name,
    held_by_someone_alive,
    holder_id,
)
from storage.models import RunStatus
from storage.repos.crawls import (
    close_dangling_run,
    crawl_run_row,
    last_finished_stats,
    reopen_run,
    resumable_run,
    running_runs,
    stored_pages,
)
from storage.repos.listings import CompetitorSpec, start_crawl_run, sync_competitors
from storage.repos.validators import load_validators
from storage.types import utcnow

Progress = Callable[[str, dict[str, Any]], None]
"""progress(competitor_name, event): event["event"] is started/progress/done."""

def serialized(progress: Progress | None) -> Progress | None:
    """`progress` called by one thread at a time: each child's events are read by a thread
    of their own, and a caller printing a line per event must not get two halves mixed."""
    if progress is None:
        return None
    lock = threading.Lock()
    report = progress

    def locked(name: str, event: dict[str, Any]) -> None:
        with lock:
            report(name, event)

    return locked


STOP_GRACE_S = 60.0
"""How long stopped children get to close their runs before they are killed."""
STDERR_TAIL_LINES = 8
RESUME_WINDOW = timedelta(hours=20)
"""A run cut short is continued by a crawl starting at most this long after it started;
an older one is left as it ended and the new crawl starts afresh."""
CRAWL_LOCK_TTL = timedelta(minutes=2)
LOCK_WAIT_S = STOP_GRACE_S + 30.0
"""How long a child waits for the competitor's crawl lock (a stopping crawl finishing)."""
PARENT_POLL_S = 0.5


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
    progress = serialized(progress)
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
    first_try = time.monotonic()
    try:
        while pending or running:
            while pending and len(running) < max(1, parallel) and not stopper.stopping.is_set():
                comp = _next_free(engine, pending, ids, waited=time.monotonic() - first_try)
                if comp is None:
                    break  # every pending shop is still being crawled by another process
                started_at = utcnow() + timedelta(seconds=offset_s)
                with engine.begin() as conn:
                    run_id = resumable_run(conn, ids[comp.name], started_at - RESUME_WINDOW)
                    if run_id is not None:
                        reopen_run(conn, run_id, nightly_run_id)
                    else:
                        run_id = start_crawl_run(conn, ids[comp.name], nightly_run_id,
                                                 started_at=started_at)
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
                                            stopper.stopping.is_set(), db_url)
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


def _next_free(engine: Any, pending: list[Competitor], ids: dict[str, int],
               waited: float) -> Competitor | None:
    """Take the first pending competitor whose crawl lock is free (a crawl of it whose
    parent died may still be stopping: its run is then closed first and continued by
    ours). After LOCK_WAIT_S the first one is taken anyway; its child waits for the lock
    itself, and gives up rather than crawl alongside another."""
    for index, comp in enumerate(pending):
        if not held_by_someone_alive(engine, crawl_lock_name(ids[comp.name])):
            return pending.pop(index)
    return pending.pop(0) if waited > LOCK_WAIT_S else None


def _spawn(competitors_file: Path, name: str, db_url: str, run_id: int, competitor_id: int,
           extra: dict[str, Any] | None) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "spiders.runner", "one", "--competitors", str(competitors_file),
           "--name", name, "--run-id", str(run_id),
           "--competitor-id", str(competitor_id), "--progress"]
    if extra:
        cmd += ["--settings-json", json.dumps(extra)]
    env = dict(os.environ)
    env[ENV_URL] = db_url  # never on the command line: `ps` shows that to every user
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
              stopping: bool, db_url: str) -> CrawlSummary:
    """Read the run back; close it if the child died without doing so."""
    with engine.begin() as conn:
        status = RunStatus.interrupted if stopping else RunStatus.failed
        error = redact(f"crawl process ended with exit code {proc.returncode} before closing "
                       f"its run" + (f": {tail}" if tail else ""), db_url)[:2000]
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
    config = load_competitors(competitors_file)
    comp = config.get(name)
    watch_parent()
    engine = make_engine(db_url)
    lock, me = crawl_lock_name(competitor_id), holder_id()
    if not acquire_waiting(engine, lock, me, CRAWL_LOCK_TTL, LOCK_WAIT_S):
        engine.dispose()
        _fail_run(db_url, run_id, f"another crawl of {name} is still running; this one did "
                  "not start (nothing was crawled twice)")
        return 4
    beat = Heartbeat(engine, lock, me, CRAWL_LOCK_TTL)
    try:
        with engine.begin() as conn:
            # We hold the shop's lock: any other run of it still `running` lost its processes.
            for other, _cid in running_runs(conn, competitor_id):
                if other != run_id:
                    close_dangling_run(conn, other, RunStatus.failed,
                                       "its crawl processes were gone (killed); closed by the "
                                       "next crawl of this competitor")
            prefer = last_finished_stats(conn, competitor_id).get("prefer")
            done = stored_pages(conn, run_id)
            known = page_readings(conn, competitor_id) if comp.discovery.api_prices else {}
            validators = (load_validators(conn, competitor_id)
                          if comp.discovery.full_read_days > 0 else {})
        settings = _base_settings(config, comp, db_url, run_id, competitor_id, progress)
        if extra:
            settings.update(extra, priority="cmdline")
        if comp.render_js:
            from spiders import settings as base
            from spiders.rendering import check_chromium

            problem = check_chromium(base.CHROMIUM_PATH)
            if problem:
                _fail_run(db_url, run_id, f"{comp.label} skipped: install chromium ({problem})",
                          RunStatus.skipped)
                return 3
        _crawl(settings, comp, prefer, done, known=known, validators=validators)
        return 0
    finally:
        beat.stop()
        engine.dispose()


def _crawl(settings: Any, comp: Competitor, prefer: str | None,
           done: set[tuple[str, str]], discover: bool = True,
           known: dict[tuple[str, str], Any] | None = None,
           validators: dict[tuple[str, str], Any] | None = None) -> None:
    from scrapy.crawler import CrawlerProcess

    from spiders.spiders.competitor import CompetitorSpider

    process = CrawlerProcess(settings)
    process.crawl(CompetitorSpider, competitor=comp, prefer=prefer, done=done, discover=discover,
                  known=known or {}, validators=validators or {})
    process.start()


# ------------------------------------------------------------------ distributed runs


def _base_settings(config: CompetitorsFile, comp: Competitor, db_url: str, run_id: int,
                   competitor_id: int, progress: bool) -> Any:
    from scrapy.settings import Settings

    from spiders import settings as base

    settings = Settings()
    settings.setmodule(base, priority="project")
    settings.update(crawl_settings(config, comp), priority="project")
    settings.update({
        "PRICEWATCH_DB_URL": db_url, "PRICEWATCH_RUN_ID": run_id,
        "PRICEWATCH_COMPETITOR_ID": competitor_id, "PRICEWATCH_PROGRESS": progress,
    }, priority="project")
    return settings


def run_worker(competitors_file: Path, name: str, db_url: str, run_id: int,
               competitor_id: int, *, redis: str | None = None, prefix: str = "pricewatch",
               discover: bool = False, progress: bool = False,
               worker_concurrency: int | None = None, wait_s: float = 120.0,
               extra: dict[str, Any] | None = None, at_once: bool = False) -> int:
    """Be one worker of the distributed run `run_id` (spiders.distributed). The
    discovering worker finds the shop's products; the others wait for the shared queue to
    fill, then every worker takes pages from it until it is empty. `at_once`: a worker the
    coordinator starts with the run, which starts its crawler while it waits (one joining
    later first checks that the run still has work, so it never opens an ended run)."""
    from spiders.distributed import connect as redis_connect
    from spiders.distributed import distributed_settings, redis_url, wait_for_work

    config = load_competitors(competitors_file)
    comp = config.get(name)
    if comp.render_js:
        raise ValueError(f"{name} is rendered in a browser: crawl it without --distributed")
    redis = redis_url(redis)
    polite = config.politeness_for(comp)
    settings = _base_settings(config, comp, db_url, run_id, competitor_id, progress)
    settings.update(distributed_settings(
        redis=redis, prefix=prefix, run_id=run_id, competitor_id=competitor_id,
        shop_concurrency=polite.concurrency_per_domain, shop_delay=polite.download_delay,
        worker_concurrency=worker_concurrency), priority="project")
    if extra:
        settings.update(extra, priority="cmdline")
    if at_once:
        # Started with the run: Scrapy starts while the discovering worker reads the shop,
        # and the worker stays open until the first pages are queued (WorkerPresence).
        settings.set("PRICEWATCH_JOIN_WAIT_S", wait_s, priority="cmdline")
    elif not discover and not wait_for_work(redis_connect(redis), prefix, run_id, wait_s):
        return 0  # nothing was ever queued: the run ended (or never got going) without us
    _crawl(settings, comp, None, set(), discover=discover)
    return 0


def crawl_distributed(
    competitors_file: Path, names: list[str] | None, db_url: str, *, workers: int = 2,
    redis: str | None = None, prefix: str = "pricewatch", progress: Progress | None = None,
    worker_concurrency: int | None = None, extra_settings: dict[str, Any] | None = None,
    nightly_run_id: int | None = None,
) -> list[CrawlSummary]:
    """Crawl each named competitor (default: every enabled one), one after the other, with
    `workers` processes on this machine sharing the run's Redis queue; `pricewatch worker`
    processes on other machines join while it lasts. Returns one summary per competitor."""
    from spiders.distributed import announced, forget_run, run_key, workers_alive
    from spiders.distributed import connect as redis_connect

    config = load_competitors(competitors_file)
    chosen = select_competitors(config, names)
    progress = serialized(progress)
    for comp in chosen:
        if comp.render_js:
            raise ValueError(f"{comp.name} is rendered in a browser: crawl it without "
                             "--distributed")
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        ids = sync_competitors(conn, [competitor_spec(c) for c in config.competitors])
    server = redis_connect(redis)
    server.ping()
    stopper = _Stopper()
    stopper.install()
    _ACTIVE.append(stopper)
    summaries: list[CrawlSummary] = []
    try:
        for comp in chosen:
            if stopper.stopping.is_set():
                summaries.append(CrawlSummary(comp.name, None, "not_started",
                                              error="stopped before it started"))
                continue
            cid = ids[comp.name]
            lock, me = crawl_lock_name(cid), holder_id()
            if not acquire_waiting(engine, lock, me, CRAWL_LOCK_TTL, LOCK_WAIT_S):
                summaries.append(CrawlSummary(comp.name, None, "not_started",
                                              error="another crawl of it is still running"))
                continue
            beat = Heartbeat(engine, lock, me, CRAWL_LOCK_TTL)
            try:
                with engine.begin() as conn:
                    run_id = start_crawl_run(conn, cid, nightly_run_id)
                started = time.monotonic()
                timeline: dict[str, Any] = {"started": time.time()}
                with announced(server, prefix, cid, run_id):
                    codes = _run_workers(competitors_file, comp.name, db_url, run_id, cid,
                                         workers, redis, prefix, worker_concurrency,
                                         extra_settings, progress, stopper)
                    timeline["workers_exited"] = time.time()
                    # workers on other machines may still be finishing their last pages
                    states = run_key(prefix, run_id, "workers")
                    while workers_alive(server, states) and not stopper.overdue():
                        time.sleep(0.5)
                timeline["closing"] = time.time()
                summaries.append(_close_distributed(
                    engine, server, prefix, comp, run_id, cid, codes,
                    time.monotonic() - started, stopper.stopping.is_set(), db_url, timeline))
                # pages/s count from the run's start to the run closed, start-up included
                summaries[-1].elapsed_s = time.monotonic() - started
                forget_run(server, prefix, run_id)
            finally:
                beat.stop()
    finally:
        _ACTIVE.remove(stopper)
        stopper.restore()
        engine.dispose()
    return summaries


def _run_workers(competitors_file: Path, name: str, db_url: str, run_id: int, cid: int,
                 workers: int, redis: str | None, prefix: str, worker_concurrency: int | None,
                 extra: dict[str, Any] | None, progress: Progress | None,
                 stopper: _Stopper) -> list[int]:
    from spiders.distributed import REDIS_ENV, redis_url

    procs: list[tuple[subprocess.Popen[str], _Child]] = []
    for index in range(max(1, workers)):
        cmd = [sys.executable, "-m", "spiders.runner", "worker",
               "--competitors", str(competitors_file), "--name", name, "--run-id", str(run_id),
               "--competitor-id", str(cid), "--prefix", prefix, "--progress"]
        cmd.append("--discover" if index == 0 else "--at-once")
        if worker_concurrency:
            cmd += ["--worker-concurrency", str(worker_concurrency)]
        if extra:
            cmd += ["--settings-json", json.dumps(extra)]
        env = dict(os.environ)
        env[ENV_URL] = db_url
        env[REDIS_ENV] = redis_url(redis)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                    else "")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, start_new_session=True)
        label = f"{name}#{index + 1}"
        with stopper.lock:
            stopper.children[label] = proc
        procs.append((proc, _Child(proc, label, progress)))
        if progress:
            progress(label, {"event": "started", "crawl_run_id": run_id, "pid": proc.pid})
    try:
        while any(proc.poll() is None for proc, _ in procs):
            if stopper.overdue():
                for proc, _ in procs:
                    if proc.poll() is None:
                        proc.kill()
            time.sleep(0.1)
    finally:
        for proc, reader in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            reader.join()
            with stopper.lock:
                stopper.children.pop(reader.name, None)
    codes = [proc.returncode for proc, _ in procs]
    for (_proc, reader), code in zip(procs, codes, strict=True):
        if code != 0:
            log_tail = redact(reader.stderr_tail(), db_url)
            if progress:
                progress(reader.name, {"event": "done", "status": f"exit {code}",
                                       "error": log_tail[-500:]})
        elif progress:
            progress(reader.name, {"event": "done", "status": "finished"})
    return codes


def _close_distributed(engine: Any, server: Any, prefix: str, comp: Competitor, run_id: int,
                       cid: int, codes: list[int], elapsed: float, stopping: bool,
                       db_url: str, timeline: dict[str, Any]) -> CrawlSummary:
    """Close a distributed run through the same rules as a one-process crawl
    (`spiders.closing`): counts from its rows plus the workers' tallied failures, fill
    counts and pages left at `max_pages` summed over the workers."""
    from spiders.closing import RunEnd, close_run
    from spiders.distributed import read_tallies
    from spiders.quality import HEALTH_FIELDS
    from storage.repos.crawls import run_counts

    tallies = read_tallies(server, prefix, run_id)
    with engine.connect() as conn:
        counts = run_counts(conn, run_id)
    for outcome, number in (tallies.get("failed") or {}).items():
        counts[outcome] = counts.get(outcome, 0) + int(number)
    pages = int(tallies.get("product_pages", 0))
    fill = {k: round(float(v) / pages, 4) if pages else 0.0
            for k, v in (tallies.get("fill_count") or {}).items()}
    failed_workers = [c for c in codes if c != 0]
    error: str | None = None
    if stopping:
        status, error = RunStatus.interrupted, "stopped"
    elif failed_workers or tallies.get("write_failed_workers"):
        status = RunStatus.failed
        error = (f"{len(failed_workers)} of {len(codes)} workers failed (exit codes "
                 f"{failed_workers})" if failed_workers else "storing pages failed")
    else:
        status = RunStatus.finished
    stats = {
        "distributed": True, "workers": len(codes), "health_fields": list(HEALTH_FIELDS),
        "http_status": tallies.get("http_status", {}),
        "requests": tallies.get("requests", 0), "responses": tallies.get("responses", 0),
        "retries": tallies.get("retries", 0), "extractors": tallies.get("extractors", {}),
        "elapsed_s": round(elapsed, 3),
        "pages_per_s": round(pages / elapsed, 1) if elapsed > 0 else None,
        "failures": (tallies.get("failures") or [])[:50],
        "discovery_errors": tallies.get("discovery_errors") or [],
        "timeline": _relative_timeline(timeline, tallies.get("timeline") or []),
    }
    closed = close_run(engine, RunEnd(
        run_id=run_id, competitor_id=cid, status=status, error=error, counts=counts,
        product_pages=pages, fill=fill, stats=stats,
        pages_left=int(tallies.get("pages_left", 0))), comp, db_url)
    return CrawlSummary(comp.name, run_id, closed.status.value, closed.counts,
                        closed.suspect_reason is not None, closed.suspect_reason, closed.error,
                        pages, elapsed, closed.stats)


def _relative_timeline(run: dict[str, Any], workers: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's and each worker's moments as seconds from the run's start (wall clocks:
    a worker on another machine is as exact as the machines' clocks agree)."""
    start = float(run.get("started") or 0.0)

    def rel(value: Any) -> Any:
        return round(float(value) - start, 3) if isinstance(value, int | float) else value

    moments = {"process_started", "opened", "first_page", "last_page", "seeded", "ended"}
    return {**{k: rel(v) for k, v in run.items() if k != "started"},
            "workers": [{k: rel(v) if k in moments else v for k, v in w.items()}
                        for w in workers]}


def watch_parent(poll_s: float = PARENT_POLL_S) -> None:
    """Stop this crawl when the process that started it is gone, however it ended.

    The child runs in its own session (so a Ctrl-C in a terminal reaches only the parent,
    which stops the children in order), hence nothing else would stop it after a
    `kill -9` of the parent. The stop is Scrapy's graceful one (SIGTERM: in-flight pages
    are stored and the run is closed `interrupted`); a crawl that has not ended
    STOP_GRACE_S later is ended hard, and the next crawl of the shop closes its run.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(STOP_GRACE_S)
        os.kill(os.getpid(), signal.SIGTERM)  # Scrapy's second signal: stop now
        time.sleep(10)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def page_readings(conn: Any, competitor_id: int) -> dict[tuple[str, str], Any]:
    """The last product-page reading of each of the competitor's listings (for reading
    prices from a platform API and fetching pages only when needed)."""
    from spiders.platform_api import PageReading
    from storage.repos.crawls import last_page_readings

    found: dict[tuple[str, str], PageReading] = {}
    for key, row in last_page_readings(conn, competitor_id).items():
        found[key] = PageReading(
            price=row.price, regular_price=row.regular_price, currency=row.currency,
            availability=row.availability, read_at=row.observed_at, title=row.title,
            sku=row.sku, gtin=row.gtin, mpn=row.mpn, brand=row.brand,
            promotions=list(row.promotions or []),
            terms={name: getattr(row, name) for name in (
                "shipping_cost", "free_shipping_threshold", "delivery_min_days",
                "delivery_max_days", "warranty_months", "returns_days")})
    return found


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
    one.add_argument("--db", default=None,
                     help=f"database URL (default: ${ENV_URL}; prefer the variable: a "
                          "command line is visible to every local user)")
    one.add_argument("--run-id", type=int, required=True)
    one.add_argument("--competitor-id", type=int, required=True)
    one.add_argument("--progress", action="store_true")
    one.add_argument("--settings-json", default=None)
    worker = sub.add_parser("worker", help="be one worker of a distributed crawl run")
    worker.add_argument("--competitors", type=Path, required=True)
    worker.add_argument("--name", required=True)
    worker.add_argument("--run-id", type=int, required=True)
    worker.add_argument("--competitor-id", type=int, required=True)
    worker.add_argument("--prefix", default="pricewatch")
    worker.add_argument("--discover", action="store_true")
    worker.add_argument("--at-once", action="store_true",
                        help="started with the run: start crawling while the queue fills")
    worker.add_argument("--progress", action="store_true")
    worker.add_argument("--worker-concurrency", type=int, default=None)
    worker.add_argument("--settings-json", default=None)
    args = parser.parse_args(argv)
    extra = json.loads(args.settings_json) if args.settings_json else None
    if args.command == "worker":
        watch_parent()
        return run_worker(args.competitors, args.name, database_url(None), args.run_id,
                          args.competitor_id, prefix=args.prefix, discover=args.discover,
                          progress=args.progress, worker_concurrency=args.worker_concurrency,
                          extra=extra, at_once=args.at_once)
    return run_one(args.competitors, args.name, database_url(args.db), args.run_id,
                   args.competitor_id,
                   progress=args.progress, extra=extra)


if __name__ == "__main__":
    sys.exit(main())
