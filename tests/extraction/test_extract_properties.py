"""Property-based tests (hypothesis): random and malformed pages and price strings never
raise, and text without a price in it never gives one."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spiders.extraction import extract
from spiders.extraction.prices import find_prices, parse_amount, parse_price

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

_TAGS = ["div", "span", "p", "h1", "h2", "del", "ins", "sup", "b", "li", "ul", "section",
         "button", "script", "style", "meta", "table", "td", "tr", "a", "s"]
_CLASSES = ["price", "amount", "old-price", "price-old-live", "product", "related", "stock",
            "sale", "tax", "notax", "product_cat-accessories", "summary", "cart", "was", "now",
            "woocommerce-Price-amount", "current-price", "price-box", "", "in-stock"]
_WORDS = ["Add to cart", "Купи", "In stock", "Изчерпан", "Sale", "price", "цена", "лв.", "€",
          "$", "EUR", "BGN", "Preis", "Prix", "save", "Save", "spend over", "1+1", "3 for 2",
          "SKU:", "Артикул:", "Model", "inch", "ex VAT", "incl. VAT", "Brez DDV", "x", "/",
          "-", ",", ".", "%", "&nbsp;", "&amp;", "<", ">", "\"", "'", "{", "}", "[", "]"]
_NO_DIGIT_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Nd", "No", "Nl", "Cs")),
                         max_size=60)


@st.composite
def _fragment(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(_TAGS))
    cls = draw(st.sampled_from(_CLASSES))
    parts = draw(st.lists(st.one_of(st.sampled_from(_WORDS), _NO_DIGIT_TEXT,
                                    st.integers(0, 10**7).map(str),
                                    st.decimals(0, 10**6, places=2).map(str)),
                          max_size=4))
    inner = " ".join(parts)
    if depth < 3 and draw(st.booleans()):
        inner += "".join(draw(st.lists(_fragment(depth + 1), max_size=3)))
    closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}"]))  # malformed on purpose
    return f'<{tag} class="{cls}">{inner}{closing}'


@st.composite
def _page(draw: st.DrawFn) -> str:
    body = "".join(draw(st.lists(_fragment(), max_size=6)))
    head = draw(st.sampled_from([
        "", '<meta charset="utf-8">', '<meta charset="nonsense">',
        '<script type="application/ld+json">{"@type": "Product", "offers": {</script>',
        '<script type="application/ld+json">{"@type":"Product","name":"X","offers":'
        '{"@type":"AggregateOffer","lowPrice":"abc","offers":[{"price":null}]}}</script>',
        '<meta property="og:price:amount" content="-1">']))
    return f"<html><head>{head}</head><body>{body}</body></html>"


@SETTINGS
@given(_page(), st.sampled_from([None, "jsonld", "heuristic"]))
def test_random_pages_never_raise_nor_fail_inside(html: str, prefer: str | None) -> None:
    from spiders.extraction import ExtractionHints

    result = extract(html.encode("utf-8"), url="https://shop.example.com/p/1",
                     hints=ExtractionHints(prefer=prefer))
    assert "extraction failed" not in (result.reason or ""), result.reason
    assert result.price is None or result.price > 0


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(body: bytes) -> None:
    result = extract(body, url="https://shop.example.com/p/1")
    assert "extraction failed" not in (result.reason or ""), result.reason


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(_WORDS), _NO_DIGIT_TEXT), max_size=8),
       st.sampled_from(_CLASSES))
def test_a_page_without_digits_has_no_price(words: list[str], cls: str) -> None:
    words = [w for w in words if not any(ch.isdigit() for ch in w)]
    text = " ".join(words).replace("<", " ").replace(">", " ")
    html = (f'<html><body><h1>Product</h1><div class="{cls}">{text}</div>'
            '<button class="add-to-cart">Add to cart</button></body></html>')
    result = extract(html.encode("utf-8"), url="https://shop.example.com/p/1")
    assert result.price is None
    assert result.reason and ("no price" in result.reason or "not HTML" in result.reason)


@SETTINGS
@given(_NO_DIGIT_TEXT)
def test_price_strings_without_digits_parse_to_nothing(text: str) -> None:
    assert find_prices(text) == []
    assert parse_price(text) is None
    assert parse_amount(text) is None


@SETTINGS
@given(st.text(max_size=40))
def test_any_price_string_parses_without_raising(text: str) -> None:
    for found in find_prices(text, default_currency="EUR"):
        assert found.amount >= 0 and found.amount.is_finite()
    value = parse_amount(text)
    assert value is None or value >= 0


@SETTINGS
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2),
       st.sampled_from(["{:,.2f} $", "€{:,.2f}", "{} лв.", "{} €"]))
def test_written_prices_read_back(amount: Decimal, pattern: str) -> None:
    if pattern.startswith("{} "):
        whole, cents = f"{amount:.2f}".split(".")
        groups = f"{int(whole):,}".replace(",", "\u00a0")
        text = pattern.format(f"{groups},{cents}")
    else:
        text = pattern.format(amount)
    found = find_prices(text, default_currency="EUR")
    assert found and found[0].amount == amount, text
