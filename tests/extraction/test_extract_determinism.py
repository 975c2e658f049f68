"""The same page, the same answer (issue 14): what is stored for an unchanged page must not
depend on what the crawl learned from earlier pages.

Every product page of the demo shops is read both ways, as on a first crawl (nothing
learned) and with each fast path a crawl can learn, and the answers must be identical;
then a shop is crawled twice (the second run starts from the first run's learned fast
path) and the stored values must be identical too.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from demo.shops import competitors_yaml, start_shops, truth
from demo.shops.pages import site_for
from demo.shops.spec import day_date
from spiders.config import parse_competitors
from spiders.extraction import extract
from spiders.reading import STRATEGY_NAMES, hints_for
from storage.db import make_engine
from tests.crawl.support import crawl, mismatches, stored_for_run, write_competitors

SHOPS = ["jsonshop", "woostore", "shopifyish", "plainshop"]


def _answer(product: Any) -> dict[str, Any]:
    """Everything a page's reading stores (the candidates list is a diagnosis, not stored)."""
    data = product.to_dict(full=True)
    data.pop("candidates")
    return dict(data)


@pytest.mark.slow
def test_every_demo_page_reads_the_same_whatever_was_learned() -> None:
    day = 5  # a sale runs: old prices, promotions and stock changes are on the pages
    with start_shops(day=day, shops=SHOPS) as shops:
        config = parse_competitors(competitors_yaml(shops.base_urls, enabled=SHOPS))
        today = day_date(day)
        differences: list[str] = []
        pages = 0
        for shop in SHOPS:
            competitor = config.get(shop)
            for listing in site_for(shop).listings:
                url = shops.base_urls[shop].rstrip("/") + listing.path
                with urllib.request.urlopen(url, timeout=10) as answer:
                    body = answer.read()
                first = _answer(extract(body, url, hints_for(competitor, None), today=today))
                pages += 1
                for prefer in STRATEGY_NAMES:
                    learned = _answer(extract(body, url, hints_for(competitor, prefer),
                                              today=today))
                    if learned != first:
                        diff = {k: (v, learned[k]) for k, v in first.items() if v != learned[k]}
                        differences.append(f"{shop} {listing.path} prefer={prefer}: {diff}")
    assert pages > 900
    assert not differences, differences[:5]


def _stored(db_url: str, run_id: int) -> dict[Any, Any]:
    out = {}
    for key, s in stored_for_run(make_engine(db_url), run_id).items():
        o = s.observation
        out[key] = (o.status, o.price, o.regular_price, o.currency, o.availability,
                    o.shipping_cost, o.free_shipping_threshold, o.warranty_months,
                    o.returns_days, json.dumps(o.promotions, sort_keys=True),
                    round(o.confidence or 0, 6), s.listing.title, s.listing.sku)
    return out


@pytest.mark.slow
def test_a_second_crawl_of_an_unchanged_shop_stores_the_same(tmp_path: Path) -> None:
    shops_crawled = ["woostore", "jsonshop"]
    at = datetime.combine(day_date(5), time(3), UTC)
    with start_shops(day=5, shops=shops_crawled) as shops:
        path = write_competitors(tmp_path, shops.base_urls, shops_crawled)
        db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
        first = crawl(path, shops_crawled, db_url, now=at)
        second = crawl(path, shops_crawled, db_url, now=at + timedelta(hours=1))
        base_urls = dict(shops.base_urls)
    for summary in first:  # a sale runs on woostore: every regular price right at once
        found = mismatches(truth(summary.competitor, 5),
                           stored_for_run(make_engine(db_url), summary.crawl_run_id or 0),
                           base_urls[summary.competitor])
        assert not found, (summary.competitor, found[:3])
    for one, two in zip(first, second, strict=True):
        assert one.status == two.status == "finished", (one.error, two.error)
        assert one.stats["prefer_at_start"] is None and two.stats["prefer_at_start"]
        a, b = _stored(db_url, one.crawl_run_id or 0), _stored(db_url, two.crawl_run_id or 0)
        assert len(a) == len(b) > 100
        differ = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
        assert not differ, (one.competitor, list(differ.items())[:3])
