"""Simulated days: state is a pure function of (seed, day); days change prices, promotions,
stock; the scripted events happen; the day can be set over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

from demo_http import fetch
from parsel import Selector

from demo.shops import DAY0, ShopsHandle, day_date, truth
from demo.shops.assortment import our_items
from demo.shops.catalog import our_price
from demo.shops.simulation import FOREVER, in_currency, scripted_events
from demo.shops.universe import build_universe

DEMO_DAYS = 14


def _prices(shop: str, day: int) -> dict[str, Decimal | None]:
    return {item.path: item.price for item in truth(shop, day)}


def _jsonld_price(html: str) -> Decimal:
    for raw in Selector(text=html).css('script[type="application/ld+json"]::text').getall():
        data = json.loads(raw)
        for node in data.get("@graph", [data]):
            if node.get("@type") == "Product":
                offer = node["offers"]
                return Decimal(offer.get("price") or offer["lowPrice"])
    raise AssertionError("no Product JSON-LD")


def test_truth_is_the_same_in_another_process() -> None:
    code = (
        "from demo.shops import truth; import hashlib;"
        "print(hashlib.sha256(repr(truth('woostore', 5)).encode()).hexdigest())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import hashlib

    assert out.stdout.strip() == hashlib.sha256(repr(truth("woostore", 5)).encode()).hexdigest()


def test_a_different_seed_gives_a_different_world() -> None:
    assert _prices("jsonshop", 0) != {i.path: i.price for i in truth("jsonshop", 0, seed=7)}


def test_each_day_changes_some_prices_but_not_most() -> None:
    for shop in ("jsonshop", "woostore", "shopifyish", "plainshop", "jsshop"):
        previous = _prices(shop, 0)
        for day in range(1, DEMO_DAYS):
            current = _prices(shop, day)
            changed = sum(previous[p] != current[p] for p in current)
            assert 0 < changed < len(current) / 2, (shop, day, changed)
            previous = current


def test_promotions_start_and_end_and_stock_moves_over_the_demo_fortnight() -> None:
    started = ended = stock_outs = restocks = 0
    for shop in ("jsonshop", "woostore", "shopifyish", "plainshop", "jsshop"):
        before = {i.path: i for i in truth(shop, 0)}
        for day in range(1, DEMO_DAYS):
            now = {i.path: i for i in truth(shop, day)}
            for path, item in now.items():
                was = before[path]
                sale_now, sale_was = item.regular_price is not None, was.regular_price is not None
                started += sale_now and not sale_was
                ended += sale_was and not sale_now
                stock_outs += item.availability == "OutOfStock" != was.availability
                restocks += was.availability == "OutOfStock" != item.availability
            before = now
    assert started > 20 and ended > 20 and stock_outs > 5 and restocks > 5


def test_validity_dates_match_the_promotion_end() -> None:
    for shop in ("jsonshop", "woostore"):
        for day in (0, 3):
            for item in truth(shop, day):
                for promo in item.promotions:
                    if promo.valid_until is not None:
                        assert promo.valid_until >= day_date(day)
                        after = truth(shop, (promo.valid_until - DAY0).days + 1)
                        later = next(i for i in after if i.path == item.path)
                        assert promo not in later.promotions or promo.kind == "instalments"


def test_scripted_undercut_promo_stock_out_and_fake_discount() -> None:
    universe = build_universe()
    events = scripted_events()
    kinds = {e.kind for e in events}
    assert kinds == {"undercut", "promo", "stock_out", "fake_discount"}
    for event in events:
        product = universe[event.pid]
        key_items = {i.product_key: i for i in truth(event.shop, event.start)}
        during = key_items[product.key]
        before = {i.product_key: i for i in truth(event.shop, event.start - 1)}[product.key]
        if event.kind == "undercut":
            ours = our_price(product)  # both in euros
            assert during.currency == "EUR"
            assert during.price is not None and during.price < ours
        elif event.kind == "promo":
            assert during.regular_price is not None
            assert any(p.kind == "percent_off" and p.value == 20 for p in during.promotions)
            after = {i.product_key: i for i in truth(event.shop, event.end + 1)}[product.key]
            assert not any(p.kind == "percent_off" and p.value == 20 for p in after.promotions
                           if p.valid_until == day_date(event.end))
        elif event.kind == "stock_out":
            assert during.availability == "OutOfStock"
        else:
            assert event.end == FOREVER and during.fake_discount
            assert during.regular_price is not None and during.price is not None
            low = min(
                i.price for d in range(max(0, event.start - 30), event.start)
                for i in truth(event.shop, d) if i.product_key == product.key and i.price
            )
            assert during.regular_price > low
            assert before.fake_discount is False


def test_our_catalog_items_are_undercut_somewhere() -> None:
    ours = {item.product.key: our_price(item.product) for item in our_items()}
    cheaper = {i.product_key for i in truth("jsonshop", 3)
               if i.product_key in ours and i.price is not None and i.price < ours[i.product_key]}
    assert len(cheaper) >= 4


def test_day_set_over_http_changes_the_pages(fresh_shops: ShopsHandle) -> None:
    base = fresh_shops.base_urls["jsonshop"]
    day0, day6 = _prices("jsonshop", 0), _prices("jsonshop", 6)
    path = next(p for p in day0 if day0[p] != day6[p])
    shown0 = in_currency(day0[path] or Decimal(0), "EUR", "BGN")  # day 0: leva only
    assert _jsonld_price(fetch(base.rstrip("/") + path).text) == shown0
    answer = fetch(fresh_shops.base_urls["plainshop"] + "__control/day", data=b"6")
    assert answer.status == 200 and answer.text.strip() == "6"
    assert fresh_shops.day == 6
    assert _jsonld_price(fetch(base.rstrip("/") + path).text) == day6[path]
    assert fetch(base + "__control/day").text.strip() == "6"
    assert fetch(base + "__control/day", data=b"-1").status == 400
    assert fetch(base + "__control/day", data=b"abc").status == 400


def test_set_day_in_process(fresh_shops: ShopsHandle) -> None:
    fresh_shops.set_day(4)
    base = fresh_shops.base_urls["woostore"]
    data = json.loads(fetch(f"{base}wp-json/wc/store/v1/products?per_page=100").body)
    by_path = {i.path: i for i in truth("woostore", 4)}
    for product in data:
        item = by_path[product["permalink"][len(base) - 1:]]
        assert Decimal(product["prices"]["price"]) / 100 == item.price


def test_prices_stay_sane_for_a_month() -> None:
    for shop in ("jsonshop", "woostore", "shopifyish", "plainshop", "jsshop", "troubleshop"):
        for day in range(31):
            for item in truth(shop, day):
                if item.price is None:
                    continue
                assert item.price > 0, (shop, day, item.path)
                assert item.price == item.price.quantize(Decimal("0.01"))
                if item.regular_price is not None:
                    assert item.regular_price > item.price, (shop, day, item.path)


def test_jsonshop_moves_from_leva_to_euros_at_the_fixed_rate(fresh_shops: ShopsHandle) -> None:
    """Until day 4 jsonshop shows leva only, from day 5 euros: the same prices (a crawl
    stores euros on both sides of the switch, so the truth does not jump)."""
    base = fresh_shops.base_urls["jsonshop"].rstrip("/")
    day4 = {i.path: i for i in truth("jsonshop", 4)}
    day5 = {i.path: i for i in truth("jsonshop", 5)}
    assert {i.shown_currency for i in day4.values()} == {"BGN"}
    assert {i.shown_currency for i in day5.values()} == {None}
    assert {i.currency for i in (*day4.values(), *day5.values())} == {"EUR"}
    same = [p for p in day4 if day4[p].price == day5[p].price and day4[p].price is not None]
    assert len(same) > len(day4) // 2
    path = same[0]
    fresh_shops.set_day(4)
    leva = fetch(base + path).text
    fresh_shops.set_day(5)
    euro = fetch(base + path).text
    price = day4[path].price or Decimal(0)
    assert _jsonld_price(leva) == in_currency(price, "EUR", "BGN") and "лв." in leva
    assert '"priceCurrency": "BGN"' in leva and '"priceCurrency": "EUR"' in euro
    assert _jsonld_price(euro) == price and "лв." not in euro
