"""Prices that are not the product's price: each trap must not win."""

from __future__ import annotations

import pytest

from .support import D, run

TITLE = "<h1>Espresso machine</h1>"
BUY = '<button class="add-to-cart">Add to cart</button>'


@pytest.mark.parametrize(
    ("name", "body", "lang", "expected"),
    [
        ("related products after", TITLE + '<div class="price">249,00 €</div>' + BUY +
         '<section class="related-products"><div class="product-card"><span class="price">'
         "19,00 €</span></div></section>", "de", "249.00"),
        ("carousel before the title", '<div class="carousel"><span class="price">9,99 €</span>'
         "</div>" + TITLE + '<div class="price">249,00 €</div>' + BUY, "de", "249.00"),
        ("you save (en)", TITLE + '<p><span class="saving">Save $50.00</span></p>'
         '<p class="price">$249.00</p>' + BUY, "en", "249.00"),
        ("спестявате (bg)", TITLE + "<p>Спестявате <span>50,00 лв.</span></p>"
         '<p class="price">249,00 лв.</p>' + BUY, "bg", "249.00"),
        ("per month (en)", TITLE + '<p class="price">$1,199.00</p><p>or <span class="amount">'
         "$99.92</span>/mo for 12 months</p>" + BUY, "en", "1199.00"),
        ("на месец (bg)", TITLE + '<p class="price">1 199,00 лв.</p><p><span class="cena">'
         "99,92 лв.</span> на месец</p>" + BUY, "bg", "1199.00"),
        ("monatlich (de)", TITLE + '<p class="price">1.199,00 €</p><p>ab <span class="price">'
         "49,96 €</span> monatlich</p>" + BUY, "de", "1199.00"),
        ("per kilo (en)", TITLE + '<p class="price">£4.50</p><p class="unit">(<span>£9.00</span>'
         " per kg)</p>" + BUY, "en", "4.50"),
        ("€/kg (de)", TITLE + '<p class="price">4,50 €</p><p><span class="price">9,00 €</span>'
         " / kg</p>" + BUY, "de", "4.50"),
        ("prix au kilo (fr)", TITLE + '<p class="prix">4,50 €</p><p><span class="prix">'
         "9,00 €</span> le kilo</p>" + BUY, "fr", "4.50"),
        ("ex VAT (en)", TITLE + '<p><span class="price">£100.00</span> inc. VAT</p>'
         '<p><span class="price">£83.33</span> ex VAT</p>' + BUY, "en", "100.00"),
        ("без ДДС (bg)", TITLE + '<p>Цена без ДДС: <span class="price">83,33 лв.</span></p>'
         '<p class="price">100,00 лв.</p>' + BUY, "bg", "100.00"),
        ("zzgl. MwSt. (de)", TITLE + '<p><span class="preis">84,03 €</span> zzgl. MwSt.</p>'
         '<p><span class="preis">100,00 €</span> inkl. MwSt.</p>' + BUY, "de", "100.00"),
        ("HT (fr)", TITLE + '<p><span class="prix">83,33 €</span> HT</p><p><span class="prix">'
         "100,00 €</span> TTC</p>" + BUY, "fr", "100.00"),
        ("sin IVA (es)", TITLE + '<p><span class="precio">82,64 €</span> sin IVA</p>'
         '<p><span class="precio">100,00 €</span> IVA incluido</p>' + BUY, "es", "100.00"),
        ("cart total in header", '<header><div class="mini-cart">Cart: <span class="price">'
         "$58.40</span></div></header>" + TITLE + '<p class="price">$249.00</p>' + BUY,
         "en", "249.00"),
        ("количка (bg)", '<div class="header-cart">Количка: <span class="price">158,97 лв.'
         "</span></div>" + TITLE + '<p class="price">249,00 лв.</p>' + BUY, "bg", "249.00"),
        ("shipping threshold", TITLE + '<p class="price">49,00 €</p><p>Free shipping on orders '
         'over <span class="price">50,00 €</span></p>' + BUY, "en", "49.00"),
        ("shipping cost", TITLE + '<p>Доставка: <span class="price">5,99 лв.</span></p>'
         '<p class="price">49,00 лв.</p>' + BUY, "bg", "49.00"),
        ("old price struck", TITLE + '<p class="price"><del>399,00 лв.</del> <span>349,00 лв.'
         "</span></p>" + BUY, "bg", "349.00"),
        ("variant swatches", TITLE + '<p class="price">29,99 €</p>' + BUY +
         '<label><input type="radio" name="size"><span class="price">34,99 €</span></label>',
         "de", "29.99"),
    ],
)
def test_trap(name: str, body: str, lang: str, expected: str) -> None:
    result = run(body, lang=lang)
    assert result.price == D(expected), (name, result.reason, result.candidates)


def test_old_price_becomes_regular_price() -> None:
    result = run(TITLE + '<p class="price"><del>399,00 лв.</del> <ins>349,00 лв.</ins></p>' + BUY,
                 lang="bg")
    assert (result.price, result.regular_price) == (D("349.00"), D("399.00"))


def test_structured_price_shown_as_old_price_is_stale() -> None:
    head = ('<script type="application/ld+json">{"@type": "Product", "name": "X", "offers": '
            '{"@type": "Offer", "price": "219.99", "priceCurrency": "EUR", '
            '"availability": "https://schema.org/InStock"}}</script>')
    body = (TITLE + '<div class="price-block"><span class="original-price">EUR219.99</span>'
            '<span class="current-price">EUR110.00</span></div>' + BUY)
    result = run(body, head=head)
    assert (result.price, result.regular_price) == (D("110.00"), D("219.99"))
    assert "old price" in (result.reason or "")


@pytest.mark.parametrize(
    ("markup", "expected"),
    [('<span class="price"><span>€</span><span>19</span><sup>,99</sup></span>', "19.99"),
     ('<div class="price">19<sup>99</sup> €</div>', "19.99"),
     ('<div class="product-price"><span>1 299</span><span>,00</span> <span>лв.</span></div>',
      "1299.00"),
     ('<p class="price"><span class="whole">51.</span><span class="fraction">99</span> $</p>',
      "51.99")],
)
def test_prices_split_over_elements(markup: str, expected: str) -> None:
    assert run(TITLE + markup + BUY).price == D(expected)


def test_shop_without_price_classes() -> None:
    body = ("<h1>Old radio</h1><p>Nice radio from 1960.</p><table><tr><td>Cena:</td>"
            "<td><b>149,00 zł</b></td></tr></table>")
    result = run(body, lang="pl")
    assert (result.price, result.currency) == (D("149.00"), "PLN")


@pytest.mark.parametrize(
    ("heading", "lang"),
    [("Вижте още", "bg"), ("Подобни продукти", "bg"), ("You may also like", "en"),
     ("Related products", "en"), ("Ähnliche Produkte", "de"), ("Produse similare", "ro")],
)
def test_block_under_a_related_heading_holds_other_products(heading: str, lang: str) -> None:
    """The product's own price block is gone (a layout change); the only prices left are
    those of other products in a block whose class says nothing but whose heading does."""
    others = (f'<div class="vizh-x"><h3>{heading}</h3>'
              '<div class="itm"><a href="/p/2">Other machine</a> <span class="cena">332,90 €</span></div>'
              '<div class="itm"><a href="/p/3">Third machine</a> <span class="cena">342,90 €</span></div>'
              "</div>")
    gone = run(TITLE + "<p>Безплатна доставка над 60,00 €</p>" + BUY + others, lang=lang)
    assert gone.price is None
    kept = run(TITLE + '<p class="price">249,00 €</p>' + BUY + others, lang=lang)
    assert kept.price == D("249.00")
