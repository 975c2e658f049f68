"""CSV and XLSX exports of the latest findings and of the latest prices.

The prices export never passes a stale price off as current: `current_price` is empty
unless the price is fresh, `state` says fresh / stale / never, and the last good price
is given with its date beside it. Text that a spreadsheet would run as a formula
(`=`, `+`, `-`, `@` at the start) is written as text: in CSV with a leading apostrophe,
in XLSX as a string cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from reports.config import ReportSettings, load_report_settings
from reports.daily import LATEST
from reports.prices import PriceState, label, price_rows
from reports.render import write_atomically
from storage.repos import reporting as repo

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


FINDING_COLUMNS = (
    "compare_run_id", "created_at", "kind", "sku", "product", "category", "competitor", "url",
    "currency", "our_price", "our_effective", "their_price", "their_effective", "gap",
    "gap_pct", "recommended_price", "promo_until", "impact", "reason",
    "their_price_observed_at", "their_price_stale",
)
PRICE_COLUMNS = (
    "sku", "product", "category", "our_price", "our_currency", "competitor", "url", "state",
    "current_price", "last_good_price", "regular_price", "currency", "availability",
    "last_good_at", "latest_status", "latest_at", "latest_reason", "gap_pct",
)


def finding_records(engine: Engine, as_of: datetime, settings: ReportSettings) -> list[dict[str, Any]]:
    """The latest comparison run's findings as flat records (by impact)."""
    stale_after = timedelta(hours=settings.stale_after_hours)
    with engine.connect() as conn:
        run = repo.latest_compare_run(conn)
        rows = repo.findings_of_run(conn, run.id) if run else []
    return [{
        "compare_run_id": r.compare_run_id, "created_at": r.created_at, "kind": r.kind,
        "sku": r.sku, "product": r.product_name, "category": r.category,
        "competitor": label(r.competitor, r.competitor_display) if r.competitor else None,
        "url": r.url, "currency": r.currency, "our_price": r.our_price,
        "our_effective": r.our_effective, "their_price": r.their_price,
        "their_effective": r.their_effective, "gap": r.gap, "gap_pct": r.gap_pct,
        "recommended_price": r.recommended_price, "promo_until": r.promo_until,
        "impact": r.impact, "reason": r.reason, "their_price_observed_at": r.their_observed_at,
        "their_price_stale": r.their_observed_at is not None
        and as_of - r.their_observed_at > stale_after,
    } for r in rows]


def price_records(engine: Engine, as_of: datetime, settings: ReportSettings) -> list[dict[str, Any]]:
    """Every live match with the state of its price (fresh / stale / never)."""
    with engine.connect() as conn:
        rows = price_rows(repo.matched_latest(conn, LATEST), as_of,
                          timedelta(hours=settings.stale_after_hours),
                          settings.rates)
    return [{
        "sku": p.sku, "product": p.product_name, "category": p.category,
        "our_price": p.our_price, "our_currency": p.our_currency,
        "competitor": p.competitor_label, "url": p.url, "state": p.state.value,
        "current_price": p.current_price, "last_good_price": p.price,
        "regular_price": p.regular_price if p.state is PriceState.fresh else None,
        "currency": p.currency, "availability": p.availability, "last_good_at": p.observed_at,
        "latest_status": p.last_status, "latest_at": p.last_observed_at,
        "latest_reason": p.last_reason, "gap_pct": p.gap_pct,
    } for p in rows]


def _text_cell(value: Any) -> Any:
    """Values as CSV text: Decimal as plain digits, times as ISO 8601, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(columns: Sequence[str], records: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_text_cell(record[c]) for c in columns])
    return buffer.getvalue()


def to_xlsx(sheet: str, columns: Sequence[str], records: Sequence[dict[str, Any]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    ws.append(list(columns))
    for record in records:
        row = []
        for c in columns:
            value = record[c]
            if isinstance(value, datetime):
                value = value.astimezone(UTC).replace(tzinfo=None)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            row.append(value)
        ws.append(row)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(cell.value, Decimal | float | int):
                cell.number_format = "#,##0.00"
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    ws.freeze_panes = "A2"
    for index, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(engine: Engine, out_dir: Path, fmt: ExportFormat | str = ExportFormat.csv, *,
           now: datetime | None = None, settings: ReportSettings | None = None) -> list[Path]:
    """Write `findings.<fmt>` and `prices.<fmt>` (dated) into `out_dir`; return the paths."""
    fmt = ExportFormat(fmt)
    settings = settings or load_report_settings()
    as_of = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = f"{as_of:%Y-%m-%d}"
    written = []
    for name, columns, records in (
        ("findings", FINDING_COLUMNS, finding_records(engine, as_of, settings)),
        ("prices", PRICE_COLUMNS, price_records(engine, as_of, settings)),
    ):
        path = Path(out_dir) / f"pricewatch-{name}-{stamp}.{fmt.value}"
        data: str | bytes = (to_csv(columns, records) if fmt is ExportFormat.csv
                             else to_xlsx(name, columns, records))
        written.append(write_atomically(path, data))
    return written
