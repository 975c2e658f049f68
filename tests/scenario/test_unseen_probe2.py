"""A third "cheaper" probe: variant pages and a B2B-style shop (tests/scenario/unseen_shops2.py).

VariantShop (JSON-LD; shipping only in competitors.yaml: 4.00 under 60.00) and B2BShop (no
structured data; every page prints "Доставка с куриер: 6,00 €. Безплатна доставка при
поръчка над 200 €.", competitors.yaml says free: the page wins) are served over real HTTP on
127.0.0.1 and the CLI runs in real processes on a real SQLite file. The true set of cheaper
claims is decided by hand from the pages below; we ship free.
"""

from __future__ import annotations

from pathlib import Path

from . import test_unseen_probe as probe
from .test_unseen_probe import claims_of, stored_readings
from .unseen_shops2 import Item, Shop, serve

# sku, name, brand, mpn, price (EUR)
CATALOG = [
    ("QE55Q60D", 'Samsung QE55Q60DAUXXH 55" QLED TV', "Samsung", "QE55Q60DAUXXH", "599.00"),
    ("ERA100-BLACK", "Sonos Era 100 Smart Speaker Black", "Sonos", "", "249.00"),
    ("ORO-1KG", "Lavazza Qualità Oro Coffee Beans 1 kg", "Lavazza", "", "21.90"),
    ("BERTOLLI-1L", "Bertolli Extra Virgin Olive Oil 1 L", "Bertolli", "", "12.99"),
    ("PS5-SLIM-DIG", "Sony PlayStation 5 Slim Digital Edition", "Sony", "CFI-2016", "449.00"),
    ("Q7MAX-WHITE", "Roborock Q7 Max Robot Vacuum White", "Roborock", "", "299.00"),
    ("MBA13-M3", "Apple MacBook Air 13 M3 8GB/256GB Midnight", "Apple", "MRXV3", "1299.00"),
    ("DCD791D2", "DeWalt DCD791D2 Cordless Drill", "DeWalt", "DCD791D2", "229.00"),
    ("WD40EFPX", "WD Red Plus 4TB NAS Hard Drive WD40EFPX", "WD", "WD40EFPX", "109.00"),
    ("HD9650", "Philips Airfryer XXL HD9650/90", "Philips", "HD9650/90", "249.00"),
]


def offer(price: str, availability: str = "InStock", **extra: object) -> dict[str, object]:
    return {"@type": "Offer", "price": price, "priceCurrency": "EUR",
            "availability": f"https://schema.org/{availability}", **extra}


VARIANT = Shop("variantshop", "variant", [
    # The 55" page; the AggregateOffer spans the 43" (449.00) to the 65" (899.00) and the
    # chooser lists every size with its price. Ours: 619.00 > 599.00: not cheaper.
    Item("samsung-qe55q60d", 'Телевизор Samsung QE55Q60DAUXXH, 55" (139 см)', """
<div class="variant-chooser"><span class="label">Размер на екрана:</span>
<a class="variant" href="/product/samsung-qe43q60d.html">43 инча <small>449,00 €</small></a>
<a class="variant selected">55 инча <small>619,00 €</small></a>
<a class="variant" href="/product/samsung-qe65q60d.html">65 инча <small>899,00 €</small></a></div>
<div class="price-block"><span class="price">619,00 €</span></div>
<p class="stock in">В наличност</p>""",
         {"@type": "Product", "name": 'Samsung QE55Q60DAUXXH 55"', "brand": "Samsung",
          "offers": {"@type": "AggregateOffer", "lowPrice": "449.00", "highPrice": "899.00",
                     "offerCount": 3, "priceCurrency": "EUR",
                     "availability": "https://schema.org/InStock"}}),
    # The black speaker's page; its JSON-LD lists both colours: the white one in stock at
    # 229.00, the black one (ours) sold out at 239.00: never cheaper.
    Item("sonos-era-100-cheren", "Тонколона Sonos Era 100, черна", """
<div class="colours">Цвят: <b>Черен</b> <a href="?colour=white">Бял</a></div>
<div class="price-block"><span class="price">239,00 €</span></div>
<p class="stock out">Изчерпан</p>""",
         {"@type": "Product", "name": "Sonos Era 100", "brand": {"@type": "Brand",
                                                                "name": "Sonos"},
          "offers": [offer("229.00", sku="E10G1EU1", name="Sonos Era 100 Бял", color="бял"),
                     offer("239.00", "OutOfStock", sku="E10G1EU1BLK",
                           name="Sonos Era 100 Черен", color="черен")]}),
    # "от 9,90 €" (the 250 g bag) above the chooser, the 1 kg bag chosen at 22,90 €
    # (22,90 €/кг): 22.90 > 21.90: not cheaper.
    Item("lavazza-qualita-oro-1kg", "Кафе на зърна Lavazza Qualità Oro 1 кг", """
<div class="from-price">от 9,90 €</div>
<div class="variant-chooser">Разфасовка: <span>250 г</span> <span>500 г</span>
<span class="selected">1 кг</span></div>
<div class="price-block"><span class="price">22,90 €</span>
<span class="unit-price">22,90 €/кг</span></div>
<p class="stock in">В наличност</p>""",
         {"@type": "Product", "name": "Lavazza Qualità Oro 1 кг", "brand": "Lavazza",
          "offers": {"@type": "AggregateOffer", "lowPrice": "9.90", "highPrice": "22.90",
                     "offerCount": 3, "priceCurrency": "EUR",
                     "availability": "https://schema.org/InStock"}}),
    # 1000 мл is our 1 L; a unit price per 100 ml beside it. 7.99 + 4.00 shipping (under
    # 60) = 11.99 < 12.99: TRUE.
    Item("bertolli-extra-virgin-1000ml", "Зехтин Bertolli Extra Virgin 1000 мл", """
<div class="price-block"><span class="price">7,99 €</span>
<span class="unit-price">(0,80 € / 100 мл)</span></div>
<p class="stock in">В наличност</p>""",
         {"@type": "Product", "name": "Зехтин Bertolli Extra Virgin 1000 мл",
          "brand": "Bertolli", "offers": offer("7.99")}),
    # One page, two offers: a used console at 349.00 and a new one at 459.00 (> 449.00).
    Item("ps5-slim-digital-cfi-2016", "Конзола Sony PlayStation 5 Slim Digital Edition CFI-2016",
         """
<div class="offers"><div class="offer">Ново: <span class="price">459,00 €</span> В наличност</div>
<div class="offer used">Употребявано (отлично състояние): <span class="price">349,00 €</span>
В наличност</div></div>""",
         {"@type": "Product", "name": "Sony PlayStation 5 Slim Digital Edition CFI-2016",
          "brand": "Sony", "mpn": "CFI-2016",
          "offers": [offer("349.00", itemCondition="https://schema.org/UsedCondition"),
                     offer("459.00", itemCondition="https://schema.org/NewCondition")]}),
    # Bulgarian colour ("бяла") for our White: 279.00 (free over 60) < 299.00: TRUE.
    Item("roborock-q7-max-byala", "Прахосмукачка робот Roborock Q7 Max, бяла", """
<div class="price-block"><del class="old">329,00 €</del> <span class="price">279,00 €</span></div>
<p class="stock in">В наличност</p>""",
         {"@type": "Product", "name": "Roborock Q7 Max, бяла", "brand": "Roborock",
          "color": "бял", "offers": offer("279.00")}),
])

B2B = Shop("b2bshop", "b2b", [
    # Without VAT in big type, with VAT beside: 238.80 (free over 200) > 229.00: not cheaper.
    Item("dewalt-dcd791d2", "Акумулаторен винтоверт DeWalt DCD791D2", """
<div class="price-net"><span class="big">199,00 €</span> без ДДС</div>
<div class="price-gross">238,80 € с ДДС</div>
<div class="stock">Наличен</div>"""),
    # Leva first, euro second, "1.249,00 €"; the instalment in the price class, in big
    # type. 1249.00 < 1299.00: TRUE.
    Item("macbook-air-13-m3-256-midnight", 'Лаптоп Apple MacBook Air 13" M3, 8GB/256GB, Midnight',
         """
<div class="price-main"><span class="price big">104,08 €/месец</span> за 12 месеца с TBI Bank</div>
<div class="full">Цена: 2 442,83 лв. | 1.249,00 €</div>
<div class="stock">Наличен</div>"""),
    # "€ 549" (free over 200) < 599.00: TRUE.
    Item("samsung-qe55q60dauxxh", "Телевизор Samsung QE55Q60DAUXXH 55 инча", """
<div class="price">Цена: € 549</div>
<div class="stock">Наличен</div>"""),
    # "435 EUR" (free over 200) < 449.00: TRUE.
    Item("ps5-slim-digital", "Sony PlayStation 5 Slim Digital Edition CFI-2016", """
<div class="price">Цена: 435 EUR</div>
<div class="stock">Наличен</div>"""),
    # Another model (WD40EFAX, WD Red, not Red Plus): 89 + 6 = 95 < 109 if matched: no match.
    Item("wd-red-4tb-wd40efax", "Твърд диск WD Red 4TB WD40EFAX", """
<div class="price">Цена: 89,00 €</div>
<div class="stock">Наличен</div>"""),
    # Our airfryer at 259.00 (> 249.00); related products cheaper and in stock below it.
    Item("philips-airfryer-xxl-hd9650", "Фритюрник Philips Airfryer XXL HD9650/90", """
<div class="price">Цена: 259,00 €</div>
<div class="stock">Наличен</div>
<div class="related"><h3>Свързани продукти</h3>
<div class="card"><a href="/product/hd9252.html">Philips Airfryer Essential HD9252/90</a>
<span class="price">99,00 €</span> <span class="stock">Наличен</span></div>
<div class="card"><a href="/product/hd9200.html">Philips Airfryer HD9200/90</a>
<span class="price">79,00 €</span> <span class="stock">Наличен</span></div></div>"""),
    # The 500 g bag is not our 1 kg: 11.50 + 6.00 = 17.50 < 21.90 if matched: no match.
    Item("lavazza-qualita-oro-500g", "Кафе на зърна Lavazza Qualità Oro 500 г", """
<div class="price">Цена: 11,50 € <span class="unit">(23,00 €/кг)</span></div>
<div class="stock">Наличен</div>"""),
    # A promotion that ended on 30.11.2026 beside the current price: 9.49 + 6.00 = 15.49 >
    # 12.99 (the ended 5.99 + 6.00 = 11.99 would undercut).
    Item("bertolli-1l", "Зехтин Bertolli Extra Virgin 1 л", """
<div class="price">Цена: 9,49 €</div>
<div class="promo-ended">Промоция 5,99 € – валидна до 30.11.2026</div>
<div class="stock">Наличен</div>"""),
])

TERMS = {"variantshop": {"shipping_cost": "4.00", "free_shipping_threshold": "60.00"},
         "b2bshop": {"shipping_cost": "0"}}

# what each page sells its item at, as a single-unit buyer pays on the shelf, and its stock
READINGS = {
    "samsung-qe55q60d": ("619.00", "InStock"),  # not the AggregateOffer's lowPrice (43")
    "sonos-era-100-cheren": ("239.00", "OutOfStock"),  # not the white one's 229.00
    "lavazza-qualita-oro-1kg": ("22.90", "InStock"),  # not "от 9,90 €"
    "bertolli-extra-virgin-1000ml": ("7.99", "InStock"),  # not 0,80 € / 100 мл
    "ps5-slim-digital-cfi-2016": ("459.00", "InStock"),  # the new one, not the used 349.00
    "roborock-q7-max-byala": ("279.00", "InStock"),
    "dewalt-dcd791d2": ("238.80", "InStock"),  # with VAT, not the 199,00 € без ДДС
    "macbook-air-13-m3-256-midnight": ("1249.00", "InStock"),  # not leva, not per month
    "samsung-qe55q60dauxxh": ("549.00", "InStock"),
    "ps5-slim-digital": ("435.00", "InStock"),
    "wd-red-4tb-wd40efax": ("89.00", "InStock"),
    "philips-airfryer-xxl-hd9650": ("259.00", "InStock"),  # not the related 99,00 / 79,00
    "lavazza-qualita-oro-500g": ("11.50", "InStock"),  # not the 23,00 €/кг beside it
    "bertolli-1l": ("9.49", "InStock"),  # not the ended 5,99 € promotion
}

EXPECTED_CLAIMS = {
    ("BERTOLLI-1L", "variantshop"), ("Q7MAX-WHITE", "variantshop"),
    ("MBA13-M3", "b2bshop"), ("QE55Q60D", "b2bshop"), ("PS5-SLIM-DIG", "b2bshop"),
}


def run_chain(tmp_path: Path) -> tuple[list[dict[str, str]], str]:
    return probe.run_chain(tmp_path, CATALOG, serve([VARIANT, B2B]), TERMS)


def test_exactly_the_true_cheaper_claims_on_variant_and_b2b_pages(tmp_path: Path) -> None:
    rows, printed = run_chain(tmp_path)
    claims = claims_of(rows)
    false_claims, missed = claims - EXPECTED_CLAIMS, EXPECTED_CLAIMS - claims
    assert not false_claims and not missed, (
        f"false claims: {sorted(false_claims)}; missed: {sorted(missed)}\n{printed}")
    # the landed price of every claim is the one the page sells ours at
    landed = {(r["sku"], r["competitor"]): r["their_effective"] for r in rows
              if r["kind"] in {"undercut", "beatable", "promo_driven"}}
    assert landed == {("BERTOLLI-1L", "variantshop"): "11.99",
                      ("Q7MAX-WHITE", "variantshop"): "279.00",
                      ("MBA13-M3", "b2bshop"): "1249.00", ("QE55Q60D", "b2bshop"): "549.00",
                      ("PS5-SLIM-DIG", "b2bshop"): "435.00"}, landed
    # every page read as it sells its item (SQLite keeps money as scaled integers)
    read = stored_readings(tmp_path / "pricewatch.db")
    assert read == READINGS, {k: (read.get(k), v) for k, v in READINGS.items()
                              if read.get(k) != v}
    # another model, another weight: nothing about them
    for sku, shop in (("WD40EFPX", "b2bshop"), ("ORO-1KG", "b2bshop")):
        assert not any((r["sku"], r["competitor"]) == (sku, shop) for r in rows), (sku, shop)
