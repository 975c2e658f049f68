"""`report daily`, `report monthly` and `export`: the reports a manager reads."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.commands.base import engine_from, ensure_schema
from monitor.settings import SettingsError
from reports.config import ReportSettings, load_report_settings

LANG = click.Choice(["en", "bg"])


def _settings() -> ReportSettings:
    try:
        return load_report_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def report() -> None:
    """HTML and PDF reports: the daily comparison and the monthly summary."""


@report.command("daily")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory to write into (default: reports.out_dir, var/reports).")
@click.option("--lang", type=LANG, help="Report language (default: reports.lang, en).")
@click.pass_context
def report_daily(ctx: click.Context, out_dir: Path | None, lang: str | None) -> None:
    """Write today's comparison report: one self-contained HTML file with the findings
    table (sortable, filterable), charts and a data-quality section."""
    from reports.daily import build_daily_report

    settings = _settings()
    engine = engine_from(ctx)
    ensure_schema(engine)
    path = build_daily_report(engine, out_dir or settings.out_dir, lang=lang or settings.lang,
                              settings=settings)
    click.echo(f"daily report: {path}")


@report.command("monthly")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month, e.g. 2026-10.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory to write into (default: reports.out_dir, var/reports).")
@click.option("--lang", type=LANG, help="Report language (default: reports.lang, en).")
@click.pass_context
def report_monthly(ctx: click.Context, month: str, out_dir: Path | None, lang: str | None) -> None:
    """Write the monthly report (HTML and PDF): price-index trend, positions gained and
    lost, promotions per competitor, recommendations taken, coverage and data quality."""
    from reports.monthly import build_monthly_report
    from reports.monthly_data import MonthError, month_bounds

    try:
        month_bounds(month)
    except MonthError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    settings = _settings()
    engine = engine_from(ctx)
    ensure_schema(engine)
    paths = build_monthly_report(engine, month, out_dir or settings.out_dir,
                                 lang=lang or settings.lang, settings=settings)
    click.echo(f"monthly report: {paths.html}\nmonthly report (PDF): {paths.pdf}")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True, help="File format.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory to write into (default: reports.out_dir, var/reports).")
@click.pass_context
def export(ctx: click.Context, fmt: str, out_dir: Path | None) -> None:
    """Export the latest findings and the latest prices (with their freshness) as CSV or XLSX."""
    from reports.exports import export as run_export

    settings = _settings()
    engine = engine_from(ctx)
    ensure_schema(engine)
    for path in run_export(engine, out_dir or settings.out_dir, fmt, settings=settings):
        click.echo(f"wrote {path}")


report_commands: list[click.Command] = [report, export]
