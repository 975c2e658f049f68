"""Distributed crawling on this machine's Redis and PostgreSQL, and PostgreSQL going away in
the middle of a crawl: every product stored exactly once, counts equal to rows, the shop's
politeness limit held across workers."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, make_url, select

from bench.latency_shop import serve_with_latency, server_stats
from demo.shops import start_shops, truth
from demo.shops.static import bench_competitor, generate_static, rebase_static
from spiders.distributed import connect
from spiders.runner import crawl_distributed
from storage.db import make_engine
from storage.models import Observation, table
from storage.repos.crawls import crawl_run_row
from storage.run_health import run_health
from tests.conftest import drop_pg_schema, fresh_pg_engine
from tests.crawl.support import FAST, crawl, write_competitors

from .pg_proxy import CuttableProxy

pytestmark = pytest.mark.postgres


def rows_and_products(db_url: str, run_id: int) -> tuple[int, int]:
    obs = table(Observation)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        found = conn.execute(select(func.count(), func.count(func.distinct(obs.c.listing_id)))
                             .where(obs.c.crawl_run_id == run_id)).one()
    engine.dispose()
    return int(found[0]), int(found[1])


@pytest.fixture
def pg_url(pg_available: None) -> Any:
    engine, schema = fresh_pg_engine()
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    yield url
    drop_pg_schema(schema)


def test_two_workers_store_each_product_once_within_the_shop_limit(
        pg_url: str, tmp_path: Path) -> None:
    products, shop_limit = 150, 3
    folder = tmp_path / "shop"
    generate_static(folder, products=products, style="jsonld")
    prefix = f"pwtest-{uuid.uuid4().hex[:8]}"
    with serve_with_latency(folder, 0.03) as base_url:
        rebase_static(folder, base_url)
        entry = bench_competitor("jsonld", base_url, name="scaleshop")
        entry["discovery"]["max_pages"] = products
        entry["politeness"] = {"concurrency_per_domain": shop_limit, "autothrottle": False}
        path = tmp_path / "competitors.yaml"
        path.write_text(yaml.safe_dump({"competitors": [entry]}), encoding="utf-8")
        # each worker alone may have 3 in flight: 6 together, unless the limit is shared
        [summary] = crawl_distributed(path, ["scaleshop"], pg_url, workers=2, prefix=prefix,
                                      worker_concurrency=shop_limit, extra_settings=FAST)
        served = server_stats(base_url)
    assert summary.status == "finished", summary.error
    assert summary.stats["workers"] == 2
    assert rows_and_products(pg_url, summary.crawl_run_id or 0) == (products, products)
    assert summary.counts == {"ok": products}
    assert served["max_in_flight"] <= shop_limit, served
    assert served["served"] >= products
    leftovers = list(connect().scan_iter(match=f"{prefix}:run:*"))
    assert leftovers == []  # the run's keys are gone; nobody else's were touched


def test_postgresql_going_away_mid_crawl_loses_and_duplicates_nothing(
        pg_url: str, tmp_path: Path) -> None:
    url = make_url(pg_url)
    proxy = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    port = proxy.start()
    via_proxy = url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    outage: list[float] = []

    def restart() -> None:
        proxy.cut()
        time.sleep(3)
        proxy.start()

    def progress(name: str, event: dict[str, Any]) -> None:
        if event["event"] == "progress" and event.get("pages", 0) >= 30 and not outage:
            outage.append(time.monotonic())
            threading.Thread(target=restart, daemon=True).start()

    slow = {"DOWNLOAD_DELAY": 0.02, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            "PRICEWATCH_BATCH_SIZE": 10, "PRICEWATCH_EXTRACT_WORKERS": 0}
    try:
        with start_shops(day=0, shops=["plainshop"]) as shops:
            path = write_competitors(tmp_path, shops.base_urls, ["plainshop"])
            [summary] = crawl(path, ["plainshop"], via_proxy, settings=slow, progress=progress)
    finally:
        proxy.stop()
    expected = len(truth("plainshop", 0))
    assert outage, "the crawl never got far enough to cut the database"
    assert summary.status == "finished", summary.error
    assert summary.stats["write_retries"] >= 1  # the outage really hit a write
    assert rows_and_products(pg_url, summary.crawl_run_id or 0) == (expected, expected)
    assert summary.counts == {"ok": expected}


def test_a_distributed_crawl_stopped_at_max_pages_is_truncated_like_a_single_one(
        pg_url: str, tmp_path: Path) -> None:
    """The same close rules as a one-process crawl: `max_pages` reached with product pages
    left is `truncated`, with how many were left, and never shown as ok."""
    products, limit = 60, 40
    folder = tmp_path / "shop"
    generate_static(folder, products=products, style="jsonld")
    prefix = f"pwtest-{uuid.uuid4().hex[:8]}"
    with serve_with_latency(folder, 0.01) as base_url:
        rebase_static(folder, base_url)
        entry = bench_competitor("jsonld", base_url, name="capped")
        entry["discovery"]["max_pages"] = limit
        entry["politeness"] = {"concurrency_per_domain": 4, "autothrottle": False}
        path = tmp_path / "competitors.yaml"
        path.write_text(yaml.safe_dump({"competitors": [entry]}), encoding="utf-8")
        [summary] = crawl_distributed(path, ["capped"], pg_url, workers=2, prefix=prefix,
                                      worker_concurrency=2, extra_settings=FAST)
    assert summary.status == "truncated", (summary.status, summary.error)
    assert summary.counts == {"ok": limit}
    assert rows_and_products(pg_url, summary.crawl_run_id or 0) == (limit, limit)
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        row = crawl_run_row(conn, summary.crawl_run_id or 0)
    engine.dispose()
    assert row.status == "truncated"
    assert row.stats["pages_left"] == products - limit
    health = run_health(row.status, row.suspect, row.suspect_reason, row.error_summary,
                        row.stats)
    assert (health.ok, health.state) == (False, "truncated")
    assert f"max_pages={limit}" in health.detail and f"{products - limit} product" in health.detail


def test_workers_started_with_the_run_do_not_wait_for_a_shop_that_yields_nothing(
        pg_url: str, tmp_path: Path) -> None:
    """The only start URL is on another host: the discovering worker queues nothing and
    ends at once, and the worker started beside it (waiting, crawler ready, for the first
    pages) ends with it instead of waiting out its two-minute join timeout."""
    folder = tmp_path / "shop"
    folder.mkdir()
    prefix = f"pwtest-{uuid.uuid4().hex[:8]}"
    with serve_with_latency(folder, 0.0) as base_url:
        entry = bench_competitor("jsonld", base_url, name="empty")
        entry["discovery"] = {"kind": "start_urls",
                              "start_urls": ["http://elsewhere.invalid/p/1.html"]}
        entry["politeness"] = {"obey_robots": False, "autothrottle": False}
        path = tmp_path / "competitors.yaml"
        path.write_text(yaml.safe_dump({"competitors": [entry]}), encoding="utf-8")
        started = time.monotonic()
        [summary] = crawl_distributed(path, ["empty"], pg_url, workers=2, prefix=prefix,
                                      extra_settings=FAST)
        took = time.monotonic() - started
    assert summary.status in ("finished", "failed"), summary.status
    assert summary.counts == {} and summary.pages == 0
    assert took < 60, f"the run took {took:.0f} s: a worker waited for pages that never came"
