"""What a manager's click does: the same functions as the CLI, plus who did it and when."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import Engine

from monitor.matching import decide
from storage.catalog_import import ImportResult, import_catalog
from storage.models import MatchStatus
from storage.repos import web as accounts
from storage.types import utcnow


def decide_matches(engine: Engine, match_ids: Sequence[int], status: MatchStatus,
                   who: str) -> None:
    """Confirm or reject (`pricewatch match confirm/reject`), then note who and when.
    Raises `UnknownMatchError` (nothing changed) for an id that does not exist."""
    decide(engine, list(match_ids), status)
    with engine.begin() as conn:
        accounts.record(conn, who, f"match_{status.value}", list(match_ids))


def upload_catalog(engine: Engine, filename: str, data: bytes, who: str) -> ImportResult:
    """Import an uploaded CSV/XLSX exactly as `pricewatch catalog import` does (all or
    nothing, errors naming the line); the file is kept under its own name only meanwhile.
    Raises `CatalogError`."""
    name = Path(filename or "catalog.csv").name or "catalog.csv"
    with TemporaryDirectory(prefix="pricewatch-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        result = import_catalog(engine, path)
    with engine.begin() as conn:
        accounts.record(conn, who, "catalog_imported", [name],
                        {"created": result.created, "updated": result.updated})
    return result


@dataclass
class CrawlState:
    competitor: str
    requested_by: str
    started: datetime
    status: str = "running"
    detail: str = ""


def start_crawl(engine: Engine, competitors_file: Path, name: str, who: str,
                states: dict[str, CrawlState]) -> CrawlState:
    """`pricewatch crawl NAME` in a background thread; one at a time per competitor."""
    current = states.get(name)
    if current is not None and current.status == "running":
        return current
    state = states[name] = CrawlState(name, who, utcnow())
    with engine.begin() as conn:
        accounts.record(conn, who, "crawl_requested", [name])
    url = engine.url.render_as_string(hide_password=False)

    def work() -> None:
        from spiders.runner import crawl_competitors

        try:
            summaries = crawl_competitors(competitors_file, [name], url, parallel=1)
            state.status = summaries[0].status if summaries else "nothing to crawl"
        except Exception as exc:  # shown on the page; the crawl run row has the detail
            state.status, state.detail = "failed", f"{type(exc).__name__}: {exc}"

    threading.Thread(target=work, name=f"crawl-{name}", daemon=True).start()
    return state
