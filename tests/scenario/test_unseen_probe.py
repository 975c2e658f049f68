"""A second, independent "cheaper" probe: two Bulgarian shops with markup unlike shops.py.

MicroShop (schema.org microdata, no JSON-LD; shipping only in competitors.yaml: 5.00 under
150.00) and TextShop (OpenGraph meta + visible text; every page prints "Доставка: 4,99 €" and
"Безплатна доставка над 100 €", while competitors.yaml claims free shipping: the page wins)
are served over real HTTP on 127.0.0.1 and the CLI runs in real processes on a real SQLite
file. The true set of cheaper claims below is decided by hand from the page definitions.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import yaml

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


def write_catalog(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "brand", "mpn", "gtin", "price", "cost", "min_margin",
                         "currency", "shipping_cost"])
        for sku, name, brand, mpn, price in CATALOG:
            cost = f"{D(price) * D('0.7'):.2f}"
            writer.writerow([sku, name, brand, mpn, "", price, cost, "0.05", "EUR", "0"])


def write_competitors(path: Path, bases: dict[str, str]) -> None:
    terms = {"microshop": {"shipping_cost": "5.00", "free_shipping_threshold": "150.00"},
             "textshop": {"shipping_cost": "0"}}  # the pages of textshop say otherwise
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


def test_exactly_the_true_cheaper_claims_on_unseen_bulgarian_shops(tmp_path: Path) -> None:
    db = tmp_path / "pricewatch.db"
    catalog, competitors, out = tmp_path / "catalog.csv", tmp_path / "competitors.yaml", tmp_path / "out"
    write_catalog(catalog)
    with serve([MICRO, TEXT]) as bases:
        write_competitors(competitors, bases)
        cli(db, "db", "upgrade", cwd=tmp_path)
        cli(db, "catalog", "import", str(catalog), cwd=tmp_path)
        crawled = cli(db, "crawl", "--competitors", str(competitors), cwd=tmp_path)
    matched = cli(db, "match", cwd=tmp_path)
    review = cli(db, "match", "review", cwd=tmp_path)
    compared = cli(db, "compare", "--top", "50", cwd=tmp_path)
    exported = cli(db, "export", "--format", "csv", "--out", str(out), cwd=tmp_path)
    findings_csv = next(Path(line.split(" ", 1)[1]) for line in exported.splitlines()
                        if "finding" in line)
    with findings_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    claims = {(r["sku"], r["competitor"]) for r in rows if r["kind"] in CHEAPER_KINDS}
    false_claims, missed = claims - EXPECTED_CLAIMS, EXPECTED_CLAIMS - claims
    assert not false_claims and not missed, (
        f"false claims: {sorted(false_claims)}; missed: {sorted(missed)}\n"
        f"{crawled}\n{matched}\n{review}\n{compared}")
