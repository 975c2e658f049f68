"""Manual mapping files: a person says "this listing is that product of ours".

A mapping file is CSV with a header. Each row names one of our products by `sku` and a
listing either by `competitor` + `url` (+ `variant` when the page has variants) or by
`listing_id`. Optional: `pack_ratio` (their units per our unit, e.g. 6 when they sell
singles and we sell a 6-pack) and `note`. Header names are case-insensitive; `our_sku`,
`shop` and `listing_url` are accepted as aliases.

Every row is checked before anything is written; one bad row refuses the file, naming
the line and what is wrong.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

_ALIASES = {
    "our_sku": "sku", "product_sku": "sku", "shop": "competitor",
    "listing_url": "url", "competitor_url": "url", "ratio": "pack_ratio",
}


class MappingError(ValueError):
    """The mapping file cannot be used; nothing was written."""


@dataclass(frozen=True, slots=True)
class MappingEntry:
    line: int
    sku: str
    competitor: str | None
    url: str | None
    variant: str
    listing_id: int | None
    pack_ratio: Decimal | None
    note: str | None


def _fail(path: Path, problems: list[str]) -> MappingError:
    shown = "\n".join(f"{path}: {p}" for p in problems[:20])
    more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
    return MappingError(f"{shown}{more}\nNothing from the mapping file was applied.")


def _ratio(text: str) -> Decimal:
    value = Decimal(text.replace(",", "."))
    if not value.is_finite() or value <= 0:
        raise InvalidOperation
    return value


def read_mapping(path: Path) -> list[MappingEntry]:
    """Parse and check a mapping file's shape (not yet whether its names exist)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping file ({exc.strerror})") from None
    entries: list[MappingEntry] = []
    problems: list[str] = []
    with handle:
        reader = csv.DictReader(handle)
        header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in reader.fieldnames or []]
        if "sku" not in header or not ({"competitor", "url"} <= set(header) or "listing_id" in header):
            raise MappingError(
                f"{path}: line 1: the header needs 'sku' and either 'competitor' + 'url' or "
                f"'listing_id' (found: {', '.join(header) or 'nothing'})"
            )
        reader.fieldnames = header
        for raw in reader:
            line = reader.line_num
            row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
            if not any(row.values()):
                continue
            sku = row.get("sku", "")
            if not sku:
                problems.append(f"line {line}: no sku")
                continue
            listing_id: int | None = None
            if row.get("listing_id"):
                if not row["listing_id"].isdigit():
                    problems.append(f"line {line}: listing_id '{row['listing_id']}' is not a number")
                    continue
                listing_id = int(row["listing_id"])
            elif not (row.get("competitor") and row.get("url")):
                problems.append(f"line {line}: give competitor and url (or listing_id)")
                continue
            ratio: Decimal | None = None
            if row.get("pack_ratio"):
                try:
                    ratio = _ratio(row["pack_ratio"])
                except InvalidOperation:
                    problems.append(f"line {line}: pack_ratio '{row['pack_ratio']}' is not a positive number")
                    continue
            entries.append(MappingEntry(
                line=line, sku=sku, competitor=row.get("competitor") or None,
                url=row.get("url") or None, variant=row.get("variant", ""),
                listing_id=listing_id, pack_ratio=ratio, note=row.get("note") or None,
            ))
    if problems:
        raise _fail(path, problems)
    return entries


@dataclass(frozen=True, slots=True)
class ResolvedEntry:
    listing_id: int
    product_id: int
    pack_ratio: Decimal | None
    note: str


def resolve_mapping(
    path: Path,
    entries: list[MappingEntry],
    skus: Mapping[str, int],
    listings_by_url: Mapping[tuple[str, str, str], int],
    listing_ids: set[int],
) -> list[ResolvedEntry]:
    """Turn entries into (listing, product) pairs; every unknown name is reported at once."""
    problems: list[str] = []
    resolved: dict[int, ResolvedEntry] = {}
    for entry in entries:
        product_id = skus.get(entry.sku)
        if product_id is None:
            problems.append(f"line {entry.line}: no product with sku '{entry.sku}' in our catalog")
            continue
        if entry.listing_id is not None:
            listing_id: int | None = entry.listing_id if entry.listing_id in listing_ids else None
            where = f"listing {entry.listing_id}"
        else:
            assert entry.competitor is not None and entry.url is not None
            listing_id = listings_by_url.get((entry.competitor, entry.url, entry.variant))
            where = f"{entry.competitor} listing {entry.url}" + (
                f" variant '{entry.variant}'" if entry.variant else "")
        if listing_id is None:
            problems.append(f"line {entry.line}: {where} is not known (crawl it first)")
            continue
        if listing_id in resolved and resolved[listing_id].product_id != product_id:
            problems.append(f"line {entry.line}: {where} is mapped to two different products")
            continue
        resolved[listing_id] = ResolvedEntry(
            listing_id, product_id, entry.pack_ratio,
            entry.note or f"manual mapping {path.name} line {entry.line}",
        )
    if problems:
        raise _fail(path, problems)
    return list(resolved.values())
