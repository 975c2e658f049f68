"""Acknowledge/snooze (API and CLI), the new event kinds (terms, MAP, gone), one event per
listing and night, and doubtful readings held back for operations: on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from monitor.alerts import AlertSettings, actions, run_alerts
from monitor.cli import cli
from storage.models import Alert, Listing, Observation, OutboxMessage
from storage.repos.compare import latest_offers

from .support import World, night

HOOK = {"channels": {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/hook"},
                     "ops": {"type": "webhook", "url": "http://127.0.0.1:9/ops"}},
        "business_channels": ["hook"], "operations_channels": ["ops"], "lookback_days": 3650}


def settings(**extra: object) -> AlertSettings:
    return AlertSettings.model_validate({**HOOK, **extra})


class Two:
    """Two competitors, two products, each product matched at both."""

    def __init__(self, engine: Engine) -> None:
        self.w = World(engine)
        self.a = self.w.competitor("shop-a")
        self.b = self.w.competitor("shop-b")
        self.kettle = self.w.product("SKU-K", "100.00", name="Kettle")
        self.toaster = self.w.product("SKU-T", "100.00", name="Toaster")
        self.listings = {}
        for comp in (self.a, self.b):
            for product, slug in ((self.kettle, "kettle"), (self.toaster, "toaster")):
                listing = self.w.listing(comp, slug)
                self.w.match(product, listing)
                self.listings[(comp, product)] = listing

    def night(self, n: int, price: str) -> None:
        for listing in self.listings.values():
            self.w.observe(listing, n, price)


def business(engine: Engine) -> list[Alert]:
    with engine.connect() as conn:
        return list(conn.execute(select(Alert).where(Alert.audience == "business").order_by(Alert.id)))


def sent_ids(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return {i for row in conn.execute(select(OutboxMessage.alert_ids)) for i in row.alert_ids}


def test_snooze_product_competitor_and_alert_are_respected_by_later_runs(engine: Engine) -> None:
    t = Two(engine)
    t.night(0, "100.00")
    t.night(1, "80.00")
    first = run_alerts(engine, settings(), now=night(1))
    assert first.created == 4
    kettle_at_a = next(a for a in business(engine) if a.listing_id == t.listings[(t.a, t.kettle)])
    actions.snooze(engine, product="SKU-T", days=3, actor="mira", now=night(1))
    actions.snooze(engine, competitor="shop-b", until=night(5), now=night(1))
    actions.snooze(engine, alert_id=kettle_at_a.id, days=2, now=night(1))
    assert len(actions.active_snoozes(engine, now=night(1))) == 3
    t.night(2, "60.00")
    second = run_alerts(engine, settings(), now=night(2))
    assert second.created == 4 and second.messages_queued == 0  # all four held back
    held = [a for a in business(engine) if a.created_at == night(2)]
    assert all(a.held_reason and a.held_reason.startswith("snoozed until") for a in held)
    assert not sent_ids(engine) & {a.id for a in held}
    # the per-alert snooze (2 days) and the product one (3 days) are over by night 4;
    # shop-b stays snoozed to night 5
    t.night(4, "40.00")
    third = run_alerts(engine, settings(), now=night(4))
    open_now = [a for a in business(engine) if a.created_at == night(4) and a.held_reason is None]
    assert {a.listing_id for a in open_now} == {t.listings[(t.a, t.kettle)], t.listings[(t.a, t.toaster)]}
    assert third.messages_queued == 1  # one business digest with the two open alerts
    # the acknowledged alert left the open list; cancelling a snooze works once
    snooze_b = next(s for s in actions.active_snoozes(engine, now=night(4)) if s.target == "competitor shop-b")
    actions.cancel_snooze(engine, snooze_b.id, now=night(4))
    with pytest.raises(actions.AlertActionError, match="cancelled already"):
        actions.cancel_snooze(engine, snooze_b.id, now=night(4))
    assert kettle_at_a.id not in {v.id for v in actions.list_alerts(engine, open_only=True, limit=500)}


def test_acknowledge_per_alert_product_and_competitor(engine: Engine) -> None:
    t = Two(engine)
    t.night(0, "100.00")
    t.night(1, "80.00")
    run_alerts(engine, settings(), now=night(1))
    one = business(engine)[0]
    assert actions.acknowledge(engine, alert_id=one.id, actor="mira", note="seen", now=night(1)) == 1
    assert actions.acknowledge(engine, alert_id=one.id, now=night(1)) == 0  # already
    assert actions.acknowledge(engine, product=t.kettle, now=night(1)) == 1  # the other kettle alert
    assert actions.acknowledge(engine, competitor="shop-b", now=night(1)) == 1  # toaster at b
    still_open = actions.list_alerts(engine, open_only=True, audience="business")
    assert [v.listing_id for v in still_open] == [t.listings[(t.a, t.toaster)]]
    view = next(v for v in actions.list_alerts(engine) if v.id == one.id)
    assert view.acknowledged_by == "mira" and not view.is_open
    for bad, message in [({"alert_id": 999}, "no alert 999"), ({"product": "NOPE"}, "no product"),
                         ({"competitor": "nope"}, "no competitor"), ({}, "exactly one"),
                         ({"alert_id": one.id, "product": "SKU-K"}, "exactly one")]:
        with pytest.raises(actions.AlertActionError, match=message):
            actions.acknowledge(engine, **bad)  # type: ignore[arg-type]
    with pytest.raises(actions.AlertActionError, match="in the past"):
        actions.snooze(engine, product="SKU-K", until=night(0), now=night(1))


def test_cli_ack_snooze_and_lists(sqlite_engine: Engine) -> None:
    t = Two(sqlite_engine)
    t.night(0, "100.00")
    t.night(1, "80.00")
    run_alerts(sqlite_engine, settings(), now=night(1))
    first = business(sqlite_engine)[0]
    db = ["--db", sqlite_engine.url.render_as_string(hide_password=False)]

    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, [*db, "alerts", *args], env={"COLUMNS": "300"})
        return result.exit_code, result.output

    assert invoke("ack", str(first.id), "--by", "mira") == (0, "1 open alert(s) acknowledged.\n")
    code, out = invoke("snooze", "--product", "SKU-T", "--days", "7")
    assert code == 0 and "product SKU-T held back until" in out
    code, out = invoke("snoozes")
    assert code == 0 and "product SKU-T" in out
    code, out = invoke("list", "--open")
    assert code == 0 and "acknowledged" not in out
    code, out = invoke("list")
    assert code == 0 and "acknowledged" in out and "by mira" in out
    code, out = invoke("snooze", "--competitor", "nope", "--days", "1")
    assert code != 0 and "there is no competitor 'nope'" in out and "Traceback" not in out
    code, out = invoke("unsnooze", "2")  # action 1 is the acknowledgement
    assert code == 0 and "ended" in out


def test_terms_change_alone_is_its_own_event_and_instalments_follow_no_price(engine: Engine) -> None:
    w = World(engine)
    comp = w.competitor("shop-a")
    product = w.product("SKU-1", "100.00")
    listing = w.listing(comp, "kettle")
    w.match(product, listing)
    fs = {"kind": "free_shipping", "threshold": "60.00", "text": "Free shipping over 60"}
    w.observe(listing, 0, "100.00", promotions=[fs], free_shipping_threshold="60.00", instalments=12)
    w.observe(listing, 1, "100.00", promotions=[fs], free_shipping_threshold="60.00", instalments=12)
    assert run_alerts(engine, settings(), now=night(1)).created == 0  # a threshold is no promotion
    w.observe(listing, 2, "100.00", free_shipping_threshold="80.00", instalments=12)
    made = run_alerts(engine, settings(), now=night(2))
    assert made.by_kind == {"terms_changed": 1}
    [alert] = [a for a in business(engine) if a.created_at == night(2)]
    assert alert.payload["details"]["changes"]["terms"] == {"free_shipping_threshold": ["60.00", "80.00"]}


def test_map_violation_and_gone_listing(engine: Engine) -> None:
    w = World(engine)
    comp = w.competitor("shop-a")
    product = w.product("SKU-1", "100.00")
    listing = w.listing(comp, "kettle")
    w.match(product, listing)
    for n in range(2):
        w.observe(listing, n, "100.00")
    w.compare_run(0)
    run1 = w.compare_run(1)
    w.finding(run1, product, comp, listing, "map_violation", their="70.00", reason="below MAP 80.00")
    made = run_alerts(engine, settings(), now=night(1), compare_run_id=run1)
    assert made.by_kind == {"map_violation": 1}
    # three finished crawls of shop-a without the listing: gone, inactive, one alert
    for n in (2, 3, 4):
        w.crawl_run(comp, n)
    gone = run_alerts(engine, settings(gone_after_nights=3), now=night(4), compare_run_id=run1)
    assert gone.by_kind == {"listing_gone": 1}
    with engine.connect() as conn:
        assert conn.scalar(select(Listing.active).where(Listing.id == listing)) is False
    assert run_alerts(engine, settings(gone_after_nights=3), now=night(4), compare_run_id=run1).created == 0


def test_one_event_per_listing_and_night_carries_everything(engine: Engine) -> None:
    w = World(engine)
    comp = w.competitor("shop-a")
    product = w.product("SKU-1", "100.00")
    listing = w.listing(comp, "kettle")
    w.match(product, listing)
    w.observe(listing, 0, "100.00", shipping_cost="5.00")
    w.observe(listing, 1, "80.00", regular="100.00", availability="OutOfStock", shipping_cost="0.00",
              promotions=[{"kind": "percent_off", "value": "20", "text": "-20%"},
                          {"kind": "instalments", "value": "6.67", "instalments": 12, "text": "12 x 6.67"}])
    made = run_alerts(engine, settings(), now=night(1))
    assert made.by_kind == {"promotion_started": 1}
    [alert] = business(engine)
    changes = alert.payload["details"]["changes"]
    assert set(changes) == {"promotion", "price", "stock", "terms"}
    assert changes["promotion"]["after"] == ["-20%"]  # the instalments are a term, not a promotion
    # the promotion ends: one "promotion ended", not a 25% "price rise" too
    w.observe(listing, 2, "100.00", availability="OutOfStock", shipping_cost="0.00")
    assert run_alerts(engine, settings(), now=night(2)).by_kind == {"promotion_ended": 1}


def test_suspect_run_and_changed_structure_go_to_needs_a_look(engine: Engine) -> None:
    w = World(engine)
    comp = w.competitor("shop-a")
    product = w.product("SKU-1", "100.00")
    one, two = w.listing(comp, "kettle"), w.listing(comp, "toaster")
    w.match(product, one)
    w.match(w.product("SKU-2", "100.00"), two)
    w.observe(one, 0, "100.00")
    w.observe(two, 0, "100.00")
    w.observe(two, 1, "60.00", extractor="heuristic")  # the page changed structure
    made = run_alerts(engine, settings(), now=night(1))
    assert made.by_kind == {"needs_a_look": 1} and business(engine) == []
    w.crawl_run(comp, 2, suspect=True, reason="price fill-rate fell to 10%")
    w.observe(one, 2, "60.00")
    w.observe(two, 2, "60.00", extractor="heuristic")
    made = run_alerts(engine, settings(), now=night(2))
    assert business(engine) == []
    assert made.by_kind.get("needs_a_look") == 1 and made.by_kind.get("crawl_suspect") == 1
    looks = actions.needs_a_look(engine)
    assert {v.listing_id for v in looks} == {one, two}
    assert any("suspect" in (v.payload["details"]["reason"]) for v in looks)
    # the next good night compares with the last trusted reading, not the suspect one
    w.observe(one, 3, "100.00")
    assert run_alerts(engine, settings(), now=night(3) + timedelta(hours=1)).by_kind.get("price_rise") is None


def _crawl_404(w: World, comp: int, listing: int, n: int, *, status: str = "not_found") -> None:
    """Night `n`'s crawl of the listing's page as the crawl pipeline stores it: the listing
    upserted (a 404 does not show it alive), then the reading."""
    from storage.repos.crawls import upsert_listings_bulk
    from storage.repos.listings import ListingInfo, ListingKey

    with w.engine.connect() as conn:
        url = conn.scalar(select(Listing.url).where(Listing.id == listing))
    key = ListingKey(url, "")
    with w.engine.begin() as conn:
        upsert_listings_bulk(conn, comp, [ListingInfo(url)], night(n),
                             not_alive={key} if status == "not_found" else set())
    if status == "not_found":
        w.observe(listing, n, None, status="not_found")
        with w.engine.begin() as conn:
            conn.execute(Observation.__table__.update().values(reason="HTTP 404: page not found")
                         .where(Observation.__table__.c.listing_id == listing,
                                Observation.__table__.c.status == "not_found"))
    else:
        w.observe(listing, n, "100.00")


def test_a_gone_listing_alerts_once_per_disappearance(engine: Engine) -> None:
    w = World(engine)
    comp = w.competitor("shop-a")
    product = w.product("SKU-1", "100.00")
    listing = w.listing(comp, "kettle")
    w.match(product, listing)
    w.observe(listing, 0, "100.00")

    def night_run(n: int) -> dict[str, int]:
        made = run_alerts(engine, settings(gone_after_nights=3), now=night(n) + timedelta(hours=1),
                          crawl_run_ids=[w.runs[(comp, n)]])
        return made.by_kind

    def active() -> bool:
        with engine.connect() as conn:
            return bool(conn.scalar(select(Listing.active).where(Listing.id == listing)))

    # one 404 is not a disappearance yet (a shop's glitch); three nights of it are
    for n in (1, 2):
        _crawl_404(w, comp, listing, n)
        assert night_run(n) == {}
    _crawl_404(w, comp, listing, 3)
    assert night_run(3) == {"listing_gone": 1}
    assert not active()
    with engine.connect() as conn:
        offers, _ = latest_offers(conn, 0.9)
    assert listing not in {o.listing_id for o in offers}  # the comparison leaves it out
    # it keeps answering 404: the crawl leaves it inactive (the comparison that runs before
    # the alert step does not see it) and nothing repeats
    for n in (4, 5):
        _crawl_404(w, comp, listing, n)
        assert not active()
        assert night_run(n) == {}
        assert not active()
    # it comes back: active again, no alert about being gone
    _crawl_404(w, comp, listing, 6, status="ok")
    assert night_run(6).get("listing_gone") is None
    assert active()
    # a new disappearance is news again, once
    for n in (7, 8):
        _crawl_404(w, comp, listing, n)
        assert night_run(n).get("listing_gone") is None
    _crawl_404(w, comp, listing, 9)
    assert night_run(9) == {"listing_gone": 1}
    _crawl_404(w, comp, listing, 10)
    assert night_run(10) == {}
    with engine.connect() as conn:
        gone = conn.execute(select(Alert.dedupe_key, Alert.payload).where(Alert.kind == "listing_gone")).all()
    assert len(gone) == 2 and len({g.dedupe_key for g in gone}) == 2
    assert "HTTP 404" in gone[0].payload["details"]["reason"]


PROMO = [{"kind": "percent_off", "value": "20", "text": "-20%"}]


def test_two_readings_in_one_night_compare_with_the_night_before(engine: Engine) -> None:
    """A retry crawl the same night (full, then quick) is one night: its event compares the
    night's final state with the night before, never the two readings with each other."""
    w = World(engine)
    comp = w.competitor("shop-a")
    product = w.product("SKU-1", "100.00")
    listing = w.listing(comp, "kettle")
    w.match(product, listing)
    w.observe(listing, 0, "100.00")
    w.observe(listing, 1, "80.00", regular="100.00", promotions=PROMO)
    w.observe(listing, 1, "80.00", quick=True, hours=2)  # a retry read only the price
    # one alert step after both crawls (e.g. `pricewatch alerts run`): the promotion started
    made = run_alerts(engine, settings(), now=night(1) + timedelta(hours=3))
    assert made.by_kind == {"promotion_started": 1}
    # the next night the promotion is still on: nothing new (the quick read was no baseline
    # that forgot the promotion)
    w.observe(listing, 2, "80.00", regular="100.00", promotions=PROMO)
    assert run_alerts(engine, settings(), now=night(2) + timedelta(hours=1)).created == 0
    # it ends on night 3: told as the promotion ending, not as a 25 % price rise
    w.observe(listing, 3, "100.00")
    assert run_alerts(engine, settings(), now=night(3) + timedelta(hours=1)).by_kind == {
        "promotion_ended": 1}


def test_a_promotion_gone_by_the_second_step_of_the_night_is_corrected_once(engine: Engine) -> None:
    """Two alert steps in one night (the nightly run again after a failure): the first told
    the promotion started; the retry reads the page without it, back at the price of the
    night before. The second step compares the night's final state with the night before
    (nothing), finds that what it told tonight no longer holds and tells the move from the
    reading it told about to the final one once, as correcting it; a replay tells nothing."""
    w = World(engine)
    comp = w.competitor("shop-a")
    product = w.product("SKU-1", "100.00")
    listing = w.listing(comp, "kettle")
    w.match(product, listing)
    w.observe(listing, 0, "100.00")
    w.observe(listing, 1, "80.00", regular="100.00", promotions=PROMO)
    assert run_alerts(engine, settings(), now=night(1) + timedelta(hours=1),
                      crawl_run_ids=[w.runs[(comp, 1)]]).by_kind == {"promotion_started": 1}
    w.observe(listing, 1, "100.00", hours=2)
    assert run_alerts(engine, settings(), now=night(1) + timedelta(hours=3),
                      crawl_run_ids=[w.runs[(comp, 1020)]]).by_kind == {"promotion_ended": 1}
    assert run_alerts(engine, settings(), now=night(1) + timedelta(hours=4),
                      crawl_run_ids=[w.runs[(comp, 1020)]]).created == 0
    started, ended = business(engine)
    assert (started.kind, ended.kind) == ("promotion_started", "promotion_ended")
    assert ended.payload["details"]["corrects"]["kind"] == "promotion_started"
    assert ended.payload["details"]["old_price"] == "80.00"
    assert ended.payload["details"]["new_price"] == "100.00"
    # the next night, unchanged since the night before: nothing
    w.observe(listing, 2, "100.00")
    assert run_alerts(engine, settings(), now=night(2) + timedelta(hours=1)).created == 0


def test_a_quick_retry_is_no_baseline_for_the_next_night(engine: Engine) -> None:
    """A quick read (promotions not read) after the night's full read: the next night
    compares with the full read, so a promotion that ends is told as ending, not as a
    25 % price rise."""
    w = World(engine)
    comp = w.competitor("shop-a")
    product = w.product("SKU-1", "100.00")
    listing = w.listing(comp, "kettle")
    w.match(product, listing)
    w.observe(listing, 0, "80.00", regular="100.00", promotions=PROMO)
    w.observe(listing, 1, "80.00", regular="100.00", promotions=PROMO)
    assert run_alerts(engine, settings(), now=night(1) + timedelta(hours=1),
                      crawl_run_ids=[w.runs[(comp, 1)]]).created == 0
    w.observe(listing, 1, "80.00", quick=True, hours=2)
    assert run_alerts(engine, settings(), now=night(1) + timedelta(hours=3),
                      crawl_run_ids=[w.runs[(comp, 1020)]]).created == 0
    w.observe(listing, 2, "100.00")
    assert run_alerts(engine, settings(), now=night(2) + timedelta(hours=1)).by_kind == {
        "promotion_ended": 1}
    assert [a.kind for a in business(engine)] == ["promotion_ended"]
