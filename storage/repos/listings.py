"""Competitors, listings and crawl runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from storage.models import Competitor, CrawlRun, Listing, RunStatus, table
from storage.types import utcnow


@dataclass(frozen=True, slots=True)
class CompetitorSpec:
    name: str
    base_url: str
    currency: str
    display_name: str | None = None
    country: str | None = None
    enabled: bool = True
    settings: dict[str, Any] | None = None


def _pk(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def sync_competitors(conn: Connection, specs: Iterable[CompetitorSpec]) -> dict[str, int]:
    """Create or update competitor rows from the config; return name -> id."""
    tbl = table(Competitor)
    existing = {r.name: r.id for r in conn.execute(select(tbl.c.name, tbl.c.id))}
    for spec in specs:
        values = {
            "base_url": spec.base_url, "currency": spec.currency,
            "display_name": spec.display_name, "country": spec.country,
            "enabled": spec.enabled, "settings": spec.settings or {},
        }
        if spec.name in existing:
            conn.execute(update(tbl).where(tbl.c.id == existing[spec.name]).values(**values))
        else:
            result = conn.execute(
                tbl.insert().values(name=spec.name, created_at=utcnow(), **values)
            )
            existing[spec.name] = _pk(result)
    return existing


@dataclass(frozen=True, slots=True)
class ListingKey:
    url: str
    variant: str = ""


@dataclass(frozen=True, slots=True)
class ListingInfo:
    url: str
    variant: str = ""
    sku: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    brand: str | None = None
    title: str | None = None
    condition: str | None = None
    """new / refurbished / used / open_box / damaged, when the page states it."""


def upsert_listings(
    conn: Connection, competitor_id: int, listings: Sequence[ListingInfo], seen_at: datetime
) -> dict[ListingKey, int]:
    """Get or create the listings of one competitor; refresh identifiers and last_seen.

    Identifiers only ever fill in: a page that lost its GTIN keeps the one it had.
    """
    tbl = table(Listing)
    ids: dict[ListingKey, int] = {}
    if not listings:
        return ids
    urls = list({item.url for item in listings})
    current: dict[ListingKey, Any] = {}
    for start in range(0, len(urls), 500):
        for found in conn.execute(
            select(tbl).where(tbl.c.competitor_id == competitor_id, tbl.c.url.in_(urls[start:start + 500]))
        ):
            current[ListingKey(found.url, found.variant)] = found
    new_rows: list[dict[str, Any]] = []
    for item in listings:
        key = ListingKey(item.url, item.variant)
        if key in ids:
            continue
        row: Any = current.get(key)
        fresh = {f: getattr(item, f) for f in ("sku", "gtin", "mpn", "brand", "title", "condition")}
        if row is None:
            new_rows.append({
                "competitor_id": competitor_id, "url": item.url, "variant": item.variant,
                "first_seen": seen_at, "last_seen": seen_at, "active": True, **fresh,
            })
            ids[key] = -1
            continue
        ids[key] = row.id
        changes: dict[str, Any] = {k: v for k, v in fresh.items() if v and v != getattr(row, k)}
        changes.update(last_seen=seen_at, active=True)
        conn.execute(update(tbl).where(tbl.c.id == row.id).values(**changes))
    for values in new_rows:
        result = conn.execute(tbl.insert().values(**values))
        ids[ListingKey(values["url"], values["variant"])] = _pk(result)
    return ids


def start_crawl_run(
    conn: Connection, competitor_id: int, nightly_run_id: int | None = None,
    started_at: datetime | None = None,
) -> int:
    tbl = table(CrawlRun)
    result = conn.execute(tbl.insert().values(
        competitor_id=competitor_id, started_at=started_at or utcnow(),
        status=RunStatus.running.value, counts={}, stats={}, suspect=False,
        nightly_run_id=nightly_run_id,
    ))
    return int(_pk(result))


def finish_crawl_run(
    conn: Connection, run_id: int, *, status: RunStatus, counts: dict[str, int],
    stats: dict[str, Any], suspect: bool = False, suspect_reason: str | None = None,
    error_summary: str | None = None, finished_at: datetime | None = None,
) -> None:
    tbl = table(CrawlRun)
    conn.execute(update(tbl).where(tbl.c.id == run_id).values(
        status=status.value, counts=counts, stats=stats, suspect=suspect,
        suspect_reason=suspect_reason, error_summary=error_summary,
        finished_at=finished_at or utcnow(),
    ))


def recent_runs(conn: Connection, competitor_id: int, limit: int = 5) -> Sequence[Any]:
    """The competitor's last finished runs, newest first (the health baseline)."""
    tbl = table(CrawlRun)
    return conn.execute(
        select(tbl).where(
            tbl.c.competitor_id == competitor_id, tbl.c.status == RunStatus.finished.value
        ).order_by(tbl.c.started_at.desc()).limit(limit)
    ).all()
