"""A second, independent "cheaper" probe: two Bulgarian shops with markup unlike shops.py.

MicroShop (schema.org microdata, no JSON-LD; shipping only in competitors.yaml: 5.00 under
150.00) and TextShop (OpenGraph meta + visible text; every page prints "Доставка: 4,99 €" and
"Безплатна доставка над 100 €", while competitors.yaml claims free shipping: the page wins)
are served over real HTTP on 127.0.0.1 and the CLI runs in real processes on a real SQLite
file. The true set of cheaper claims below is decided by hand from the page definitions.
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from contextlib import AbstractContextManager
from decimal import Decimal as D
from pathlib import Path

import yaml

from storage.types import SCALE

from .unseen_shops import Item, Shop, serve

ROOT = Path(__file__).resolve().parents[2]
CHEAPER_KINDS = {"undercut", "beatable", "promo_driven"}

# sku, name, brand, mpn, price (EUR; we ship free)
CATALOG = [
    ("TV-OLED55", 'LG OLED55C36LC 55" OLED TV', "LG", "OLED55C36LC", "1349.00"),
    ("IPHONE15-128", "Apple iPhone 15 128GB Black", "Apple", "", "799.00"),
    ("SSD-990PRO-1TB", "Samsung 990 PRO 1TB NVMe SSD", "Samsung", "MZ-V9P1T0BW", "129.00"),
    ("DEVIN-05", "Devin Mineral Water 0.5 L", "Devin", "", "0.69"),
    ("JBL-520-BLUE", "JBL Tune 520BT Wireless Headphones Blue", "JBL", "", "49.00"),
    ("DYSON-V15", "Dyson V15 Detect Absolute", "Dyson", "", "649.00"),
    ("ECAM22", "DeLonghi Magnifica S ECAM22.110.B", "DeLonghi", "ECAM22.110.B", "349.00"),
    ("MUM58", "Bosch MUM5 Kitchen Machine MUM58W20", "Bosch", "MUM58W20", "189.00"),
    ("HX6800", "Philips Sonicare ProtectiveClean 4300 HX6800/63", "Philips", "HX6800/63",
     "59.00"),
    ("KO2408", "Tefal Kettle KO2408", "Tefal", "KO2408", "39.00"),
    ("K4", "Kärcher K4 Power Control Pressure Washer", "Kärcher", "", "249.00"),
    ("GSR12", "Bosch Professional GSR 12V-15 Cordless Drill", "Bosch", "", "119.00"),
]

MICRO = Shop("microshop", "micro", [
    Item("lg-oled65", 'LG OLED65C36LC 65" OLED TV', D("1199.00"), brand="LG"),  # size
    Item("iphone-15-plus", "Apple iPhone 15 Plus 128GB Black", D("769.00"), brand="Apple"),  # tier
    Item("990pro-2tb", "Samsung 990 PRO 2TB NVMe SSD", D("119.00"), brand="Samsung"),  # capacity
    Item("devin-6x05", "Минерална вода Devin 6 x 0,5 л", D("2.99"), brand="Devin"),  # pack
    Item("jbl-520-white", "Слушалки JBL Tune 520BT, бели", D("39.90"), brand="JBL"),  # colour
    Item("dyson-v15", "Dyson V15 Detect Absolute", D("549.00"), brand="Dyson",
         condition="UsedCondition", badges=("Разопакован продукт",)),  # open box
    Item("ecam22", "DeLonghi Magnifica S ECAM22.110.B", D("379.00"), brand="DeLonghi",
         badges=("Клубна цена: 329,00 €",)),  # member price only
    Item("hx6800", "Philips Sonicare ProtectiveClean 4300 HX6800/63", D("64.90"),
         brand="Philips", badges=("2 за 1",)),  # multi-buy on a dearer shelf price
    Item("k4", "Kärcher K4 Power Control", D("219.00"), brand="Kärcher", in_stock=False),
    Item("gsr12", "Bosch Professional GSR 12V-15 Cordless Drill", D("99.90"), brand="Bosch",
         old_price=D("119.00")),  # 99.90 + 5.00 shipping = 104.90 < 119: TRUE
])

TEXT = Shop("textshop", "text", [
    Item("tv-lg-55", 'Телевизор LG OLED55C36LC, 55" (139 см)', D("1299.00"),
         old_price=D("1499.00")),  # free shipping (>100): 1299 < 1349: TRUE
    Item("iphone-15-obnoven", "Apple iPhone 15 128GB Black (Обновен)", D("599.00")),  # refurb
    Item("ssd-mz-v9p1t0bw", "SSD Samsung MZ-V9P1T0BW 1TB M.2", D("104.90")),
    # our MPN only in their title: 104.90 + 4.99 = 109.89 < 129: TRUE
    Item("jbl-520-blue", "Безжични слушалки JBL Tune 520BT, сини", D("42.90")),
    # Bulgarian title, blue = сини: 42.90 + 4.99 = 47.89 < 49: TRUE
    Item("bosch-mum58", "Кухненски робот Bosch MUM5 MUM58W20", D("199.00"),
         badges=("с код SALE10 -10%",)),  # coupon only (179.10)
    Item("tefal-ko2408", "Електрическа кана Tefal KO2408", D("34.90"), old_price=D("45.00")),
    # 34.90 + 4.99 page shipping = 39.89 > 39.00: not cheaper (free per competitors.yaml)
    Item("karcher-k4", "Водоструйка Karcher K4 Power Control", D("239.00")),
    # free shipping (>100): 239 < 249: TRUE
    Item("nivea-gel", "Philips Sonicare ProtectiveClean 4300 HX6800/63", D("58.00"),
         badges=("Втори на половин цена",)),
    # 58.00 + 4.99 = 62.99 > 59.00: the multi-buy (2nd half price) is conditional
])

EXPECTED_CLAIMS = {
    ("TV-OLED55", "textshop"), ("SSD-990PRO-1TB", "textshop"), ("JBL-520-BLUE", "textshop"),
    ("K4", "textshop"), ("GSR12", "microshop"),
}


def cli(db: Path, *args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--db", f"sqlite:///{db}", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)},
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def write_catalog(path: Path, catalog: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "brand", "mpn", "gtin", "price", "cost", "min_margin",
                         "currency", "shipping_cost"])
        for row in catalog:  # (sku, name, brand, mpn[, gtin], price)
            sku, name, brand, mpn, *gtin, price = row
            cost = f"{D(price) * D('0.7'):.2f}"
            writer.writerow([sku, name, brand, mpn, "".join(gtin), price, cost, "0.05", "EUR",
                             "0"])


TERMS = {"microshop": {"shipping_cost": "5.00", "free_shipping_threshold": "150.00"},
         "textshop": {"shipping_cost": "0"}}  # the pages of textshop say otherwise


def write_competitors(path: Path, bases: dict[str, str], terms: dict[str, dict[str, str]]) -> None:
    path.write_text(yaml.safe_dump({
        "defaults": {"obey_robots": True, "autothrottle": False},
        "competitors": [{
            "name": name, "base_url": base, "country": "BG", "currency": "EUR",
            "locale": "bg_BG",
            "discovery": {"kind": "sitemap", "sitemap_url": "/sitemap.xml",
                          "link_pattern": r"/product/[^/?]+\.html$"},
            "terms": terms[name],
        } for name, base in bases.items()],
    }, sort_keys=False), encoding="utf-8")


def run_chain(tmp_path: Path, catalog: list[tuple[str, ...]],
              served: AbstractContextManager[dict[str, str]],
              terms: dict[str, dict[str, str]]) -> tuple[list[dict[str, str]], str]:
    """`db upgrade`, `catalog import`, `crawl`, `match`, `compare`, `export` in real
    processes while `served` (a page module's `serve(shops)`) runs; the exported findings
    and everything the CLI printed. The other probes run their shops through it too."""
    db = tmp_path / "pricewatch.db"
    catalog_csv, competitors = tmp_path / "catalog.csv", tmp_path / "competitors.yaml"
    write_catalog(catalog_csv, catalog)
    with served as bases:
        write_competitors(competitors, bases, terms)
        cli(db, "db", "upgrade", cwd=tmp_path)
        cli(db, "catalog", "import", str(catalog_csv), cwd=tmp_path)
        printed = cli(db, "crawl", "--competitors", str(competitors), cwd=tmp_path)
    printed += cli(db, "match", cwd=tmp_path)
    printed += cli(db, "match", "review", cwd=tmp_path)
    printed += cli(db, "compare", "--top", "50", cwd=tmp_path)
    exported = cli(db, "export", "--format", "csv", "--out", str(tmp_path / "out"), cwd=tmp_path)
    findings_csv = next(Path(line.split(" ", 1)[1]) for line in exported.splitlines()
                        if "finding" in line)
    with findings_csv.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle)), printed


def stored_readings(db_path: Path) -> dict[str, tuple[str, str | None]]:
    """Page name -> (price as stored, stock) of each listing's latest reading (SQLite keeps
    money as scaled integers)."""
    db = sqlite3.connect(db_path)
    try:
        return {url.rsplit("/", 1)[1].removesuffix(".html"):
                (f"{D(price).scaleb(-SCALE):.2f}", stock)
                for url, price, stock in db.execute(
                    "SELECT l.url, o.price, o.availability FROM latest_observation o "
                    "JOIN listing l ON l.id = o.listing_id")}
    finally:
        db.close()


def claims_of(rows: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(r["sku"], r["competitor"]) for r in rows if r["kind"] in CHEAPER_KINDS}


def test_exactly_the_true_cheaper_claims_on_unseen_bulgarian_shops(tmp_path: Path) -> None:
    rows, printed = run_chain(tmp_path, CATALOG, serve([MICRO, TEXT]), TERMS)
    claims = claims_of(rows)
    false_claims, missed = claims - EXPECTED_CLAIMS, EXPECTED_CLAIMS - claims
    assert not false_claims and not missed, (
        f"false claims: {sorted(false_claims)}; missed: {sorted(missed)}\n{printed}")
    by_kind: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], set()).add((r["sku"], r["competitor"]))
    # cheaper only for members, with a coupon or when buying several: their own kind
    assert {("ECAM22", "microshop"), ("MUM58", "textshop"), ("HX6800", "microshop"),
            ("HX6800", "textshop")} <= by_kind.get("conditional_offer", set()), by_kind
    # the variants, the open-box and the renewed items are no match: nothing about them
    for sku, shop in (("TV-OLED55", "microshop"), ("IPHONE15-128", "microshop"),
                      ("IPHONE15-128", "textshop"), ("SSD-990PRO-1TB", "microshop"),
                      ("DEVIN-05", "microshop"), ("JBL-520-BLUE", "microshop"),
                      ("DYSON-V15", "microshop")):
        assert not any((r["sku"], r["competitor"]) == (sku, shop) for r in rows), (sku, shop)


# Round two: a shop with no structured data and no meta tags at all (visible Bulgarian text,
# price also in leva, instalments and a loyalty-card price beside the price), and a shop with
# JSON-LD in an @graph (price as a number, shipping in OfferShippingDetails, a stale
# "InStock" on a sold-out page, "NewCondition" on a renewed iron).
CATALOG2 = [
    ("S24-256", "Samsung Galaxy S24 256GB Onyx Black", "Samsung", "", "899.00"),
    ("AIRPODS-PRO2", "Apple AirPods Pro 2 USB-C", "Apple", "", "249.00"),
    ("ARIEL-11", "Ariel Liquid Detergent 1.1 L", "Ariel", "", "12.99"),
    ("UE55", 'Samsung UE55CU7172 55" Crystal UHD TV', "Samsung", "UE55CU7172", "449.00"),
    ("WAN28", "Bosch Serie 4 Washing Machine WAN28263BY", "Bosch", "WAN28263BY", "499.00"),
    ("DEDICA", "De'Longhi Dedica EC685.M", "De'Longhi", "EC685.M", "199.00"),
    ("ONEBLADE", "Philips OneBlade QP2724/20", "Philips", "QP2724/20", "39.90"),
    ("REDMI-N13P", "Xiaomi Redmi Note 13 Pro 8/256GB", "Xiaomi", "", "329.00"),
    ("LEGO-42151", "LEGO Technic 42151 Bugatti Bolide", "LEGO", "42151", "49.99"),
    ("VERTUO-POP", "Nespresso Vertuo Pop Black", "Nespresso", "", "99.00"),
    ("DW5225", "Rowenta Iron DW5225", "Rowenta", "DW5225", "69.00"),
    ("BRAUN-S7", "Braun Series 7 71-S1000s Shaver", "Braun", "", "132.00"),
    ("FR265", "Garmin Forerunner 265 Black", "Garmin", "", "449.00"),
]

PLAIN = Shop("plainshop", "plain", [  # 5.90 shipping under 79.00 (pages), yaml says free
    Item("s24-256", "Смартфон Samsung Galaxy S24, 256 ГБ, черен", D("849.00")),  # TRUE
    Item("airpods-pro-2-mostra", "Слушалки Apple AirPods Pro 2 USB-C – мострен продукт",
         D("199.00")),  # display unit: not new
    Item("wan28263by", "Пералня Bosch Serie 4 WAN28263BY", D("549.00"),
         badges=("или 12 x 45,75 € на изплащане", "Цена с клубна карта: 479,00 €")),
    Item("dedica", "Еспресо машина De'Longhi Dedica EC685.M", D("179.00"),
         old_price=D("229.00")),  # TRUE (free over 79)
    Item("oneblade", "Philips OneBlade QP2724/20", D("36.90")),  # + 5.90 = 42.80 > 39.90
    Item("redmi-note-13-pro", "Xiaomi Redmi Note 13 Pro 8/256 GB, Midnight Black",
         D("309.00")),  # TRUE
    Item("lego-42151", "LEGO Technic 42151 Bugatti Bolide", D("52.00"),
         badges=("При покупка на 2 бр. -20%",)),
    # 52.00 + 5.90 = 57.90 > 49.99; the -20% needs two units (41.60 + 5.90 would undercut)
])

GRAPH = Shop("graphshop", "graph", [  # yaml: free shipping; one page states its own
    Item("s24-128", "Samsung Galaxy S24 128GB Onyx Black", D("799.00")),  # capacity
    Item("ariel-22", "Течен перилен препарат Ariel 2,2 л", D("11.99")),  # volume
    Item("ue65cu7172", "Samsung UE65CU7172 Crystal UHD", D("429.00")),  # size digits
    Item("redmi-note-13", "Xiaomi Redmi Note 13 8/256GB", D("249.00")),  # tier
    Item("lego-42151", "LEGO Technic 42151 Bugatti Bolide", D("54.99"), brand="LEGO",
         badges=("Купи 3, плати 2",)),  # multi-buy on a dearer shelf price
    Item("vertuo-pop", "Кафемашина Nespresso Vertuo Pop, черна", D("79.00"), in_stock=False,
         ld_in_stock=True),  # sold out (visible), stale JSON-LD says InStock
    Item("dw5225-obnovena", "Ютия Rowenta DW5225 – Обновена", D("49.00")),  # renewed
    Item("braun-s7", "Braun Series 7 71-S1000s", D("129.00"), shipping=D("3.99")),
    # 129.00 + 3.99 (OfferShippingDetails) = 132.99 > 132.00
    Item("forerunner-265", "Garmin Forerunner 265, черен", D("399.00"), old_price=D("449.00")),
    # TRUE
])

TERMS2 = {"plainshop": {"shipping_cost": "0"}, "graphshop": {"shipping_cost": "0"}}
EXPECTED_CLAIMS2 = {("S24-256", "plainshop"), ("DEDICA", "plainshop"),
                    ("REDMI-N13P", "plainshop"), ("FR265", "graphshop")}


def test_exactly_the_true_cheaper_claims_without_microdata_or_meta(tmp_path: Path) -> None:
    rows, printed = run_chain(tmp_path, CATALOG2, serve([PLAIN, GRAPH]), TERMS2)
    claims = claims_of(rows)
    false_claims, missed = claims - EXPECTED_CLAIMS2, EXPECTED_CLAIMS2 - claims
    assert not false_claims and not missed, (
        f"false claims: {sorted(false_claims)}; missed: {sorted(missed)}\n{printed}")
    by_kind: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], set()).add((r["sku"], r["competitor"]))
    # sold out on the page though its JSON-LD says InStock: an opportunity, never cheaper
    assert by_kind.get("out_of_stock") == {("VERTUO-POP", "graphshop")}, by_kind
    assert "1 offer left out for stock" in printed
    assert {("WAN28", "plainshop"), ("LEGO-42151", "graphshop"), ("LEGO-42151", "plainshop")} \
        <= by_kind.get("conditional_offer", set()), by_kind
    # "При покупка на 2 бр. -20%" takes 20% off each unit: 52.00 x 0.80 = 41.60; the deal's
    # order of two (83.20) reaches the shop's free shipping over 79 €, so 41.60 a unit (one
    # unit alone pays 5.90 shipping: 57.90); read as "item 2 at -20%" it was 46.80 a unit
    [lego] = [r for r in rows if (r["sku"], r["competitor"], r["kind"])
              == ("LEGO-42151", "plainshop", "conditional_offer")]
    assert lego["their_effective"] == "57.90" and lego["gap"] == "8.39", lego
    assert "(-20% each when buying 2+)" in lego["reason"], lego
    assert lego["reason"].endswith("cheaper: €41.60 a unit."), lego
    # the page's own "Доставка до адрес: 5,90 €" (under 79 €) is in their landed price
    oneblade = [r for r in rows if r["sku"] == "ONEBLADE"]
    assert oneblade and all(r["their_effective"] == "42.80" for r in oneblade), oneblade
    for sku, shop in (("AIRPODS-PRO2", "plainshop"), ("DW5225", "graphshop"),
                      ("S24-256", "graphshop"), ("ARIEL-11", "graphshop"), ("UE55", "graphshop"),
                      ("REDMI-N13P", "graphshop")):
        assert not any((r["sku"], r["competitor"]) == (sku, shop) for r in rows), (sku, shop)
