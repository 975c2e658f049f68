"""The `pricewatch` command line: a thin layer over the Python API.

Each command group lives in its own module under `monitor/commands/`; this file only
builds the group and adds them.
"""

from __future__ import annotations

import sys

import click

from monitor.commands.alerts import alerts
from monitor.commands.base import base_commands
from monitor.commands.compare import compare
from monitor.commands.crawl import crawl
from monitor.commands.demo import demo
from monitor.commands.extract import extract_cmd
from monitor.commands.match import match
from monitor.commands.report import export, report
from monitor.commands.schedule import schedule_commands
from monitor.commands.web import web_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    "db_url",
    envvar="PRICEWATCH_DATABASE_URL",
    metavar="URL",
    help="Database URL (default: sqlite:///var/pricewatch.db; env PRICEWATCH_DATABASE_URL), "
    "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/pricewatch.",
)
@click.version_option(package_name="pricewatch")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """Pricewatch watches competitors' shops and tells you where they beat your price
    or terms, and what you can do about it within your margin.

    \b
    Typical first steps:
      pricewatch db upgrade
      pricewatch catalog import examples/catalog.csv
      pricewatch competitors check examples/competitors.yaml
      pricewatch demo            # everything end to end on the bundled demo shops
    """
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url


for command in [*base_commands, extract_cmd, crawl, match, compare, alerts, report, export,
                *schedule_commands, *web_commands, demo]:
    cli.add_command(command)


def main() -> None:
    """Console entry point."""
    try:
        cli.main(prog_name="pricewatch")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
