"""`run_alerts` on real SQLite and PostgreSQL: every event kind, the quarantine/blocked rule,
dedupe across repeated runs and replays, policy gating and the digest queued in the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from monitor.alerts import AlertSettings, run_alerts
from monitor.alerts.settings import EventKind
from monitor.alerts.text import headline
from storage.models import Alert, Observation, OutboxMessage

from .support import World, night

HOOK = {"channels": {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/hook"},
                     "ops": {"type": "webhook", "url": "http://127.0.0.1:9/ops"}},
        "business_channels": ["hook"], "operations_channels": ["ops"]}


def settings(**extra: object) -> AlertSettings:
    return AlertSettings.model_validate({**HOOK, **extra})


class Shop:
    """One competitor with one listing matched to one product of ours."""

    def __init__(self, engine: Engine) -> None:
        self.w = World(engine)
        self.comp = self.w.competitor("shop-a")
        self.product = self.w.product("SKU-1", "100.00", name="Kettle 1.7l", priority=2)
        self.listing = self.w.listing(self.comp, "kettle", title="Acme Kettle")
        self.w.match(self.product, self.listing)


def alerts(engine: Engine) -> list[Alert]:
    with engine.connect() as conn:
        return list(conn.execute(select(Alert).order_by(Alert.id)).all())


def outbox(engine: Engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def price_drop(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00")
    s.w.observe(s.listing, 1, "90.00")
    return {}


def price_rise(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00")
    s.w.observe(s.listing, 1, "120.00")
    return {}


def promotion_started(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00")
    s.w.observe(s.listing, 1, "100.00", promotions=[{"kind": "coupon", "code": "NOV5", "value": Decimal("5.00")}])
    return {}


def promotion_changed(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00", promotions=[{"kind": "percent_off", "value": Decimal("10")}])
    s.w.observe(s.listing, 1, "100.00", promotions=[{"kind": "percent_off", "value": Decimal("20")}])
    return {}


def promotion_ended(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "80.00", regular="100.00", promotions=[{"kind": "badge", "text": "Sale"}])
    s.w.observe(s.listing, 1, "100.00")  # the markdown ended: no 25% "price rise" as well
    return {}


def terms_changed(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00", warranty_months=24)
    s.w.observe(s.listing, 1, "100.00", warranty_months=12)
    return {}


def map_violation(s: Shop) -> dict:
    s.w.compare_run(0)
    run = s.w.compare_run(1)
    s.w.finding(run, s.product, s.comp, s.listing, "map_violation", reason="advertised below the MAP")
    return {"compare_run_id": run}


def listing_gone(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00")
    s.w.observe(s.listing, 1, None, status="not_found")
    with s.w.engine.begin() as conn:
        conn.execute(Observation.__table__.update().values(reason="HTTP 410: product gone")
                     .where(Observation.__table__.c.status == "not_found"))
    return {"crawl_run_ids": [s.w.runs[(s.comp, 1)]]}


def needs_a_look(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00")
    s.w.observe(s.listing, 1, "60.00", extractor="heuristic")
    return {}


def out_of_stock(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00")
    s.w.observe(s.listing, 1, "100.00", availability="OutOfStock")
    return {}


def back_in_stock(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00", availability="OutOfStock")
    s.w.observe(s.listing, 1, "100.00", availability="InStock")
    return {}


def became_undercut(s: Shop) -> dict:
    s.w.compare_run(0)
    run = s.w.compare_run(1)
    s.w.finding(run, s.product, s.comp, s.listing, "undercut", impact="40.00")
    return {"compare_run_id": run}


def no_longer_undercut(s: Shop) -> dict:
    first = s.w.compare_run(0)
    s.w.finding(first, s.product, s.comp, s.listing, "undercut")
    return {"compare_run_id": s.w.compare_run(1)}


def fake_discount(s: Shop) -> dict:
    s.w.compare_run(0)
    run = s.w.compare_run(1)
    s.w.finding(run, s.product, s.comp, s.listing, "fake_discount", reason="'was 150' never charged")
    return {"compare_run_id": run}


def new_match(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00")  # the competitor's first crawl: its old assortment
    fresh = s.w.listing(s.comp, "kettle-2", title="Acme Kettle II", first_seen=night(1))
    s.w.match(s.product, fresh, created_at=night(1))
    s.w.observe(fresh, 1, "95.00")
    s.w.observe(s.listing, 1, "100.00")
    return {}


def crawl_suspect(s: Shop) -> dict:
    s.w.observe(s.listing, 0, "100.00")
    s.w.crawl_run(s.comp, 1, suspect=True, reason="yield fell from 120 to 3 pages")
    return {}


SCENARIOS: dict[EventKind, Callable[[Shop], dict]] = {
    EventKind.price_drop: price_drop, EventKind.price_rise: price_rise,
    EventKind.promotion_started: promotion_started, EventKind.promotion_changed: promotion_changed,
    EventKind.promotion_ended: promotion_ended, EventKind.out_of_stock: out_of_stock,
    EventKind.back_in_stock: back_in_stock, EventKind.became_undercut: became_undercut,
    EventKind.no_longer_undercut: no_longer_undercut, EventKind.fake_discount: fake_discount,
    EventKind.new_match: new_match, EventKind.crawl_suspect: crawl_suspect,
    EventKind.terms_changed: terms_changed, EventKind.map_violation: map_violation,
    EventKind.listing_gone: listing_gone, EventKind.needs_a_look: needs_a_look,
}
OPERATIONS = {EventKind.crawl_suspect, EventKind.needs_a_look}


def test_every_event_kind_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(EventKind)


@pytest.mark.parametrize("kind", list(SCENARIOS), ids=str)
def test_each_event_kind_alerts_once(sqlite_engine: Engine, kind: EventKind) -> None:
    shop = Shop(sqlite_engine)
    kwargs = SCENARIOS[kind](shop)
    now = night(1) + timedelta(hours=1)
    result = run_alerts(sqlite_engine, settings(), now=now, **kwargs)
    assert result.by_kind == {kind.value: 1}
    [alert] = alerts(sqlite_engine)
    assert alert.kind == kind.value
    assert alert.audience == ("operations" if kind in OPERATIONS else "business")
    [message] = outbox(sqlite_engine)
    assert message.channel == ("ops" if kind in OPERATIONS else "hook")
    assert message.alert_ids == [alert.id]
    assert alert.delivered == {message.channel: "queued"}
    again = run_alerts(sqlite_engine, settings(), now=now + timedelta(minutes=5), **kwargs)
    # a gone listing is inactive after the first run: not even a duplicate the second time
    assert (again.created, again.duplicates, again.messages_queued) == (
        0, 0 if kind == EventKind.listing_gone else 1, 0)
    assert len(alerts(sqlite_engine)) == 1 and len(outbox(sqlite_engine)) == 1


@pytest.mark.parametrize("status", ["quarantined", "blocked", "parse_failed", "not_found"])
def test_bad_observations_never_alert(engine: Engine, status: str) -> None:
    shop = Shop(engine)
    shop.w.observe(shop.listing, 0, "100.00")
    shop.w.observe(shop.listing, 1, "10.00" if status != "not_found" else None, status=status,
                   availability="OutOfStock", promotions=[{"kind": "badge", "text": "-90%!"}])
    run1 = shop.w.runs[(shop.comp, 1)]
    for kwargs in ({"crawl_run_ids": [run1]}, {}):
        result = run_alerts(engine, settings(), now=night(1) + timedelta(hours=1), **kwargs)
        assert result.created == 0, kwargs
    assert alerts(engine) == []


@pytest.mark.parametrize("status", ["quarantined", "blocked"])
def test_bad_observation_between_good_ones_is_skipped(engine: Engine, status: str) -> None:
    """The good reading after a glitch is compared with the good one before it."""
    shop = Shop(engine)
    shop.w.observe(shop.listing, 0, "100.00")
    shop.w.observe(shop.listing, 1, "1.00", status=status)
    shop.w.observe(shop.listing, 2, "100.00")
    assert run_alerts(engine, settings(), now=night(2)).created == 0
    shop.w.observe(shop.listing, 3, "80.00")
    result = run_alerts(engine, settings(), now=night(3))
    assert result.by_kind == {"price_drop": 1}
    [alert] = alerts(engine)
    assert alert.payload["details"]["old_price"] == "100.00"
    assert alert.payload["details"]["new_price"] == "80.00"


def test_same_night_twice_and_replay_never_alert_twice(engine: Engine) -> None:
    shop = Shop(engine)
    other = shop.w.listing(shop.comp, "mug", title="Mug")
    shop.w.match(shop.w.product("SKU-2", "10.00"), other)
    for n, (kettle, mug) in enumerate([("100.00", "10.00"), ("90.00", "10.00"), ("90.00", "8.00")]):
        shop.w.observe(shop.listing, n, kettle)
        shop.w.observe(other, n, mug)
    runs = {n: shop.w.runs[(shop.comp, n)] for n in range(3)}
    first = run_alerts(engine, settings(), now=night(1), crawl_run_ids=[runs[1]])
    assert first.by_kind == {"price_drop": 1}
    twice = run_alerts(engine, settings(), now=night(1), crawl_run_ids=[runs[1]])
    assert (twice.created, twice.duplicates) == (0, 1)
    third = run_alerts(engine, settings(), now=night(2), crawl_run_ids=[runs[2]])
    assert third.by_kind == {"price_drop": 1}  # the mug, now
    replay = run_alerts(engine, settings(), now=night(5), crawl_run_ids=[runs[1]])
    assert (replay.created, replay.duplicates) == (0, 1)
    assert [a.payload["listing_id"] for a in alerts(engine)] == [shop.listing, other]
    assert len(outbox(engine)) == 2


def test_debounce_holds_back_a_flapping_stock_flag(engine: Engine) -> None:
    shop = Shop(engine)
    policy = settings(defaults={"debounce": 2})
    for n, flag in enumerate(["InStock", "OutOfStock", "InStock", "OutOfStock", "InStock"]):
        shop.w.observe(shop.listing, n, "100.00", availability=flag)
        assert run_alerts(engine, policy, now=night(n)).created == 0, n
    shop.w.observe(shop.listing, 5, "100.00", availability="OutOfStock")
    assert run_alerts(engine, policy, now=night(5)).created == 0
    shop.w.observe(shop.listing, 6, "100.00", availability="OutOfStock")
    assert run_alerts(engine, policy, now=night(6)).by_kind == {"out_of_stock": 1}


def test_policy_gates_by_priority_scope_and_mute(engine: Engine) -> None:
    shop = Shop(engine)  # SKU-1, priority 2, category kitchen
    low = shop.w.product("SKU-LOW", "50.00", priority=1, category="garden")
    low_listing = shop.w.listing(shop.comp, "hose")
    shop.w.match(low, low_listing)
    low_drop = shop.w.listing(shop.comp, "rake")
    shop.w.match(shop.w.product("SKU-RAKE", "50.00", priority=1, category="garden"), low_drop)
    shop.w.observe(shop.listing, 0, "100.00")
    shop.w.observe(shop.listing, 1, "97.00")
    shop.w.observe(low_listing, 0, "40.00", regular="50.00",
                   promotions=[{"kind": "percent_off", "value": "20", "text": "-20%"}])
    shop.w.observe(low_listing, 1, "50.00")
    shop.w.observe(low_drop, 0, "50.00")
    shop.w.observe(low_drop, 1, "40.00")
    policy = settings(policies=[
        {"scope": "all", "min_priority": 2},
        {"scope": "category", "name": "kitchen", "price_change_pct": 2},
        {"scope": "competitor", "name": "shop-a", "mute": ["promotion_ended"]},
    ])
    result = run_alerts(engine, policy, now=night(1))
    assert result.by_kind == {"price_drop": 1}  # the kettle moved 3% >= its category's 2%
    # the hose: its ended promotion muted (checked first); the rake's drop below min priority
    assert result.suppressed == {"below_min_priority": 1, "muted": 1}


def test_confirmed_and_rejected_matches(engine: Engine) -> None:
    shop = Shop(engine)
    rejected = shop.w.listing(shop.comp, "other")
    shop.w.match(shop.w.product("SKU-R", "100.00"), rejected, status="rejected", confidence=0.99)
    weak = shop.w.listing(shop.comp, "weak")
    shop.w.match(shop.w.product("SKU-W", "100.00"), weak, status="auto", confidence=0.5)
    for listing in (shop.listing, rejected, weak):
        shop.w.observe(listing, 0, "100.00")
        shop.w.observe(listing, 1, "50.00")
    result = run_alerts(engine, settings(min_match_confidence=0.8), now=night(1))
    assert result.created == 1
    assert alerts(engine)[0].payload["listing_id"] == shop.listing


def test_digest_ranks_by_impact_and_counts_the_rest(engine: Engine) -> None:
    shop = Shop(engine)
    drops = {"a": ("100.00", "95.00"), "b": ("100.00", "50.00"), "c": ("100.00", "80.00"),
             "d": ("100.00", "90.00")}
    for slug, (old, new) in drops.items():
        listing = shop.w.listing(shop.comp, slug, title=f"Item {slug}")
        shop.w.match(shop.w.product(f"SKU-{slug}", "100.00", name=f"Item {slug}"), listing)
        shop.w.observe(listing, 0, old)
        shop.w.observe(listing, 1, new)
    shop.w.crawl_run(shop.comp, 1, suspect=False)
    result = run_alerts(engine, settings(digest={"top": 2}), now=night(1))
    assert result.created == 4 and result.messages_queued == 1
    [message] = outbox(engine)
    body = message.body
    assert [i["product_name"] for i in body["items"]] == ["Item b", "Item c"]
    assert [i["impact"] for i in body["items"]] == ["50.00", "20.00"]
    assert body["rest_count"] == 2 and body["rest_by_kind"] == {"Price cut": 2}
    assert message.subject == "[pricewatch] Price cut: Item b at shop-a: €100.00 -> €50.00 (-50.0%) (+3 more)"
    assert body["chart"]["points"][-1][1] == "50.00"  # the top alert's price history


def test_quiet_hours_hold_the_message_until_they_end(engine: Engine) -> None:
    shop = Shop(engine)
    price_drop(shop)
    quiet = settings(defaults={"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Sofia"}})
    result = run_alerts(engine, quiet, now=night(1))  # 02:00 UTC = 04:00 in Sofia
    assert result.created == 1
    assert result.held_until == night(1).replace(hour=5)
    [message] = outbox(engine)
    assert message.next_attempt_at == night(1).replace(hour=5)


def test_no_channel_keeps_alerts_and_warns(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    shop = Shop(engine)
    price_drop(shop)
    result = run_alerts(engine, AlertSettings(), now=night(1))
    assert result.created == 1 and result.messages_queued == 0
    assert any("no business_channels configured" in w for w in result.warnings)
    assert "no business_channels configured" in caplog.text
    assert outbox(engine) == []


def test_lookback_ignores_old_observations(engine: Engine) -> None:
    shop = Shop(engine)
    price_drop(shop)
    assert run_alerts(engine, settings(lookback_days=3), now=night(30)).created == 0
    assert run_alerts(engine, settings(lookback_days=3), now=night(2)).created == 1


def test_undercut_is_one_story_per_product(engine: Engine) -> None:
    """A new cheapest competitor is not a new undercut; a promotion-only undercut is one."""
    shop = Shop(engine)
    other = shop.w.competitor("shop-b")
    other_listing = shop.w.listing(other, "kettle-b")
    shop.w.match(shop.product, other_listing)
    runs = [shop.w.compare_run(n) for n in range(5)]
    shop.w.finding(runs[1], shop.product, shop.comp, shop.listing, "promo_driven", their="95.00")
    shop.w.finding(runs[2], shop.product, other, other_listing, "undercut", their="90.00")
    shop.w.finding(runs[3], shop.product, shop.comp, shop.listing, "undercut", their="85.00")
    shop.w.finding(runs[3], shop.product, other, other_listing, "promo_driven", their="80.00")
    kinds = []
    for n, run in enumerate(runs):
        result = run_alerts(engine, settings(), now=night(n), compare_run_id=run)
        kinds.append(sorted(result.by_kind))
    assert kinds == [[], ["became_undercut"], [], [], ["no_longer_undercut"]]
    first, last = alerts(engine)
    assert first.payload["competitor"] == "shop-a" and first.payload["details"]["promo_driven"] is True
    assert first.payload["details"]["their_price"] == "95.00"
    assert last.payload["competitor"] == "shop-a"  # who undercut us last
    assert last.payload["details"]["previous_gap"] == "15.00"


def test_history_days_bounds_the_comparison(engine: Engine) -> None:
    shop = Shop(engine)
    shop.w.observe(shop.listing, 0, "100.00")
    shop.w.observe(shop.listing, 70, "80.00")  # nothing good in between (say, blocked for weeks)
    assert run_alerts(engine, settings(history_days=60), now=night(70)).created == 0
    assert run_alerts(engine, settings(history_days=90), now=night(70)).by_kind == {"price_drop": 1}


def test_failed_crawl_is_an_operations_alert(engine: Engine) -> None:
    shop = Shop(engine)
    run = shop.w.crawl_run(shop.comp, 1)
    from sqlalchemy import update

    from storage.models import CrawlRun

    with engine.begin() as conn:
        conn.execute(update(CrawlRun).where(CrawlRun.id == run).values(
            status="failed", error_summary="DNS <lookup> failed"))
    result = run_alerts(engine, settings(), now=night(1), crawl_run_ids=[run])
    assert result.by_kind == {"crawl_suspect": 1}
    [alert] = alerts(engine)
    assert alert.audience == "operations"
    assert alert.payload["details"]["reason"] == "the crawl failed: DNS <lookup> failed"
    [message] = outbox(engine)
    assert message.channel == "ops"


@pytest.mark.parametrize("extractor", ["heuristic", "jsonld"])
def test_an_undercut_from_a_price_read_another_way_needs_a_look(engine: Engine,
                                                                 extractor: str) -> None:
    """The comparison finds them cheaper only since their price was read by a text heuristic
    where structured data read it before (a "from" price taken for the price): operations'
    "needs a look", like the listing's own price move, never the business. Read the same
    way as before, the same undercut is told."""
    shop = Shop(engine)
    shop.w.observe(shop.listing, 0, "300.00")
    shop.w.observe(shop.listing, 1, "19.90", extractor=extractor)
    shop.w.compare_run(0)
    run = shop.w.compare_run(1)
    shop.w.finding(run, shop.product, shop.comp, shop.listing, "undercut", their="19.90")
    result = run_alerts(engine, settings(), now=night(1) + timedelta(hours=1), compare_run_id=run)
    kinds = {(a.kind, a.audience) for a in alerts(engine)}
    if extractor == "heuristic":
        assert kinds == {("needs_a_look", "operations")}, kinds
        held = {a.payload["details"]["held_kind"] for a in alerts(engine)}
        assert held == {"price_drop", "became_undercut"}, held
        assert result.held_back == {"the page changed structure": 2}
    else:
        assert ("became_undercut", "business") in kinds, kinds
        assert all(audience == "business" for _, audience in kinds), kinds


@pytest.mark.parametrize(("before", "now", "held"), [
    ("jsonld+variant", "jsonld+variant", True),   # another default variant's price
    ("jsonld", "jsonld+variant", True),           # the page became a variant page
    ("jsonld", "jsonld", False),                  # one offer, read alike: a real move
])
def test_a_variant_page_price_move_needs_a_look(engine: Engine, before: str, now: str,
                                                held: bool) -> None:
    """A page that sells several variants at different prices and whose URL names none
    stores the price it shows: 619 one night and 449 the next may be another default size,
    not a price drop. The move and the undercut it makes go to operations' "needs a look";
    read from a single offer, the same move is told to the business."""
    shop = Shop(engine)
    shop.w.observe(shop.listing, 0, "619.00", extractor=before)
    shop.w.observe(shop.listing, 1, "449.00", extractor=now)
    shop.w.compare_run(0)
    run = shop.w.compare_run(1)
    shop.w.finding(run, shop.product, shop.comp, shop.listing, "undercut", their="449.00")
    run_alerts(engine, settings(), now=night(1) + timedelta(hours=1), compare_run_id=run)
    kinds = {(a.kind, a.audience) for a in alerts(engine)}
    if held:
        assert kinds == {("needs_a_look", "operations")}, kinds
        details = [a.payload["details"] for a in alerts(engine)]
        assert {d["held_kind"] for d in details} == {"price_drop", "became_undercut"}, details
    else:
        assert ("became_undercut", "business") in kinds, kinds
        assert all(audience == "business" for _, audience in kinds), kinds


def test_a_later_step_of_the_night_corrects_what_no_longer_holds(engine: Engine) -> None:
    """Sold out at the night's first crawl (told: debounce 1), back at the second: the second
    alert step tells the correction once (back in stock, saying it corrects tonight's alert),
    a step or replay after it tells nothing, and a third crawl sold out again corrects the
    correction. A price cut told and the price back the same night is corrected the same
    way; an earlier alert that still holds is not."""
    shop = Shop(engine)
    cut = shop.w.listing(shop.comp, "mug", title="Mug")
    held = shop.w.listing(shop.comp, "pan", title="Pan")
    for sku, listing in (("SKU-2", cut), ("SKU-3", held)):
        shop.w.match(shop.w.product(sku, "50.00"), listing)
    at = {hours: night(1) + timedelta(hours=hours + 1) for hours in (0, 2, 4)}
    for listing in (shop.listing, cut, held):
        shop.w.observe(listing, 0, "100.00")
    shop.w.observe(shop.listing, 1, "100.00", availability="OutOfStock")
    shop.w.observe(cut, 1, "80.00")
    shop.w.observe(held, 1, "100.00", availability="OutOfStock")
    first = run_alerts(engine, settings(), now=at[0])
    assert first.by_kind == {"out_of_stock": 2, "price_drop": 1}

    shop.w.observe(shop.listing, 1, "100.00", availability="InStock", hours=2)
    shop.w.observe(cut, 1, "100.00", hours=2)
    shop.w.observe(held, 1, "101.00", availability="OutOfStock", hours=2)  # still sold out
    second = run_alerts(engine, settings(), now=at[2])
    assert second.by_kind == {"back_in_stock": 1, "price_rise": 1}
    told = {a.listing_id: a for a in alerts(engine) if a.id in second.alert_ids}
    assert set(told) == {shop.listing, cut}
    back = told[shop.listing]
    assert back.kind == "back_in_stock"
    assert back.payload["details"]["corrects"]["kind"] == "out_of_stock"
    assert back.dedupe_key.startswith(f"listing_correction:listing={shop.listing}:")
    assert "corrects what was told earlier tonight (Out of stock)" in headline(back.payload)
    assert "поправя съобщеното по-рано тази нощ (Изчерпан)" in headline(back.payload, "bg")
    assert told[cut].payload["details"]["corrects"]["kind"] == "price_drop"
    assert (told[cut].payload["details"]["old_price"], told[cut].payload["details"]["new_price"]) == (
        "80.00", "100.00")

    again = run_alerts(engine, settings(), now=at[2] + timedelta(minutes=5))
    replay = run_alerts(engine, settings(), now=night(4),
                        crawl_run_ids=[shop.w.runs[(shop.comp, 1020)]])
    assert (again.created, replay.created) == (0, 0)

    shop.w.observe(shop.listing, 1, "100.00", availability="OutOfStock", hours=4)
    third = run_alerts(engine, settings(), now=at[4])
    assert third.by_kind == {"out_of_stock": 1}
    [out] = [a for a in alerts(engine) if a.id in third.alert_ids]
    assert out.listing_id == shop.listing
    assert out.payload["details"]["corrects"]["kind"] == "back_in_stock"
    assert [a.kind for a in alerts(engine) if a.listing_id == held] == ["out_of_stock"]
