"""`pricewatch demo`: the main job end to end on the bundled demo shops."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

console = Console()


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("var/demo"), show_default=True,
              help="Folder for the demo's database, reports and mails (emptied first).")
@click.option("--days", type=click.IntRange(1, 60), default=14, show_default=True,
              help="How many simulated days (nightly runs) to produce.")
def demo(out_dir: Path, days: int) -> None:
    """Run pricewatch end to end on the bundled demo shops (127.0.0.1 only).

    Starts the demo shops and a local SMTP sink, loads the demo catalog into a fresh
    SQLite database, runs the nightly job over DAYS simulated days so there is history
    (promotions starting and ending, undercuts, stock-outs), writes the daily and monthly
    reports, keeps the alert mails as .eml files, and prints where to look.
    """
    from demo.run import run_demo

    result = run_demo(out_dir, days=days, say=lambda m: console.print(m, highlight=False))
    if result.top_findings:
        grid = Table(title="Top findings (latest comparison, by impact)")
        for col in ("kind", "product", "competitor", "why"):
            grid.add_column(col, overflow="fold")
        for f in result.top_findings:
            grid.add_row(f["kind"], f["name"], f["competitor"] or "", f["reason"])
        console.print(grid)
    failed = [r for r in result.runs if r["status"] != "finished"]
    console.print(f"\n{len(result.runs)} nightly runs in {result.seconds:.0f} s"
                  + (f" ({len(failed)} with problems: see the report's data-quality section)" if failed else ""))
    console.print(f"alert mails: {result.mails} in {result.mail_dir}/")
    if result.monthly_pdf:
        console.print(f"monthly report: {result.monthly_pdf}")
    if result.daily_report is None:
        raise click.ClickException("no daily report was written; see the messages above")
    console.print(f"\n[bold]Open the report:[/] {result.daily_report.resolve()}")
    if result.not_crawled:
        console.print("Not crawled (or not trusted) on the last night: " + "; ".join(result.not_crawled),
                      highlight=False, soft_wrap=True)
    else:
        console.print("Every competitor was crawled on the last night.")
    db = f"--db {result.db_url}"
    console.print("[bold]Open the web app on the demo database:[/]\n"
                  f"  .venv/bin/pricewatch {db} users add demo --role manager\n"
                  f"  .venv/bin/pricewatch {db} web     # then http://127.0.0.1:8000/ (log in as demo)",
                  highlight=False, soft_wrap=True)
