"""Our own demo catalog (``examples/catalog.csv`` / ``.xlsx``) and a manual mapping example.

Generated from the product universe; run ``python -m demo.shops catalog --out examples`` to
write the files again (they are committed). Money columns are decimal strings in EUR;
``min_margin`` is a fraction (``0.12`` = 12 %).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from demo.shops.assortment import our_items, shop_pids
from demo.shops.simulation import OUR_CURRENCY, in_currency
from demo.shops.universe import Product, build_universe, charm, money, stable_fraction, stable_rng

CATALOG_COLUMNS = (
    "sku", "gtin", "mpn", "brand", "name", "category", "price", "cost", "min_margin", "map_price",
    "currency", "shipping_cost", "free_shipping_threshold", "delivery_days", "warranty_months",
    "returns_days", "priority",
)
MAPPING_COLUMNS = ("competitor", "url", "sku")
BAD_LINE = 57


def our_price(product: Product, seed: int = 42) -> Decimal:
    """Our selling price (EUR): the market price (kept in leva by the universe) moved a
    little, converted at the fixed rate, with a price ending."""
    factor = Decimal(str(round(0.97 + 0.09 * stable_fraction(seed, "our-price", product.pid), 4)))
    return charm(in_currency(product.base_price * factor, "BGN", OUR_CURRENCY))


def _title_only_name(product: Product) -> str:
    """A name worded differently from any shop's title, without GTIN or MPN."""
    variant = f" ({product.variant_bg})" if product.variant_bg else ""
    return f"{product.model}{variant} - {product.noun_bg.lower()}"


def catalog_rows(seed: int = 42) -> list[dict[str, str]]:
    """Rows of our catalog, in CSV column order, as strings."""
    rows: list[dict[str, str]] = []
    for number, item in enumerate(our_items(seed), start=1):
        product = item.product
        rng = stable_rng(seed, "catalog", product.pid)
        price = our_price(product, seed)
        cost = money(price * Decimal(str(round(rng.uniform(0.68, 0.84), 3))))
        margin = Decimal(rng.choice(("0.08", "0.10", "0.12", "0.15")))
        map_price = ""
        if product.category.department == "electronics" and rng.random() < 0.3:
            map_price = str(charm(price * Decimal("0.92")))
        department = product.category.department
        rows.append({
            "sku": f"PW-{number:05d}",
            "gtin": product.gtin if item.link in ("gtin", "pack_trap") else "",
            "mpn": product.mpn if item.link in ("gtin", "mpn", "pack_trap") else "",
            "brand": product.brand,
            "name": _title_only_name(product) if item.link == "title" else product.name_bg,
            "category": product.category.name_bg,
            "price": str(price),
            "cost": str(cost),
            "min_margin": str(margin),
            "map_price": map_price,
            "currency": OUR_CURRENCY,
            "shipping_cost": "4.99" if product.bulky else "2.49",
            "free_shipping_threshold": "60.00",
            "delivery_days": "3" if product.bulky else "2",
            "warranty_months": "" if product.warranty_months is None else str(
                product.warranty_months),
            "returns_days": "14",
            "priority": str(3 if department == "electronics" else 2 if department != "groceries"
                            else 1),
        })
    return rows


def catalog_csv(rows: list[dict[str, str]]) -> str:
    """CSV text (header + rows, ``\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CATALOG_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def bad_catalog_rows(rows: list[dict[str, str]], line: int = BAD_LINE) -> list[dict[str, str]]:
    """The same rows with an invalid price on file line `line` (the header is line 1)."""
    bad = [dict(row) for row in rows]
    bad[line - 2]["price"] = "abc"
    return bad


def write_xlsx(rows: list[dict[str, str]], path: Path) -> None:
    """The catalog as a one-sheet workbook; money and counts as numbers, like a person's."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "catalog"
    sheet.append(list(CATALOG_COLUMNS))
    numeric = {"price", "cost", "min_margin", "map_price", "shipping_cost",
               "free_shipping_threshold"}
    integers = {"delivery_days", "warranty_months", "returns_days", "priority"}
    for row in rows:
        values: list[object] = []
        for column in CATALOG_COLUMNS:
            value = row[column]
            if value and column in numeric:
                values.append(float(value))  # Excel stores numbers as doubles anyway
            elif value and column in integers:
                values.append(int(value))
            else:
                values.append(value or None)
        sheet.append(values)
    for cell in sheet["B"][1:]:
        cell.number_format = "@"  # keep GTINs as text
    workbook.save(path)


def mapping_rows(seed: int = 42,
                 base_urls: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """A few manual mappings: title-only items we know are at a shop under another name.

    URLs are absolute under `base_urls` (default: the ``serve --port-base 8701`` addresses
    that examples/competitors.yaml uses), as the crawler stores them.
    """
    from demo.shops.config import default_base_urls
    from demo.shops.pages import product_path

    bases = base_urls or default_base_urls()
    skus = {row_item.product.pid: f"PW-{n:05d}" for n, row_item in enumerate(our_items(seed), 1)}
    rows: list[dict[str, str]] = []
    for item in our_items(seed):
        if item.link != "title":
            continue
        for shop in ("plainshop", "jsonshop"):
            if shop in bases and item.product.pid in set(shop_pids(shop, seed)):
                url = bases[shop].rstrip("/") + product_path(shop, item.product, seed)
                rows.append({"competitor": shop, "url": url, "sku": skus[item.product.pid]})
                break
        if len(rows) >= 5:
            break
    return rows


def catalog_links(seed: int = 42) -> dict[str, tuple[str, str]]:
    """Universe product key -> (our sku, how our catalog links to it: gtin / mpn / title /
    pack_trap). Shop listings carry the key as ``ProductTruth.product_key``, so a matching
    test can tell the right sku for every listing, and which must stay unmatched (a listing
    whose key is not here, e.g. the 1 l bottle of a family where we sell the 500 ml one)."""
    return {item.product.key: (f"PW-{n:05d}", item.link)
            for n, item in enumerate(our_items(seed), start=1)}


def write_examples(out: Path, seed: int = 42) -> list[Path]:
    """Write catalog.csv, catalog.xlsx, catalog-bad-line57.csv and mapping.csv into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    rows = catalog_rows(seed)
    written = [out / "catalog.csv", out / "catalog-bad-line57.csv", out / "catalog.xlsx",
               out / "mapping.csv"]
    written[0].write_text(catalog_csv(rows), encoding="utf-8")
    written[1].write_text(catalog_csv(bad_catalog_rows(rows)), encoding="utf-8")
    write_xlsx(rows, written[2])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MAPPING_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(mapping_rows(seed))
    written[3].write_text(buffer.getvalue(), encoding="utf-8")
    return written


__all__ = ["build_universe", "catalog_rows", "our_price", "write_examples"]
