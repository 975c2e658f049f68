"""Importing our own catalog from CSV or XLSX.

Every row is validated first; one bad row refuses the whole file (naming its line and
why) and nothing is written. A good file is applied in one transaction, updating by sku,
so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from storage.db import session_scope
from storage.identifiers import normalize_gtin
from storage.models import Product, ProductPriceChange
from storage.money import normalize_currency
from storage.types import MoneyPrecisionError, to_units, utcnow

REQUIRED = ("sku", "name", "price", "currency")
MONEY = ("price", "cost", "map_price", "shipping_cost", "free_shipping_threshold")
INTS = ("delivery_days", "warranty_months", "returns_days", "priority")
TEXT = ("mpn", "brand", "category")
KNOWN = frozenset((*REQUIRED, *MONEY, *INTS, *TEXT, "gtin", "min_margin"))


class CatalogError(ValueError):
    """The file cannot be imported; `problems` lists (line, message) pairs."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.path = path
        self.problems = problems
        shown = "\n".join(f"{path}: line {line}: {msg}" for line, msg in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(
            f"{shown}{more}\nNothing was imported; fix the lines above and import again."
        )


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    price_changes: int


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
            # The sniffer guesses doublequote=False when the sample has no "" pair,
            # which would turn 43"" (a quoted 43") into 43"" on later lines.
            dialect.doublequote = True
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        header = [h.strip().lower() for h in next(reader, [])]
        yield 1, {"__header__": ",".join(header)}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                yield reader.line_num, {"__error__": f"{len(row)} cells but the header has {len(header)}"}
                continue
            yield reader.line_num, dict(zip(header, (c.strip() for c in row), strict=False))


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
    yield 1, {"__header__": ",".join(header)}
    for number, row in enumerate(rows, start=2):
        cells = ["" if c is None else str(c).strip() for c in row]
        if not any(cells):
            continue
        yield number, dict(zip(header, cells, strict=False))
    book.close()


def _money(value: str, field: str) -> Decimal | None:
    if value == "":
        return None
    try:
        amount = Decimal(value.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{field} '{value}' is not a number (use 19.99)") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{field} '{value}' must be a positive amount")
    try:
        to_units(amount)
    except MoneyPrecisionError:
        raise ValueError(f"{field} '{value}' has more than 4 decimal places") from None
    return amount


def _int(value: str, field: str) -> int | None:
    if value == "":
        return None
    try:
        number = int(Decimal(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{field} '{value}' is not a whole number") from None
    if number < 0:
        raise ValueError(f"{field} '{value}' must not be negative")
    return number


def parse_row(raw: dict[str, str]) -> dict[str, Any]:
    """Validate one row into Product column values; raise ValueError naming the field."""
    missing = [f for f in REQUIRED if not raw.get(f)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    values: dict[str, Any] = {"sku": raw["sku"], "name": raw["name"]}
    for field in TEXT:
        values[field] = raw.get(field) or None
    for field in MONEY:
        values[field] = _money(raw.get(field, ""), field)
    for field in INTS:
        values[field] = _int(raw.get(field, ""), field)
    if values["price"] is None or values["price"] == 0:
        raise ValueError("price must be above 0")
    if values["priority"] is None:
        values["priority"] = 1
    margin = raw.get("min_margin", "")
    if margin.endswith("%"):
        pct = _money(margin[:-1], "min_margin")
        values["min_margin"] = None if pct is None else pct / 100
    else:
        values["min_margin"] = _money(margin, "min_margin")
    if values["min_margin"] is not None and values["min_margin"] >= 10:
        raise ValueError(f"min_margin '{margin}' looks wrong: write 0.15 or 15% for fifteen percent")
    currency = normalize_currency(raw["currency"])
    if currency is None:
        raise ValueError(f"currency '{raw['currency']}' is not an ISO 4217 code (e.g. BGN, EUR)")
    values["currency"] = currency
    gtin_raw = raw.get("gtin", "")
    values["gtin"] = normalize_gtin(gtin_raw) if gtin_raw else None
    if gtin_raw and values["gtin"] is None:
        raise ValueError(f"gtin '{gtin_raw}' is not a valid GTIN-8/12/13/14 (check digit)")
    return values


def read_catalog(path: Path) -> list[dict[str, Any]]:
    """Read and validate the whole file; raise CatalogError with every bad line."""
    path = Path(path)
    if not path.exists():
        raise CatalogError(path, [(0, "file not found")])
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CatalogError(path, [(0, f"unsupported file type '{suffix}': use .csv or .xlsx")])
    reader = _read_xlsx if suffix == ".xlsx" else _read_csv
    problems: list[tuple[int, str]] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    try:
        for line, raw in reader(path):
            if "__header__" in raw:
                header = raw["__header__"].split(",")
                absent = [f for f in REQUIRED if f not in header]
                if absent:
                    problems.append((line, f"header lacks column(s) {', '.join(absent)}"))
                    break
                unknown = [h for h in header if h and h not in KNOWN]
                if unknown:
                    problems.append((line, f"unknown column(s) {', '.join(unknown)}"))
                continue
            if "__error__" in raw:
                problems.append((line, raw["__error__"]))
                continue
            try:
                values = parse_row(raw)
            except ValueError as exc:
                problems.append((line, str(exc)))
                continue
            if values["sku"] in seen:
                problems.append((line, f"sku '{values['sku']}' already on line {seen[values['sku']]}"))
                continue
            seen[values["sku"]] = line
            rows.append(values)
    except (UnicodeDecodeError, csv.Error, OSError, ValueError) as exc:
        problems.append((0, f"cannot read the file: {exc}"))
    if problems:
        raise CatalogError(path, problems)
    if not rows:
        raise CatalogError(path, [(0, "no product rows")])
    return rows


def apply_catalog(engine: Engine, rows: list[dict[str, Any]]) -> ImportResult:
    """Upsert rows by sku in one transaction, recording every change of our price."""
    created = updated = unchanged = changes = 0
    now = utcnow()
    with session_scope(engine) as session:
        existing = {p.sku: p for p in session.scalars(select(Product))}
        for values in rows:
            product = existing.get(values["sku"])
            if product is None:
                product = Product(**values)
                session.add(product)
                session.flush()
                session.add(ProductPriceChange(
                    product_id=product.id, old_price=None, new_price=values["price"],
                    currency=values["currency"], changed_at=now,
                ))
                created += 1
                continue
            diff = {k: v for k, v in values.items() if getattr(product, k) != v}
            if not diff:
                unchanged += 1
                continue
            if "price" in diff:
                session.add(ProductPriceChange(
                    product_id=product.id, old_price=product.price, new_price=values["price"],
                    currency=values["currency"], changed_at=now,
                ))
                changes += 1
            for key, value in diff.items():
                setattr(product, key, value)
            updated += 1
    return ImportResult(created, updated, unchanged, changes)


def import_catalog(engine: Engine, path: Path) -> ImportResult:
    """Validate the whole file, then apply it; a bad file leaves the database untouched."""
    return apply_catalog(engine, read_catalog(path))
