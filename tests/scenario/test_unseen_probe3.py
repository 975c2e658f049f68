"""A fourth "cheaper" probe: a leva-only shop and a "shipping from" shop (unseen_shops3.py).

LevaShop (no structured data, country BG, prices only in leva, "Доставка: безплатна" on every
page while competitors.yaml says 10.00 under 100: the page wins) and FromShop (JSON-LD, euro,
"Доставка от 3,99 €" while competitors.yaml says free: the page wins) are served over real HTTP
on 127.0.0.1; the CLI runs in real processes on a real SQLite file. Today is after 30.11.2026
and before 10.12.2026. Leva convert at 1.95583. The true set of claims is decided by hand.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from . import test_unseen_probe as probe
from .test_unseen_probe import claims_of, stored_readings
from .unseen_shops3 import Item, Shop, serve

CATALOG = [
    ("GSR120", "Bosch GSR 120-LI Cordless Drill", "Bosch", "06019G8000", "99.00"),
    ("INGENIO-3", "Tefal Ingenio Pan Set 3 pcs", "Tefal", "", "45.00"),
    ("S7-71", "Braun Series 7 Shaver 71-S1000s", "Braun", "71-S1000s", "119.00"),
    ("COKEZERO-6", "Coca-Cola Zero 6 x 0.5 L", "Coca-Cola", "", "6.50"),
    ("FLIP6-BLK", "JBL Flip 6 Bluetooth Speaker Black", "JBL", "", "119.00"),
    ("PRO3-3500", "Oral-B Pro 3 3500 Electric Toothbrush", "Oral-B", "", "59.00"),
    ("XM5-BLK", "Sony WH-1000XM5 Headphones Black", "Sony", "WH1000XM5B", "329.00"),
    ("FR265-BLK", "Garmin Forerunner 265 Black", "Garmin", "", "449.00"),
]

LEVA = Shop("levashop", "leva", [
    # 179,00 лв. = 91.52 €, free by the page: < 99.00 TRUE (with the yaml's 10.00: 101.52).
    Item("bosch-gsr-120-li", "Винтоверт Bosch GSR 120-LI 06019G8000",
         '<div class="price">Цена: 179,00 лв.</div><div class="stock">В наличност</div>'),
    # The promotion ended on 30.11.2026 but 79,00 лв. is still shown unstruck; the regular
    # 99,00 лв. = 50.62 € > 45.00: not cheaper (79,00 лв. = 40.39 € would undercut).
    Item("tefal-ingenio-3", "Комплект тигани Tefal Ingenio 3 части", """
<div class="price"><del>99,00 лв.</del> <span class="now">79,00 лв.</span></div>
<p class="promo">Промоция валидна до 30.11.2026</p><div class="stock">В наличност</div>"""),
    # A sale from 10.12.2026: today 259,00 лв. = 132.42 € > 119.00: not cheaper.
    Item("braun-series-7-71-s1000s", "Самобръсначка Braun Series 7 71-S1000s", """
<div class="price">259,00 лв.</div>
<p class="promo">Промоция от 10.12.2026: 199,00 лв.</p><div class="stock">В наличност</div>"""),
    # The 6-pack at 11,90 лв. = 6.08 € < 6.50 TRUE (landed 6.08, not the 2,10 лв. a can).
    Item("coca-cola-zero-6x05", "Кока-Кола Зеро 6 x 0,5 л", """
<div class="unit">Цена за 1 бр.: 2,10 лв.</div>
<div class="price">Цена за стек 6 бр.: 11,90 лв.</div><div class="stock">В наличност</div>"""),
    # 239,00 лв. = 122.20 € > 119.00; with the code 215,10 лв. = 109.98 €: not cheaper.
    Item("jbl-flip-6-cheren", "Тонколона JBL Flip 6, черна", """
<div class="price">239,00 лв.</div>
<p class="promo">С код SAVE10: 215,10 лв.</p><div class="stock">В наличност</div>"""),
    # A 'was' 299,00 лв. it never charged; it sells at 109,00 лв. = 55.73 € < 59.00 TRUE.
    Item("oral-b-pro-3-3500", "Електрическа четка Oral-B Pro 3 3500", """
<div class="price"><del>299,00 лв.</del> <span class="now">109,00 лв.</span>
<span class="save">-64%</span></div><div class="stock">В наличност</div>"""),
])

FROM = Shop("fromshop", "from", [
    # 326.00 + 3.99 = 329.99 > 329.00: not cheaper (free by the yaml would undercut).
    Item("sony-wh-1000xm5-black", "Слушалки Sony WH-1000XM5, черни WH1000XM5B",
         '<div class="price">326,00 €</div><p class="stock">В наличност</p>',
         {"@type": "Product", "name": "Sony WH-1000XM5 черни", "brand": "Sony",
          "mpn": "WH1000XM5B",
          "offers": {"@type": "Offer", "price": "326.00", "priceCurrency": "EUR"}}),
    # The black one chosen in the dropdown is sold out: never cheaper.
    Item("garmin-forerunner-265-cheren", "Часовник Garmin Forerunner 265, черен", """
<div class="price">399,00 €</div>
<select name="colour"><option value="blk" selected>Черен – изчерпан</option>
<option value="wht">Бял – в наличност</option></select>
<p class="stock">Изчерпан</p>""",
         {"@type": "Product", "name": "Garmin Forerunner 265 черен", "brand": "Garmin",
          "offers": {"@type": "Offer", "price": "399.00", "priceCurrency": "EUR"}}),
])

TERMS = {"levashop": {"shipping_cost": "10.00", "free_shipping_threshold": "100.00"},
         "fromshop": {"shipping_cost": "0"}}

READINGS = {
    "bosch-gsr-120-li": ("91.52", "InStock"),
    "tefal-ingenio-3": ("50.62", "InStock"),
    "braun-series-7-71-s1000s": ("132.42", "InStock"),
    "coca-cola-zero-6x05": ("6.08", "InStock"),
    "jbl-flip-6-cheren": ("122.20", "InStock"),
    "oral-b-pro-3-3500": ("55.73", "InStock"),
    "sony-wh-1000xm5-black": ("326.00", "InStock"),
    "garmin-forerunner-265-cheren": ("399.00", "OutOfStock"),
}

def run_chain(tmp_path: Path) -> tuple[list[dict[str, str]], str]:
    return probe.run_chain(tmp_path, CATALOG, serve([LEVA, FROM]), TERMS)


EXPECTED_CLAIMS = {("GSR120", "levashop"), ("COKEZERO-6", "levashop"),
                   ("PRO3-3500", "levashop")}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, str]], str, Path]:
    tmp_path = tmp_path_factory.mktemp("probe3")
    rows, printed = run_chain(tmp_path)
    return rows, printed, tmp_path


def _landed(rows: list[dict[str, str]]) -> dict[tuple[str, str], str]:
    return {(r["sku"], r["competitor"]): r["their_effective"] for r in rows
            if r["kind"] in {"undercut", "beatable", "promo_driven"}}


def test_every_page_read_as_it_sells_and_no_false_claims(
        chain: tuple[list[dict[str, str]], str, Path]) -> None:
    rows, printed, tmp_path = chain
    read = stored_readings(tmp_path / "pricewatch.db")
    # the ended promotion's 79,00 лв. must not be read (it would undercut once matched)
    assert read == READINGS, {k: (read.get(k), v) for k, v in READINGS.items()
                              if read.get(k) != v}
    false_claims = claims_of(rows) - EXPECTED_CLAIMS
    assert not false_claims, f"{sorted(false_claims)}\n{printed}"
    landed = _landed(rows)
    assert {k: v for k, v in landed.items() if k in EXPECTED_CLAIMS} == {
        k: v for k, v in {("GSR120", "levashop"): "91.52", ("COKEZERO-6", "levashop"): "6.08",
                          ("PRO3-3500", "levashop"): "55.73"}.items() if k in landed}, landed
    # the ended-promotion set is matched ("3 части" = our "3 pcs"), so its reading matters
    db = sqlite3.connect(tmp_path / "pricewatch.db")
    matched = {(sku, url.rsplit("/", 1)[1].removesuffix(".html")) for sku, url in db.execute(
        "SELECT p.sku, l.url FROM match m JOIN product p ON p.id = m.product_id "
        "JOIN listing l ON l.id = m.listing_id")}
    db.close()
    assert ("INGENIO-3", "tefal-ingenio-3") in matched, matched


def test_exactly_the_true_cheaper_claims(chain: tuple[list[dict[str, str]], str, Path]) -> None:
    rows, _printed, _ = chain
    claims = claims_of(rows)
    assert claims == EXPECTED_CLAIMS, (
        f"false: {sorted(claims - EXPECTED_CLAIMS)}; missed: {sorted(EXPECTED_CLAIMS - claims)}")
