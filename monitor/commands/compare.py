"""`pricewatch compare`: where competitors beat us, and what we can do about it."""

from __future__ import annotations

import click
from rich.console import Console
from sqlalchemy import select

from monitor.commands.base import engine_from, ensure_schema
from monitor.commands.tables import PlainTable
from monitor.compare import FindingData, load_compare_settings, run_comparison
from monitor.compare.reasons import render_reason
from monitor.settings import SettingsError, load_money_settings
from storage.db import session_scope
from storage.models import Competitor, Product

console = Console()


def _names(ctx: click.Context, findings: list[FindingData]) -> tuple[dict[int, str], dict[int, str]]:
    """sku + name of the products and names of the competitors the printed findings mention."""
    pids = sorted({f.product_id for f in findings})
    cids = sorted({f.competitor_id for f in findings if f.competitor_id is not None})
    with session_scope(engine_from(ctx)) as session:
        products = {
            p.id: f"{p.sku} {p.name}"
            for p in session.scalars(select(Product).where(Product.id.in_(pids)))
        }
        competitors = {
            c.id: c.display_name or c.name
            for c in session.scalars(select(Competitor).where(Competitor.id.in_(cids)))
        }
    return products, competitors


@click.command("compare")
@click.option("--top", type=int, default=None, help="How many findings to print "
              "(default: the `compare.top` setting, 20).")
@click.option("--lang", type=click.Choice(["en", "bg"]), default="en", show_default=True,
              help="Language of the printed reasons.")
@click.pass_context
def compare(ctx: click.Context, top: int | None, lang: str) -> None:
    """Compare our catalog with every matched competitor listing.

    Uses the latest good price of each confirmed or high-confidence match, converted into
    our product's currency, works out the effective price a single-unit buyer without a
    coupon or membership pays (after unconditional markdowns and shipping) on both sides,
    writes the findings (undercut, beatable, promo_driven, headroom, terms_gap,
    fake_discount, map_violation, conditional_offer, out_of_stock) to the database and
    prints the top ones by impact (gap x priority), with why each listing was matched.
    Rules come from the `compare` section of pricewatch.yaml, rates from its `money` section.
    """
    try:
        settings = load_compare_settings()
        rates = load_money_settings().table()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    engine = engine_from(ctx)
    ensure_schema(engine)
    result = run_comparison(engine, settings, rates=rates)
    limit = top if top is not None else settings.top
    shown = result.top(limit)
    products, competitors = _names(ctx, shown)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items()) or "none"
    click.echo(
        f"Compare run {result.run_id}: {result.products} products against {result.offers} "
        f"competitor offers; findings: {counts}."
    )
    if result.skipped_currency:
        named = ", ".join(f"{k} {v}" for k, v in result.skipped_currency_by.items())
        click.echo(f"{result.skipped_currency} offers left out for currency (no rate): {named}.")
    if result.skipped_stock:
        plural = "" if result.skipped_stock == 1 else "s"
        click.echo(f"{result.skipped_stock} offer{plural} left out for stock (out of stock, or "
                   "preorder/backorder per the settings): not counted as cheaper.")
    if result.index_by_competitor:
        click.echo("Price index (100 = parity, above 100 = they are dearer): " + ", ".join(
            f"{name} {value}" for name, value in result.index_by_competitor.items()
        ))
    if not shown:
        return
    grid = PlainTable(title=f"Top {len(shown)} findings by impact")
    for col in ("impact", "kind", "product", "competitor", "ours", "theirs", "recommended", "why"):
        grid.add_column(col, overflow="fold")
    for f in shown:
        grid.add_row(
            str(f.impact), f.kind.value, products.get(f.product_id, str(f.product_id)),
            competitors.get(f.competitor_id, "") if f.competitor_id is not None else "",
            "" if f.our_effective is None else str(f.our_effective),
            "" if f.their_effective is None else str(f.their_effective),
            "" if f.recommended_price is None else str(f.recommended_price),
            render_reason(f, lang) + (f" [matched: {f.details['match']}]"
                                      if f.details.get("match") else ""),
        )
    console.print(grid)
