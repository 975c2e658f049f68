"""Variant pages and B2B price lines (found by tests/scenario/test_unseen_probe2.py).

Structured data that offers several prices (an AggregateOffer's lowPrice..highPrice over
sizes, one Offer per colour or condition) does not say which one the page sells: the price
the page shows, when it is one of them, is the page's price. And on the visible page: a
price saying "с ДДС" after a net price, a "from" price above the chosen variant's, a unit
price written inside the price line.
"""

from __future__ import annotations

from spiders.extraction import ExtractionHints, extract

from .support import D, jsonld, page, run


def _offer(price: str, availability: str = "InStock", **extra: object) -> dict[str, object]:
    return {"@type": "Offer", "price": price, "priceCurrency": "EUR",
            "availability": f"https://schema.org/{availability}", **extra}


def _both(body: str, head: str, lang: str = "bg") -> list[object]:
    """The full reading and the JSON-LD fast path must agree."""
    full = run(body, head=head, lang=lang)
    quick = extract(page(body, head=head, lang=lang), url="https://shop.example.com/p/1",
                    hints=ExtractionHints(prefer="jsonld"))
    assert (quick.price, quick.availability, quick.condition) == (
        full.price, full.availability, full.condition)
    return [full]


def test_aggregate_offer_range_the_page_price_of_the_chosen_size() -> None:
    head = jsonld({"@context": "https://schema.org", "@type": "Product", "name": 'Samsung 55"',
                   "offers": {"@type": "AggregateOffer", "lowPrice": "449.00",
                              "highPrice": "899.00", "priceCurrency": "EUR",
                              "availability": "https://schema.org/InStock"}})
    body = ("<h1>Телевизор Samsung QE55Q60DAUXXH, 55\"</h1>"
            '<div class="variant-chooser"><a class="variant">43 инча <small>449,00 €</small></a>'
            '<a class="variant selected">55 инча <small>619,00 €</small></a></div>'
            '<div class="price-block"><span class="price">619,00 €</span></div>'
            "<p>В наличност</p><button>Добави в количката</button>")
    [product] = _both(body, head)
    assert product.price == D("619.00")  # not the 43" set's lowPrice
    # the reading says its price is one of several variants' (the alerts hold its moves)
    assert product.extractor == "jsonld+variant", product.extractor
    # a page with one offer, or whose offers differ only in price tiers, is no variant page
    single = run('<div class="price-block"><span class="price">619,00 €</span></div>',
                 head=jsonld({"@context": "https://schema.org", "@type": "Product",
                              "name": "TV", "offers": _offer("619.00")}))
    assert single.extractor == "jsonld"


def test_offers_per_colour_the_shown_one_with_its_stock() -> None:
    head = jsonld({"@context": "https://schema.org", "@type": "Product", "name": "Sonos Era 100",
                   "offers": [_offer("229.00", sku="WHITE", color="бял"),
                              _offer("239.00", "OutOfStock", sku="BLACK", color="черен")]})
    body = ('<h1>Тонколона Sonos Era 100, черна</h1><div class="price-block">'
            '<span class="price">239,00 €</span></div><p class="stock">Изчерпан</p>'
            "<button>Добави в количката</button>")
    [product] = _both(body, head)
    assert (product.price, product.availability) == (D("239.00"), "OutOfStock")


def test_a_used_offer_beside_the_new_one_is_not_the_page() -> None:
    head = jsonld({"@context": "https://schema.org", "@type": "Product", "name": "PS5 Slim",
                   "offers": [_offer("349.00", itemCondition="https://schema.org/UsedCondition"),
                              _offer("459.00", itemCondition="https://schema.org/NewCondition")]})
    body = ('<h1>Sony PlayStation 5 Slim</h1><div class="offers"><div>Ново: '
            '<span class="price">459,00 €</span></div><div class="used">Употребявано: '
            '<span class="price">349,00 €</span></div></div><button>Купи</button>')
    [product] = _both(body, head)
    assert (product.price, product.condition) == (D("459.00"), "new")


def test_offers_alike_but_for_their_price_stay_the_lowest() -> None:
    # two price tiers of one item (no sku, colour, condition or stock tells them apart):
    # as before, the lowest (the shared corpus annotates it so)
    head = jsonld({"@context": "https://schema.org", "@type": "Product", "name": "Bed",
                   "offers": [_offer("249.00", url="/p/1"), _offer("229.00", url="/p/1")]})
    body = ('<h1>Bed</h1><div class="price"><span class="price">249,00 €</span></div>'
            "<button>Add to cart</button>")
    assert run(body, head=head).price == D("229.00")


def test_range_without_a_visible_price_in_it_keeps_the_structured_one() -> None:
    head = jsonld({"@context": "https://schema.org", "@type": "Product", "name": "Coffee",
                   "offers": {"@type": "AggregateOffer", "lowPrice": "9.90",
                              "highPrice": "22.90", "priceCurrency": "EUR",
                              "availability": "https://schema.org/InStock"}})
    body = '<h1>Coffee</h1><div class="price">45,00 €</div><button>Add to cart</button>'
    assert run(body, head=head).price == D("9.90")


def test_from_price_loses_to_the_chosen_variants_price() -> None:
    body = ('<h1>Кафе на зърна Lavazza Qualità Oro 1 кг</h1><div class="from-price">от 9,90 €'
            '</div><div class="variant-chooser">Разфасовка: <span>250 г</span> '
            '<span class="selected">1 кг</span></div><div class="price-block">'
            '<span class="price">22,90 €</span></div><button>Добави в количката</button>')
    assert run(body, lang="bg").price == D("22.90")


def test_price_with_vat_after_a_net_price_line() -> None:
    body = ('<h1>Винтоверт DeWalt DCD791D2</h1><div class="price-net"><span class="big">'
            '199,00 €</span> без ДДС</div><div class="price-gross">238,80 € с ДДС</div>'
            '<div class="stock">Наличен</div><a class="btn" href="#">Купи</a>')
    assert run(body, lang="bg").price == D("238.80")


def test_unit_price_inside_the_price_line() -> None:
    body = ('<h1>Кафе Lavazza Qualità Oro 500 г</h1><div class="price">Цена: 11,50 € '
            '<span class="unit">(23,00 €/кг)</span></div><a class="btn" href="#">Купи</a>')
    assert run(body, lang="bg").price == D("11.50")


def test_instalment_in_the_price_class_the_full_price_as_plain_text() -> None:
    body = ('<h1>Лаптоп Apple MacBook Air 13" M3</h1><div class="price-main">'
            '<span class="price big">104,08 €/месец</span> за 12 месеца</div>'
            '<div class="full">Цена: 1 249,00 €</div><a class="btn" href="#">Купи</a>')
    assert run(body, lang="bg").price == D("1249.00")  # was none: only the monthly amount


def test_leva_first_euro_second_as_plain_text_near_the_title() -> None:
    body = ('<h1>Лаптоп Apple MacBook Air 13" M3</h1><div class="price-main">'
            '<span class="price big">104,08 €/месец</span></div>'
            '<div class="full">Цена: 2 442,83 лв. | 1.249,00 €</div>'
            '<a class="btn" href="#">Купи</a>')
    product = run(body, lang="bg", currency="EUR")
    assert (product.price, product.currency) == (D("1249.00"), "EUR")


def test_a_marketplace_range_showing_its_lowest_price_is_no_variant_reading() -> None:
    """An AggregateOffer over several sellers whose page shows the lowest (the shop's own
    price): the price is that offer's, and its moves are news. A page showing another price
    of the range, or none, is a variant reading (`+variant`)."""
    head = jsonld({"@context": "https://schema.org", "@type": "Product", "name": "Drill",
                   "offers": {"@type": "AggregateOffer", "lowPrice": "100.00",
                              "highPrice": "112.00", "offerCount": 3, "priceCurrency": "EUR",
                              "availability": "https://schema.org/InStock"}})

    def shown(text: str) -> object:
        block = f'<div class="price-block"><span class="price">{text}</span></div>' if text else ""
        return run(f"<h1>Бормашина</h1>{block}<button>Добави в количката</button>",
                   head=head, lang="bg")

    own, other, none = shown("100,00 €"), shown("112,00 €"), shown("")
    assert (own.price, own.extractor) == (D("100.00"), "jsonld"), own.extractor
    assert (other.price, other.extractor) == (D("112.00"), "jsonld+variant"), other.extractor
    assert (none.price, none.extractor) == (D("100.00"), "jsonld+variant"), none.extractor
