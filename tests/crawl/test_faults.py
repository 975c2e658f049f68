"""Shops that misbehave: every fault ends as the right status with a reason, the crawl goes
on, blocked/quarantined rows never count as prices, and selector drift makes the run suspect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from demo.shops import TROUBLE_DRIFT_DAY, start_shops, truth
from demo.shops.config import competitors_data
from storage.db import make_engine
from storage.models import CrawlRun, table
from storage.repos.observations import latest_good_observations

from .support import crawl, stored_for_run, write_competitors


def _engine(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'crawl.db'}"
    return url, make_engine(url)


@pytest.mark.parametrize("workers", [-1, 1], ids=["default", "extraction-worker"])
def test_troubleshop_faults_end_as_the_right_status(workers: int, tmp_path: Path) -> None:
    db_url, engine = _engine(tmp_path)
    settings = {"PRICEWATCH_EXTRACT_WORKERS": workers}
    with start_shops(day=0, shops=["troubleshop"]) as shops:
        base = shops.base_urls["troubleshop"]
        path = write_competitors(tmp_path, shops.base_urls, ["troubleshop"])
        [summary] = crawl(path, ["troubleshop"], db_url, settings=settings)
        # Selector drift from TROUBLE_DRIFT_DAY on: most good pages lose their price block.
        shops.set_day(TROUBLE_DRIFT_DAY)
        [drifted] = crawl(path, ["troubleshop"], db_url, settings=settings)
    expected = truth("troubleshop", 0)
    faults = {t.fault for t in expected}
    assert {"rate_limit", "captcha", "server_error", "redirect_loop",
            "robots_disallowed", None} <= faults
    assert summary.status == "finished", summary.error
    stored = stored_for_run(engine, summary.crawl_run_id or 0)
    failures = {f["url"]: f for f in summary.stats["failures"]}
    for item in expected:
        url = item.url(base)
        got = stored.get((url, ""))
        obs = got.observation if got else None
        if item.fault is None:
            assert obs is not None and obs.status == "ok", (url, obs and obs.reason)
            assert obs.price == item.price and obs.currency == item.currency
        elif item.fault in ("rate_limit", "captcha"):
            assert obs is not None and obs.status == "blocked", url
            assert obs.price is None
            word = "429" if item.fault == "rate_limit" else "captcha"
            assert word in obs.reason
        else:
            assert obs is None, f"{url} ({item.fault}) should have no observation"
            failure = failures[url]
            if item.fault == "robots_disallowed":
                assert failure["outcome"] == "robots_disallowed"
                assert "robots.txt" in failure["reason"]
            elif item.fault == "server_error":
                assert failure["outcome"] == "error" and "500" in failure["reason"]
            else:
                assert failure["outcome"] == "error" and "redirect" in failure["reason"]
    by_fault: dict[Any, int] = {}
    for item in expected:
        by_fault[item.fault] = by_fault.get(item.fault, 0) + 1
    assert summary.counts == {
        "ok": by_fault[None],
        "blocked": by_fault["rate_limit"] + by_fault["captcha"],
        "error": by_fault["server_error"] + by_fault["redirect_loop"],
        "robots_disallowed": by_fault["robots_disallowed"],
    }
    assert summary.suspect and "blocked" in (summary.suspect_reason or "")

    # Blocked rows never count as prices: the latest good reading of every listing is an ok
    # one, and blocked listings have none.
    with engine.connect() as conn:
        good = latest_good_observations(conn)
    assert {row.status for row in good} == {"ok"}
    blocked_ids = {s.listing.id for s in stored.values() if s.observation.status == "blocked"}
    assert blocked_ids and not blocked_ids & {row.listing_id for row in good}

    # Day of the drift: the pages without a price block are parse_failed with a reason, the
    # run is suspect, and those listings keep their last good price from the first run.
    assert drifted.status == "finished"
    assert drifted.suspect, drifted.counts
    assert "fell" in (drifted.suspect_reason or "")
    after = stored_for_run(engine, drifted.crawl_run_id or 0)
    drift_truth = [t for t in truth("troubleshop", TROUBLE_DRIFT_DAY) if t.fault == "drift"]
    assert len(drift_truth) > len(expected) // 3
    for item in drift_truth:
        obs = after[(item.url(base), "")].observation
        assert obs.status == "parse_failed", (item.path, obs.status)
        assert obs.price is None and "price block missing" in obs.reason
    with engine.connect() as conn:
        good_now = {row.listing_id: row for row in latest_good_observations(conn)}
        runs = {r.id: r for r in conn.execute(select(table(CrawlRun)))}
    for item in drift_truth:
        listing_id = after[(item.url(base), "")].listing.id
        assert good_now[listing_id].crawl_run_id == summary.crawl_run_id
    assert runs[drifted.crawl_run_id].suspect is True


def _competitors(tmp_path: Path, base_urls: dict[str, str], shop: str,
                 **changes: Any) -> Path:
    data = competitors_data(base_urls, enabled=[shop])
    entry = next(c for c in data["competitors"] if c["name"] == shop)
    for key, value in changes.items():
        entry[key] = value
    path = tmp_path / f"{shop}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_price_jump_is_quarantined_and_never_counts(tmp_path: Path) -> None:
    db_url, engine = _engine(tmp_path)
    with start_shops(day=0, shops=["jsonshop"]) as shops:
        # A tiny allowed jump: every price that moves between day 0 and 1 is "implausible".
        path = _competitors(tmp_path, shops.base_urls, "jsonshop",
                            quality={"max_price_jump": "1.0001"},
                            discovery={"kind": "sitemap", "sitemap_url": "/sitemap.xml",
                                       "link_pattern": "/p/[^/?]+$", "max_pages": 80})
        [first] = crawl(path, ["jsonshop"], db_url)
        shops.set_day(1)
        [second] = crawl(path, ["jsonshop"], db_url)
        with engine.connect() as conn:
            good = {row.listing_id: row for row in latest_good_observations(conn)}
        [third] = crawl(path, ["jsonshop"], db_url)  # the same prices once more
        base = shops.base_urls["jsonshop"]
    stored = stored_for_run(engine, second.crawl_run_id or 0)
    crawled = {url for url, _ in stored}
    day0 = {t.path: t for t in truth("jsonshop", 0) if t.url(base) in crawled}
    moved = [t for t in truth("jsonshop", 1)
             if t.path in day0 and t.price != day0[t.path].price]
    assert len(day0) == 80
    assert moved, "the demo shop changed no price between day 0 and 1"
    assert first.counts == {"ok": 80}
    assert second.counts == {"ok": 80 - len(moved), "quarantined": len(moved)}
    for item in moved:
        got = stored[(item.url(base), "")]
        assert got.observation.status == "quarantined"
        assert "jumped" in got.observation.reason
        assert got.observation.price == item.price  # kept as evidence...
        assert got.promotions == []  # ...but nothing of it reaches comparison
        assert good[got.listing.id].price == day0[item.path].price
        assert good[got.listing.id].crawl_run_id == first.crawl_run_id
    # Seen again in the next run, the change is real: accepted, with a reason saying why.
    assert third.counts == {"ok": 80}
    confirmed = stored_for_run(engine, third.crawl_run_id or 0)
    for item in moved:
        obs = confirmed[(item.url(base), "")].observation
        assert obs.price == item.price and "two runs in a row" in obs.reason


def test_gone_product_is_not_found_and_the_crawl_goes_on(tmp_path: Path) -> None:
    db_url, engine = _engine(tmp_path)
    with start_shops(day=0, shops=["jsonshop"]) as shops:
        pages = [t.path for t in truth("jsonshop", 0)[:2]]
        path = _competitors(tmp_path, shops.base_urls, "jsonshop", discovery={
            "kind": "start_urls", "start_urls": [*pages, "/p/no-such-product"]})
        [summary] = crawl(path, ["jsonshop"], db_url)
        base = shops.base_urls["jsonshop"]
    assert summary.counts == {"ok": 2, "not_found": 1}
    stored = stored_for_run(engine, summary.crawl_run_id or 0)
    gone = stored[(base.rstrip("/") + "/p/no-such-product", "")].observation
    assert gone.status == "not_found" and "404" in gone.reason and gone.price is None
