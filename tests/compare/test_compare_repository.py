"""The comparison's SQL on SQLite and PostgreSQL: the latest-reading table the triggers keep,
usable matches only, promotions of the latest run, the lowest price before a discount, and a
whole run written to the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, update

from monitor.compare import CompareSettings, run_comparison
from monitor.compare.run import range_weights
from storage.db import make_engine, session_scope, upgrade
from storage.models import (
    CompareRun,
    Finding,
    LatestObservation,
    Match,
    Observation,
    Product,
    Promotion,
    table,
)
from storage.repos.compare import (
    latest_offers,
    latest_promotions,
    product_ranges,
    run_findings,
)
from storage.repos.listings import (
    CompetitorSpec,
    ListingInfo,
    ListingKey,
    start_crawl_run,
    sync_competitors,
    upsert_listings,
)
from storage.repos.observations import ObservationRow, insert_observations

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return NOW + timedelta(days=n)


class World:
    """Rows for one test, written through the repositories."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.begin() as conn:
            self.shops = sync_competitors(conn, [
                CompetitorSpec("alpha", "http://127.0.0.1/a/", "EUR"),
                CompetitorSpec("beta", "http://127.0.0.1/b/", "EUR"),
            ])
        self.runs: dict[tuple[str, int], int] = {}

    def product(self, sku: str, price: str, **kw: Any) -> int:
        with session_scope(self.engine) as session:
            product = Product(sku=sku, name=kw.pop("name", sku), price=D(price), currency="EUR", **kw)
            session.add(product)
            session.flush()
            return product.id

    def listing(self, shop: str, url: str, **kw: Any) -> int:
        with self.engine.begin() as conn:
            ids = upsert_listings(conn, self.shops[shop], [ListingInfo(url=url, **kw)], day(-60))
        return ids[ListingKey(url)]

    def run(self, shop: str, n: int) -> int:
        if (shop, n) not in self.runs:
            with self.engine.begin() as conn:
                self.runs[(shop, n)] = start_crawl_run(conn, self.shops[shop], started_at=day(n))
        return self.runs[(shop, n)]

    def observe(self, shop: str, listing_id: int, n: int, price: str | None, status: str = "ok",
                **kw: Any) -> None:
        insert_observations(self.engine, [ObservationRow(
            listing_id=listing_id, crawl_run_id=self.run(shop, n), observed_at=day(n),
            status=status, price=None if price is None else D(price), currency="EUR", **kw,
        )])

    def match(self, listing_id: int, product_id: int, confidence: float = 1.0,
              status: str = "auto", pack_ratio: D | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(table(Match).insert().values(
                listing_id=listing_id, product_id=product_id, method="gtin",
                confidence=confidence, status=status, pack_ratio=pack_ratio,
                created_at=NOW, updated_at=NOW,
            ))

    def promotion(self, shop: str, listing_id: int, n: int, **kw: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(table(Promotion).insert().values(
                listing_id=listing_id, crawl_run_id=self.run(shop, n), observed_at=day(n), **kw))


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def latest(engine: Engine) -> dict[int, Any]:
    with engine.connect() as conn:
        return {r.listing_id: r for r in conn.execute(select(table(LatestObservation)))}


def test_latest_observation_follows_inserts_updates_and_deletes(world: World) -> None:
    lid = world.listing("alpha", "u1")
    world.observe("alpha", lid, -2, "10.00")
    world.observe("alpha", lid, 0, "9.00")
    world.observe("alpha", lid, -1, "11.00")  # arrives late, but is older: ignored
    world.observe("alpha", lid, 1, None, status="blocked", reason="429")  # not a price
    row = latest(world.engine)[lid]
    assert (row.price, row.observed_at) == (D("9.00"), day(0))
    # the quality check quarantines the newest reading: the one before takes over
    with world.engine.begin() as conn:
        obs = table(Observation)
        conn.execute(update(obs).where(obs.c.listing_id == lid, obs.c.observed_at == day(0))
                     .values(status="quarantined"))
    assert latest(world.engine)[lid].price == D("11.00")
    with world.engine.begin() as conn:
        conn.execute(delete(table(Observation)).where(
            table(Observation).c.listing_id == lid, table(Observation).c.observed_at == day(-1)))
    assert latest(world.engine)[lid].price == D("10.00")
    with world.engine.begin() as conn:
        conn.execute(delete(table(Observation)).where(table(Observation).c.listing_id == lid))
    assert lid not in latest(world.engine)


def stock(row: Any) -> tuple[Any, ...]:
    """What a latest_observation row says: its price, when, and its stock (and since when)."""
    return (row.price, row.observed_at, row.availability, row.availability_observed_at)


def test_latest_stock_comes_from_the_newest_statement(world: World) -> None:
    """A page that goes sold out and hides its price: the last price stays, the stock is the
    newest statement's; a blocked or quarantined reading says nothing; a newer priced
    reading that states nothing sells again."""
    lid = world.listing("alpha", "u1")
    world.observe("alpha", lid, -2, "10.00", availability="InStock", instalments=12)
    world.observe("alpha", lid, -1, None, status="parse_failed", availability="OutOfStock",
                  reason="price block missing")
    row = latest(world.engine)[lid]
    assert stock(row) == (D("10.00"), day(-2), "OutOfStock", day(-1))
    assert row.instalments == 12
    world.observe("alpha", lid, 0, None, status="blocked", reason="429")
    world.observe("alpha", lid, 1, None, status="not_found")  # states nothing
    assert stock(latest(world.engine)[lid]) == (D("10.00"), day(-2), "OutOfStock", day(-1))
    world.observe("alpha", lid, 2, "9.00")  # back with a price, stock not stated: sells
    assert stock(latest(world.engine)[lid]) == (D("9.00"), day(2), None, day(2))
    world.observe("alpha", lid, 3, "30.00", status="quarantined", availability="OutOfStock")
    world.observe("alpha", lid, -3, None, status="parse_failed", availability="OutOfStock")
    assert stock(latest(world.engine)[lid]) == (D("9.00"), day(2), None, day(2))
    # the newest priced reading is quarantined after all: the older price and the sold-out
    # statement after it are what is known
    with world.engine.begin() as conn:
        obs = table(Observation)
        conn.execute(update(obs).where(obs.c.listing_id == lid, obs.c.observed_at == day(2))
                     .values(status="quarantined"))
    row = latest(world.engine)[lid]
    assert stock(row) == (D("10.00"), day(-2), "OutOfStock", day(-1))
    assert row.instalments == 12
    with world.engine.begin() as conn:  # the statement goes: the priced reading's stock
        conn.execute(delete(table(Observation)).where(
            table(Observation).c.listing_id == lid, table(Observation).c.observed_at == day(-1)))
    assert stock(latest(world.engine)[lid]) == (D("10.00"), day(-2), "InStock", day(-2))

    # out of order: the sold-out statement is stored before any priced reading of the listing
    late = world.listing("alpha", "u2")
    world.observe("alpha", late, 0, None, status="parse_failed", availability="OutOfStock")
    assert late not in latest(world.engine)  # no price known: no offer
    world.observe("alpha", late, -1, "8.00", availability="InStock")
    assert stock(latest(world.engine)[late]) == (D("8.00"), day(-1), "OutOfStock", day(0))

    # one batch (one COPY on PostgreSQL) with a priced reading and a newer statement
    both = world.listing("beta", "u3")
    insert_observations(world.engine, [
        ObservationRow(listing_id=both, crawl_run_id=world.run("beta", 0), observed_at=day(0),
                       status="ok", price=D("7.00"), currency="EUR", availability="InStock"),
        ObservationRow(listing_id=both, crawl_run_id=world.run("beta", 1), observed_at=day(1),
                       status="parse_failed", currency="EUR", availability="SoldOut"),
    ])
    assert stock(latest(world.engine)[both]) == (D("7.00"), day(0), "SoldOut", day(1))
    insert_observations(world.engine, [
        ObservationRow(listing_id=both, crawl_run_id=world.run("beta", 2), observed_at=day(2),
                       status="parse_failed", currency="EUR", availability="InStock"),
        ObservationRow(listing_id=lid, crawl_run_id=world.run("alpha", 4), observed_at=day(4),
                       status="parse_failed", currency="EUR", availability="Discontinued"),
    ])
    assert stock(latest(world.engine)[both]) == (D("7.00"), day(0), "InStock", day(2))
    assert stock(latest(world.engine)[lid]) == (D("10.00"), day(-2), "Discontinued", day(4))

    pid = world.product("A", "20.00")
    for listing in (lid, late, both):
        world.match(listing, pid)
    with world.engine.connect() as conn:
        offers, _ = latest_offers(conn, 0.9)
    assert {o.listing_id: (o.price, o.availability, o.instalments) for o in offers} == {
        lid: (D("10.00"), "Discontinued", 12), late: (D("8.00"), "OutOfStock", None),
        both: (D("7.00"), "InStock", None)}


def test_latest_offers_only_usable_matches(world: World) -> None:
    pid = world.product("A", "20.00")
    sure, unsure, rejected, confirmed = (world.listing("alpha", f"u{i}") for i in range(4))
    for lid in (sure, unsure, rejected, confirmed):
        world.observe("alpha", lid, 0, "19.00", shipping_cost=D("3.50"), warranty_months=36)
    world.match(sure, pid, 0.95)
    world.match(unsure, pid, 0.6)
    world.match(rejected, pid, 1.0, status="rejected")
    world.match(confirmed, pid, 0.5, status="confirmed", pack_ratio=D(2))
    with world.engine.connect() as conn:
        offers, _ = latest_offers(conn, 0.9)
    by_listing = {o.listing_id: o for o in offers}
    assert set(by_listing) == {sure, confirmed}
    assert by_listing[confirmed].pack_ratio == D(2)
    first = by_listing[sure]
    assert (first.price, first.shipping_cost, first.warranty_months, first.competitor) == (
        D("19.00"), D("3.50"), 36, "alpha")
    assert first.currency == "EUR"


def test_promotions_of_the_latest_run_only(world: World) -> None:
    pid = world.product("A", "20.00")
    lid = world.listing("alpha", "u1")
    world.match(lid, pid)
    world.observe("alpha", lid, -1, "19.00")
    world.promotion("alpha", lid, -1, kind="percent_off", value=D(50))  # yesterday's: over
    world.observe("alpha", lid, 0, "19.00")
    world.promotion("alpha", lid, 0, kind="multi_buy", buy_qty=3, pay_qty=2,
                    valid_until=day(5))
    with world.engine.connect() as conn:
        _, promos = latest_offers(conn, 0.9)
    assert [(p.kind, p.buy_qty, p.pay_qty, p.valid_until) for p in promos[lid]] == [
        ("multi_buy", 3, 2, day(5))]


def test_a_promotions_detail_round_trips_through_the_promotion_table(world: World) -> None:
    """What the crawler writes (`promotion_row`) comes back from the typed rows, detail and
    all, and the comparison prices a quantity discount from it (every unit -20%)."""
    from spiders.extraction.model import Promotion as Read
    from spiders.extraction.model import PromotionKind
    from spiders.pipelines import promotion_row
    from storage.repos.crawls import insert_promotions

    pid = world.product("A", "20.00", cost=D("10.00"))
    lid, other = world.listing("alpha", "u1"), world.listing("beta", "u2")
    world.match(lid, pid)
    world.match(other, pid)
    world.observe("alpha", lid, 0, "21.00")
    world.observe("beta", other, 0, "21.00")
    qty = Read(kind=PromotionKind.MULTI_BUY, text="-20% при покупка на 2 бр.", buy_qty=2,
               value=D(20), detail="quantity_discount")
    nth = Read(kind=PromotionKind.MULTI_BUY, text="втори на -20%", buy_qty=2, value=D(20),
               detail="nth_item_discount")
    plain = Read(kind=PromotionKind.PERCENT_OFF, text="-5%", value=D(5))
    with world.engine.begin() as conn:
        insert_promotions(conn, [promotion_row(p, lid, world.run("alpha", 0), day(0))
                                 for p in (qty, plain)]
                          + [promotion_row(nth, other, world.run("beta", 0), day(0))])
    with world.engine.connect() as conn:
        _, promos = latest_offers(conn, 0.9)
        ranged = latest_promotions(conn, 0.9, (pid, pid))
    assert [(p.kind, p.buy_qty, p.value, p.detail) for p in promos[lid]] == [
        ("multi_buy", 2, D(20), "quantity_discount"), ("percent_off", None, D(5), None)]
    assert [(p.kind, p.detail) for p in promos[other]] == [("multi_buy", "nth_item_discount")]
    assert ranged == promos
    result = run_comparison(world.engine, now=NOW)
    offers = {f.listing_id: f.details["conditional_offer"] for f in result.findings
              if "conditional_offer" in f.details}
    assert {f.kind.value for f in result.findings if f.listing_id == other} == {
        "conditional_offer"}  # only through the condition: never an undercut
    # 21.00 - 5% = 19.95 for one (cheaper than us: a finding of its own, the offer beside
    # it); with two: 19.95 x 0.80 = 15.96 each, where item 2 at -20% is 21.00 x 1.80 / 2
    assert (offers[lid]["price"], offers[lid]["text"]) == ("15.96", "-20% each when buying 2+")
    assert (offers[other]["price"], offers[other]["text"]) == ("18.90", "item 2 at -20%")


def test_json_promotions_keep_their_detail() -> None:
    from monitor.compare import promos_from_json

    promos = promos_from_json([
        {"kind": "multi_buy", "value": "20", "buy_qty": 2, "detail": "quantity_discount"},
        '{"kind": "multi_buy", "value": "50", "buy_qty": 2, "detail": "nth_item_discount"}',
        {"kind": "multi_buy", "value": "50", "buy_qty": 2, "detail": 7},
        {"kind": "percent_off", "value": "10"},
    ])
    assert [p.detail for p in promos] == ["quantity_discount", "nth_item_discount", None, None]


def test_lowest_price_in_the_30_days_before_the_discount(world: World) -> None:
    pid = world.product("A", "100.00")
    lid = world.listing("alpha", "u1")
    world.match(lid, pid)
    world.observe("alpha", lid, -45, "70.00")  # too long before the discount: not counted
    for n in (-30, -25, -20, -15):
        world.observe("alpha", lid, n, "100.00")
    world.observe("alpha", lid, -10, "80.00")  # the lowest in the 30 days before
    world.observe("alpha", lid, -5, "100.00")  # the last reading without a markdown
    world.observe("alpha", lid, -3, "50.00", status="quarantined")  # never a price
    world.observe("alpha", lid, -2, "90.00", regular_price=D("120.00"))  # the discount begins
    world.observe("alpha", lid, 0, "90.00", regular_price=D("120.00"))
    steady = world.listing("alpha", "u2")  # no 'was' price: nothing to check
    world.match(steady, pid)
    world.observe("alpha", steady, -10, "10.00")
    world.observe("alpha", steady, 0, "90.00")
    new = world.listing("beta", "u3")  # on sale since first seen: no history to judge by
    world.match(new, pid)
    world.observe("beta", new, 0, "90.00", regular_price=D("120.00"))
    # another listing's full price after our discount began must not move its start
    other = world.listing("beta", "u4")
    world.match(other, pid)
    world.observe("beta", other, -1, "50.00")
    world.observe("beta", other, 0, "40.00", regular_price=D("50.00"))
    with world.engine.connect() as conn:
        offers, _ = latest_offers(conn, 0.9, fake_discount_days=30)
    lowest = {o.listing_id: o.lowest_before for o in offers}  # per currency
    assert lowest == {lid: (("EUR", D("80.00")),), steady: None, new: None,
                      other: (("EUR", D("50.00")),)}
    with world.engine.connect() as conn:
        offers, _ = latest_offers(conn, 0.9, fake_discount_days=7)
    assert {o.listing_id: o.lowest_before for o in offers}[lid] == (("EUR", D("100.00")),)  # days -9..-3


def test_run_comparison_writes_run_and_findings(world: World) -> None:
    cheap = world.product("CHEAP", "20.00", cost=D("12.00"), min_margin=D("0.20"), priority=2,
                          category="drinks")
    mapped = world.product("MAP", "16.00", map_price=D("15.00"), category="toys")
    a1, b1, a2 = world.listing("alpha", "a1"), world.listing("beta", "b1"), world.listing("alpha", "a2")
    world.match(a1, cheap)
    world.match(b1, cheap)
    world.match(a2, mapped)
    world.observe("alpha", a1, 0, "18.50")
    world.observe("beta", b1, 0, "21.00")
    world.observe("alpha", a2, 0, "14.00")
    result = run_comparison(world.engine, CompareSettings(max_move_pct=D(15)), now=NOW)
    counts = result.counts
    assert counts == {"beatable": 1, "map_violation": 1, "undercut": 2}
    assert [f.impact for f in result.findings] == sorted((f.impact for f in result.findings), reverse=True)
    top = result.findings[0]
    assert (top.kind.value, top.product_id, top.impact) == ("undercut", cheap, D("3.00"))  # 1.50 x 2
    # price index: 100 x theirs / ours over the products each competitor sells (above 100: they are dearer)
    assert result.index_by_competitor == {"alpha": D("90.3"), "beta": D("105.0")}  # 100 x theirs / ours: 32.50 / 36.00; 21.00 / 20.00
    assert result.index_by_category == {"drinks": D("98.8"), "toys": D("87.5")}  # 39.50 / 40.00; 14.00 / 16.00
    with world.engine.connect() as conn:
        stored = run_findings(conn, result.run_id)
        run = conn.execute(select(table(CompareRun))).one()
    assert len(stored) == 4
    beat = next(f for f in stored if f.kind == "beatable")
    assert (beat.recommended_price, beat.our_price, beat.their_effective) == (
        D("17.99"), D("20.00"), D("18.50"))
    assert beat.details["floor"] == "14.40"
    assert stored[0].impact == D("3.00")
    assert run.summary["findings"] == counts
    assert run.settings["max_move_pct"] == "15"
    # a second run adds a run of its own; the first one's findings stay
    run_comparison(world.engine, now=NOW)
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table(CompareRun))).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(table(Finding)).where(
            table(Finding).c.compare_run_id == result.run_id)).scalar_one() == 4


def test_run_comparison_uses_observation_promotions_json_as_fallback(world: World) -> None:
    pid = world.product("A", "20.00", cost=D("10.00"))
    lid = world.listing("alpha", "u1")
    world.match(lid, pid)
    world.observe("alpha", lid, 0, "21.00", promotions=[
        {"kind": "percent_off", "value": "20", "valid_until": "2026-12-01"}])
    result = run_comparison(world.engine, now=NOW)
    found = {f.kind.value: f for f in result.findings}
    assert set(found) == {"promo_driven"}
    assert found["promo_driven"].their_effective == D("16.80")
    assert found["promo_driven"].promo_until == datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)


def _varied_world(world: World) -> None:
    """A dozen products with undercuts, headroom, a markdown with history, a promotion and
    a MAP, sold by both shops."""
    for i in range(12):
        pid = world.product(f"P{i}", f"{20 + i}.00", cost=D(f"{10 + i}.00"),
                            map_price=D("22.00") if i % 4 == 0 else None, category=f"c{i % 3}")
        for shop, offset in (("alpha", -3 + i % 3), ("beta", 2 - i % 5)):
            lid = world.listing(shop, f"{shop}-{i}")
            world.match(lid, pid)
            price = D(f"{20 + i}.00") + offset
            world.observe(shop, lid, -3, str(price + 5), warranty_months=36 if i % 2 else None)
            if i % 3 == 0:  # marked down from a 'was' price above its own recent lowest
                world.observe(shop, lid, 0, str(price), regular_price=price + 10)
            else:
                world.observe(shop, lid, 0, str(price),
                              shipping_cost=D("2.50") if shop == "beta" else None)
            if i % 5 == 0:
                world.promotion(shop, lid, 0, kind="percent_off", value=D(10))


def test_run_in_worker_processes_matches_one_process(world: World) -> None:
    _varied_world(world)
    serial = run_comparison(world.engine, CompareSettings(workers=1), now=NOW)
    parallel = run_comparison(world.engine, CompareSettings(workers=2), now=NOW)
    assert serial.counts == parallel.counts and sum(serial.counts.values()) > 15
    assert {"undercut", "beatable", "fake_discount", "map_violation"} <= set(serial.counts)
    assert (serial.products, serial.offers) == (parallel.products, parallel.offers) == (12, 24)
    assert serial.index_by_competitor == parallel.index_by_competitor
    assert serial.index_by_category == parallel.index_by_category

    def seen(findings: list[Any]) -> list[tuple[Any, ...]]:
        return [(f.kind, f.product_id, f.listing_id, f.impact, f.recommended_price, f.reason,
                 f.details) for f in findings]

    assert seen(serial.findings) == seen(parallel.findings)
    assert seen(parallel.top(3)) == seen(parallel.findings)[:3]
    with world.engine.connect() as conn:
        for result in (serial, parallel):
            stored = run_findings(conn, result.run_id)
            assert len(stored) == sum(result.counts.values())
            assert [f.impact for f in stored] == [f.impact for f in result.findings]
            run = conn.execute(select(table(CompareRun)).where(
                table(CompareRun).c.id == result.run_id)).one()
            assert run.finished_at is not None and run.summary["findings"] == result.counts
    # a second run on the same connections: the parts handed back are copied in again, and
    # nothing stays attached to a pooled connection afterwards
    again = run_comparison(world.engine, CompareSettings(workers=2), now=NOW)
    assert seen(again.findings) == seen(parallel.findings)
    assert seen(again.top(1)) == seen(parallel.findings)[:1]
    if world.engine.dialect.name == "sqlite":
        with world.engine.connect() as conn:
            attached = {row[1] for row in conn.exec_driver_sql("PRAGMA database_list")}
            assert "compare_part" not in attached


def test_run_comparison_on_an_in_memory_database() -> None:
    """One connection for everything: the run row must survive reading the catalog."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    world = World(engine)
    pid = world.product("A", "20.00", cost=D("10.00"))
    lid = world.listing("alpha", "u1")
    world.match(lid, pid)
    world.observe("alpha", lid, 0, "18.00")
    result = run_comparison(engine, CompareSettings(workers=0), now=NOW)
    assert result.counts == {"beatable": 1, "undercut": 1}
    with engine.connect() as conn:
        assert len(run_findings(conn, result.run_id)) == 2
    engine.dispose()


def test_range_reads_take_the_product_index(sqlite_engine: Engine) -> None:
    """A comparison split across workers reads one range of products per query: each read
    must go in through `ix_match_product`, never walk every usable match through the status
    index (what SQLite chose without statistics, for each range)."""
    world = World(sqlite_engine)
    pids = [world.product(f"P{i}", "20.00") for i in range(3)]
    for i, pid in enumerate(pids):
        lid = world.listing("alpha", f"u{i}")
        world.observe("alpha", lid, -1, "25.00")
        world.observe("alpha", lid, 0, "19.00", regular_price=D("24.00"))
        world.promotion("alpha", lid, 0, kind="percent_off", value=D(10))
        world.match(lid, pid)
    statements: list[str] = []
    with sqlite_engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.set_trace_callback(statements.append)  # type: ignore[union-attr]
        offers, promotions = latest_offers(conn, 0.9, products=(pids[1], pids[1]))
        raw.set_trace_callback(None)  # type: ignore[union-attr]
        assert [o.product_id for o in offers] == [pids[1]] and len(promotions) == 1
        reads = [s for s in statements if '"match"' in s and s.lstrip().upper().startswith(
            ("SELECT", "WITH"))]
        assert len(reads) == 3, statements  # offers, lowest price before, promotions
        for sql in reads:
            plan = " | ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert "ix_match_product" in plan and "ix_match_status_confidence" not in plan, plan


def test_ranges_cover_the_catalog_once_big_first_and_small_last(world: World) -> None:
    """The ranges a comparison is cut into hold every active product exactly once, in id
    order; with the guided weights the first ranges are the biggest and the last ones hold
    a single unit of work each (a worker never finishes a big range alone)."""
    pids = [world.product(f"P{i}", "20.00") for i in range(640)]
    for workers in (2, 3, 4):
        weights = range_weights(workers)
        assert sum(weights) == 32 * workers and weights[-1] == 1
        assert max(weights[1:]) <= 32 * workers // 10
        assert weights[1:] == sorted(weights[1:], reverse=True)  # never grows again
    with world.engine.connect() as conn:
        for parts in (range_weights(2), 7, 1, [0, 3, 1]):
            ranges = product_ranges(conn, parts)
            covered = [pid for first, last in ranges for pid in pids if first <= pid <= last]
            assert covered == pids, parts
            sizes = [len([p for p in pids if first <= p <= last]) for first, last in ranges]
            if parts == 7:
                assert max(sizes) - min(sizes) <= 1
            if parts == [0, 3, 1]:
                assert sizes == [480, 160]
        guided = [len([p for p in pids if a <= p <= b]) for a, b in product_ranges(conn, range_weights(2))]
        assert guided[0] == 40 and guided[1] == 60 and guided[-1] == 10
