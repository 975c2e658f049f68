"""Scale-out bench: one shop crawled by 1 and by 2 distributed workers (scrapy-redis + PostgreSQL).

    python bench/scale.py [--products 20000] [--latency-ms 50] [--workers 1,2]
                          [--worker-concurrency 4] [--shop-concurrency 16]
                          [--pg URL] [--redis URL]

It generates a static demo shop (structured-data product pages of about 40 KB, a sitemap),
serves it from a server that answers every request after `--latency-ms` (so the crawl is
bound by the network and politeness, as real crawls are, not by this machine's cores), and
crawls it with `pricewatch crawl --distributed` (`spiders.runner.crawl_distributed`) once
per worker count, each time into a fresh PostgreSQL schema and under Redis keys of its
own (nothing else in the shared database or Redis is touched, and its keys are deleted).

Each worker may have `--worker-concurrency` downloads in flight (what one process is
given); the shop's politeness limit, `--shop-concurrency` at once across all workers, is
held through Redis. One worker is then bound by its own concurrency and the latency; a
second one doubles what is in flight, within the shop's limit. A worker takes a lease
when Scrapy's downloader accepts a request, up to 8 at once (its downloads and those
queued behind them), so two workers can hold the shop's 16: the line "times held back"
says how often the limit, not the latency, decided.

It prints, for each worker count, pages/s over the crawl (product pages stored / seconds
from the run's start to the run closed, worker start-up and the close included), where
the time went (each worker's start-up, first and last page, when the discovering worker
had seeded the shared queue, CPU seconds, time waiting for the shop's limit; the run's
close after the last page), the speed-up of each against
one worker (target >= 1.8 for two), and checks that every product is stored exactly once
in its run (one observation per product page, no duplicate, counts equal to the rows)
with the price the shop's `_truth.jsonl` gives. Exit code 1 if a check fails or the
target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import func, make_url, select, text  # noqa: E402

from bench.latency_shop import serve_with_latency  # noqa: E402
from demo.shops.static import bench_competitor, generate_static, rebase_static  # noqa: E402
from spiders.runner import crawl_distributed  # noqa: E402
from storage.db import make_engine, masked_url  # noqa: E402
from storage.models import Listing, Observation, table  # noqa: E402

TARGET_SPEEDUP = 1.8
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def fresh_schema(pg: str) -> tuple[str, str]:
    """A new schema in the PostgreSQL database; (URL that uses it, schema name)."""
    schema = f"bench_scale_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_schema(pg: str, schema: str) -> None:
    admin = make_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def check_run(db_url: str, run_id: int, counts: dict[str, int], folder: Path,
              base_url: str, products: int) -> tuple[bool, str]:
    """Each product stored exactly once, counts equal to rows, prices equal to the truth."""
    obs, lst = table(Observation), table(Listing)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).where(obs.c.crawl_run_id == run_id)).scalar()
        distinct = conn.execute(select(func.count(func.distinct(obs.c.listing_id)))
                                .where(obs.c.crawl_run_id == run_id)).scalar()
        prices = {r.url: r.price for r in conn.execute(
            select(lst.c.url, obs.c.price).join(obs, obs.c.listing_id == lst.c.id)
            .where(obs.c.crawl_run_id == run_id))}
    engine.dispose()
    truth = [json.loads(line) for line in
             (folder / "_truth.jsonl").read_text(encoding="utf-8").splitlines() if line]
    base = base_url.rstrip("/")
    right = sum(1 for t in truth if prices.get(base + t["path"]) == Decimal(t["price"]))
    stored = sum(v for k, v in counts.items() if k in ("ok", "not_found", "blocked",
                                                         "parse_failed", "quarantined"))
    ok = rows == distinct == products == stored
    return ok, (f"{rows} observations, {distinct} distinct products, counts {counts}; "
                f"prices equal to the shop's truth: {right} of {len(truth)}")


def phases(timeline: dict[str, Any], elapsed: float) -> list[str]:
    """Where the run's time went, from the workers' timelines (seconds from the start)."""
    workers = timeline.get("workers") or []
    if not workers:
        return []

    def at(worker: dict[str, Any], key: str) -> str:
        value = worker.get(key)
        return f"{value:.1f}" if isinstance(value, int | float) else "-"

    lines = []
    for w in sorted(workers, key=lambda w: w.get("process_started") or 0):
        pages = int(w.get("product_pages") or 0)
        cpu = float(w.get("cpu_s") or 0)
        lines.append(
            f"worker: process {at(w, 'process_started')} s, crawl opened {at(w, 'opened')}, "
            f"first page {at(w, 'first_page')}, queue seeded {at(w, 'seeded')}, last page "
            f"{at(w, 'last_page')}, ended {at(w, 'ended')}; {pages} pages, CPU {cpu:.1f} s "
            f"({cpu * 1000 / pages if pages else 0:.1f} ms a page: reading "
            f"{float(w.get('extract_s') or 0):.1f} s, storing {float(w.get('store_s') or 0):.1f}"
            f" s), asking Redis for the shop limit {float(w.get('politeness_wait_s') or 0):.1f} s"
            f" ({int(w.get('politeness_held') or 0)} times held back by it)")
    last = max((w.get("last_page") or 0) for w in workers)
    lines.append(f"run: workers exited {timeline.get('workers_exited', 0):.1f} s, closing "
                 f"{timeline.get('closing', 0):.1f} s, closed {elapsed:.1f} s "
                 f"({elapsed - last:.1f} s after the last page)")
    return lines


def run_once(workers: int, competitors: Path, name: str, pg: str, redis: str | None,
             worker_concurrency: int) -> dict[str, Any]:
    db_url, schema = fresh_schema(pg)
    prefix = f"bench-scale-{uuid.uuid4().hex[:8]}"
    try:
        started = time.perf_counter()
        [summary] = crawl_distributed(
            competitors, [name], db_url, workers=workers, redis=redis, prefix=prefix,
            worker_concurrency=worker_concurrency,
            extra_settings={"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "ERROR"})
        wall = time.perf_counter() - started
        return {"summary": summary, "wall": wall, "db_url": db_url, "schema": schema}
    except BaseException:
        drop_schema(pg, schema)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--worker-concurrency", type=int, default=4)
    parser.add_argument("--shop-concurrency", type=int, default=16)
    parser.add_argument("--pg", default=os.environ.get("PRICEWATCH_TEST_DATABASE_URL")
                        or DEFAULT_PG)
    parser.add_argument("--redis", default=None,
                        help="default $PRICEWATCH_REDIS_URL or redis://127.0.0.1:6379/0")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",") if n]
    failed = False
    results: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="pricewatch-scale-") as tmp:
        work = Path(tmp)
        folder = work / "shop"
        began = time.perf_counter()
        stats = generate_static(folder, products=args.products, style="jsonld")
        print(f"shop: {stats.pages} products, {stats.bytes / 1e6:.0f} MB, generated in "
              f"{time.perf_counter() - began:.0f} s; latency {args.latency_ms:.0f} ms per "
              f"response; database {masked_url(args.pg)} (a fresh schema per run)")
        with serve_with_latency(folder, args.latency_ms / 1000) as base_url:
            rebase_static(folder, base_url)
            name = "bench-scale"
            entry = bench_competitor("jsonld", base_url, name=name)
            entry["discovery"]["max_pages"] = args.products
            entry["politeness"] = {"concurrency_per_domain": args.shop_concurrency,
                                   "autothrottle": False, "download_delay": 0.0}
            competitors = work / "competitors.yaml"
            competitors.write_text(yaml.safe_dump({"competitors": [entry]}), encoding="utf-8")
            for n in counts:
                result = run_once(n, competitors, name, args.pg, args.redis,
                                  args.worker_concurrency)
                summary = result["summary"]
                try:
                    ok, detail = check_run(result["db_url"], summary.crawl_run_id,
                                           summary.counts, folder, base_url, args.products)
                finally:
                    drop_schema(args.pg, result["schema"])
                rate = summary.pages / summary.elapsed_s if summary.elapsed_s else 0.0
                results[n] = rate
                failed |= not ok or summary.status != "finished"
                print(f"{n} worker(s): {summary.pages} pages in {summary.elapsed_s:.1f} s = "
                      f"{rate:.1f} pages/s (status {summary.status}; each worker up to "
                      f"{args.worker_concurrency} in flight, shop limit "
                      f"{args.shop_concurrency} across workers)")
                print(f"  stored exactly once: {'yes' if ok else 'NO'} ({detail})")
                for line in phases(summary.stats.get("timeline") or {}, summary.elapsed_s):
                    print("  " + line)
    base = results.get(1)
    for n, rate in results.items():
        if base and n != 1:
            speedup = rate / base
            verdict = "ok" if speedup >= TARGET_SPEEDUP or n < 2 else f"BELOW {TARGET_SPEEDUP}"
            print(f"speed-up {n} workers / 1 worker = {speedup:.2f}x (target >= "
                  f"{TARGET_SPEEDUP}x for 2: {verdict})")
            failed |= n == 2 and speedup < TARGET_SPEEDUP
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
