"""The data-quality rules, the fast-path learner, backoff and item validation: pure, no DB."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from spiders.config import parse_competitors
from spiders.extraction import (
    Availability,
    Delivery,
    ExtractedProduct,
    Promotion,
    PromotionKind,
    Shipping,
)
from spiders.items import PageItem
from spiders.middlewares import backoff_delay
from spiders.pipelines import draft_from, promotion_row, run_status
from spiders.quality import (
    LastGood,
    Reading,
    RunFigures,
    assess,
    blocked_reason,
    gone_reason,
    run_health,
)
from spiders.reading import LEARN_AFTER, StrategyLearner, hints_for
from storage.models import ObservationStatus, RunStatus

D = Decimal
JUMP = D(3)


def reading(price: str | None, currency: str | None = "BGN", title: str | None = "Phone X",
            has_product: bool = True, reason: str | None = None) -> Reading:
    return Reading(None if price is None else D(price), currency, title, has_product, reason)


@pytest.mark.parametrize(
    ("new", "last", "status", "reason_part"),
    [
        (reading("10.00"), None, ObservationStatus.ok, None),
        (reading("10.00"), LastGood(D("9.00"), "BGN", "Phone X"), ObservationStatus.ok, None),
        (reading("0"), None, ObservationStatus.quarantined, "not positive"),
        (reading("-5"), None, ObservationStatus.quarantined, "not positive"),
        (reading("31.00"), LastGood(D("10.00"), "BGN", "Phone X"),
         ObservationStatus.quarantined, "jumped from 10.00 to 31.00"),
        (reading("30.00"), LastGood(D("10.00"), "BGN", "Phone X"), ObservationStatus.ok, None),
        (reading("3.00"), LastGood(D("10.00"), "BGN", "Phone X"),
         ObservationStatus.quarantined, "jumped"),
        (reading("10.00", currency="EUR"), LastGood(D("10.00"), "BGN", "Phone X"),
         ObservationStatus.quarantined, "currency changed from BGN to EUR and the price"),
        (reading("10.00", currency="USD"), LastGood(D("10.00"), "EUR", "Phone X"),
         ObservationStatus.quarantined, "no fixed rate"),
        # The BGN -> EUR changeover at the fixed rate: the same price, kept as ok.
        (reading("459.00", currency="EUR"), LastGood(D("897.73"), "BGN", "Phone X"),
         ObservationStatus.ok, "same price: 897.73 BGN = 459.00 EUR at the fixed rate"),
        (reading("897.73", currency="BGN"), LastGood(D("459.00"), "EUR", "Phone X"),
         ObservationStatus.ok, "currency changed from EUR to BGN, same price"),
        (reading("459.00", currency="EUR", title="Kettle"), LastGood(D("897.73"), "BGN",
                                                                     "Phone X"),
         ObservationStatus.quarantined, "title changed"),
        (reading("10.00", title="Kettle 2000"), LastGood(D("10.00"), "BGN", "Phone X"),
         ObservationStatus.quarantined, "title changed"),
        (reading("10.00", title="  phone   x "), LastGood(D("10.00"), "BGN", "Phone X"),
         ObservationStatus.ok, None),
        (reading(None, reason="no price found"), None, ObservationStatus.parse_failed,
         "no price found"),
        (reading(None, title=None, has_product=False, reason="empty body"), None,
         ObservationStatus.not_found, "empty body"),
    ],
)
def test_assess(new: Reading, last: LastGood | None, status: ObservationStatus,
                reason_part: str | None) -> None:
    verdict = assess(new, last, JUMP)
    assert verdict.status is status
    if reason_part is None:
        assert verdict.reason is None
    else:
        assert verdict.reason is not None and reason_part in verdict.reason


def test_a_change_seen_in_two_runs_in_a_row_is_accepted() -> None:
    last = LastGood(D("10.00"), "BGN", "Phone X")
    same_again = LastGood(D("40.00"), "BGN", "Phone X")
    verdict = assess(reading("40.00"), last, JUMP, pending=same_again)
    assert verdict.status is ObservationStatus.ok
    assert verdict.reason and "two runs in a row" in verdict.reason
    renamed = assess(reading("10.00", title="Phone X Pro"), last, JUMP,
                     pending=LastGood(D("10.00"), "BGN", "phone x  pro"))
    assert renamed.status is ObservationStatus.ok


def test_a_bgn_to_eur_switch_in_a_listing_history_raises_no_quarantine() -> None:
    """A whole price history crossing the switch: every reading is ok, none quarantined."""
    history = [("897.73", "BGN"), ("897.73", "BGN"), ("459.00", "EUR"), ("459.00", "EUR"),
               ("449.00", "EUR")]
    last: LastGood | None = None
    for price, currency in history:
        verdict = assess(reading(price, currency=currency), last, JUMP)
        assert verdict.status is ObservationStatus.ok, (price, currency, verdict.reason)
        last = LastGood(D(price), currency, "Phone X")


def test_a_different_second_reading_stays_quarantined() -> None:
    last = LastGood(D("10.00"), "BGN", "Phone X")
    verdict = assess(reading("45.00"), last, JUMP, pending=LastGood(D("40.00"), "BGN", None))
    assert verdict.status is ObservationStatus.quarantined
    assert assess(reading("0"), last, JUMP, pending=LastGood(D("0"), "BGN", None)).status \
        is ObservationStatus.quarantined


@pytest.mark.parametrize(
    ("status", "body", "blocked"),
    [
        (200, b"<html><h1>Phone</h1><span class=price>10 lv</span></html>", False),
        (200, b'<form id="captcha-form"><div class="g-recaptcha"></div></form>', True),
        (200, b"<p>Please confirm you are not a robot.</p>", True),
        (403, b"", True),
        (429, b"slow down", True),
        (404, b"", False),
    ],
)
def test_blocked_reason(status: int, body: bytes, blocked: bool) -> None:
    assert (blocked_reason(status, body) is not None) is blocked


def test_gone_reason() -> None:
    assert gone_reason(404) and "404" in gone_reason(404)  # type: ignore[operator]
    assert gone_reason(410) is not None
    assert gone_reason(200) is None


def figures(ok: int, pages: int, price_fill: float, blocked: int = 0) -> RunFigures:
    return RunFigures(ok=ok, product_pages=pages, blocked=blocked,
                      fill={"price": price_fill, "title": 1.0, "availability": price_fill})


def test_healthy_run_is_not_suspect() -> None:
    history = [figures(200, 200, 1.0), figures(198, 200, 0.99)]
    assert run_health(figures(195, 200, 0.97), history, D("0.5")) is None


def test_run_where_most_pages_lost_their_price_is_suspect() -> None:
    history = [figures(200, 200, 1.0), figures(198, 200, 0.99), figures(201, 201, 1.0)]
    reason = run_health(figures(40, 200, 0.2), history, D("0.5"))
    assert reason is not None
    assert "yield fell to 40" in reason and "price fill-rate fell" in reason


def test_suspect_without_history_when_most_pages_have_no_price() -> None:
    reason = run_health(figures(10, 100, 0.1), [], D("0.5"))
    assert reason is not None and "10% of 100" in reason


def test_many_blocks_and_empty_runs_are_suspect() -> None:
    assert "blocked" in (run_health(figures(50, 100, 0.5, blocked=50), [], D("0.5")) or "")
    assert "no product page" in (run_health(figures(0, 0, 0.0), [], D("0.5")) or "")


def test_drop_threshold_is_configurable() -> None:
    history = [figures(100, 100, 1.0)]
    assert run_health(figures(70, 100, 0.7), history, D("0.5")) is None
    assert run_health(figures(70, 100, 0.7), history, D("0.8")) is not None


def test_run_figures_read_back_from_stored_run() -> None:
    got = RunFigures.from_run({"ok": 5, "blocked": 2}, {"product_pages": 9, "fill": {"price": 0.5}})
    assert (got.ok, got.blocked, got.product_pages, got.fill) == (5, 2, 9, {"price": 0.5})


@pytest.mark.parametrize(
    ("reason", "status"),
    [("finished", RunStatus.finished), ("shutdown", RunStatus.interrupted),
     ("cancelled", RunStatus.failed), ("storage_error", RunStatus.failed)],
)
def test_run_status_from_close_reason(reason: str, status: RunStatus) -> None:
    assert run_status(reason, None) is status


def test_write_error_fails_the_run() -> None:
    assert run_status("finished", "disk full") is RunStatus.failed


def test_backoff_doubles_and_honours_retry_after_up_to_the_cap() -> None:
    assert backoff_delay(0, 0.5, 30, None) == 0.5
    assert backoff_delay(2, 0.5, 30, None) == 2.0
    assert backoff_delay(0, 0.5, 30, b"4") == 4.0
    assert backoff_delay(10, 0.5, 30, None) == 30
    assert backoff_delay(0, 0.5, 30, b"soon") == 0.5


def test_learner_switches_to_the_winning_strategy_after_enough_pages() -> None:
    learner = StrategyLearner("heuristic")
    for _ in range(LEARN_AFTER - 1):
        learner.observe("platform:woocommerce")
    assert learner.prefer == "heuristic"
    learner.observe("platform:woocommerce")
    assert learner.prefer == "platform"
    learner.observe(None)
    assert learner.best() == "platform" and learner.misses == 1
    assert StrategyLearner(None).best() is None


COMPETITORS = """
competitors:
  - name: shop
    base_url: http://127.0.0.1:1/
    currency: BGN
    locale: bg_BG
    discovery: {kind: start_urls, start_urls: [/p/1]}
    selectors: {price: ".price"}
    terms: {shipping_cost: "4.99", returns_days: 30}
"""


def comp():  # type: ignore[no-untyped-def]
    return parse_competitors(COMPETITORS).get("shop")


def test_hints_carry_currency_language_selectors_terms_and_prefer() -> None:
    hints = hints_for(comp(), "jsonld")
    assert (hints.currency, hints.language, hints.prefer) == ("BGN", "bg", "jsonld")
    assert dict(hints.selectors) == {"price": ".price"}
    assert hints.shipping_cost == D("4.99") and hints.returns_days == 30


NOW = datetime(2026, 11, 2, 10, tzinfo=UTC)


def page(product: ExtractedProduct | None, **kw: object) -> PageItem:
    values: dict[str, object] = {"http_status": 200, "fetched_at": NOW, **kw}
    return PageItem(url="http://127.0.0.1:1/p/1", product=product,
                    **values)  # type: ignore[arg-type]


def test_draft_normalises_a_good_page() -> None:
    product = ExtractedProduct(
        title="  Phone \n X ", price=D("10.50"), regular_price=D("12.00"), currency="bgn",
        availability=Availability.IN_STOCK, gtin="3800000000001", sku="S1",
        shipping=Shipping(cost=D("4.99"), free_threshold=D("100")),
        delivery=Delivery(min_days=1, max_days=3), extractor="jsonld", confidence=0.9,
        promotions=[Promotion(kind=PromotionKind.PERCENT_OFF, text="-12%", value=D("12"))],
    )
    draft = draft_from(page(product, fetched_at=datetime(2025, 11, 2, 10, tzinfo=UTC)), comp())
    assert draft.status is None
    assert draft.listing.title == "Phone X" and draft.listing.gtin == "3800000000001"
    assert draft.values["currency"] == "BGN" and draft.values["price"] == D("10.50")
    assert draft.values["converted_from"] is None
    assert draft.values["availability"] == "InStock"
    assert draft.values["shipping_cost"] == D("4.99")
    assert draft.values["promotions"][0]["kind"] == "percent_off"


def test_draft_missing_price_stays_none_never_zero() -> None:
    draft = draft_from(page(ExtractedProduct(title="Phone X", reason="no price found")), comp())
    assert draft.values["price"] is None
    assert assess(draft.reading, None, JUMP).status is ObservationStatus.parse_failed


def test_draft_of_block_and_gone_pages() -> None:
    blocked = draft_from(page(None, blocked="HTTP 429: rate limited"), comp())
    gone = draft_from(page(None, http_status=404, gone="HTTP 404: page not found"), comp())
    assert blocked.status is ObservationStatus.blocked and "429" in (blocked.reason or "")
    assert gone.status is ObservationStatus.not_found and "404" in (gone.reason or "")


def test_draft_refuses_inexact_money_and_unknown_currency() -> None:
    bad = draft_from(page(ExtractedProduct(title="X", price=D("1.123456"), currency="BGN")),
                     comp())
    assert bad.status is ObservationStatus.parse_failed and "decimal places" in (bad.reason or "")
    odd = draft_from(page(ExtractedProduct(title="X", price=D("1.00"), currency="LEV")), comp())
    assert odd.status is ObservationStatus.parse_failed and "ISO 4217" in (odd.reason or "")


def test_draft_without_currency_takes_the_competitors() -> None:
    before = draft_from(page(ExtractedProduct(title="X", price=D("1.00")),
                             fetched_at=datetime(2025, 12, 31, 22, tzinfo=UTC)), comp())
    assert before.values["currency"] == "BGN"
    # A shop configured in leva prices in euros from 2026-01-01.
    draft = draft_from(page(ExtractedProduct(title="X", price=D("1.00"))), comp())
    assert draft.values["currency"] == "EUR" and draft.values["price"] == D("1.00")


def test_a_leva_only_page_after_the_changeover_is_converted_and_flagged() -> None:
    product = ExtractedProduct(
        title="X", price=D("897.73"), regular_price=D("978.00"), currency="BGN",
        shipping=Shipping(cost=D("9.78"), free_threshold=D("195.58")),
        promotions=[Promotion(kind=PromotionKind.AMOUNT_OFF, text="-80,27 лв.", value=D("80.27")),
                    Promotion(kind=PromotionKind.PERCENT_OFF, text="-8%", value=D("8"))])
    draft = draft_from(page(product), comp())
    assert (draft.values["shipping_cost"], draft.values["free_shipping_threshold"]) == (
        D("5.00"), D("100.00"))
    assert [p["value"] for p in draft.values["promotions"]] == ["41.04", "8"]
    assert [p.value for p in draft.promotions] == [D("41.04"), D("8")]
    assert (draft.values["price"], draft.values["currency"]) == (D("459.00"), "EUR")
    assert draft.values["regular_price"] == D("500.04")
    assert draft.values["converted_from"] == "BGN"
    assert (draft.values["secondary_price"], draft.values["secondary_currency"]) == (
        D("897.73"), "BGN")
    assert draft.reason and "shown only in BGN" in draft.reason and "1.95583" in draft.reason
    assert draft.reading.price == D("459.00") and draft.reading.currency == "EUR"


def test_a_dual_display_keeps_the_other_amount_as_secondary() -> None:
    product = ExtractedProduct(title="X", price=D("459.00"), currency="EUR",
                               secondary_price=D("897.73"), secondary_currency="BGN")
    draft = draft_from(page(product), comp())
    assert (draft.values["price"], draft.values["currency"]) == (D("459.00"), "EUR")
    assert (draft.values["secondary_price"], draft.values["secondary_currency"]) == (
        D("897.73"), "BGN")
    assert draft.values["converted_from"] is None and draft.reason is None


def test_promotion_row_turns_a_day_into_its_last_second_utc() -> None:
    promo = Promotion(kind=PromotionKind.COUPON, text="code X", code="X",
                      valid_until=date(2026, 11, 30))
    row = promotion_row(promo, 1, 2, NOW)
    assert row["valid_until"] == datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    assert (row["kind"], row["code"], row["listing_id"], row["crawl_run_id"]) == (
        "coupon", "X", 1, 2)
