"""Bulk insert of observations: the repository's path against plain sqlite3.executemany.

Usage: .venv/bin/python bench/storage.py [--rows 1000000] [--pg URL]   (or -m bench.storage)

Both sides insert the same rows into the same `observation` table (with its indexes and
constraints), each into a fresh migrated database, in one transaction. The raw side gets
tuples already in SQLite's stored form; the repository gets `ObservationRow` objects with
Decimal money and aware datetimes, and does the conversion itself. Prints rows/s for both
and a `ratio` line (repository / raw); the goal is ratio >= 0.5.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, text

# Run as `python bench/storage.py`, this file's folder comes first on sys.path and this
# very file would shadow the `storage` package; drop that entry (python -m needs nothing).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from storage.db import make_engine, upgrade  # noqa: E402
from storage.repos.listings import CompetitorSpec, start_crawl_run, sync_competitors  # noqa: E402
from storage.repos.observations import (  # noqa: E402
    COLUMNS,
    ObservationRow,
    _sqlite_tuples,
    insert_observations,
)

RUNS = 5


def prepare(engine: Engine, listings: int) -> list[int]:
    """A competitor, `listings` listings and RUNS crawl runs; returns the run ids."""
    upgrade(engine)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        comp = sync_competitors(conn, [CompetitorSpec("bench", "http://127.0.0.1/", "EUR")])["bench"]
        runs = [start_crawl_run(conn, comp, started_at=t0 + timedelta(days=d)) for d in range(RUNS)]
        conn.execute(
            text("INSERT INTO listing (competitor_id, url, variant, first_seen, last_seen, active) "
                 "VALUES (:c, :u, '', :t, :t, :a)"),
            [{"c": comp, "u": f"http://127.0.0.1/p/{i}", "t": t0, "a": True} for i in range(listings)],
        )
    return runs


def make_rows(n: int, runs: list[int]) -> list[ObservationRow]:
    t0 = datetime(2026, 11, 1, 2, tzinfo=UTC)
    listings = n // len(runs)
    rows = []
    for r, run in enumerate(runs):
        when = t0 + timedelta(days=r)
        for i in range(listings):
            cents = 1000 + (i * 37 + r * 11) % 90000
            promo = i % 10 == 0
            rows.append(ObservationRow(
                listing_id=i + 1, crawl_run_id=run, observed_at=when, status="ok",
                price=Decimal(cents).scaleb(-2),
                regular_price=Decimal(cents + 500).scaleb(-2) if promo else None,
                currency="EUR", availability="InStock",
                shipping_cost=Decimal("4.99") if i % 3 else None,
                delivery_min_days=1, delivery_max_days=3, warranty_months=24,
                promotions=[{"kind": "percent_off", "value": "10"}] if promo else None,
                title=f"Product {i}", extractor="jsonld", confidence=0.95,
                page_hash=f"{i:016x}",
            ))
    return rows


def bench_raw(path: Path, rows: list[ObservationRow]) -> float:
    tuples = list(_sqlite_tuples(rows))  # prepared outside the timing: raw gets ready tuples
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = f"INSERT INTO observation ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    start = time.perf_counter()
    with conn:
        conn.executemany(sql, tuples)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def bench_repo(engine: Engine, rows: list[ObservationRow]) -> float:
    start = time.perf_counter()
    insert_observations(engine, rows)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", help="also measure PostgreSQL (COPY) at this URL, e.g. "
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    n = args.rows - args.rows % RUNS
    with tempfile.TemporaryDirectory() as tmp:
        raw_path, repo_path = Path(tmp, "raw.db"), Path(tmp, "repo.db")
        raw_engine = make_engine(f"sqlite:///{raw_path}")
        runs = prepare(raw_engine, n // RUNS)
        raw_engine.dispose()
        repo_engine = make_engine(f"sqlite:///{repo_path}")
        prepare(repo_engine, n // RUNS)
        print(f"building {n:,} observation rows ...", flush=True)
        rows = make_rows(n, runs)
        raw_s = bench_raw(raw_path, rows)
        repo_s = bench_repo(repo_engine, rows)
        raw_rate, repo_rate = n / raw_s, n / repo_s
        print(f"sqlite raw executemany: {n:,} rows in {raw_s:.2f} s = {raw_rate:,.0f} rows/s")
        print(f"sqlite repository bulk: {n:,} rows in {repo_s:.2f} s = {repo_rate:,.0f} rows/s")
        print(f"sqlite ratio (repository / raw): {repo_rate / raw_rate:.2f}  (goal >= 0.50)")
        repo_engine.dispose()
    if args.pg:
        import uuid

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            pg = make_engine(args.pg, connect_args={"options": f"-csearch_path={schema}"})
            pg_runs = prepare(pg, n // RUNS)
            pg_s = bench_repo(pg, make_rows(n, pg_runs))
            print(f"postgresql repository bulk (COPY): {n:,} rows in {pg_s:.2f} s = {n / pg_s:,.0f} rows/s")
            pg.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
