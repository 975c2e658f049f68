"""The simulation's own comparison events (`demo.shops.truth.market_events`): the scripted
undercuts and fake discounts show up as the events they are, on their day."""

from __future__ import annotations

from decimal import Decimal

from demo.shops import truth
from demo.shops.assortment import our_items
from demo.shops.catalog import catalog_links, catalog_rows
from demo.shops.simulation import scripted_events
from demo.shops.truth import landed, market_events, our_landed

SHOPS = ("jsonshop", "woostore", "shopifyish", "plainshop")
DAYS = 12


def _key(pid: int) -> str:
    return next(i.product for i in our_items() if i.product.pid == pid).key


def _sku(pid: int) -> str:
    return catalog_links()[_key(pid)][0]


def test_landed_adds_shipping_below_the_threshold_only() -> None:
    page = next(p for p in truth("woostore", 0) if p.fault is None and p.price is not None)
    assert page.free_shipping_threshold is not None and page.shipping_cost is not None
    cheap = page.__class__(**{**page.__dict__, "price": Decimal("10.00")})
    dear = page.__class__(**{**page.__dict__, "price": page.free_shipping_threshold})
    assert landed(cheap) == Decimal("10.00") + page.shipping_cost
    assert landed(dear) == page.free_shipping_threshold


def test_scripted_events_are_true_market_events() -> None:
    events = market_events(SHOPS, DAYS)
    found = {(e.kind, e.sku, e.day) for e in events}
    pages = {(e.kind, e.sku, e.day): e.pages for e in events}
    scripted = [s for s in scripted_events() if s.shop in SHOPS and s.start < DAYS]
    fakes = [s for s in scripted if s.kind == "fake_discount"]
    assert fakes
    for s in fakes:  # a 'was' price 30 % above a price that has not moved
        key = ("fake_discount", _sku(s.pid), s.start)
        assert key in found, key
        assert pages[key][0][0] == s.shop
    ours = {row["sku"]: row for row in catalog_rows()}
    checked = 0
    for s in (s for s in scripted if s.kind == "undercut"):
        # the shop cuts to 12 % under our price for good; where that is under our landed
        # price too, we are undercut from that day on and never told it ended
        sku = _sku(s.pid)
        page = next(p for p in truth(s.shop, s.start) if p.product_key == _key(s.pid))
        if landed(page) >= our_landed(ours[sku]):
            continue  # their shipping eats the cut: no undercut to expect
        checked += 1
        story = sorted((e.day, e.kind) for e in events
                       if e.sku == sku and e.kind.endswith("undercut") and e.day <= s.start)
        if story:
            assert story[-1][1] == "became_undercut", (s, story)
        else:  # undercut from the first day on: some page was cheaper already on day 0
            day0 = [landed(p) for shop in SHOPS for p in truth(shop, 0)
                    if p.product_key == _key(s.pid) and p.price is not None
                    and p.availability in ("InStock", "LimitedAvailability")]
            assert min(day0) < our_landed(ours[sku]), s
        assert not [e for e in events if e.sku == sku and e.kind == "no_longer_undercut"
                    and e.day > s.start], s
    assert checked


def test_limiting_to_known_pages_removes_their_events() -> None:
    everything = market_events(SHOPS, DAYS)
    assert everything
    none_known = market_events(SHOPS, DAYS, linked=set())
    assert none_known == []
    first = everything[0]
    shop, path = first.pages[0]
    only_that = market_events(SHOPS, DAYS, linked={(shop, path, first.sku)})
    assert only_that and all(e.pages == ((shop, path),) or e.kind.endswith("undercut")
                             for e in only_that)
    assert all(e.sku == first.sku for e in only_that)
