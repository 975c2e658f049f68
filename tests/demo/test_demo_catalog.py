"""The product universe and our demo catalog (examples/): identifiers, links, traps."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from demo.shops import GOOD_SHOPS, truth
from demo.shops.assortment import our_items, pack_trap_pids, shop_pids, sold_by
from demo.shops.catalog import (
    BAD_LINE,
    CATALOG_COLUMNS,
    catalog_csv,
    catalog_rows,
    mapping_rows,
    write_examples,
)
from demo.shops.universe import build_universe, gtin_check_digit, is_valid_gtin

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_universe_has_a_few_hundred_products_with_valid_unique_ids() -> None:
    universe = build_universe()
    assert 250 <= len(universe) <= 600
    assert all(is_valid_gtin(p.gtin) and len(p.gtin) == 13 for p in universe)
    assert len({p.gtin for p in universe}) == len(universe)
    assert len({p.mpn for p in universe}) == len(universe)
    assert len({p.key for p in universe}) == len(universe)
    departments = Counter(p.category.department for p in universe)
    assert set(departments) == {"electronics", "appliances", "groceries", "tools"}
    labels = {p.variant_en for p in universe if p.pack}
    assert {"500 ml", "1 l", "6 x 330 ml", "1 kg"} <= labels


@pytest.mark.parametrize("body, digit", [("400638133393", "1"), ("590123412345", "7"),
                                         ("9638507", "4")])
def test_gtin_check_digit_known_values(body: str, digit: str) -> None:
    assert gtin_check_digit(body) == digit


def test_the_committed_example_files_are_the_generators_output(tmp_path: Path) -> None:
    write_examples(tmp_path)
    for name in ("catalog.csv", "catalog-bad-line57.csv", "mapping.csv"):
        assert (EXAMPLES / name).read_text(encoding="utf-8") == (tmp_path / name).read_text(
            encoding="utf-8"), f"examples/{name} is stale: python -m demo.shops examples"


def test_catalog_columns_and_values() -> None:
    rows = list(csv.DictReader((EXAMPLES / "catalog.csv").open(encoding="utf-8")))
    assert tuple(rows[0]) == CATALOG_COLUMNS
    assert len(rows) >= 150
    for row in rows:
        price, cost = Decimal(row["price"]), Decimal(row["cost"])
        assert Decimal(0) < cost < price
        assert Decimal("0") < Decimal(row["min_margin"]) < Decimal("0.5")
        assert row["currency"] == "EUR"
        if row["gtin"]:
            assert is_valid_gtin(row["gtin"])
    linked = Counter(item.link for item in our_items())
    assert linked["gtin"] > linked["mpn"] > 10 and linked["title"] > 10 and linked["pack_trap"] > 3
    without_ids = [r for r in rows if not r["gtin"] and not r["mpn"]]
    assert len(without_ids) == linked["title"]


def test_catalog_xlsx_has_the_same_rows() -> None:
    book = load_workbook(EXAMPLES / "catalog.xlsx", read_only=True)
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    book.close()
    assert tuple(values[0]) == CATALOG_COLUMNS
    rows = catalog_rows()
    assert len(values) - 1 == len(rows)
    for cells, row in zip(values[1:], rows, strict=True):
        assert cells[0] == row["sku"] and (cells[1] or "") == row["gtin"]
        assert Decimal(str(cells[6])) == Decimal(row["price"])


def test_bad_catalog_differs_only_on_line_57() -> None:
    good = (EXAMPLES / "catalog.csv").read_text(encoding="utf-8").splitlines()
    bad = (EXAMPLES / "catalog-bad-line57.csv").read_text(encoding="utf-8").splitlines()
    assert len(good) == len(bad)
    differing = [n for n, (a, b) in enumerate(zip(good, bad, strict=True), start=1) if a != b]
    assert differing == [BAD_LINE]
    assert ",abc," in bad[BAD_LINE - 1]
    assert catalog_csv(catalog_rows()).splitlines() == good


def test_pack_traps_are_sold_only_in_other_sizes() -> None:
    universe = build_universe()
    traps = pack_trap_pids()
    assert traps
    for pid in traps:
        product = universe[pid]
        assert sold_by(pid) == ()
        siblings = [p for p in universe if p.family == product.family and p.pid != pid]
        assert any(sold_by(s.pid) for s in siblings), product.key
        assert all(s.pack and s.pack.label != product.pack.label for s in siblings)  # type: ignore[union-attr]


def test_most_catalog_items_are_sold_by_several_shops() -> None:
    ours = [item for item in our_items() if item.link != "pack_trap"]
    counts = Counter(len(sold_by(item.product.pid)) for item in ours)
    assert sum(n for shops, n in counts.items() if shops >= 3) > 0.6 * len(ours)
    for shop in GOOD_SHOPS:
        assert (30 if shop == "jsshop" else 150) <= len(shop_pids(shop)) <= 300


def test_mapping_example_points_at_real_pages() -> None:
    rows = list(csv.DictReader((EXAMPLES / "mapping.csv").open(encoding="utf-8")))
    assert rows and rows == mapping_rows()
    skus = {r["sku"]: r for r in catalog_rows()}
    keys = {f"PW-{n:05d}": item.product.key for n, item in enumerate(our_items(), start=1)}
    for row in rows:
        paths = {i.path: i for i in truth(row["competitor"], 0)}
        path = "/" + row["url"].split("/", 3)[3]
        assert row["url"].startswith("http://127.0.0.1:87")
        assert paths[path].product_key == keys[row["sku"]]
        assert not skus[row["sku"]]["gtin"] and not skus[row["sku"]]["mpn"]
