"""Every finding kind, worked through with numbers, on plain data (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

from monitor.compare import (
    CompareSettings,
    FindingData,
    FindingKind,
    OurProduct,
    Promo,
    Terms,
    TheirOffer,
    evaluate_product,
)

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def ours(**kw: Any) -> OurProduct:
    base: dict[str, Any] = {
        "product_id": 1, "sku": "SKU1", "name": "Thing", "currency": "EUR", "price": D("20.00"),
        "cost": D("12.00"), "min_margin": D("0.20"), "priority": 1,
    }
    return OurProduct(**(base | kw))


def offer(listing_id: int, price: str, **kw: Any) -> TheirOffer:
    base: dict[str, Any] = {
        "listing_id": listing_id, "competitor_id": listing_id, "competitor": f"shop{listing_id}",
        "currency": "EUR", "price": D(price),
    }
    return TheirOffer(**(base | kw))


def settings(**kw: Any) -> CompareSettings:
    return CompareSettings(**({"max_move_pct": D(15)} | kw))


def kinds(findings: list[FindingData]) -> dict[str, FindingData]:
    found: dict[str, FindingData] = {}
    for f in findings:
        assert f.kind.value not in found, f"two {f.kind} findings"
        found[f.kind.value] = f
    return found


def test_undercut_and_beatable_with_price_endings() -> None:
    result = evaluate_product(ours(), [offer(1, "18.50"), offer(2, "21.00")], settings(), NOW)
    found = kinds(result.findings)
    assert set(found) == {"undercut", "beatable"}
    undercut = found["undercut"]
    assert (undercut.gap, undercut.gap_pct, undercut.impact) == (D("1.50"), D("7.50"), D("1.50"))
    assert (undercut.our_effective, undercut.their_effective) == (D("20.00"), D("18.50"))
    assert undercut.competitor_id == 1
    assert "shop1" in undercut.reason and "1 of 2" in undercut.reason
    beat = found["beatable"]
    # 18.50 - 0.01 step = 18.49, down to the .99 ending: 17.99 (floor 12.00 x 1.2 = 14.40)
    assert beat.recommended_price == D("17.99")
    assert beat.details["floor"] == "14.40" and beat.details["bound"] == "target"
    assert "beats them" in beat.reason


def test_impact_is_gap_times_priority() -> None:
    result = evaluate_product(ours(priority=3), [offer(1, "18.50")], settings(), NOW)
    assert kinds(result.findings)["undercut"].impact == D("4.50")


def test_beatable_held_by_the_max_step() -> None:
    result = evaluate_product(ours(), [offer(1, "18.50")], settings(max_move_pct=D(5)), NOW)
    beat = kinds(result.findings)["beatable"]
    # 5% of 20.00: not under 19.00; the next .99 up is 19.99
    assert beat.recommended_price == D("19.99")
    assert beat.details["bound"] == "max_step"
    assert "repeat next run" in beat.reason


def test_margin_floor_decides_whether_we_can_follow() -> None:
    # floor: cost 12.00 x (1 + 20%) = 14.40; no price endings, so cents count
    flat = settings(price_endings=[], max_move_pct=D(50))
    at_floor = evaluate_product(ours(), [offer(1, "14.40")], flat, NOW)
    beat = kinds(at_floor.findings)["beatable"]
    assert beat.recommended_price == D("14.40")  # 14.39 would be under the floor
    assert beat.details["bound"] == "margin"
    assert "matches them" in beat.reason
    above = evaluate_product(ours(), [offer(1, "14.42")], flat, NOW)
    assert kinds(above.findings)["beatable"].recommended_price == D("14.41")
    below = evaluate_product(ours(), [offer(1, "14.39")], flat, NOW)
    found = kinds(below.findings)
    assert set(found) == {"undercut"}
    assert "floor 14.40" in found["undercut"].reason


def test_price_endings_can_make_the_floor_unreachable() -> None:
    # 14.45 - 0.01 = 14.44 -> 13.99 (.49/.99 endings) is under the floor 14.40; the floor
    # rounded up to an ending is 14.49, above their 14.45: we cannot match, so not beatable
    result = evaluate_product(ours(), [offer(1, "14.45")],
                              settings(price_endings=[D("0.49"), D("0.99")], max_move_pct=D(50)), NOW)
    found = kinds(result.findings)
    assert set(found) == {"undercut"}
    assert "no price ending between our floor 14.40" in found["undercut"].reason
    ok = evaluate_product(ours(), [offer(1, "14.60")],
                          settings(price_endings=[D("0.49"), D("0.99")], max_move_pct=D(50)), NOW)
    assert kinds(ok.findings)["beatable"].recommended_price == D("14.49")


def test_unknown_cost_is_never_beatable() -> None:
    result = evaluate_product(ours(cost=None), [offer(1, "18.50")], settings(), NOW)
    found = kinds(result.findings)
    assert set(found) == {"undercut"}
    assert "cost is unknown" in found["undercut"].reason


def test_map_is_a_floor_and_a_violation() -> None:
    product = ours(cost=D("10.00"), min_margin=D("0.10"), map_price=D("15.00"), price=D("16.00"))
    flat = settings(price_endings=[], max_move_pct=D(20))
    at_map = evaluate_product(product, [offer(1, "15.00")], flat, NOW)
    beat = kinds(at_map.findings)["beatable"]
    assert (beat.recommended_price, beat.details["bound"]) == (D("15.00"), "map")
    under = evaluate_product(product, [offer(1, "14.00")], flat, NOW)
    found = kinds(under.findings)
    assert set(found) == {"undercut", "map_violation"}
    violation = found["map_violation"]
    assert (violation.gap, violation.their_price) == (D("1.00"), D("14.00"))
    assert "15.00" in violation.reason


def test_map_violation_per_our_unit_with_pack_ratio() -> None:
    product = ours(price=D("55.00"), map_price=D("50.00"), cost=None)
    result = evaluate_product(product, [offer(1, "8.00", pack_ratio=D(6))], settings(), NOW)
    violation = kinds(result.findings)["map_violation"]
    assert violation.their_price == D("48.00")  # 6 x 8.00
    assert violation.gap == D("2.00")


def test_promo_driven_says_hold_until_the_end_date() -> None:
    until = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
    promo = Promo("percent_off", value=D(20), valid_until=until)
    result = evaluate_product(ours(), [offer(1, "20.50", promotions=(promo,)), offer(2, "20.90")],
                              settings(), NOW)
    found = kinds(result.findings)
    assert set(found) == {"promo_driven"}
    held = found["promo_driven"]
    # 20.50 - 20% = 16.40; without the promotion they charge 20.50, more than our 20.00
    assert (held.their_effective, held.gap, held.promo_until) == (D("16.40"), D("3.60"), until)
    assert held.recommended_price is None
    assert "2026-12-01" in held.reason and "Hold" in held.reason


def test_a_markdown_is_temporary_too() -> None:
    result = evaluate_product(ours(), [offer(1, "17.00", regular_price=D("22.00"))], settings(), NOW)
    assert set(kinds(result.findings)) == {"promo_driven"}


def test_lasting_competitor_is_the_target_when_another_one_is_on_promotion() -> None:
    promo = Promo("percent_off", value=D(20))
    result = evaluate_product(
        ours(), [offer(1, "20.50", promotions=(promo,)), offer(2, "19.00")], settings(), NOW)
    found = kinds(result.findings)
    assert set(found) == {"undercut", "beatable"}
    assert found["undercut"].competitor_id == 1  # the cheapest right now: 16.40
    assert found["beatable"].competitor_id == 2  # what lasts: 19.00 -> 18.99
    assert found["beatable"].recommended_price == D("18.99")


def test_headroom_when_we_are_cheapest_by_more_than_the_margin() -> None:
    product = ours(price=D("10.00"), cost=D("6.00"))
    wide = evaluate_product(product, [offer(1, "12.00"), offer(2, "13.00")],
                            settings(max_move_pct=D(30)), NOW)
    room = kinds(wide.findings)["headroom"]
    assert (room.gap, room.gap_pct) == (D("2.00"), D("20.00"))
    assert room.recommended_price == D("11.99")  # stay under 12.00, ending .99
    stepped = evaluate_product(product, [offer(1, "12.00")], settings(max_move_pct=D(10)), NOW)
    assert kinds(stepped.findings)["headroom"].recommended_price == D("10.99")  # 11.00 cap, .99
    narrow = evaluate_product(product, [offer(1, "10.40")], settings(headroom_pct=D(5)), NOW)
    assert narrow.findings == []  # 4% is within the 5% margin


def test_terms_gap_at_the_same_price() -> None:
    product = ours(terms=Terms(delivery_days=3, warranty_months=24, returns_days=14))
    better = Terms(delivery_days=1, warranty_months=36, returns_days=30, instalments=True)
    result = evaluate_product(product, [
        offer(1, "20.10", terms=better),  # 0.5% dearer: the same price
        offer(2, "25.00", terms=Terms(warranty_months=60)),  # dearer: no finding
    ], settings(), NOW)
    found = kinds(result.findings)
    assert set(found) == {"terms_gap"}
    gap = found["terms_gap"]
    assert gap.competitor_id == 1
    terms = gap.details["terms"]
    assert any("36 months warranty vs our 24" in t for t in terms)
    assert any("delivery in 1 days vs our 3" in t for t in terms)
    assert any("30 days to return vs our 14" in t for t in terms)
    assert any("instalments" in t for t in terms)
    assert gap.gap == D("-0.10")
    with_instalments = evaluate_product(product, [offer(1, "20.10", terms=Terms(instalments=True))],
                                        settings(our_instalments=True), NOW)
    assert with_instalments.findings == []


def test_free_shipping_is_a_term_and_counts_in_impact() -> None:
    product = ours(price=D("40.00"), shipping_cost=D("4.99"), free_shipping_threshold=D("50.00"),
                   cost=D("30.00"), min_margin=D("0.5"))
    result = evaluate_product(product, [offer(1, "44.90", shipping_cost=D("0.00"))], settings(), NOW)
    found = kinds(result.findings)
    assert set(found) == {"undercut", "terms_gap"}  # 44.90 vs our 44.99: cheaper, and free shipping
    gap = found["terms_gap"]
    assert gap.details["terms"] == ["free shipping (we charge 4.99)"]
    assert gap.impact == D("5.08")  # 0.09 cheaper + 4.99 shipping we charge
    promo = Promo("free_shipping", threshold=D("40.00"))
    by_promo = evaluate_product(product, [offer(1, "44.90", promotions=(promo,))], settings(), NOW)
    assert "terms_gap" in kinds(by_promo.findings)
    unknown = evaluate_product(product, [offer(1, "44.90")], settings(), NOW)
    assert set(kinds(unknown.findings)) == {"undercut"}  # shipping not read: no claim


def test_fake_discount_against_their_own_lowest_price() -> None:
    fake = offer(1, "80.00", regular_price=D("100.00"), lowest_before=D("85.00"))
    honest = offer(2, "80.00", regular_price=D("85.00"), lowest_before=D("85.00"))
    unknown = offer(3, "80.00", regular_price=D("100.00"))
    result = evaluate_product(ours(price=D("79.00"), cost=D("50.00")), [fake, honest, unknown],
                              settings(headroom_pct=D(50)), NOW)
    found = kinds(result.findings)
    assert set(found) == {"fake_discount"}
    flagged = found["fake_discount"]
    assert flagged.listing_id == 1
    assert flagged.gap == D("15.00")  # 'was 100.00' but 85.00 within the 30 days before
    assert flagged.details["real_discount_pct"] == "5.88"  # 80 vs 85, not the claimed 20%
    assert "30 days" in flagged.reason


def test_stats_min_median_max_rank_and_gap() -> None:
    result = evaluate_product(ours(price=D("10.00"), cost=None), [
        offer(1, "9.00"), offer(2, "11.00"), offer(3, "12.00"), offer(4, "10.00"),
    ], settings(), NOW)
    stats = result.stats
    assert stats is not None
    assert (stats.min, stats.median, stats.max) == (D("9.00"), D("10.50"), D("12.00"))
    assert (stats.rank, stats.of, stats.offers) == (2, 5, 4)  # only 9.00 is cheaper; ties share
    assert (stats.gap, stats.gap_pct) == (D("1.00"), D("10.00"))


def test_offers_in_another_currency_are_left_out() -> None:
    result = evaluate_product(ours(), [offer(1, "5.00", currency="USD")], settings(), NOW)
    assert result.stats is None and result.findings == []


def test_findings_kinds_cover_the_issue() -> None:
    assert {k.value for k in FindingKind} == {
        "undercut", "beatable", "promo_driven", "headroom", "terms_gap", "fake_discount",
        "map_violation", "conditional_offer", "out_of_stock",
    }


def test_out_of_stock_is_never_cheaper_and_gives_an_opportunity() -> None:
    gone = offer(1, "15.00", availability="OutOfStock")
    result = evaluate_product(ours(), [gone, offer(2, "21.00")], settings(), NOW)
    found = kinds(result.findings)
    assert "undercut" not in found and "beatable" not in found
    assert found["out_of_stock"].listing_id == 1 and "room to hold" in found["out_of_stock"].reason
    assert result.out_of_stock == 1
    assert result.stats is not None and (result.stats.offers, result.stats.rank) == (1, 1)


def test_preorder_and_backorder_follow_the_settings() -> None:
    pre = offer(1, "15.00", availability="PreOrder")
    assert "undercut" not in kinds(evaluate_product(ours(), [pre], settings(), NOW).findings)
    counted = evaluate_product(ours(), [pre], settings(preorder_in_stock=True), NOW)
    assert "undercut" in kinds(counted.findings)
    back = offer(1, "15.00", availability="BackOrder")
    assert "undercut" in kinds(evaluate_product(ours(), [back], settings(backorder_in_stock=True),
                                                NOW).findings)


def test_conditional_offers_never_undercut_and_are_shown() -> None:
    offers = [
        offer(1, "21.00", promotions=(Promo("multi_buy", buy_qty=2, value=D(50)),)),  # 15.75 for 2
        offer(2, "20.50", promotions=(Promo("coupon", value=D(10), code="SAVE10"),)),
        offer(3, "22.00", promotions=(Promo("member_price", value=D("17.00")),)),
    ]
    result = evaluate_product(ours(), offers, settings(), NOW)
    assert {f.kind.value for f in result.findings} == {"conditional_offer"}
    by_listing = {f.listing_id: f for f in result.findings}
    assert set(by_listing) == {1, 2, 3}
    assert by_listing[1].their_effective == D("21.00")  # what a single buyer pays
    assert by_listing[1].details["conditional_offer"]["price"] == "15.75"
    assert by_listing[2].details["conditional_offer"]["kind"] == "coupon"


def test_a_quantity_discount_finding_tells_the_true_unit_price() -> None:
    qty = Promo("multi_buy", buy_qty=2, value=D(20), detail="quantity_discount")
    result = evaluate_product(ours(), [offer(1, "21.00", promotions=(qty,))], settings(), NOW)
    [finding] = result.findings
    assert finding.kind.value == "conditional_offer"  # never an undercut
    assert finding.their_effective == D("21.00")
    details = finding.details["conditional_offer"]
    assert (details["price"], details["text"]) == ("16.80", "-20% each when buying 2+")
    assert details["gap"] == "3.20"
    assert "with -20% each when buying 2+ (buying several)" in finding.reason
    assert "cheaper: 16.80 a unit." in finding.reason
    assert "item 2" not in finding.reason


def test_an_undercut_shows_the_conditional_offer_beside_it() -> None:
    cheaper = offer(1, "18.00", promotions=(Promo("coupon", value=D(10), code="SAVE10"),))
    found = kinds(evaluate_product(ours(), [cheaper], settings(), NOW).findings)
    undercut = found["undercut"]
    assert undercut.their_effective == D("18.00")  # never 16.20
    assert undercut.details["conditional_offer"]["price"] == "16.20"
    assert "conditional_offer" not in found  # already cheaper: no second story


def test_their_shipping_can_make_them_dearer() -> None:
    ours_free = ours(price=D("59.00"), shipping_cost=D("0"))
    result = evaluate_product(ours_free, [offer(1, "54.99", shipping_cost=D("9.99"))], settings(), NOW)
    assert {f.kind.value for f in result.findings} <= {"headroom"}
    assert result.stats is not None and result.stats.min == D("64.98")


def test_a_beatable_against_a_markdown_says_which_price_it_answers() -> None:
    """They are marked down from 19.00 to 17.00, and 19.00 is still under our 20.00: we
    answer the price that lasts, and the reason names both (a bare "(19.00)" beside a shelf
    of 17.00 reads as a wrong number)."""
    from monitor.compare.reasons import render_reason

    result = evaluate_product(ours(), [offer(1, "17.00", regular_price=D("19.00"))], settings(), NOW)
    beat = kinds(result.findings)["beatable"]
    assert beat.recommended_price == D("18.99")
    assert "at 19.00, their price once the current markdown ends (now 17.00)" in beat.reason
    assert "(now €17.00)" in render_reason(beat, "en") and "€19.00" in render_reason(beat, "en")
    assert "след края на текущото намаление (сега 17,00\xa0€)" in render_reason(beat, "bg")
    plain = kinds(evaluate_product(ours(), [offer(1, "19.00")], settings(), NOW).findings)
    assert "We can answer shop1 (19.00)" in plain["beatable"].reason


def test_a_cheaper_claim_says_when_their_shipping_is_unknown() -> None:
    """Shipping neither read from the page nor configured: the claim says it was compared
    without it (en and bg); a stated shipping (even free) says nothing."""
    from monitor.compare.reasons import render_reason

    unknown = kinds(evaluate_product(ours(), [offer(1, "18.50")], settings(), NOW).findings)
    for kind in ("undercut", "beatable"):
        assert unknown[kind].details["shipping_unknown"] is True
        assert "shop1's shipping is neither on the page nor configured" in render_reason(unknown[kind])
        assert "Доставката при shop1 не е нито на страницата" in render_reason(unknown[kind], "bg")
    known = kinds(evaluate_product(ours(), [offer(1, "18.50", shipping_cost=D("0"))], settings(),
                                   NOW).findings)
    assert "shipping_unknown" not in known["undercut"].details
    assert "shipping" not in render_reason(known["undercut"])
