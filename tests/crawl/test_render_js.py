"""The JavaScript shop: product pages rendered by Debian's Chromium (scrapy-playwright),
sitemaps and robots.txt fetched without the browser; values checked against the truth."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from demo.shops import start_shops, truth
from demo.shops.config import competitors_data
from spiders.rendering import check_chromium
from storage.db import make_engine

from .support import crawl, mismatches, stored_for_run

PAGES = 12

pytestmark = pytest.mark.chromium


@pytest.fixture(scope="module")
def chromium() -> None:
    problem = check_chromium()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}; under CI=true the browser test must run")
    pytest.skip(problem)


@pytest.mark.parametrize("wait", ["selector", "network-idle"])
def test_js_shop_is_rendered_through_chromium(chromium: None, tmp_path: Path, wait: str) -> None:
    """Both ways of knowing a page is drawn: the shop's ready marker (render_wait_for) and,
    without one, the network falling idle."""
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    with start_shops(day=0, shops=["jsshop"]) as shops:
        data = competitors_data(shops.base_urls, enabled=["jsshop"])
        entry = data["competitors"][0]
        assert entry["render_js"] is True
        assert entry["render_wait_for"] == "body[data-price-ready]"
        if wait == "network-idle":
            del entry["render_wait_for"]
        entry["discovery"]["max_pages"] = PAGES
        path = tmp_path / "competitors.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        [summary] = crawl(path, ["jsshop"], db_url)
        base = shops.base_urls["jsshop"]
    assert summary.status == "truncated", summary.error  # max_pages = PAGES left some out
    assert summary.stats["pages_left"] > 0
    assert summary.counts == {"ok": PAGES}, summary.stats.get("failures")
    assert summary.stats["rendered_js"] is True
    engine = make_engine(db_url)
    stored = stored_for_run(engine, summary.crawl_run_id or 0)
    crawled = {url for url, _ in stored}
    expected = [t for t in truth("jsshop", 0) if t.url(base) in crawled]
    assert len(expected) == PAGES
    assert all(t.price is not None for t in expected)
    problems = mismatches(expected, stored, base)
    assert not problems, problems[:5]
    engine.dispose()


def test_js_shop_without_the_browser_has_no_prices() -> None:
    """The control: the raw HTML of the JS shop shows no price, so the test above really
    needs the browser (reading the page without it would not pass)."""
    import urllib.request

    from spiders.extraction import ExtractionHints, extract

    with start_shops(day=0, shops=["jsshop"]) as shops:
        item = truth("jsshop", 0)[0]
        body = urllib.request.urlopen(item.url(shops.base_urls["jsshop"]), timeout=10).read()
    product = extract(body, item.url("http://127.0.0.1/"), ExtractionHints(currency="BGN"))
    assert product.price != item.price
