"""`serve`, `run-now` and `status`: pricewatch running by itself."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import func, select

from monitor.commands.base import engine_from, ensure_schema
from monitor.scheduling.nightly import NightlyResult, run_nightly
from monitor.scheduling.settings import NightlySettings, ScheduleSettings
from monitor.settings import SettingsError, load_section, settings_path
from storage.db import database_url, session_scope
from storage.models import Competitor, CrawlRun, NightlyRun, OutboxMessage
from storage.run_health import run_health

console = Console()

config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Settings file (default: $PRICEWATCH_CONFIG or ./pricewatch.yaml if present).",
)


def _section(path: Path | None, name: str, model: type) -> object:
    try:
        return load_section(path, name, model)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def print_result(result: NightlyResult) -> None:
    grid = Table(title=f"Nightly run {result.nightly_run_id or '-'}: {result.status}")
    grid.add_column("step")
    grid.add_column("result")
    grid.add_column("details")
    for step in result.steps:
        details = ", ".join(f"{k}={v}" for k, v in step.detail.items() if k != "trace")
        grid.add_row(step.name, "[green]ok[/]" if step.ok else "[red]failed[/]",
                     step.error or details)
    console.print(grid)
    if result.message:
        console.print(result.message)
    if result.report_path:
        console.print(f"report: [bold]{result.report_path}[/]")


@click.command("run-now")
@config_option
@click.pass_context
def run_now(ctx: click.Context, config_path: Path | None) -> None:
    """Run the nightly chain once, now: crawl every enabled competitor, match, compare,
    alert and write the daily report. Refuses politely if a run is already in progress."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    path = settings_path(config_path)
    nightly = _section(path, "nightly", NightlySettings)
    assert isinstance(nightly, NightlySettings)
    if not nightly.competitors_file.exists():
        raise click.ClickException(
            f"competitors file {nightly.competitors_file} not found: set nightly.competitors_file "
            "in pricewatch.yaml (see examples/pricewatch.yaml)")
    result = run_nightly(engine, database_url((ctx.obj or {}).get("db_url")), nightly,
                         settings_path=path, trigger="run-now",
                         progress=lambda msg: console.print(f"[dim]{msg}[/]"))
    print_result(result)
    if result.status not in ("finished",):
        ctx.exit(1)


@click.command("serve")
@config_option
@click.option("--every", "every_s", type=float, metavar="SECONDS",
              help="Run the nightly chain every SECONDS instead of on its cron (for trials).")
@click.option("--web", "with_web", is_flag=True,
              help="Also serve the web app in the same process (see `pricewatch web`).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Web app address (with --web).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Web app port (with --web).")
@click.pass_context
def serve_cmd(ctx: click.Context, config_path: Path | None, every_s: float | None,
              with_web: bool, host: str, port: int) -> None:
    """Run the scheduler in the foreground: the nightly chain (cron from `schedule:` in the
    settings), the monthly report (first of the month) and data retention. Jobs are kept
    in the database, so a run missed while the service was down runs once when it comes
    back. SIGTERM stops cleanly; a crawl in progress is recorded as interrupted."""
    from monitor.scheduling.service import ServeOptions, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("scrapy", "twisted", "apscheduler.executors", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    engine = engine_from(ctx)
    ensure_schema(engine)
    path = settings_path(config_path)
    schedule = _section(path, "schedule", ScheduleSettings)
    assert isinstance(schedule, ScheduleSettings)
    url = database_url((ctx.obj or {}).get("db_url"))
    when = f"every {every_s:g} s" if every_s else f"cron '{schedule.nightly_cron}' ({schedule.timezone})"
    click.echo(f"pricewatch serve: nightly {when}; database {engine.url.render_as_string(hide_password=True)}; "
               "Ctrl-C or SIGTERM stops", err=True)
    web = None
    if with_web:  # the web app sits on top of monitor: imported only when asked for
        from web.server import start_in_thread

        web = start_in_thread(engine, host, port, path)
        click.echo(f"pricewatch serve: web app on http://{host}:{port}/", err=True)
    try:
        serve(ServeOptions(url, path, schedule, nightly_every_s=every_s))
    finally:
        if web is not None:
            web[0].should_exit = True
            web[1].join(timeout=10)
    click.echo("pricewatch serve: stopped", err=True)


@click.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the last runs per competitor, the next scheduled runs and pending alerts."""
    from monitor.scheduling.service import next_runs

    engine = engine_from(ctx)
    ensure_schema(engine)
    with session_scope(engine) as session:
        nightly = session.scalars(select(NightlyRun).order_by(NightlyRun.started_at.desc()).limit(5)).all()
        latest = (
            select(CrawlRun.competitor_id, func.max(CrawlRun.id).label("id"))
            .group_by(CrawlRun.competitor_id).subquery()
        )
        crawls = session.execute(
            select(Competitor.name, CrawlRun).join(latest, latest.c.id == CrawlRun.id)
            .join(Competitor, Competitor.id == CrawlRun.competitor_id).order_by(Competitor.name)
        ).all()
        pending = session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "pending"))
    runs = Table(title="Last nightly runs")
    for col in ("id", "started (UTC)", "finished", "trigger", "status"):
        runs.add_column(col)
    for run in nightly:
        runs.add_row(str(run.id), f"{run.started_at:%Y-%m-%d %H:%M}",
                     f"{run.finished_at:%H:%M:%S}" if run.finished_at else "", run.trigger, run.status)
    console.print(runs)
    comp = Table(title="Last crawl per competitor")
    for col in ("competitor", "started (UTC)", "status", "ok", "other outcomes", "health"):
        comp.add_column(col)
    for name, crawl in crawls:
        others = ", ".join(f"{k} {v}" for k, v in sorted(crawl.counts.items()) if k != "ok")
        health = run_health(crawl.status, crawl.suspect, crawl.suspect_reason, crawl.error_summary,
                            crawl.stats)
        comp.add_row(name, f"{crawl.started_at:%Y-%m-%d %H:%M}", crawl.status,
                     str(crawl.counts.get("ok", 0)), others,
                     Text(health.text, style="" if health.ok else "red"))
    console.print(comp)
    upcoming = next_runs(database_url((ctx.obj or {}).get("db_url")))
    if upcoming:
        for name, when in upcoming:
            console.print(f"next {name}: {when:%Y-%m-%d %H:%M %Z}" if when else f"{name}: paused")
    else:
        console.print("no scheduled jobs (start `pricewatch serve`)")
    console.print(f"pending alert messages: {pending or 0}")


schedule_commands: list[click.Command] = [run_now, serve_cmd, status]
