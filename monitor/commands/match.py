"""`pricewatch match`: match competitor listings to our catalog, and review unsure matches."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from monitor.commands.base import engine_from, ensure_schema
from monitor.commands.tables import PlainTable
from monitor.matching import (
    MappingError,
    MatchSettings,
    UnknownMatchError,
    decide,
    load_match_settings,
    review_queue,
    run_matching,
)
from monitor.settings import SettingsError
from storage.models import MatchStatus

console = Console()


def _settings() -> MatchSettings:
    try:
        return load_match_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(invoke_without_command=True)
@click.option(
    "--mapping", "mapping_file", type=click.Path(path_type=Path, dir_okay=False),
    help="CSV of manual mappings (sku, competitor, url[, variant][, pack_ratio]); "
    "applied as confirmed matches.",
)
@click.pass_context
def match(ctx: click.Context, mapping_file: Path | None) -> None:
    """Match competitor listings to our products.

    \b
    Without a subcommand: run the matching cascade over every listing:
      GTIN -> brand + MPN -> fuzzy title (same brand, same size and pack only),
    plus the manual mapping file if given. Confirmed and rejected matches are kept as
    decided. Unsure matches wait in the review queue and feed no findings until confirmed:
      pricewatch match review
      pricewatch match confirm 12 15
      pricewatch match reject 13
    """
    if ctx.invoked_subcommand is not None:
        if mapping_file is not None:
            raise click.UsageError("--mapping goes with `pricewatch match` alone")
        return
    engine = engine_from(ctx)
    ensure_schema(engine)
    try:
        summary = run_matching(engine, mapping_file, _settings())
    except MappingError as exc:
        raise click.ClickException(str(exc)) from None
    for line in summary.lines():
        click.echo(line)


@match.command("review")
@click.option("--limit", default=50, show_default=True, help="How many to list.")
@click.pass_context
def match_review(ctx: click.Context, limit: int) -> None:
    """List the matches waiting for review, least sure first."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    items, total = review_queue(engine, _settings(), limit)
    if not items:
        click.echo("The review queue is empty.")
        return
    grid = PlainTable(title=f"Review queue: {total} unsure matches (showing {len(items)})")
    for col in ("id", "conf.", "how", "our product", "their listing", "why matched, why unsure"):
        grid.add_column(col, overflow="fold")
    for item in items:
        grid.add_row(
            str(item.match_id), f"{item.confidence:.2f}", item.method,
            f"{item.sku} {item.product_name}",
            f"{item.competitor}: {item.listing_title or item.listing_url}",
            item.note or "",
        )
    console.print(grid)
    click.echo("Confirm with `pricewatch match confirm ID...`, reject with `pricewatch match reject ID...`.")


def _decide(ctx: click.Context, ids: tuple[int, ...], status: MatchStatus) -> None:
    engine = engine_from(ctx)
    ensure_schema(engine)
    try:
        decide(engine, list(ids), status)
    except UnknownMatchError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{status.value}: {', '.join(map(str, ids))} (kept across matching runs)")


@match.command("confirm")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.pass_context
def match_confirm(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Confirm matches by ID: they feed findings and alerts from now on."""
    _decide(ctx, ids, MatchStatus.confirmed)


@match.command("reject")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.pass_context
def match_reject(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Reject matches by ID: the listing is never matched automatically again."""
    _decide(ctx, ids, MatchStatus.rejected)
