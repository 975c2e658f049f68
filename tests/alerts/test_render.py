"""Message rendering from a digest body: escaping, links, the Slack payload's limits."""

from __future__ import annotations

from decimal import Decimal

from monitor.alerts.digest import DigestItem, build_digest
from monitor.alerts.render import render_html, render_text, slack_payload


def item(n: int, *, name: str = "Kettle", url: str | None = None, impact: str | None = "1.00") -> DigestItem:
    return DigestItem(alert_id=n, kind="price_drop", impact=None if impact is None else Decimal(impact),
                      payload={"kind": "price_drop", "product_name": name, "competitor": "shop", "url": url,
                               "details": {"old_price": "10.00", "new_price": "9.00", "currency": "EUR"}})


def test_only_http_urls_become_links() -> None:
    _, body = build_digest([item(1, url="javascript:alert(1)"), item(2, url="https://shop.test/p?a=1&b=2")],
                           audience="business", top=5)
    html = render_html("s", body)
    assert 'href="javascript' not in html
    assert 'href="https://shop.test/p?a=1&amp;b=2"' in html


def test_unknown_impact_ranks_last_and_rest_is_counted() -> None:
    items = [item(1, impact=None), item(2, impact="3.00"), item(3, impact="7.00"), item(4, impact="3.00")]
    subject, body = build_digest(items, audience="business", top=2)
    assert [i["alert_id"] for i in body["items"]] == [3, 2]
    assert body["rest_count"] == 2
    text = render_text(subject, body)
    assert text.splitlines()[-1] == "And 2 more: 2 price cut."


def test_slack_payload_stays_within_block_limits() -> None:
    items = [item(n, name="x" * 200 + " <&>") for n in range(60)]
    subject, body = build_digest(items, audience="business", top=60)
    payload = slack_payload(subject, body)
    sections = [b for b in payload["blocks"] if b["type"] == "section"]
    assert len(sections) > 1 and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert len(payload["blocks"]) <= 50
    assert "&lt;&amp;&gt;" in sections[0]["text"]["text"] and "<&>" not in sections[0]["text"]["text"]


def test_impact_is_money_with_its_currency_in_both_languages() -> None:
    from storage.money import format_dual

    stock = DigestItem(alert_id=1, kind="out_of_stock", impact=Decimal("1234.5"), priority=2, payload={
        "kind": "out_of_stock", "product_name": "Kettle", "competitor": "shop",
        # the money at stake is our margin: in our currency, not the listing's
        "impact_currency": "EUR", "details": {"currency": "BGN", "availability": "OutOfStock"}})
    move = item(2, impact="3.5")  # no impact_currency stored: the event's currency
    for lang in ("en", "bg"):
        _, body = build_digest([stock, move], audience="business", top=5, lang=lang, secondary="BGN")
        text, html = render_text("s", body), render_html("s", body)
        for amount in (format_dual(Decimal("1234.5"), "EUR", "BGN", lang),
                       format_dual(Decimal("3.5"), "EUR", "BGN", lang)):
            assert amount in text
            assert amount.replace("€", "&euro;") in html or amount in html
        assert "1234.5]" not in text and ">1234.5<" not in html
