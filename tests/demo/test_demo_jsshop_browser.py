"""jsshop's prices appear only in a real browser (Debian's Chromium, --dump-dom)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from demo_http import fetch, money_text
from parsel import Selector

from demo.shops import ShopsHandle, truth

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _dump_dom(url: str) -> str:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--virtual-time-budget=5000", "--dump-dom", url],
        capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-1000:]
    return result.stdout


@pytest.mark.chromium
def test_chromium_sees_the_price_that_plain_html_lacks(shops: ShopsHandle) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is required in CI")
        pytest.skip("Debian's chromium is not installed")
    items = truth("jsshop", 0)
    item = next(i for i in items if i.regular_price is not None and i.promotions)
    url = item.url(shops.base_urls["jsshop"])
    raw = Selector(text=fetch(url).text)
    assert not raw.css("#price-box .price-now::text").get()
    dom = Selector(text=_dump_dom(url))
    assert dom.css("body::attr(data-price-ready)").get() == "1"
    assert money_text(dom.css("#price-box .price-now::text").get("")) == item.price
    assert money_text(dom.css("#price-box .price-old::text").get("")) == item.regular_price
    shown = dom.css("#promos li.promo")
    assert len(shown) == len([p for p in item.promotions if not p.threshold])
    ld = json.loads(dom.css('script[type="application/ld+json"]::text').get(""))
    assert Decimal(ld["offers"]["price"]) == item.price
    assert ld["offers"]["availability"].endswith(str(item.availability))
