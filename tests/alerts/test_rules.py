"""The pure rules, debounce, thresholds, quiet hours and policy layering: no database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from monitor.alerts.events import FindingState, ListingState, PromoView
from monitor.alerts.policy import Policy, PolicyBook, Scope, resolve_policy
from monitor.alerts.rules import (
    FakeDiscountRule,
    ListingChangeRule,
    UndercutRule,
    debounced,
    listing_rules,
)
from monitor.alerts.settings import AlertSettings, EventKind, PolicyRule, QuietHours

T = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
D = Decimal
PCT10 = PromoView(kind="percent_off", value=D("10"), text="-10% this week")
PCT20 = PromoView(kind="percent_off", value=D("20"), text="-20% Black Friday")
COUPON = PromoView(kind="coupon", value=D("5.00"), code="SAVE5")


def state(i: int, price: str | None = "100.00", *, avail: str | None = "InStock",
          promos: tuple[PromoView, ...] = (), currency: str = "EUR", regular: str | None = None) -> ListingState:
    return ListingState(observation_id=i, observed_at=T + timedelta(days=i),
                        price=None if price is None else D(price), currency=currency,
                        regular_price=None if regular is None else D(regular),
                        availability=avail, promotions=promos)


def kinds_between(previous: ListingState, current: ListingState, policy: Policy | None = None) -> set[EventKind]:
    found = set()
    for rule in listing_rules(policy or Policy()):
        event = rule.evaluate(previous, current)
        if event is not None:
            found.add(event.kind)
    return found


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        pytest.param(state(0), state(1, "90.00"), {EventKind.price_drop}, id="price_drop"),
        pytest.param(state(0), state(1, "112.00"), {EventKind.price_rise}, id="price_rise"),
        pytest.param(state(0), state(1, "100.00", promos=(PCT10,)), {EventKind.promotion_started},
                     id="promotion_started"),
        pytest.param(state(0, promos=(PCT10,)), state(1, promos=(PCT20,)), {EventKind.promotion_changed},
                     id="promotion_changed"),
        pytest.param(state(0, promos=(PCT10,)), state(1, promos=(PCT10, COUPON)),
                     {EventKind.promotion_changed}, id="promotion_added_coupon"),
        pytest.param(state(0, promos=(PCT10,)), state(1), {EventKind.promotion_ended}, id="promotion_ended"),
        pytest.param(state(0), state(1, avail="OutOfStock"), {EventKind.out_of_stock}, id="out_of_stock"),
        pytest.param(state(0, avail="SoldOut"), state(1, avail="InStock"), {EventKind.back_in_stock},
                     id="back_in_stock"),
        pytest.param(state(0), state(1, "80.00", avail="OutOfStock", promos=(PCT20,)),
                     {EventKind.promotion_started}, id="several_at_once_one_event"),
        pytest.param(state(0), state(1), set(), id="nothing_changed"),
        pytest.param(state(0, promos=(PCT10,)),
                     state(1, promos=(PromoView(kind="percent_off", value=D("10"), text="new wording"),)),
                     set(), id="same_promotion_other_wording"),
        pytest.param(state(0, avail=None), state(1, avail="OutOfStock"), set(), id="unknown_stock_is_no_change"),
        pytest.param(state(0), state(1, "50.00", currency="USD"), set(), id="currency_changed_no_price_event"),
        pytest.param(state(0, None), state(1, "50.00"), set(), id="no_previous_price"),
    ],
)
def test_listing_rules_yield_the_right_kind(previous: ListingState, current: ListingState,
                                           expected: set[EventKind]) -> None:
    assert kinds_between(previous, current) == expected


@pytest.mark.parametrize(
    ("pct", "amount", "old", "new", "fires"),
    [
        ("5", None, "100.00", "95.00", True),      # exactly 5%
        ("5", None, "100.00", "95.01", False),     # just under 5%
        ("5", None, "100.00", "105.00", True),     # rises count too
        (None, "2.00", "10.00", "8.00", True),     # money only: 2.00 reached
        (None, "2.00", "10.00", "8.50", False),
        ("5", "2.00", "10.00", "9.00", False),     # 10% but only 1.00: both must hold
        ("5", "2.00", "1000.00", "990.00", False),  # 10.00 but only 1%
        ("5", "2.00", "1000.00", "940.00", True),
        (None, None, "10.00", "9.99", True),       # no thresholds: any move
        (None, None, "10.00", "10.00", False),
    ],
)
def test_price_thresholds_percent_and_money(pct: str | None, amount: str | None, old: str, new: str,
                                            fires: bool) -> None:
    policy = Policy(price_change_pct=None if pct is None else D(pct),
                    price_change_amount=None if amount is None else D(amount))
    event = ListingChangeRule(policy).evaluate(state(0, old), state(1, new))
    assert (event is not None) is fires
    if event is not None:
        assert event.impact == abs(D(new) - D(old))
        assert event.details["old_price"] == old and event.details["new_price"] == new


def test_price_event_details_are_exact_strings() -> None:
    event = ListingChangeRule(Policy()).evaluate(state(0, "49.90"), state(1, "44.90"))
    assert event is not None
    assert event.details["change_pct"] == "-10.0"
    assert event.impact == D("5.00")


@pytest.mark.parametrize(
    ("rule", "current", "fires"),
    [
        (ListingChangeRule, state(1, "80.00", avail="InStock"), True),
        (ListingChangeRule, state(1, "80.00", avail=None), True),  # unknown stock is not "out"
        (ListingChangeRule, state(1, promos=(PCT10,), avail="InStock"), True),
    ],
)
def test_in_stock_only(rule: type, current: ListingState, fires: bool) -> None:
    assert (rule(Policy(in_stock_only=True)).evaluate(state(0), current) is not None) is fires
    assert rule(Policy(in_stock_only=False)).evaluate(state(0), current) is not None


@pytest.mark.parametrize(
    ("n", "prices", "fires", "since"),
    [
        (1, ["100", "90"], True, 1),
        (2, ["100", "90"], False, None),             # not held long enough yet
        (2, ["100", "90", "90"], True, 1),
        (2, ["100", "90", "88"], True, 1),           # both below the threshold: holds
        (2, ["100", "90", "100"], False, None),      # one-night glitch
        (2, ["100", "90", "110"], False, None),      # drop then rise: no agreement
        (3, ["100", "90", "90", "90"], True, 1),
        (3, ["100", "90", "100", "90"], False, None),
        (2, ["100", "90", "90", "90"], False, None),  # already reported: new baseline is 90
    ],
)
def test_debounce_prices(n: int, prices: list[str], fires: bool, since: int | None) -> None:
    history = [state(i, f"{p}.00") for i, p in enumerate(prices)]
    event = debounced(ListingChangeRule(Policy()), history, n)
    assert (event is not None) is fires
    if event is not None:
        assert event.since == since
        assert event.details["new_price"] == f"{prices[-1]}.00"


@pytest.mark.parametrize(
    ("n", "flags", "expected"),
    [
        (1, ["InStock", "OutOfStock"], EventKind.out_of_stock),
        (2, ["InStock", "OutOfStock", "InStock"], None),                 # flapping
        (2, ["InStock", "OutOfStock", "InStock", "OutOfStock"], None),   # still flapping
        (2, ["InStock", "OutOfStock", "OutOfStock"], EventKind.out_of_stock),
        (2, ["OutOfStock", "InStock", "InStock"], EventKind.back_in_stock),
        (3, ["InStock", "OutOfStock", "OutOfStock"], None),
    ],
)
def test_debounce_stock_flag(n: int, flags: list[str], expected: EventKind | None) -> None:
    history = [state(i, avail=f) for i, f in enumerate(flags)]
    event = debounced(ListingChangeRule(Policy()), history, n)
    assert (None if event is None else event.kind) == expected


def test_debounce_promotion_must_be_the_same_one_throughout() -> None:
    rule = ListingChangeRule(Policy())
    changing = [state(0), state(1, promos=(PCT10,)), state(2, promos=(PCT20,))]
    assert debounced(rule, changing, 2) is None
    steady = [state(0), state(1, promos=(PCT10,)), state(2, promos=(PCT10,))]
    event = debounced(rule, steady, 2)
    assert event is not None and event.kind == EventKind.promotion_started and event.since == 1


def test_debounce_rejects_zero() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        debounced(ListingChangeRule(Policy()), [state(0), state(1)], 0)


def finding(run: int, present: bool, gap: str = "10.00", pct: str = "10.00") -> FindingState:
    return FindingState(compare_run_id=run, present=present, gap=D(gap) if present else None,
                        gap_pct=D(pct) if present else None, our_price=D("100.00"),
                        their_price=D("90.00"), currency="EUR", impact=D("25.00") if present else None)


@pytest.mark.parametrize(
    ("policy", "history", "expected"),
    [
        (Policy(), [finding(1, False), finding(2, True)], EventKind.became_undercut),
        (Policy(), [finding(1, True), finding(2, False)], EventKind.no_longer_undercut),
        (Policy(), [finding(1, True), finding(2, True)], None),
        (Policy(), [finding(1, False), finding(2, False)], None),
        (Policy(undercut_min_pct=D("15")), [finding(1, False), finding(2, True)], None),
        (Policy(undercut_min_amount=D("5")), [finding(1, False), finding(2, True)], EventKind.became_undercut),
        (Policy(undercut_min_amount=D("50")), [finding(1, False), finding(2, True)], None),
    ],
)
def test_undercut_rule(policy: Policy, history: list[FindingState], expected: EventKind | None) -> None:
    event = debounced(UndercutRule(policy), history, 1)
    assert (None if event is None else event.kind) == expected
    if event is not None and expected == EventKind.became_undercut:
        assert event.impact == D("25.00")


def test_undercut_debounce_over_comparison_runs() -> None:
    rule = UndercutRule(Policy())
    glitch = [finding(1, False), finding(2, True), finding(3, False)]
    assert debounced(rule, glitch, 2) is None
    held = [finding(1, False), finding(2, True), finding(3, True)]
    event = debounced(rule, held, 2)
    assert event is not None and event.kind == EventKind.became_undercut and event.since == 2


def test_fake_discount_rule_fires_when_it_appears_only() -> None:
    rule = FakeDiscountRule(Policy())
    first = rule.evaluate(finding(1, False), finding(2, True))
    assert first is not None and first.kind == EventKind.fake_discount
    assert rule.evaluate(finding(1, True), finding(2, True)) is None
    assert rule.evaluate(finding(1, True), finding(2, False)) is None


SOFIA = "Europe/Sofia"  # UTC+2 in November, UTC+3 in summer


@pytest.mark.parametrize(
    ("now", "start", "end", "zone", "release"),
    [
        # 02:00 UTC = 04:00 in Sofia, inside 22:00-07:00: held until 07:00 Sofia = 05:00 UTC
        (datetime(2026, 11, 2, 2, 0, tzinfo=UTC), "22:00", "07:00", SOFIA, datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
        # 21:30 UTC = 23:30 Sofia: held until 07:00 the next local day
        (datetime(2026, 11, 2, 21, 30, tzinfo=UTC), "22:00", "07:00", SOFIA, datetime(2026, 11, 3, 5, 0, tzinfo=UTC)),
        # 06:00 UTC = 08:00 Sofia: not quiet
        (datetime(2026, 11, 2, 6, 0, tzinfo=UTC), "22:00", "07:00", SOFIA, None),
        # same instant, quiet hours in UTC: 06:00 is inside 22:00-07:00
        (datetime(2026, 11, 2, 6, 0, tzinfo=UTC), "22:00", "07:00", "UTC", datetime(2026, 11, 2, 7, 0, tzinfo=UTC)),
        # summer time: 03:00 UTC = 06:00 Sofia (UTC+3), until 07:00 Sofia = 04:00 UTC
        (datetime(2026, 7, 1, 3, 0, tzinfo=UTC), "22:00", "07:00", SOFIA, datetime(2026, 7, 1, 4, 0, tzinfo=UTC)),
        # a window within one day
        (datetime(2026, 11, 2, 12, 30, tzinfo=UTC), "12:00", "13:00", "UTC", datetime(2026, 11, 2, 13, 0, tzinfo=UTC)),
        (datetime(2026, 11, 2, 13, 0, tzinfo=UTC), "12:00", "13:00", "UTC", None),  # end is exclusive
        (datetime(2026, 11, 2, 12, 0, tzinfo=UTC), "12:00", "12:00", "UTC", None),  # empty window
    ],
)
def test_quiet_hours_are_timezone_aware(now: datetime, start: str, end: str, zone: str,
                                        release: datetime | None) -> None:
    quiet = QuietHours(start=time.fromisoformat(start), end=time.fromisoformat(end), timezone=zone)
    assert quiet.release_time(now) == release
    assert Policy(quiet_hours=quiet).release_time(now) == release


def test_quiet_hours_reject_unknown_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        QuietHours(start=time(22), end=time(7), timezone="Mars/Olympus")


def test_policy_layers_from_all_to_product() -> None:
    settings = AlertSettings.model_validate({
        "defaults": {"price_change_pct": 5, "debounce": 1},
        "policies": [
            {"scope": "product", "name": "SKU-1", "price_change_pct": 1},
            {"scope": "category", "name": "tv", "price_change_amount": 20, "debounce": 2},
            {"scope": "competitor", "name": "shop-b", "in_stock_only": True, "price_change_pct": 3},
            {"scope": "all", "min_priority": 2},
        ],
    })
    book = PolicyBook(settings)
    plain = book.for_scope(Scope(competitor="shop-a", category="kitchen", sku="SKU-9"))
    assert plain == Policy(price_change_pct=D("5"), min_priority=2, debounce=1)
    tv_b = book.for_scope(Scope(competitor="shop-b", category="tv", sku="SKU-2"))
    assert (tv_b.price_change_pct, tv_b.price_change_amount, tv_b.in_stock_only, tv_b.debounce) == (
        D("3"), D("20"), True, 2)
    product = book.for_scope(Scope(competitor="shop-b", category="tv", sku="SKU-1"))
    assert product.price_change_pct == D("1")  # the product rule wins over the competitor's
    assert product.price_change_amount == D("20")  # inherited from the category
    assert book.max_debounce() == 2


def test_rule_can_switch_a_threshold_off_explicitly() -> None:
    rules = [PolicyRule.model_validate({"scope": "product", "name": "X", "price_change_pct": None})]
    assert resolve_policy(rules, Scope(sku="X")).price_change_pct is None
    assert resolve_policy(rules, Scope(sku="Y")).price_change_pct == D("5")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"policies": [{"scope": "product"}]}, "needs a name"),
        ({"policies": [{"scope": "all", "name": "x"}]}, "takes no name"),
        ({"policies": [{"debounce": 0}]}, "greater than or equal to 1"),
        ({"policies": [{"price_change_pct": -1}]}, "greater than or equal to 0"),
        ({"policies": [{"mute": ["price_wobble"]}]}, "price_drop"),
        ({"business_channels": ["email"]}, "not defined"),
        ({"channels": {"hook": {"type": "webhook"}}}, "exactly one of url or url_env"),
        ({"channels": {"mail": {"type": "email"}}}, "to"),
    ],
)
def test_bad_settings_are_refused_clearly(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AlertSettings.model_validate(raw)


def test_in_stock_only_still_hears_a_sell_out_that_came_with_a_price_move() -> None:
    """Sold out on the night the price moved: an in-stock-only policy drops the price news,
    never the stock news."""
    event = ListingChangeRule(Policy(in_stock_only=True)).evaluate(
        state(0, "100.00"), state(1, "80.00", avail="OutOfStock"))
    assert event is not None and event.kind == EventKind.out_of_stock
    assert "price" in event.details["changes"]
    quiet = ListingChangeRule(Policy(in_stock_only=True)).evaluate(
        state(0, "100.00", avail="OutOfStock"), state(1, "80.00", avail="OutOfStock"))
    assert quiet is None
