"""The `pricewatch` command line: a thin layer over the Python API.

Each command group lives in its own module under `monitor/commands/`; this file only
builds the group and adds them.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from monitor.commands.alerts import alerts
from monitor.commands.base import base_commands
from monitor.commands.compare import compare
from monitor.commands.crawl import crawl, worker
from monitor.commands.demo import demo
from monitor.commands.extract import extract_cmd
from monitor.commands.match import match
from monitor.commands.report import export, report
from monitor.commands.schedule import schedule_commands
from monitor.commands.web import web_commands
from storage.db import database_problem, database_url


class PricewatchGroup(click.Group):
    """The command group; the one place where database trouble becomes a clear message.

    Whatever the command, a database that is down, missing, the wrong one or unwritable
    ends the command with one line naming the URL (password masked) and exit code 1,
    instead of a driver traceback. Commands record their work only after it succeeded,
    so nothing is marked done.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except Exception as exc:
            url = database_url((ctx.obj or {}).get("db_url") if isinstance(ctx.obj, dict) else None)
            problem = database_problem(exc, url)
            if problem is None:
                raise
            raise click.ClickException(problem) from None


@click.group(cls=PricewatchGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


for command in [*base_commands, extract_cmd, crawl, worker, match, compare, alerts, report, export,
                *schedule_commands, *web_commands, demo]:
    cli.add_command(command)


def main() -> None:
    """Console entry point."""
    try:
        cli.main(prog_name="pricewatch")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
