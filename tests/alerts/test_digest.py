"""The digest a manager reads in a minute: grouped by product, money at stake x priority
first, at most `top` alerts with a link to the report, English or Bulgarian, the subject
naming the top item. Pure: no database."""

from __future__ import annotations

from decimal import Decimal

from monitor.alerts.digest import DigestItem, build_digest
from monitor.alerts.render import render_html, render_text


def item(alert_id: int, kind: str, product: str, impact: str | None, priority: int = 1,
         **details: str) -> DigestItem:
    return DigestItem(alert_id, kind, {
        "kind": kind, "product_id": hash(product) % 1000, "product_name": product, "sku": product[:3].upper(),
        "competitor": "Woo Store", "url": f"http://127.0.0.1/{alert_id}",
        "details": {"currency": "EUR", **details},
    }, None if impact is None else Decimal(impact), priority)


ITEMS = [
    item(1, "price_drop", "Kettle", "5.00", old_price="50.00", new_price="45.00", change_pct="-10.0"),
    item(2, "promotion_started", "Laptop", "100.00", priority=3, promotions=["-20%"], price="400.00"),
    item(3, "out_of_stock", "Kettle", "50.00"),
    item(4, "promotion_ended", "Mixer", None, previous_promotions=["-10%"], price="90.00"),
    item(5, "price_rise", "Toaster", "1.00", old_price="20.00", new_price="21.00", change_pct="5.0"),
]


def test_grouped_ranked_capped_with_a_link() -> None:
    subject, body = build_digest(ITEMS, audience="business", top=3, report_url="https://r/x.html")
    assert subject == ("[pricewatch] Promotion started: Laptop at Woo Store: -20% (now €400.00)"
                       " (+4 more)")
    # Laptop 100 x 3 first; the kettle's two alerts together (50 + 5); then the rest counted
    assert [g["product_name"] for g in body["groups"]] == ["Laptop", "Kettle"]
    assert [i["alert_id"] for i in body["items"]] == [2, 3, 1]
    assert body["rest_count"] == 2 and body["total"] == 5
    text = render_text(subject, body)
    assert text.index("Laptop") < text.index("Kettle") and "Mixer" not in text
    assert "And 2 more:" in text and "Everything in the report: https://r/x.html" in text


def test_bulgarian_digest() -> None:
    subject, body = build_digest(ITEMS, audience="business", top=10, lang="bg")
    assert subject.startswith("[pricewatch] Започна промоция: Laptop в Woo Store: -20% (сега 400,00\xa0€)")
    assert subject.endswith("(+4 още)")
    text = render_text(subject, body)
    assert "Изчерпан в Woo Store" in text and "Намалена цена в Woo Store: 50,00\xa0€ -> 45,00\xa0€" in text
    # percentages as the language writes them, with their sign
    assert "45,00\xa0€ (-10,0%)" in text and "21,00\xa0€ (+5,0%)" in text
    english = render_text(*build_digest(ITEMS, audience="business", top=10, lang="en"))
    assert "€45.00 (-10.0%)" in english and "€21.00 (+5.0%)" in english
    html = render_html(subject, body)
    assert '<html lang="bg">' in html and "Подробности" in html


def test_bulgarian_digest_with_leva_beside_the_euros() -> None:
    """money.secondary_currency: BGN puts every amount also in leva, at the fixed rate."""
    subject, body = build_digest(ITEMS, audience="business", top=10, lang="bg", secondary="BGN")
    assert "400,00\xa0€ (782,33\xa0лв.)" in subject
    text = render_text(subject, body)
    assert "50,00\xa0€ (97,79\xa0лв.) -> 45,00\xa0€ (88,01\xa0лв.)" in text
    english, _ = build_digest(ITEMS, audience="business", top=10, lang="en")
    assert "€400.00" in english and "лв" not in english and "BGN" not in english
