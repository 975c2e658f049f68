"""Crawl the well-behaved demo shops over real HTTP into real databases and check every
stored value against the shops' own truth (prices, terms, identifiers, promotions)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from demo.shops import start_shops, truth
from demo.shops.spec import day_date
from storage.models import CrawlRun, Listing, Observation, table

from .support import crawl, mismatches, stored_for_run, write_competitors

SHOPS = ("jsonshop", "woostore", "shopifyish", "plainshop")


@pytest.fixture(scope="module")
def good_shops():  # type: ignore[no-untyped-def]
    with start_shops(day=0, shops=list(SHOPS)) as shops:
        yield shops


@pytest.mark.parametrize("workers", [-1, 1], ids=["default", "extraction-worker"])
def test_good_shops_store_the_truth_for_every_product(good_shops, workers: int,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path) -> None:
    path = write_competitors(tmp_path, good_shops.base_urls, SHOPS)
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    # Crawled "as of" the shops' day 0: dates written without a year ("до 04.11") are
    # read against the crawl's own date.
    summaries = crawl(path, list(SHOPS), db_url, parallel=2,
                      settings={"PRICEWATCH_EXTRACT_WORKERS": workers},
                      now=datetime.combine(day_date(0), time(3), UTC))
    assert [s.competitor for s in summaries] == list(SHOPS)
    from storage.db import make_engine

    engine = make_engine(db_url)
    problems: dict[str, list[str]] = {}
    for summary in summaries:
        expected = truth(summary.competitor, 0)
        assert summary.status == "finished", summary.error
        assert not summary.suspect, summary.suspect_reason
        assert summary.counts == {"ok": len(expected)}, summary.stats.get("failures")
        stored = stored_for_run(engine, summary.crawl_run_id or 0)
        assert len(stored) == len(expected)
        found = mismatches(expected, stored, good_shops.base_urls[summary.competitor],
                           variants=summary.competitor == "shopifyish")
        if found:
            problems[summary.competitor] = found
        assert summary.stats["prefer"], "the run learned no extraction fast path"
    engine.dispose()
    report = {shop: (len(p), p[:3]) for shop, p in problems.items()}
    assert not problems, f"stored values differ from the truth: {report}"


def _pg_url(engine: Engine) -> str:
    """The pg_engine fixture's URL: it names the fixture's own schema (the crawl runs in a
    child process)."""
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.postgres
def test_crawl_into_postgresql(good_shops, pg_engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_competitors(tmp_path, good_shops.base_urls, ["jsonshop"])
    [summary] = crawl(path, ["jsonshop"], _pg_url(pg_engine))
    expected = truth("jsonshop", 0)
    assert summary.status == "finished", summary.error
    assert summary.counts == {"ok": len(expected)}
    obs, runs, lst = table(Observation), table(CrawlRun), table(Listing)
    with pg_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(lst)).scalar_one() == len(expected)
        assert conn.execute(select(runs.c.status)).scalar_one() == "finished"
        assert conn.execute(select(func.count()).select_from(obs)).scalar_one() == len(expected)
    stored = stored_for_run(pg_engine, summary.crawl_run_id or 0)
    found = mismatches(expected, stored, good_shops.base_urls["jsonshop"])
    assert not found, found[:5]


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "extraction-worker"])
def test_sampled_full_reads_store_quick_readings_as_unknown(good_shops, workers: int,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    path = write_competitors(tmp_path, good_shops.base_urls, ["jsonshop"])
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    [summary] = crawl(path, ["jsonshop"], db_url, settings={
        "PRICEWATCH_FULL_READ_EVERY": 4, "PRICEWATCH_EXTRACT_WORKERS": workers})
    expected = truth("jsonshop", 0)
    assert summary.status == "finished" and summary.counts == {"ok": len(expected)}
    quick_reads = summary.stats["quick_reads"]
    assert len(expected) // 2 < quick_reads < len(expected)
    from storage.db import make_engine

    stored = stored_for_run(make_engine(db_url), summary.crawl_run_id or 0)
    base = good_shops.base_urls["jsonshop"]
    quick = {k: s for k, s in stored.items() if (s.observation.extractor or "").endswith("/quick")}
    assert len(quick) == quick_reads
    full = [t for t in expected if (t.url(base), "") not in quick]
    assert not mismatches(full, stored, base)  # the full reads are right in every field
    for item in expected:
        got = stored[(item.url(base), "")]
        assert got.observation.price == item.price  # every price is right
        if (item.url(base), "") in quick:
            obs = got.observation
            assert obs.promotions is None and got.promotions == []  # not read, not "none"
            assert obs.shipping_cost is None and obs.returns_days is None
            assert "quick read" in obs.reason
