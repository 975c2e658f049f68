"""The item's condition read off a page: schema.org itemCondition, the title, a condition
label; in Bulgarian and English. Nothing stated is None (not "new")."""

from __future__ import annotations

import json

import pytest

from spiders.extraction import extract
from storage.condition import Condition, condition_from_text, normalize_condition


def page(title: str, *, condition: str | None = None, lines: tuple[str, ...] = ()) -> bytes:
    offer = {"@type": "Offer", "price": "199.00", "priceCurrency": "EUR",
             "availability": "https://schema.org/InStock"}
    if condition:
        offer["itemCondition"] = condition
    data = {"@context": "https://schema.org", "@type": "Product", "name": title, "offers": offer}
    body = "".join(f"<p>{line}</p>" for line in lines)
    return (f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head>'
            f'<body><main><h1>{title}</h1><span class="price">€199.00</span>{body}'
            f"<button>Add to cart</button></main></body></html>").encode()


@pytest.mark.parametrize(("text", "expected"), [
    ("Apple iPhone 13 128GB (Renewed)", Condition.REFURBISHED),
    ("Лаптоп Lenovo ThinkPad T480 - обновен", Condition.REFURBISHED),
    ("Смартфон Samsung Galaxy S21, рециклиран", Condition.REFURBISHED),
    ("Телевизор LG 55UR78 - B-grade", Condition.REFURBISHED),
    ("Прахосмукачка Dyson V8, употребявана", Condition.USED),
    ("Sony WH-1000XM5 pre-owned", Condition.USED),
    ("Кафемашина DeLonghi Magnifica - разопакован продукт", Condition.OPEN_BOX),
    ("Philips TV open box", Condition.OPEN_BOX),
    ("Слушалки Apple AirPods Pro 2 USB-C – мострен продукт", Condition.OPEN_BOX),
    ("Пералня Bosch WAN28263BY, мострена бройка", Condition.OPEN_BOX),
    ("Sony WH-1000XM5 wireless headphones", None),
    ("Tefal Express renewal kit adapter", None),  # 'renewal' is no condition
])
def test_condition_from_wording(text: str, expected: Condition | None) -> None:
    assert condition_from_text(text) == expected


def test_schema_org_terms() -> None:
    assert normalize_condition("https://schema.org/RefurbishedCondition") == Condition.REFURBISHED
    assert normalize_condition("UsedCondition") == Condition.USED
    assert normalize_condition({"@id": "http://schema.org/NewCondition"}) == Condition.NEW
    assert normalize_condition("") is None


def test_read_off_a_page() -> None:
    refurbished = extract(page("Lenovo IdeaPad 5", condition="https://schema.org/RefurbishedCondition"),
                          url="http://127.0.0.1/p/1")
    assert refurbished.condition == "refurbished"
    assert extract(page("Lenovo IdeaPad 5 (обновен)"), url="http://127.0.0.1/p/2").condition \
        == "refurbished"
    labelled = extract(page("Lenovo IdeaPad 5", lines=("Състояние: употребяван",)),
                       url="http://127.0.0.1/p/3")
    assert labelled.condition == "used"
    new = extract(page("Lenovo IdeaPad 5", condition="https://schema.org/NewCondition"),
                  url="http://127.0.0.1/p/4")
    assert new.condition == "new"
    # a related product's wording elsewhere on the page says nothing about this item
    plain = extract(page("Lenovo IdeaPad 5", lines=("Also see: Refurbished laptops from 299 €",)),
                    url="http://127.0.0.1/p/5")
    assert plain.condition is None


def test_configured_shipping_fills_what_the_page_leaves_out() -> None:
    from decimal import Decimal

    from spiders.extraction import ExtractionHints

    hints = ExtractionHints(currency="EUR", shipping_cost=Decimal("9.99"),
                            free_shipping_threshold=Decimal("150"))
    silent = extract(page("Philips Blender HR2041"), url="http://127.0.0.1/p/6", hints=hints)
    assert silent.shipping is not None
    assert (silent.shipping.cost, silent.shipping.free_threshold) == (Decimal("9.99"), Decimal("150"))
    # the page states only its threshold: that wins, the configured cost still applies below it
    partial = extract(page("Philips Blender HR2041", lines=("Free shipping on orders over €100.00",)),
                      url="http://127.0.0.1/p/7", hints=hints)
    assert partial.shipping is not None
    assert (partial.shipping.cost, partial.shipping.free_threshold) == (Decimal("9.99"), Decimal("100.00"))
