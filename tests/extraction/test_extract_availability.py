"""Availability wording and structured values -> schema.org terms."""

from __future__ import annotations

import pytest

from spiders.extraction import Availability
from spiders.extraction.availability import normalize_availability

from .support import jsonld, run

A = Availability


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English
        ("In stock", A.IN_STOCK), ("Only 3 left in stock", A.LIMITED_AVAILABILITY),
        ("Out of stock", A.OUT_OF_STOCK), ("Currently unavailable.", A.OUT_OF_STOCK),
        ("Sold out", A.OUT_OF_STOCK), ("Pre-order now", A.PRE_ORDER),
        ("Available on backorder", A.BACK_ORDER), ("Discontinued", A.DISCONTINUED),
        ("Limited stock", A.LIMITED_AVAILABILITY),
        # Bulgarian
        ("В наличност", A.IN_STOCK), ("Наличен", A.IN_STOCK), ("Изчерпан", A.OUT_OF_STOCK),
        ("Няма наличност", A.OUT_OF_STOCK), ("Предварителна поръчка", A.PRE_ORDER),
        ("По поръчка", A.BACK_ORDER), ("Ограничено количество", A.LIMITED_AVAILABILITY),
        ("Спрян от производство", A.DISCONTINUED), ("Очаквайте скоро", A.PRE_ORDER),
        ("Coming soon", A.PRE_ORDER),
        # German
        ("Auf Lager", A.IN_STOCK), ("Sofort lieferbar", A.IN_STOCK),
        ("Ausverkauft", A.OUT_OF_STOCK), ("Derzeit nicht verfügbar", A.OUT_OF_STOCK),
        ("Jetzt vorbestellen", A.PRE_ORDER), ("Nur noch 2 Stück", A.LIMITED_AVAILABILITY),
        # French
        ("En stock", A.IN_STOCK), ("Rupture de stock", A.OUT_OF_STOCK),
        ("Épuisé", A.OUT_OF_STOCK), ("Précommande", A.PRE_ORDER),
        # Spanish
        ("Disponible", A.IN_STOCK), ("Agotado", A.OUT_OF_STOCK), ("Sin stock", A.OUT_OF_STOCK),
        ("Preventa", A.PRE_ORDER),
        # Italian
        ("Non disponibile", A.OUT_OF_STOCK), ("Disponibile", A.IN_STOCK),
    ],
)
def test_wording(text: str, expected: Availability) -> None:
    assert normalize_availability(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://schema.org/InStock", A.IN_STOCK), ("http://schema.org/OutOfStock", A.OUT_OF_STOCK),
        ("schema:PreOrder", A.PRE_ORDER), ("InStoreOnly", A.IN_STOCK),
        ("SoldOut", A.OUT_OF_STOCK), ("in_stock", A.IN_STOCK), ("BackOrder", A.BACK_ORDER),
        (True, A.IN_STOCK), (False, A.OUT_OF_STOCK), ("", None), (None, None), ("blue", None),
    ],
)
def test_structured_values(value: object, expected: Availability | None) -> None:
    assert normalize_availability(value) == expected


def test_any_variant_in_stock_makes_the_product_in_stock() -> None:
    offers = [{"@type": "Offer", "price": "10", "priceCurrency": "EUR",
               "availability": "https://schema.org/OutOfStock"},
              {"@type": "Offer", "price": "10", "priceCurrency": "EUR",
               "availability": "https://schema.org/InStock"}]
    result = run("", head=jsonld({"@type": "Product", "name": "X", "offers": offers}))
    assert result.availability == A.IN_STOCK


def test_stock_block_and_disabled_button() -> None:
    assert run('<span class="price">10 €</span><p class="availability">Изчерпан</p>',
               lang="bg").availability == A.OUT_OF_STOCK
    assert run('<span class="price">10 €</span><button class="add-to-cart" disabled>'
               "Add to cart</button>").availability == A.OUT_OF_STOCK
    assert run('<span class="price">10 €</span><button class="add-to-cart">Add to cart'
               "</button>").availability == A.IN_STOCK


def test_stock_of_related_items_is_ignored() -> None:
    body = ('<span class="price">10 €</span><p class="stock">In stock</p>'
            '<section class="related-products"><div class="product-card"><span class="price">'
            '5 €</span><p class="stock">Out of stock</p></div></section>')
    assert run(body).availability == A.IN_STOCK


@pytest.mark.parametrize(("line", "expected"), [("Sold out", A.OUT_OF_STOCK),
                                                ("Изчерпан", A.OUT_OF_STOCK),
                                                ("Pre-order", A.PRE_ORDER)])
def test_plain_stock_line_without_classes(line: str, expected: Availability) -> None:
    body = f'<span class="price">10 €</span><p>{line}</p><button>Add to cart</button>'
    assert run(body).availability == expected


def test_longer_sentences_are_not_stock_statements() -> None:
    body = ('<span class="price">10 €</span><p>Free delivery is not available for this item '
            "on islands</p><button>Add to cart</button>")
    assert run(body).availability == A.IN_STOCK


STALE = jsonld({"@type": "Product", "name": "Nespresso Vertuo Pop",
                "offers": {"@type": "Offer", "price": "79.00", "priceCurrency": "EUR",
                           "availability": "http://schema.org/InStock"}})


@pytest.mark.parametrize("line", ["Няма наличност", "Изчерпан!", "Sold out", "Out of stock"])
def test_a_sold_out_line_beats_a_stale_structured_in_stock(line: str) -> None:
    """The template's JSON-LD still says InStock, the product block says it is sold out:
    what the buyer sees wins (a cheaper offer they cannot buy is no cheaper offer)."""
    body = (f'<h1>Nespresso Vertuo Pop</h1><span class="price">79,00 €</span>'
            f'<p class="pdp-stock">{line}</p><button disabled>Купи сега</button>')
    result = run(body, head=STALE, lang="bg")
    assert result.availability == A.OUT_OF_STOCK
    assert "availability disagreement" in (result.reason or "")


@pytest.mark.parametrize("line", ["Chat is unavailable", "Not available for this item",
                                  "Безплатна доставка не е налична за острови"])
def test_a_line_about_something_else_leaves_structured_stock(line: str) -> None:
    body = (f'<h1>Nespresso Vertuo Pop</h1><span class="price">79,00 €</span>'
            f"<p>{line}</p><button>Купи сега</button>")
    assert run(body, head=STALE, lang="bg").availability == A.IN_STOCK
