"""Broken input never raises and never turns into a price of 0."""

from __future__ import annotations

import os

import pytest

from spiders.extraction import ExtractionHints, extract

from .support import page


def big_page() -> bytes:
    """About 10 MB of product-page markup with no price in it."""
    row = ("<div class='spec'><span>Colour</span><span>Black</span><p>"
           + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 4 + "</p></div>")
    body = "<h1>Huge page</h1>" + row * (10 * 1024 * 1024 // len(row) + 1)
    return page(body)


CASES = {
    "empty bytes": b"",
    "empty string": "",
    "whitespace": b"  \n\t ",
    "binary garbage": os.urandom(4096),
    "png header": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "plain text": b"just some words, no markup at all 12,99 EUR",
    "html without price": page("<p>A very nice product.</p>"),
    "price only in related block": page(
        '<section class="related-products"><div class="product-card"><span class="price">'
        "19,99 €</span></div></section>"),
    "price only in the cart": page('<div class="mini-cart">Total: <span class="price">58,40 €'
                                   "</span></div>"),
    "invalid json-ld": page("<p>Nothing</p>", head='<script type="application/ld+json">'
                            '{"@type": "Product", "name": "X", "offers": {"price": </script>'),
    "json-ld price 0": page("", head='<script type="application/ld+json">{"@type": "Product",'
                            '"name": "X","offers":{"price":"0.00","priceCurrency":"EUR"}}</script>'),
    "only tags": b"<<<<>>>><html><body></html>",
    "nul bytes": b"<html>\x00\x00<body>\x00<h1>x</h1></body></html>",
    "deep nesting": ("<div>" * 5000 + "text" + "</div>" * 5000).encode(),
    "latin-1 without charset": "<html><body><h1>Caf\xe9</h1></body></html>".encode("latin-1"),
    "xml declaration": b'<?xml version="1.0" encoding="utf-8"?><html><body><h1>x</h1></body>'
                       b"</html>",
}


@pytest.mark.parametrize("name", list(CASES))
def test_broken_input_gives_no_price_and_a_reason(name: str) -> None:
    result = extract(CASES[name], url="https://shop.example.com/p/1")
    assert result.price is None
    assert result.reason
    assert result.url == "https://shop.example.com/p/1"
    assert result.to_dict()["price"] is None


def test_reasons_say_what_happened() -> None:
    assert "empty" in (extract(b"").reason or "")
    assert "not HTML" in (extract(os.urandom(2048)).reason or "")
    assert "related" in (extract(CASES["price only in related block"]).reason or "")
    assert "invalid JSON-LD" in (extract(CASES["invalid json-ld"]).reason or "")


def test_ten_megabyte_page() -> None:
    body = big_page()
    assert len(body) >= 10 * 1024 * 1024
    result = extract(body, url="https://shop.example.com/p/big")
    assert result.price is None
    assert result.title == "Huge page"
    assert result.reason


def test_none_body_and_odd_hints() -> None:
    assert extract(None).price is None  # type: ignore[arg-type]
    hints = ExtractionHints(selectors={"price": "div[[[", "nonsense": ".x"}, prefer="nosuch")
    result = extract(page('<p class="price">10 €</p>'), hints=hints)
    assert result.price is not None
    assert "invalid" in (result.reason or "") and "unknown field" in (result.reason or "")
