"""Matching and comparison speed at 10,000, 100,000 and 1,000,000 competitor listings.

For each size N this builds a fresh SQLite database with N/10 of our products, 20
competitors and N listings with 5 observations each (one per simulated day): 60% of the
listings carry a GTIN, 20% only brand + MPN, 20% only a title (a reworded version of our
product's name). Each product is sold by 10 competitors at 85-115% of our price, so nearly
every product is undercut by someone: a worst case for the number of findings (about 2.8
per product). About 10% of listings show a 'was' price (half of them inflated), 5% carry a
promotion, half the competitors charge shipping under a free-shipping threshold. The build
goes below the ORM (plain executemany, around the latest_observation triggers, then one
backfill) so it takes seconds to minutes; it is not what is measured.

Measured: `run_matching` over every listing, then `run_comparison` over the catalog
(window query, promotions, lowest-before-discount, rules, writing the findings), with
the default settings: from 50,000 matches on the comparison runs in one worker process a
core (`compare.workers`), so its CPU time printed is the writing process's only (which
compares the first range itself while the workers start).

    .venv/bin/python bench/compare.py                 # 10k, 100k, 1M listings
    .venv/bin/python bench/compare.py --sizes 10000   # a quick look

The last line reads `1000000 listings: comparison X s, matching Y s`.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select

from monitor.compare import run_comparison
from monitor.matching import run_matching
from storage.db import make_engine, upgrade
from storage.models import Match, table
from storage.types import sqlite_datetime_text, to_units

COMPETITORS = 20
DAYS = 5
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
SYLLABLES = ["ka", "lo", "mi", "ra", "to", "ve", "ni", "su", "pe", "do", "zan", "bri",
             "gor", "tel", "mar", "qui", "sol", "vin", "ex", "ul"]
WORDS = ["classic", "fresh", "ultra", "pro", "max", "mini", "light", "dark", "silver", "gold", "green", "blue", "red", "black", "white", "organic", "natural", "family", "premium", "compact", "travel", "home", "office", "garden", "kids", "sport", "active", "original", "crispy", "smooth", "strong", "mild", "sweet", "salty", "spicy", "herbal", "citrus", "berry", "vanilla", "cocoa", "mint", "lemon", "orange", "apple", "cherry", "peach", "mango", "coconut", "almond", "hazel", "honey"]
SIZES = ["250 ml", "500 ml", "1 l", "1.5 l", "100 g", "250 g", "500 g", "1 kg", "", "6 x 330 ml"]
RESPELL = {"500 ml": "0.5 l", "1 l": "1000 ml", "1 kg": "1000 g", "1.5 l": "1,5 L",
           "6 x 330 ml": "6x330ml"}


def gtin13(n: int) -> str:
    body = f"20{n:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def brand_name(b: int) -> str:
    n = len(SYLLABLES)
    return (SYLLABLES[b % n] + SYLLABLES[(b // n) % n] + SYLLABLES[(b // n // n) % n]).capitalize()


def product_name(i: int, brands: int) -> tuple[str, str, str]:
    """(brand, name, size) of product i: distinct names within a brand."""
    brand = brand_name(i % brands)
    k = i // brands
    w = [WORDS[(k * 7 + j * 13 + i) % len(WORDS)] for j in range(3)]
    size = SIZES[(i // 3) % len(SIZES)]
    return brand, f"{brand} {w[0].title()} {w[1]} {w[2]} {k} {size}".strip(), size


def reworded(name: str, brand: str, size: str, rng: random.Random) -> str:
    """A competitor's title for our product: other case, brand moved, size respelled."""
    rest = name[len(brand) + 1:]
    if size and size in RESPELL and rng.random() < 0.5:
        rest = rest.replace(size, RESPELL[size])
    title = f"{rest} - {brand.upper()}" if rng.random() < 0.3 else f"{brand} {rest}"
    if rng.random() < 0.3:
        title += " new"
    return title.lower() if rng.random() < 0.5 else title


def _latest_migration() -> Any:
    """The SQL of the migration that last wrote the latest_observation triggers (0006: the
    triggers and the backfill), to bulk-load around them."""
    path = Path(__file__).resolve().parent.parent / "storage/migrations/versions/0006_latest_terms.py"
    spec = importlib.util.spec_from_file_location("latest_observation_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(engine: Engine, listings: int, seed: int = 7) -> dict[str, int]:
    """Fill an empty, migrated SQLite database with the benchmark world."""
    rng = random.Random(seed)
    products = listings // 10
    brands = max(products // 50, 1)
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("PRAGMA synchronous=OFF")
    now_text = sqlite_datetime_text(NOW)
    base_price = [Decimal(rng.randint(100, 20000)) / 100 for _ in range(products)]
    rows = []
    for i in range(products):
        brand, name, _size = product_name(i, brands)
        price = base_price[i]
        rows.append((
            f"P{i:07d}", "0" + gtin13(i), f"M{i:07d}", brand, name, f"cat{i % 40}",
            to_units(price), "EUR", to_units((price * Decimal("0.7")).quantize(Decimal("0.01"))),
            to_units(Decimal("0.15")), to_units(Decimal("4.99")), to_units(Decimal("49.00")),
            3, 24, 14, 1 + i % 3, 1, now_text, now_text,
        ))
    cur.executemany(
        "INSERT INTO product (sku, gtin, mpn, brand, name, category, price, currency, cost, "
        "min_margin, shipping_cost, free_shipping_threshold, delivery_days, warranty_months, "
        "returns_days, priority, active, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    cur.executemany(
        "INSERT INTO competitor (name, base_url, currency, settings, enabled, created_at) "
        "VALUES (?,?,?,?,?,?)",
        [(f"shop{c:02d}", f"http://127.0.0.1/{c}/", "EUR", "{}", 1, now_text)
         for c in range(1, COMPETITORS + 1)])
    days = [NOW - timedelta(days=DAYS - 1 - d) for d in range(DAYS)]
    run_ids: dict[tuple[int, int], int] = {}
    for c in range(1, COMPETITORS + 1):
        for d, day in enumerate(days):
            cur.execute(
                "INSERT INTO crawl_run (competitor_id, started_at, finished_at, status, counts, "
                "stats, suspect) VALUES (?,?,?,?,?,?,?)",
                (c, sqlite_datetime_text(day), sqlite_datetime_text(day), "finished", "{}", "{}", 0))
            run_ids[(c, d)] = int(cur.lastrowid or 0)

    per_comp = listings // COMPETITORS
    owner: list[int] = []

    def listing_rows() -> Iterator[tuple[object, ...]]:
        for j in range(listings):
            c = j // per_comp + 1 if j // per_comp < COMPETITORS else COMPETITORS
            k = j % per_comp
            p = (2 * k + (c % 2)) % products
            owner.append(p)
            brand, name, size = product_name(p, brands)
            kind = j % 10
            gtin = mpn = lbrand = title = None
            if kind < 6:
                gtin, title = "0" + gtin13(p), name
            elif kind < 8:
                mpn, lbrand = f"M{p:07d}".lower(), brand.upper()
            else:
                title = reworded(name, brand, size, rng)
            yield (c, f"http://127.0.0.1/{c}/p/{k}", "", gtin, mpn, lbrand, title,
                   now_text, now_text, 1)

    cur.executemany(
        "INSERT INTO listing (competitor_id, url, variant, gtin, mpn, brand, title, first_seen, "
        "last_seen, active) VALUES (?,?,?,?,?,?,?,?,?,?)", listing_rows())
    first_listing = cur.execute("SELECT min(id) FROM listing").fetchone()[0]

    day_text = [sqlite_datetime_text(day) for day in days]
    promos: list[tuple[object, ...]] = []

    def observation_rows() -> Iterator[tuple[object, ...]]:
        for j in range(listings):
            lid = first_listing + j
            c = min(j // per_comp + 1, COMPETITORS)
            base = base_price[owner[j]] * Decimal(rng.randint(85, 115)) / 100
            ship = (to_units(Decimal("3.99")), to_units(Decimal("50.00"))) if c % 2 else (None, None)
            on_sale = rng.random() < 0.10
            inflated = rng.random() < 0.5
            for d in range(DAYS):
                price = base.quantize(Decimal("0.01"))
                regular = None
                if d == DAYS - 1 and on_sale:
                    # half the sales are honest ('was' = the price before), half inflated
                    regular = (price * (Decimal("1.25") if inflated else 1)).quantize(Decimal("0.01"))
                    price = (price * Decimal("0.9")).quantize(Decimal("0.01"))
                yield (lid, run_ids[(c, d)], day_text[d], "ok", to_units(price),
                       None if regular is None else to_units(regular), "EUR", ship[0], ship[1],
                       1, 1 + c % 5, 12 + 12 * (c % 3), 14 + 16 * (c % 2))
            if rng.random() < 0.05:
                kind = "percent_off" if rng.random() < 0.5 else "multi_buy"
                promos.append((lid, run_ids[(c, DAYS - 1)], day_text[-1], kind,
                               to_units(Decimal(10)) if kind == "percent_off" else None,
                               3 if kind == "multi_buy" else None,
                               2 if kind == "multi_buy" else None))

    # a bulk load goes around the per-row triggers and fills latest_observation in one go,
    # as migration 0006 does for existing history
    migration = _latest_migration()
    for name in migration.SQLITE_TRIGGER_NAMES:
        cur.execute(f"DROP TRIGGER {name}")
    cur.executemany(
        "INSERT INTO observation (listing_id, crawl_run_id, observed_at, status, price, "
        "regular_price, currency, shipping_cost, free_shipping_threshold, delivery_min_days, "
        "delivery_max_days, warranty_months, returns_days) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        observation_rows())
    cur.execute(migration.BACKFILL)
    for statement in migration.SQLITE_TRIGGERS:
        cur.execute(statement)
    cur.executemany(
        "INSERT INTO promotion (listing_id, crawl_run_id, observed_at, kind, value, buy_qty, "
        "pay_qty) VALUES (?,?,?,?,?,?,?)", promos)
    raw.commit()
    cur.execute("ANALYZE")
    raw.commit()
    cur.close()
    raw.close()
    return {"products": products, "listings": listings, "observations": listings * DAYS,
            "promotions": len(promos)}


def measure(listings: int, workdir: Path) -> tuple[float, float]:
    path = workdir / f"bench-{listings}.db"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    t0 = time.perf_counter()
    sizes = build(engine, listings)
    built = time.perf_counter() - t0
    print(f"{listings} listings: built {sizes} in {built:.1f} s", flush=True)

    t0, c0 = time.perf_counter(), time.process_time()
    summary = run_matching(engine)
    matching, matching_cpu = time.perf_counter() - t0, time.process_time() - c0
    with engine.connect() as conn:
        matched = conn.execute(select(func.count()).select_from(table(Match))).scalar_one()
    print(f"  matching: {matching:.2f} s (cpu {matching_cpu:.2f} s), {matched} matches {summary.matched}, "
          f"{summary.unmatched} unmatched, {summary.to_review} to review", flush=True)

    t0, c0 = time.perf_counter(), time.process_time()
    result = run_comparison(engine, now=NOW)
    comparison, comparison_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  comparison: {comparison:.2f} s (cpu {comparison_cpu:.2f} s), {result.products} products, {result.offers} offers, "
          f"findings {result.counts}", flush=True)
    engine.dispose()
    path.unlink(missing_ok=True)
    return comparison, matching


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="comma-separated listing counts (default: %(default)s)")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        results = {n: measure(n, Path(tmp)) for n in sizes}
    print()
    for n, (comparison, matching) in results.items():
        print(f"{n} listings: comparison {comparison:.2f} s, matching {matching:.2f} s")


if __name__ == "__main__":
    main()
