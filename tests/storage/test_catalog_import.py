"""Catalog import: validate every row, refuse a bad file whole, re-import is idempotent."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from storage.catalog_import import CatalogError, import_catalog, read_catalog
from storage.db import session_scope
from storage.models import Product, ProductPriceChange

HEADER = ["sku", "gtin", "mpn", "brand", "name", "category", "price", "cost", "min_margin",
          "map_price", "currency", "priority"]
GTINS = ["4006381333931", "5901234123457", "96385074", "036000291452"]


def rows(n: int) -> list[list[str]]:
    out = []
    for i in range(n):
        gtin = GTINS[i % len(GTINS)] if i < len(GTINS) else ""
        out.append([f"SKU-{i:04d}", gtin, f"M{i}", "Acme", f"Product {i}", "Tools",
                    f"{10 + i}.99", f"{5 + i}.50", "15%", "", "BGN", "2"])
    return out


def write_csv(path: Path, body: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(body)
    return path


def count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count(Product.id))) or 0


def test_import_then_reimport_is_idempotent(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", rows(10))
    first = import_catalog(engine, path)
    assert (first.created, first.updated) == (10, 0)
    second = import_catalog(engine, path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 10)
    with session_scope(engine) as s:
        p = s.scalars(select(Product).where(Product.sku == "SKU-0001")).one()
        assert p.price == Decimal("11.99")
        assert p.min_margin == Decimal("0.15")
        assert p.gtin == "05901234123457"
        assert s.scalar(select(func.count(ProductPriceChange.id))) == 10


def test_price_update_is_recorded(engine: Engine, tmp_path: Path) -> None:
    body = rows(3)
    import_catalog(engine, write_csv(tmp_path / "a.csv", body))
    body[1][6] = "9.99"
    result = import_catalog(engine, write_csv(tmp_path / "b.csv", body))
    assert (result.updated, result.price_changes) == (1, 1)
    with session_scope(engine) as s:
        change = s.scalars(select(ProductPriceChange).where(
            ProductPriceChange.old_price.is_not(None))).one()
        assert (change.old_price, change.new_price) == (Decimal("11.99"), Decimal("9.99"))


def test_bad_line_57_is_named_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    body = rows(80)
    body[55][6] = "abc"  # header is line 1, so body[55] is line 57
    path = write_csv(tmp_path / "bad.csv", body)
    with pytest.raises(CatalogError) as info:
        import_catalog(engine, path)
    assert [line for line, _ in info.value.problems] == [57]
    assert "line 57" in str(info.value) and "price 'abc'" in str(info.value)
    assert count(engine) == 0


def test_bad_row_leaves_existing_catalog_unchanged(engine: Engine, tmp_path: Path) -> None:
    good = rows(5)
    import_catalog(engine, write_csv(tmp_path / "good.csv", good))
    changed = [r.copy() for r in good]
    changed[0][6] = "1.00"
    changed[3][10] = "XYZ"
    with pytest.raises(CatalogError, match="line 5: currency 'XYZ'"):
        import_catalog(engine, write_csv(tmp_path / "bad.csv", changed))
    with session_scope(engine) as s:
        assert s.scalars(select(Product.price).where(Product.sku == "SKU-0000")).one() == Decimal("10.99")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("price", "", "missing price"),
        ("price", "-3", "positive"),
        ("price", "0", "above 0"),
        ("price", "1.123456", "more than 4 decimal"),
        ("gtin", "4006381333932", "check digit"),
        ("currency", "leva", "ISO 4217"),
        ("priority", "high", "whole number"),
        ("min_margin", "15", "100% of the cost or more"),
        ("sku", "", "missing sku"),
    ],
)
def test_row_errors_are_explained(tmp_path: Path, column: str, value: str, message: str) -> None:
    body = rows(3)
    body[2][HEADER.index(column)] = value
    with pytest.raises(CatalogError, match=f"line 4: .*{message}"):
        read_catalog(write_csv(tmp_path / "x.csv", body))


def test_duplicate_sku_and_missing_header(tmp_path: Path) -> None:
    body = rows(3)
    body[2][0] = body[0][0]
    with pytest.raises(CatalogError, match="already on line 2"):
        read_catalog(write_csv(tmp_path / "dup.csv", body))
    bad = tmp_path / "nohead.csv"
    bad.write_text("sku,name\nA,B\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="header lacks column"):
        read_catalog(bad)


def test_xlsx_import_names_sheet_rows(engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows(4):
        sheet.append(row)
    path = tmp_path / "c.xlsx"
    book.save(path)
    assert import_catalog(engine, path).created == 4
    sheet.cell(row=3, column=HEADER.index("price") + 1, value="n/a")
    book.save(path)
    with pytest.raises(CatalogError, match="line 3"):
        import_catalog(engine, path)


def test_semicolon_csv_with_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "bg.csv"
    path.write_text("sku;name;price;currency\nA1;Чаша;12,50;bgn\n", encoding="utf-8")
    (row,) = read_catalog(path)
    assert row["price"] == Decimal("12.50") and row["currency"] == "BGN"


def test_quoted_inch_marks_survive(tmp_path: Path) -> None:
    path = tmp_path / "tv.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["sku", "name", "price", "currency"])
        writer.writerow(["A1", "Plain", "1.00", "EUR"])
        writer.writerow(["TV1", 'Телевизор 43" 4K', "599.00", "BGN"])
    names = [row["name"] for row in read_catalog(path)]
    assert names == ["Plain", 'Телевизор 43" 4K']
