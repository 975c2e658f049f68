"""Effective (landed) price, floors, price endings and recommendations: worked numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from monitor.compare import (
    Floor,
    Promo,
    effective_price,
    load_compare_settings,
    price_floor,
    recommend_price,
    round_to_ending,
    shelf_for_effective,
)
from monitor.compare.pricing import is_conditional
from monitor.settings import SettingsError

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (D("45.00"), D("49.99")),  # under the 50.00 threshold: 4.99 shipping added
        (D("49.99"), D("54.98")),
        (D("50.00"), D("50.00")),  # reaching the threshold ships free
    ],
)
def test_shipping_until_free_shipping_threshold(price: D, expected: D) -> None:
    landed = effective_price(price, shipping_cost=D("4.99"), free_shipping_threshold=D("50.00"))
    assert landed.effective == expected
    assert landed.shelf == price
    assert landed.shipping == expected - price


def test_free_shipping_promotion_lowers_or_removes_the_threshold() -> None:
    lower = effective_price(D("45.00"), shipping_cost=D("4.99"), free_shipping_threshold=D("50.00"),
                            promotions=[Promo("free_shipping", threshold=D("40.00"))])
    assert lower.effective == D("45.00")
    free = effective_price(D("12.00"), shipping_cost=D("4.99"),
                           promotions=[Promo("free_shipping")])
    assert free.effective == D("12.00")
    assert free.shipping == 0


def test_percent_off_applies_and_counts_as_temporary() -> None:
    until = datetime(2026, 11, 30, tzinfo=UTC)
    landed = effective_price(
        D("50.00"), shipping_cost=D("4.99"), free_shipping_threshold=D("50.00"),
        promotions=[Promo("percent_off", value=D(20), valid_until=until)], now=NOW,
    )
    # 50.00 - 20% = 40.00, now under the threshold: + 4.99
    assert landed.effective == D("44.99")
    # without the promotion: 50.00, shipped free
    assert landed.base == D("50.00")
    assert landed.temporary
    assert landed.promo_until == until


def test_percent_off_already_shown_as_markdown_is_not_counted_twice() -> None:
    landed = effective_price(D("40.00"), regular_price=D("50.00"),
                             promotions=[Promo("percent_off", value=D(20))])
    assert landed.effective == D("40.00")
    assert landed.base == D("50.00")


def test_amount_off_and_the_best_of_several() -> None:
    landed = effective_price(D("30.00"), promotions=[
        Promo("amount_off", value=D("5.00")), Promo("percent_off", value=D(10)),
    ])
    assert landed.effective == D("25.00")  # -5.00 beats -10% (-3.00); they do not stack


def test_expired_promotion_is_ignored() -> None:
    landed = effective_price(D("30.00"), promotions=[
        Promo("percent_off", value=D(50), valid_until=datetime(2026, 11, 1, tzinfo=UTC)),
    ], now=NOW)
    assert landed.effective == D("30.00")


def test_multi_buy_is_conditional_never_the_effective_price() -> None:
    plain = effective_price(D("9.00"), promotions=[Promo("multi_buy", buy_qty=3, pay_qty=2)])
    assert plain.effective == D("9.00")  # one unit, bought alone
    assert (plain.conditional, plain.conditional_kind) == (D("6.00"), "multi_buy")
    assert plain.conditional_text == "3 for 2"
    shipped = effective_price(D("9.00"), shipping_cost=D("4.50"), free_shipping_threshold=D("30.00"),
                              promotions=[Promo("multi_buy", buy_qty=3, pay_qty=2)])
    assert shipped.effective == D("13.50")  # 9.00 + 4.50 shipping for the single unit
    # the deal's order holds its three units: 18.00 + 4.50 shipping over three
    assert shipped.conditional == D("7.50")
    # ... and reaches free shipping where one unit does not: 3 x 12.00 for 24.00 >= 20.00
    free = effective_price(D("12.00"), shipping_cost=D("4.50"), free_shipping_threshold=D("20.00"),
                           promotions=[Promo("multi_buy", buy_qty=3, pay_qty=2)])
    assert (free.effective, free.conditional) == (D("16.50"), D("8.00"))


def test_second_item_at_half_price_is_shown_beside() -> None:
    landed = effective_price(D("10.00"), promotions=[Promo("multi_buy", buy_qty=2, value=D(50))])
    assert landed.effective == D("10.00")
    assert landed.conditional == D("7.50")  # (10.00 + 5.00) / 2


def test_a_quantity_discount_takes_every_unit_off() -> None:
    """"-20% when buying 2 or more": each unit at 0.80 of the price, not item 2 at -20%."""
    qty = Promo("multi_buy", buy_qty=2, value=D(20), detail="quantity_discount")
    landed = effective_price(D("52.00"), promotions=[qty])
    assert landed.effective == D("52.00")  # one unit, bought alone
    assert (landed.conditional, landed.conditional_kind) == (D("41.60"), "multi_buy")
    assert landed.conditional_text == "-20% each when buying 2+"
    shipped = effective_price(D("52.00"), shipping_cost=D("5.90"), free_shipping_threshold=D("79"),
                              promotions=[qty])
    # two units at 41.60 make 83.20, over the 79 of free shipping: 41.60 a unit, shipped
    assert (shipped.effective, shipped.conditional) == (D("57.90"), D("41.60"))
    dear = effective_price(D("30.00"), shipping_cost=D("5.90"), free_shipping_threshold=D("79"),
                           promotions=[qty])  # 2 x 24.00 = 48.00: shipping over both units
    assert (dear.effective, dear.conditional) == (D("35.90"), D("26.95"))
    odd = effective_price(D("19.99"), promotions=[
        Promo("multi_buy", buy_qty=3, value=D("12.5"), detail="quantity_discount")])
    assert odd.conditional == D("17.49")  # 19.99 x 0.875 = 17.49125
    assert odd.conditional_text == "-12.5% each when buying 3+"
    # the same numbers as an n-th item discount (or with no detail, as older rows): item 2 only
    for detail in ("nth_item_discount", None):
        nth = effective_price(D("52.00"), promotions=[
            Promo("multi_buy", buy_qty=2, value=D(20), detail=detail)])
        assert (nth.conditional, nth.conditional_text) == (D("46.80"), "item 2 at -20%")
    # a quantity discount of 100% is no offer (never "item 2 free")
    assert effective_price(D("52.00"), promotions=[
        Promo("multi_buy", buy_qty=2, value=D(100), detail="quantity_discount")]).conditional is None


def test_the_best_conditional_offer_wins_with_a_quantity_discount_among_them() -> None:
    promos = [Promo("multi_buy", buy_qty=2, value=D(50), detail="nth_item_discount"),  # 7.50
              Promo("multi_buy", buy_qty=3, value=D(30), detail="quantity_discount")]  # 7.00
    landed = effective_price(D("10.00"), promotions=promos)
    assert (landed.conditional, landed.conditional_text) == (D("7.00"), "-30% each when buying 3+")


def test_coupons_are_conditional_with_or_without_threshold() -> None:
    coupon = Promo("coupon", value=D(10), code="SAVE10", threshold=D("100.00"))
    landed = effective_price(D("50.00"), promotions=[coupon])
    assert landed.effective == D("50.00") and landed.conditional == D("45.00")
    open_coupon = Promo("coupon", value=D(10), code="SAVE10")
    assert effective_price(D("50.00"), promotions=[open_coupon]).effective == D("50.00")
    assert is_conditional(open_coupon) and is_conditional(Promo("instalments", value=D(5)))
    assert not is_conditional(Promo("percent_off", value=D(10)))
    # a markdown that needs a bigger basket than the one unit is conditional too
    assert is_conditional(Promo("percent_off", value=D(10), threshold=D(100)), D("50.00"))
    assert not is_conditional(Promo("percent_off", value=D(10), threshold=D(40)), D("50.00"))


def test_member_price_is_shown_beside_never_used() -> None:
    landed = effective_price(D("10.00"), promotions=[Promo("member_price", value=D("8.00"))])
    assert landed.effective == D("10.00")
    assert landed.member_price == D("8.00")


def test_pack_ratio_gives_the_price_of_one_of_our_units() -> None:
    # they sell singles at 1.20, we sell a 6-pack: six of theirs, one order, one shipping
    landed = effective_price(D("1.20"), shipping_cost=D("3.00"), pack_ratio=D(6))
    assert landed.shelf == D("7.20")
    assert landed.effective == D("10.20")
    free = effective_price(D("1.20"), shipping_cost=D("3.00"), free_shipping_threshold=D("5.00"),
                           pack_ratio=D(6))
    assert free.effective == D("7.20")  # the six make 7.20, over the 5.00 threshold
    # they sell a 2-pack at 5.00, we sell singles: half of their pack (and of its shipping)
    half = effective_price(D("5.00"), shipping_cost=D("2.00"), pack_ratio=D("0.5"))
    assert half.effective == D("3.50")


def test_plain_fast_path_agrees_with_the_full_path() -> None:
    # a badge carries no value: the full path runs but changes nothing
    badge = [Promo("badge", text="Top offer")]
    for price, ship, threshold, ratio in [
        (D("45.00"), D("4.99"), D("50.00"), None), (D("1.20"), D("3.00"), None, D(6)),
        (D("5.00"), D("2.00"), D("4.00"), D("0.5")), (D("19.99"), None, None, D(2)),
    ]:
        fast = effective_price(price, shipping_cost=ship, free_shipping_threshold=threshold,
                               pack_ratio=ratio)
        full = effective_price(price, shipping_cost=ship, free_shipping_threshold=threshold,
                               pack_ratio=ratio, promotions=badge)
        assert (fast.shelf, fast.effective, fast.base, fast.shipping) == (
            full.shelf, full.effective, full.base, full.shipping)


def test_price_floor_is_margin_or_map_whichever_is_higher() -> None:
    margin = price_floor(D("10.00"), D("0.15"), None)
    assert margin == Floor(D("11.50"), "margin", margin.explanation if margin else "")
    assert margin is not None and "15%" in margin.explanation
    with_map = price_floor(D("10.00"), D("0.15"), D("12.00"))
    assert with_map is not None and (with_map.price, with_map.reason) == (D("12.00"), "map")
    assert price_floor(D("10.00"), None, None, default_margin=D("0.05")).price == D("10.50")  # type: ignore[union-attr]
    assert price_floor(D("9.99"), D("0.333"), None).price == D("13.32")  # type: ignore[union-attr]  # 13.31667, up
    assert price_floor(None, D("0.2"), None) is None


@pytest.mark.parametrize(
    ("value", "endings", "up", "expected"),
    [
        (D("12.50"), [D("0.99")], False, D("11.99")),
        (D("12.99"), [D("0.99")], False, D("12.99")),
        (D("12.50"), [D("0.99")], True, D("12.99")),
        (D("13.00"), [D("0.99")], True, D("13.99")),
        (D("12.60"), [D("0.49"), D("0.99")], False, D("12.49")),
        (D("12.40"), [D("0.49"), D("0.99")], False, D("11.99")),
        (D("12.40"), [D("0.49"), D("0.99")], True, D("12.49")),
        (D("12.567"), [], False, D("12.56")),
        (D("12.561"), [], True, D("12.57")),
        (D("0.50"), [D("0.99")], False, D("0.50")),  # nothing ends in .99 below: keep the cent
    ],
)
def test_price_endings(value: D, endings: list[D], up: bool, expected: D) -> None:
    assert round_to_ending(value, endings, up=up) == expected


def test_shelf_for_effective_takes_our_shipping_off() -> None:
    assert shelf_for_effective(D("30.00"), D("4.99"), D("50.00")) == D("25.01")
    assert shelf_for_effective(D("60.00"), D("4.99"), D("50.00")) == D("60.00")
    assert shelf_for_effective(D("30.00"), None, None) == D("30.00")


def test_recommendation_rounds_to_endings() -> None:
    rec = recommend_price(D("18.40"), D("20.00"), Floor(D("11.50"), "margin", ""),
                          endings=[D("0.99")], max_move_pct=D(15))
    assert (rec.price, rec.bound) == (D("17.99"), "target")


def test_recommendation_never_under_the_margin_floor() -> None:
    rec = recommend_price(D("10.00"), D("20.00"), Floor(D("11.50"), "margin", ""),
                          endings=[D("0.99")], max_move_pct=D(50))
    assert (rec.price, rec.bound) == (D("11.99"), "margin")  # 11.50 rounded up to .99


def test_recommendation_never_under_map() -> None:
    rec = recommend_price(D("14.99"), D("16.00"), Floor(D("15.00"), "map", ""),
                          endings=[], max_move_pct=D(20))
    assert (rec.price, rec.bound) == (D("15.00"), "map")


def test_recommendation_moves_at_most_max_step() -> None:
    down = recommend_price(D("15.00"), D("20.00"), None, endings=[], max_move_pct=D(10))
    assert (down.price, down.bound, down.goal) == (D("18.00"), "max_step", D("15.00"))
    ending = recommend_price(D("15.00"), D("20.00"), None, endings=[D("0.99")], max_move_pct=D(10))
    assert ending.price == D("18.99")  # 18.00 is the limit; the next .99 up is 18.99
    up = recommend_price(D("30.00"), D("20.00"), None, endings=[D("0.99")], max_move_pct=D(10))
    assert (up.price, up.bound) == (D("21.99"), "max_step")  # 22.00 is the limit


def test_floor_wins_over_the_step_limit() -> None:
    # our price is already far under the floor: the floor is recommended, not a 10% step
    rec = recommend_price(D("5.00"), D("8.00"), Floor(D("12.00"), "margin", ""),
                          endings=[], max_move_pct=D(10))
    assert rec.price == D("12.00")


def test_settings_refuse_a_bad_price_ending(tmp_path: Path) -> None:
    config = tmp_path / "pricewatch.yaml"
    config.write_text("compare:\n  price_endings: [0.99, 1.49]\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"section 'compare', field price_endings.*1\.49"):
        load_compare_settings(config)
    config.write_text("compare:\n  price_endings: [0.49, '0.99']\n  max_move_pct: 5\n", encoding="utf-8")
    loaded = load_compare_settings(config)
    assert loaded.price_endings == [D("0.49"), D("0.99")]
    assert loaded.max_move_pct == D(5)


def test_free_shipping_with_a_code_is_not_free_for_a_buyer_without_it() -> None:
    landed = effective_price(D("45.00"), shipping_cost=D("9.99"),
                             promotions=[Promo("free_shipping", code="FREESHIP")])
    assert landed.effective == D("54.99")
