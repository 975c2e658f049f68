"""Time the daily report on a big history: 10,000 products x 30 days (target: under 30 s).

    .venv/bin/python bench/report.py [--products 10000] [--days 30] [--db PATH] [--keep]

Builds the history with `tests.support.sample_data` (3 competitors, one crawl per competitor per
night, one comparison per night with its findings) in a temporary SQLite file (deleted
afterwards unless --keep), or in --db (kept, and reused when it already holds data), then
times `build_daily_report` end to end (queries, charts, HTML)
and the monthly report. Last line: `daily report: X s for N products x D days`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, bench/ comes first on sys.path, where bench/storage.py would shadow the
# `storage` package: look the project up from its root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import func, select  # noqa: E402

from reports.config import ReportSettings  # noqa: E402
from reports.daily import build_daily_report  # noqa: E402
from reports.monthly import build_monthly_report  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Finding, Observation, table  # noqa: E402
from tests.support.sample_data import SampleSpec, generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--db", type=Path, help="reuse (or create) this SQLite file")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary database and reports (deleted by default)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pricewatch-bench-report-"))
    path = args.db or work / "bench.db"
    spec = SampleSpec(products=args.products, days=args.days, hostile=False)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(table(Observation))).scalar_one()
    if not existing:
        started = time.perf_counter()
        generate(engine, spec)
        print(f"history generated in {time.perf_counter() - started:.1f} s")
    with engine.connect() as conn:
        observations = conn.execute(select(func.count()).select_from(table(Observation))).scalar_one()
        findings = conn.execute(select(func.count()).select_from(table(Finding))).scalar_one()
    print(f"database {path}: {observations:,} observations, {findings:,} findings")
    now = datetime.combine(spec.end, datetime.min.time(), UTC) + timedelta(hours=6)
    settings = ReportSettings()
    started = time.perf_counter()
    html = build_daily_report(engine, work / "out", now=now, settings=settings)
    daily = time.perf_counter() - started
    print(f"daily report written to {html} ({html.stat().st_size / 1e6:.1f} MB) "
          f"in {daily:.1f} s", flush=True)
    started = time.perf_counter()
    paths = build_monthly_report(engine, f"{spec.end:%Y-%m}", work / "out", settings=settings,
                                 now=now)
    monthly = time.perf_counter() - started
    print(f"monthly report: {monthly:.1f} s ({paths.pdf.name})")
    verdict = "under" if daily < 30 else "OVER"
    engine.dispose()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"daily report: {daily:.1f} s for {args.products} products x {args.days} days "
          f"({verdict} the 30 s target)")


if __name__ == "__main__":
    main()
