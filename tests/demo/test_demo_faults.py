"""Fault modes answer as documented in demo.shops.faults (troubleshop and switchable)."""

from __future__ import annotations

import json
import urllib.robotparser

import pytest
from demo_http import fetch
from parsel import Selector

from demo.shops import TROUBLE_DRIFT_DAY, Faults, ShopsHandle, truth
from demo.shops.faults import FaultConfigError


def _by_fault(day: int = 0) -> dict[str | None, list[str]]:
    groups: dict[str | None, list[str]] = {}
    for item in truth("troubleshop", day):
        groups.setdefault(item.fault, []).append(item.path)
    return groups


def _has_price(html: str) -> bool:
    sel = Selector(text=html)
    ld = "".join(sel.css('script[type="application/ld+json"]::text').getall())
    return '"offers"' in ld or bool(sel.css(".price-current"))


def test_troubleshop_has_every_fault_and_good_pages() -> None:
    groups = _by_fault()
    assert set(groups) == {None, "server_error", "captcha", "rate_limit", "redirect_loop",
                           "robots_disallowed"}
    assert len(groups[None]) >= 15
    assert all(p.startswith("/private/") for p in groups["robots_disallowed"])
    statuses = {i.fault: i.expected_status for i in truth("troubleshop", 0)}
    assert statuses == {None: "ok", "server_error": "error", "captcha": "blocked",
                        "rate_limit": "blocked", "redirect_loop": "error",
                        "robots_disallowed": "not_crawled"}


def test_troubleshop_answers_each_fault(shops: ShopsHandle) -> None:
    base = shops.base_urls["troubleshop"].rstrip("/")
    groups = _by_fault()
    for path in groups[None]:
        page = fetch(base + path)
        assert page.status == 200 and _has_price(page.text)
    for path in groups["server_error"]:
        assert fetch(base + path).status == 500
    for path in groups["rate_limit"]:
        page = fetch(base + path)
        assert page.status == 429 and page.headers["Retry-After"] == "1"
    for path in groups["captcha"]:
        page = fetch(base + path)
        assert page.status == 200 and 'id="captcha-form"' in page.text
        assert not _has_price(page.text)
    for path in groups["redirect_loop"]:
        hops = []
        url = base + path
        for _ in range(6):
            page = fetch(url, follow=False)
            assert page.status == 302
            url = base + page.headers["Location"]
            hops.append(page.headers["Location"].split("?")[0])
        assert hops[1:] == ["/loop/b", "/loop/a"] * 2 + ["/loop/b"]
        with pytest.raises(Exception, match="redirect"):
            import urllib.request

            urllib.request.urlopen(base + path, timeout=10)


def test_troubleshop_robots_disallow_the_private_section(shops: ShopsHandle) -> None:
    base = shops.base_urls["troubleshop"]
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(fetch(base + "robots.txt").text.splitlines())
    for item in truth("troubleshop", 0):
        allowed = robots.can_fetch("pricewatch", item.url(base))
        assert allowed == (item.fault != "robots_disallowed"), item.path
    sitemap = fetch(base + "sitemap.xml").text
    assert all(item.url(base) in sitemap for item in truth("troubleshop", 0))


def test_troubleshop_price_blocks_vanish_from_the_drift_day(fresh_shops: ShopsHandle) -> None:
    base = fresh_shops.base_urls["troubleshop"].rstrip("/")
    good = _by_fault(0)[None]
    assert all(_has_price(fetch(base + p).text) for p in good)
    fresh_shops.set_day(TROUBLE_DRIFT_DAY)
    drift = set(_by_fault(TROUBLE_DRIFT_DAY).get("drift", []))
    assert len(drift) >= 0.6 * len(good)
    for path in good:
        page = fetch(base + path)
        assert page.status == 200
        assert _has_price(page.text) == (path not in drift)
        assert "<h1" in page.text  # the page is still there, only the price block is gone


def test_any_shop_can_be_switched_into_fault_modes_over_http(fresh_shops: ShopsHandle) -> None:
    base = fresh_shops.base_urls["jsonshop"]
    item = truth("jsonshop", 0)[0]
    control = base + "__control/fault"
    assert json.loads(fetch(control).body)["rate_limit"] is False
    assert fetch(control, data=b'{"rate_limit": true}').status == 200
    page = fetch(item.url(base))
    assert page.status == 429 and page.headers["Retry-After"]
    assert fetch(base + "robots.txt").status == 200
    fetch(control, data=b'{"captcha": true}')
    page = fetch(item.url(base))
    assert page.status == 200 and "captcha-form" in page.text
    fetch(control, data=b'{"server_error": 1.0}')
    assert fetch(item.url(base)).status == 500
    assert fetch(base + "sitemap.xml").status == 200  # only product pages fail
    fetch(control, data=b'{"redirect_loop": true}')
    assert fetch(item.url(base), follow=False).status == 302
    fetch(control, data=b'{"disallow": ["/p/"]}')
    assert "Disallow: /p/" in fetch(base + "robots.txt").text
    faults = Faults(disallow=("/p/",))
    assert {i.fault for i in truth("jsonshop", 0, faults=faults)} == {"robots_disallowed"}
    fetch(control, data=b'{"drift_from_day": 0, "drift_share": 1.0}')
    assert not _has_price(fetch(item.url(base)).text)
    assert all(i.price is None for i in fresh_shops.truth("jsonshop"))
    fetch(control, data=b"{}")
    assert _has_price(fetch(item.url(base)).text)
    other = fetch(control, data=b'{"shop": "woostore", "captcha": true}')
    assert json.loads(other.body)["captcha"] is True
    assert "captcha-form" in fetch(fresh_shops.base_urls["woostore"]).text


@pytest.mark.parametrize("body", [b'{"nope": true}', b'{"rate_limit": "yes"}',
                                  b'{"server_error": 2}', b"not json", b'{"shop": "nosuch"}',
                                  b'{"disallow": "p"}'])
def test_bad_fault_requests_are_refused_with_a_reason(shops: ShopsHandle, body: bytes) -> None:
    answer = fetch(shops.base_urls["jsonshop"] + "__control/fault", data=body)
    assert answer.status == 400 and answer.text.strip()


def test_faults_from_json_names_the_bad_key() -> None:
    with pytest.raises(FaultConfigError, match="unknown fault mode"):
        Faults.from_json({"teapot": True})
    assert Faults.from_json({"drift_from_day": 2}).drift_from_day == 2


def test_in_process_faults_and_truth_follow(fresh_shops: ShopsHandle) -> None:
    fresh_shops.set_faults("plainshop", Faults(server_error=0.5))
    items = fresh_shops.truth("plainshop")
    failing = [i for i in items if i.fault == "server_error"]
    assert 0.3 * len(items) < len(failing) < 0.7 * len(items)
    base = fresh_shops.base_urls["plainshop"]
    for item in items[:40]:
        assert (fetch(item.url(base)).status == 500) == (item.fault == "server_error")
