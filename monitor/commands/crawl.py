"""`pricewatch crawl [COMPETITOR...]`: crawl competitors with a live progress display and
a per-competitor summary at the end (a thin layer over `spiders.runner`)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click
from redis.exceptions import RedisError
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from monitor.commands.tables import PlainTable, styled
from spiders.config import ConfigError, load_competitors
from spiders.distributed import active_key, redis_url
from storage.db import database_url, masked_url

console = Console()

OUTCOMES = ("ok", "not_found", "blocked", "parse_failed", "quarantined", "error",
            "robots_disallowed")


class _Display:
    """Turns the runner's progress events into one progress bar per competitor."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.lock = threading.Lock()

    def __call__(self, name: str, event: dict[str, Any]) -> None:
        with self.lock:
            kind = event.get("event")
            if kind == "started":
                self.tasks[name] = self.progress.add_task(name, total=None, status="starting")
                return
            task = self.tasks.get(name)
            if task is None:
                return
            if kind == "progress":
                counts = event.get("counts") or {}
                status = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
                found = int(event.get("found") or 0)
                self.progress.update(task, completed=int(event.get("pages") or 0),
                                     total=found or None, status=status)
            elif kind == "done":
                current = self.progress.tasks[task]
                self.progress.update(task, total=current.completed or 1,
                                     completed=current.completed or 1,
                                     status=str(event.get("status")))


HEADERS = {"ok": "ok", "not_found": "gone", "blocked": "blocked", "parse_failed": "noprice",
           "quarantined": "quarant", "error": "errors", "robots_disallowed": "robots"}


def summary_table(summaries: list[Any]) -> PlainTable:
    """One row per competitor: status, observations by outcome, speed."""
    grid = PlainTable(title="Crawl summary", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0))
    grid.add_column("competitor", no_wrap=True)
    grid.add_column("status", no_wrap=True)
    for outcome in OUTCOMES:
        grid.add_column(HEADERS[outcome], justify="right")
    grid.add_column("pages/s", justify="right")
    for s in summaries:
        style = {"finished": "green", "failed": "red", "interrupted": "yellow"}.get(s.status, "")
        status = "suspect" if s.suspect and s.status == "finished" else s.status
        if s.suspect:
            style = "yellow"
        rate = f"{s.pages / s.elapsed_s:.0f}" if s.elapsed_s else ""
        grid.add_row(
            s.competitor, styled(status, style) if style else status,
            *[str(s.counts.get(o, 0)) for o in OUTCOMES], rate,
        )
    return grid


def notes(summaries: list[Any]) -> list[str]:
    """Why a run is suspect or failed, one line each."""
    lines = []
    for s in summaries:
        if s.suspect:
            lines.append(f"{s.competitor} (run {s.crawl_run_id}) is suspect: {s.suspect_reason}")
        if s.error:
            lines.append(f"{s.competitor} (run {s.crawl_run_id}) {s.status}: {s.error[:300]}")
    return lines


@click.command("crawl")
@click.argument("names", nargs=-1, metavar="[COMPETITOR]...")
@click.option("--competitors", "competitors_file", default="competitors.yaml",
              show_default=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The competitors file.")
@click.option("--parallel", default=2, show_default=True, type=click.IntRange(1, 32),
              help="How many competitors to crawl at once (each in its own process).")
@click.option("--distributed", is_flag=True,
              help="Share each competitor's run among worker processes through Redis "
              "(scrapy-redis); workers on other machines join with `pricewatch worker`.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="With --distributed: worker processes on this machine.")
@click.option("--redis", "redis", envvar="PRICEWATCH_REDIS_URL", metavar="URL",
              help="With --distributed: the Redis server (default redis://127.0.0.1:6379/0; "
              "env PRICEWATCH_REDIS_URL).")
@click.pass_context
def crawl(ctx: click.Context, names: tuple[str, ...], competitors_file: Path,
          parallel: int, distributed: bool, workers: int, redis: str | None) -> None:
    """Crawl the named competitors (default: every enabled one in the competitors file).

    Each competitor is crawled in its own process; one failing does not stop the others.
    Every product page becomes one observation in the competitor's crawl run: ok,
    not_found, blocked (captcha / 403 / 429 walls), parse_failed or quarantined (implausible
    values), each with its reason. A run whose yield or fill-rate falls sharply against
    the previous runs is marked suspect. Exit code 1 when a crawl failed or was
    interrupted.

    With --distributed, each competitor (one after the other) is crawled by WORKERS
    processes sharing one Redis queue and duplicate filter; the shop's politeness limits
    (concurrency, delay) hold across all of them, and each product is stored once.
    """
    from spiders.runner import crawl_competitors, crawl_distributed

    db_url = database_url((ctx.obj or {}).get("db_url"))
    columns = (SpinnerColumn(), TextColumn("{task.description}", style="bold", markup=False), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.fields[status]}"))
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            if distributed:
                summaries = crawl_distributed(competitors_file, list(names) or None, db_url,
                                              workers=workers, redis=redis,
                                              progress=_Display(progress))
            else:
                summaries = crawl_competitors(competitors_file, list(names) or None, db_url,
                                              parallel=parallel, progress=_Display(progress))
    except (ConfigError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    except RedisError as exc:
        raise click.ClickException(
            f"cannot use Redis at {masked_url(redis_url(redis))}: {exc}") from None
    if not summaries:
        console.print("no enabled competitor to crawl")
        return
    console.print(summary_table(summaries))
    for line in notes(summaries):
        console.print(line, highlight=False, markup=False)
    if any(s.status != "finished" for s in summaries):
        ctx.exit(1)


@click.command("worker")
@click.argument("name", metavar="COMPETITOR")
@click.option("--competitors", "competitors_file", default="competitors.yaml",
              show_default=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The competitors file (the same as the coordinator's).")
@click.option("--redis", "redis", envvar="PRICEWATCH_REDIS_URL", metavar="URL",
              help="The coordinator's Redis server (env PRICEWATCH_REDIS_URL).")
@click.option("--wait", "wait_s", default=600.0, show_default=True, type=float,
              help="Seconds to wait for the competitor's distributed run to open.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=None,
              help="Downloads this worker may have in flight (the shop's limit holds across "
              "all workers anyway).")
@click.pass_context
def worker(ctx: click.Context, name: str, competitors_file: Path, redis: str | None,
           wait_s: float, concurrency: int | None) -> None:
    """Join COMPETITOR's distributed crawl from this machine.

    Start it on any machine that reaches the same PostgreSQL and Redis, with the same
    competitors file; it waits for `pricewatch crawl --distributed COMPETITOR` to open the
    run, takes product pages from the shared queue until it is empty, stores them, and
    exits. The shop's politeness limits hold across all workers.
    """
    import time

    from spiders.runner import run_worker
    from storage.db import make_engine
    from storage.repos.listings import sync_competitors

    db_url = database_url((ctx.obj or {}).get("db_url"))
    try:
        config = load_competitors(competitors_file)
        config.get(name)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    from spiders.distributed import connect
    from spiders.runner import competitor_spec

    engine = make_engine(db_url)
    with engine.begin() as conn:
        competitor_id = sync_competitors(conn, [competitor_spec(c) for c in config.competitors])[name]
    engine.dispose()
    try:
        server = connect(redis)
        deadline = time.monotonic() + wait_s
        run_id = server.get(active_key("pricewatch", competitor_id))
        while run_id is None and time.monotonic() < deadline:
            time.sleep(1.0)
            run_id = server.get(active_key("pricewatch", competitor_id))
        if run_id is None:
            raise click.ClickException(f"no distributed run of {name} opened within {wait_s:.0f} s")
        click.echo(f"joining run {run_id} of {name}", err=True)
        run_worker(competitors_file, name, db_url, int(run_id), competitor_id, redis=redis,
                   worker_concurrency=concurrency, wait_s=wait_s)
    except RedisError as exc:
        raise click.ClickException(
            f"cannot use Redis at {masked_url(redis_url(redis))}: {exc}") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
