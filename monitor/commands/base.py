"""`db`, `catalog` and `competitors`: setting pricewatch up."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from sqlalchemy import Engine, func, select

from monitor.commands.tables import PlainTable
from spiders.config import ConfigError, load_competitors
from storage.catalog_import import CatalogError, import_catalog
from storage.db import current_revision, make_engine, masked_url, session_scope, upgrade
from storage.models import Product

console = Console()


def engine_from(ctx: click.Context) -> Engine:
    """The engine for the database chosen with --db / PRICEWATCH_DATABASE_URL."""
    return make_engine((ctx.obj or {}).get("db_url"))


def ensure_schema(engine: Engine) -> None:
    """Bring the schema up to date, so no command fails on a fresh database."""
    upgrade(engine)


@click.group()
def db() -> None:
    """Database schema: create and upgrade."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply all migrations (creates the database on first use)."""
    engine = engine_from(ctx)
    upgrade(engine)
    click.echo(f"database {engine.url.render_as_string(hide_password=True)} "
               f"at revision {current_revision(engine)}")


@click.group()
def catalog() -> None:
    """Our own product catalog."""


@catalog.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def catalog_import(ctx: click.Context, file: Path) -> None:
    """Import or update our catalog from a CSV or XLSX FILE.

    Every row is checked first. One bad row refuses the whole file, naming its line and
    why, and nothing is written. Rows update existing products by sku, so importing the
    same file again changes nothing. Columns: sku, name, price, currency (required);
    gtin, mpn, brand, category, cost, min_margin (0.15 or 15%), map_price, shipping_cost,
    free_shipping_threshold, delivery_days, warranty_months, returns_days, priority.
    """
    engine = engine_from(ctx)
    ensure_schema(engine)
    try:
        result = import_catalog(engine, file)
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{file}: {result.created} new, {result.updated} updated, {result.unchanged} unchanged "
        f"({result.price_changes} price changes recorded)"
    )


@catalog.command("show")
@click.option("--limit", default=20, show_default=True, help="How many products to list.")
@click.pass_context
def catalog_show(ctx: click.Context, limit: int) -> None:
    """List our products (the first LIMIT, by sku) and how many there are."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    with session_scope(engine) as session:
        total = session.scalar(select(func.count(Product.id))) or 0
        products = session.scalars(select(Product).order_by(Product.sku).limit(limit)).all()
    grid = PlainTable(title=f"Our catalog: {total} products")
    for col in ("sku", "gtin", "brand", "name", "category", "price", "cost", "min margin"):
        grid.add_column(col, justify="right" if col in ("price", "cost") else "left")
    for p in products:
        grid.add_row(
            p.sku, p.gtin or "", p.brand or "", p.name, p.category or "",
            f"{p.price} {p.currency}", "" if p.cost is None else str(p.cost),
            "" if p.min_margin is None else f"{p.min_margin * 100:.1f}%",
        )
    console.print(grid)


@click.group()
def competitors() -> None:
    """The competitors file (competitors.yaml)."""


@competitors.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def competitors_check(file: Path) -> None:
    """Validate a competitors FILE and summarise it; errors name the competitor and field."""
    try:
        config = load_competitors(file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    grid = PlainTable(title=f"{file}: {len(config.competitors)} competitors, all valid")
    for col in ("name", "base URL", "currency", "discovery", "selectors", "JS", "enabled"):
        grid.add_column(col)
    for comp in config.competitors:
        grid.add_row(
            comp.name, comp.base_url, comp.currency, comp.discovery.kind.value,
            str(len(comp.selectors)), "yes" if comp.render_js else "", "yes" if comp.enabled else "no",
        )
    console.print(grid)


@click.command("where")
@click.pass_context
def where(ctx: click.Context) -> None:
    """Print the database URL in use (its password masked)."""
    click.echo(masked_url((ctx.obj or {}).get("db_url")))


base_commands: list[click.Command] = [db, catalog, competitors, where]
