"""The alert step over a large catalog: how long `run_alerts` takes, first and repeated.

Usage (from the repository root): .venv/bin/python -m bench.alerts [--listings 20000] [--nights 3] [--pg URL]
(`-m`, because run as a file the folder bench/ comes first on sys.path and its storage.py
would hide the storage package.)

Builds a fresh migrated database with `--listings` matched listings at 4 competitors and
`--nights` nights of observations (about 8% price moves, 3% promotions starting, 2% going
out of stock, 1% quarantined readings each night), then times `run_alerts` for the last
night (derive events, store alerts, queue the digest) and once more (all duplicates).
Prints listings/s for both runs and how many alerts were created.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, text

# Run as a file, bench/ comes first on sys.path and bench/storage.py would shadow the
# `storage` package; drop that entry.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from monitor.alerts import AlertSettings, run_alerts  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Match, Product, Promotion, table  # noqa: E402
from storage.repos.listings import (  # noqa: E402
    CompetitorSpec,
    ListingInfo,
    start_crawl_run,
    sync_competitors,
    upsert_listings,
)
from storage.repos.observations import ObservationRow, insert_observations  # noqa: E402

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
COMPETITORS = 4


def build(engine: Engine, listings: int, nights: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    upgrade(engine)
    per_comp = listings // COMPETITORS
    with engine.begin() as conn:
        comps = sync_competitors(conn, [
            CompetitorSpec(f"shop-{c}", f"http://127.0.0.1/{c}/", "EUR") for c in range(COMPETITORS)
        ])
        conn.execute(table(Product).insert(), [
            {"sku": f"SKU-{i}", "name": f"Product {i}", "category": f"cat-{i % 20}",
             "price": Decimal(rng.randint(500, 50000)) / 100, "currency": "EUR", "priority": 1 + i % 3,
             "active": True, "created_at": T0, "updated_at": T0}
            for i in range(per_comp)
        ])
        ids: dict[int, list[int]] = {}
        for name, comp_id in comps.items():
            keys = upsert_listings(conn, comp_id, [
                ListingInfo(url=f"http://127.0.0.1/{name}/p/{i}", title=f"Item {i}") for i in range(per_comp)
            ], T0)
            ids[comp_id] = sorted(keys.values())
        conn.execute(table(Match).insert(), [
            {"product_id": i + 1, "listing_id": listing_id, "method": "gtin", "confidence": 0.99,
             "status": "auto", "created_at": T0, "updated_at": T0}
            for listing_ids in ids.values() for i, listing_id in enumerate(listing_ids)
        ])
    prices = {lid: Decimal(rng.randint(500, 50000)) / 100 for lids in ids.values() for lid in lids}
    stock = dict.fromkeys(prices, "InStock")
    for night in range(nights):
        when = T0 + timedelta(days=night)
        rows, promos = [], []
        with engine.begin() as conn:
            runs = {c: start_crawl_run(conn, c, started_at=when) for c in ids}
        for comp_id, listing_ids in ids.items():
            for lid in listing_ids:
                roll = rng.random()
                status = "ok"
                if night and roll < 0.08:
                    prices[lid] = (prices[lid] * Decimal(rng.choice(["0.85", "0.9", "1.1", "1.2"]))).quantize(Decimal("0.01"))
                elif night and roll < 0.10:
                    stock[lid] = "OutOfStock" if stock[lid] == "InStock" else "InStock"
                elif night and roll < 0.11:
                    status = "quarantined"
                promo = bool(night and 0.11 <= roll < 0.14)
                rows.append(ObservationRow(listing_id=lid, crawl_run_id=runs[comp_id], observed_at=when,
                                           status=status, price=prices[lid], currency="EUR",
                                           availability=stock[lid],
                                           promotions=[{"kind": "percent_off", "value": "10", "text": "-10%"}]
                                           if promo else []))
                if promo:
                    promos.append({"listing_id": lid, "crawl_run_id": runs[comp_id], "observed_at": when,
                                   "kind": "percent_off", "value": Decimal(10), "text": "-10%"})
        insert_observations(engine, rows)
        if promos:
            with engine.begin() as conn:
                conn.execute(table(Promotion).insert(), promos)


def bench(engine: Engine, listings: int, nights: int) -> None:
    started = time.perf_counter()
    build(engine, listings, nights)
    print(f"{engine.dialect.name}: built {listings} listings x {nights} nights in {time.perf_counter() - started:.1f}s")
    settings = AlertSettings.model_validate({
        "channels": {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/"}},
        "business_channels": ["hook"], "lookback_days": 3650,
    })
    now = T0 + timedelta(days=nights - 1, hours=1)
    for label in ("first run", "same night again"):
        started = time.perf_counter()
        result = run_alerts(engine, settings, now=now)
        took = time.perf_counter() - started
        print(f"{engine.dialect.name}: {label}: {took:.2f}s, {listings / took:,.0f} listings/s, "
              f"{result.created} alerts created, {result.duplicates} duplicates, "
              f"{result.messages_queued} message(s) queued")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--pg", metavar="URL", help="also run on this PostgreSQL database (a fresh schema)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        bench(engine, args.listings, args.nights)
        engine.dispose()
    if args.pg:
        schema = f"bench_alerts_{int(time.time())}"
        admin = make_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            engine = make_engine(args.pg, connect_args={"options": f"-csearch_path={schema}"})
            bench(engine, args.listings, args.nights)
            engine.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
