"""The comparison converts every offer into our product's currency before any rule runs.

The same market told in euros only, and told in leva (one shop still in leva, one that
switched from leva to euros in the middle of its history), gives the same findings; the
findings say which conversion was used; an offer in a currency without a rate is left out,
counted and named.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from typing import Any

from sqlalchemy import Engine

from monitor.compare import CompareSettings, run_comparison
from monitor.compare.reasons import render_reason
from storage.repos.observations import ObservationRow, insert_observations
from tests.compare.test_compare_repository import NOW, World, day

PEG = D("1.95583")


def leva(euros: str) -> str:
    return str((D(euros) * PEG).quantize(D("0.01"), ROUND_HALF_UP))


def observe(world: World, shop: str, listing_id: int, n: int, price: str, currency: str,
            **kw: Any) -> None:
    insert_observations(world.engine, [ObservationRow(
        listing_id=listing_id, crawl_run_id=world.run(shop, n), observed_at=day(n),
        status="ok", price=D(price), currency=currency, **kw)])


def market(engine: Engine, mixed: bool) -> World:
    """One product of ours (EUR); alpha undercuts us, beta shows an inflated 'was' price
    and a discount. With `mixed`, alpha prices in leva and beta switched from leva to
    euros three days before its discount; gamma prices in a currency without a rate."""
    world = World(engine)
    pid = world.product("P1", "100.00", cost=D("60.00"), min_margin=D("0.10"))
    alpha, beta = world.listing("alpha", "a1"), world.listing("beta", "b1")
    world.match(alpha, pid)
    world.match(beta, pid)
    a_cur, a_price = ("BGN", leva("90.00")) if mixed else ("EUR", "90.00")
    observe(world, "alpha", alpha, 0, a_price, a_cur,
            shipping_cost=D(leva("5.00")) if mixed else D("5.00"))
    for n in range(-10, -2):  # beta's full price, the lowest before its discount
        observe(world, "beta", beta, n, leva("100.00") if mixed and n < -5 else "100.00",
                "BGN" if mixed and n < -5 else "EUR")
    observe(world, "beta", beta, 0, "95.00", "EUR", regular_price=D("150.00"))
    if mixed:
        with engine.begin() as conn:
            from storage.repos.listings import CompetitorSpec, sync_competitors

            world.shops.update(sync_competitors(conn, [CompetitorSpec("gamma", "http://127.0.0.1/g/", "EUR")]))
        gamma = world.listing("gamma", "g1")
        world.match(gamma, pid)
        observe(world, "gamma", gamma, 0, "10.00", "XAU")  # gold: no rate configured
    return world


def findings_of(engine: Engine) -> tuple[Any, list[tuple[Any, ...]]]:
    result = run_comparison(engine, CompareSettings(), now=NOW)
    return result, sorted(
        (f.kind.value, f.listing_id, f.their_effective, f.gap, f.recommended_price)
        for f in result.findings)


def test_mixed_currencies_give_the_same_findings(engine: Engine, tmp_path: Any) -> None:
    from storage.db import make_engine, upgrade

    euros, in_euros = findings_of(market(engine, mixed=False).engine)
    other = make_engine(f"sqlite:///{tmp_path / 'mixed.db'}")
    upgrade(other)
    mixed, in_mixed = findings_of(market(other, mixed=True).engine)
    assert in_mixed == in_euros
    assert {k for k, *_ in in_euros} >= {"undercut", "fake_discount"}
    assert euros.skipped_currency == 0
    # the offer with no rate is left out, counted and named
    assert mixed.skipped_currency == 1
    assert mixed.skipped_currency_by == {"gamma XAU->EUR": 1}
    assert mixed.summary()["skipped_currency_by"] == {"gamma XAU->EUR": 1}
    undercut = next(f for f in mixed.findings if f.kind.value == "undercut")
    assert undercut.details["conversion"] == {"from": "BGN", "to": "EUR", "rate": str(
        undercut.details["conversion"]["rate"]), "fixed": True}
    assert "€1 = BGN\xa01.95583" in render_reason(undercut, "en").replace(" 1.9", "\xa01.9")
    assert "1,95583" in render_reason(undercut, "bg") and "по-евтино" in render_reason(undercut, "bg")
    other.dispose()
