"""Page validators: the last full reading of each product page with the `ETag` and
`Last-Modified` it answered with, and the copy of that reading a night stores when the
shop says the page has not changed (HTTP 304, or a sitemap `lastmod` older than it).

The copy is the stored reading itself, value for value (read back from its observation
and promotion rows), under tonight's run and time, with extractor `not_modified` and a
reason naming the night it was read: never a new reading made up from other values.
Set-based like the rest of the crawl path: one query per batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, or_, select, update

from storage.models import Listing, Observation, ObservationStatus, PageValidator, Promotion, table
from storage.repos.observations import COLUMNS, ObservationRow

NOT_MODIFIED = "not_modified"
"""What marks a stored copy: its extractor is the reading's with `/not_modified` (e.g.
`jsonld/not_modified`, `jsonld/not_modified/quick` for a quick reading), so what compares
extraction strategies (an alert's "page changed structure" doubt) sees the same one."""


def copy_extractor(extractor: str | None) -> str:
    """The extractor of a copy of a reading by `extractor`."""
    family, _, rest = (extractor or "unknown").partition("/")
    return f"{family[:30]}/{NOT_MODIFIED}" + ("/quick" if rest.endswith("quick") else "")


def is_copy(extractor: str | None) -> bool:
    """Whether an observation is a copy stored for a page confirmed unchanged."""
    return bool(extractor) and f"/{NOT_MODIFIED}" in str(extractor)


@dataclass(frozen=True, slots=True)
class Validators:
    """A listing's last full page reading, as a crawl uses it."""

    listing_id: int
    crawl_run_id: int
    read_at: datetime
    etag: str | None
    last_modified: str | None
    confirmed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FullReading:
    """A page fetched and read in full in this run: its validators replace the old ones
    when its reading is `ok`, and are removed otherwise."""

    listing_id: int
    read_at: datetime
    ok: bool
    etag: str | None
    last_modified: str | None


def load_validators(conn: Connection, competitor_id: int) -> dict[tuple[str, str], Validators]:
    """(url, variant) -> the listing's last full page reading, for every listing of the
    competitor that has one."""
    val, lst = table(PageValidator), table(Listing)
    rows = conn.execute(
        select(lst.c.url, lst.c.variant, val)
        .join(val, val.c.listing_id == lst.c.id)
        .where(lst.c.competitor_id == competitor_id)
    )
    return {(r.url, r.variant): Validators(r.listing_id, r.crawl_run_id, r.read_at, r.etag,
                                           r.last_modified, r.confirmed_at) for r in rows}


def record_full_readings(conn: Connection, run_id: int, readings: Sequence[FullReading]) -> None:
    """Replace the validators of the listings read in full in this batch (ok readings get
    a row, the others lose theirs: a 304 must never confirm a reading that was not ok)."""
    if not readings:
        return
    val = table(PageValidator)
    ids = sorted({r.listing_id for r in readings})
    for start in range(0, len(ids), 500):
        conn.execute(delete(val).where(val.c.listing_id.in_(ids[start:start + 500])))
    latest = {r.listing_id: r for r in readings}  # one per listing and run anyway
    rows = [{"listing_id": r.listing_id, "crawl_run_id": run_id, "read_at": r.read_at,
             "etag": (r.etag or None) and r.etag[:500],
             "last_modified": (r.last_modified or None) and r.last_modified[:100],
             "confirmed_at": None}
            for r in latest.values() if r.ok]
    if rows:
        conn.execute(val.insert(), rows)


def forget_validators(conn: Connection, listing_ids: Sequence[int]) -> None:
    """Remove the validators of these listings (their next crawl reads the page in full)."""
    if listing_ids:
        val = table(PageValidator)
        conn.execute(delete(val).where(val.c.listing_id.in_(sorted(set(listing_ids)))))


def confirmed_copies(
    conn: Connection, wanted: Mapping[int, int], run_id: int, at: Mapping[int, datetime],
    reasons: Mapping[int, str],
) -> tuple[list[ObservationRow], list[dict[str, Any]], dict[int, Any]]:
    """Copies of the readings the pages confirmed: `wanted` maps listing id -> the run of
    the reading (its validators' `crawl_run_id`). Returns the observation rows, the
    promotion rows and, per listing copied, the source row (with the listing's identity,
    for the run's fill counts). A listing whose reading is gone or not `ok` is left out:
    the caller says so (and its validators go)."""
    if not wanted:
        return [], [], {}
    obs, lst, promo = table(Observation), table(Listing), table(Promotion)
    ids = sorted(wanted)
    sources: dict[int, Any] = {}
    promos: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        pairs = or_(*(and_(obs.c.listing_id == i, obs.c.crawl_run_id == wanted[i]) for i in part))
        for row in conn.execute(
            select(obs, lst.c.sku, lst.c.gtin, lst.c.brand,
                   lst.c.title.label("listing_title"))
            .join(lst, lst.c.id == obs.c.listing_id)
            .where(pairs, obs.c.status == ObservationStatus.ok.value)
        ):
            sources[row.listing_id] = row
        ppairs = or_(*(and_(promo.c.listing_id == i, promo.c.crawl_run_id == wanted[i])
                       for i in part))
        for p in conn.execute(select(promo).where(ppairs).order_by(promo.c.id)):
            promos.append({k: v for k, v in p._asdict().items() if k != "id"})
    rows: list[ObservationRow] = []
    for listing_id, src in sources.items():
        values = {c: getattr(src, c) for c in COLUMNS}
        values.update(crawl_run_id=run_id, observed_at=at[listing_id],
                      status=ObservationStatus.ok.value, extractor=copy_extractor(src.extractor),
                      reason="; ".join(r for r in (reasons[listing_id], src.reason) if r)[:2000])
        rows.append(ObservationRow(**values))
    promo_rows = [{**p, "crawl_run_id": run_id, "observed_at": at[p["listing_id"]]}
                  for p in promos if p["listing_id"] in sources]
    return rows, promo_rows, sources


def mark_confirmed(conn: Connection, at: Mapping[int, datetime]) -> None:
    """Record the night each listing's page was confirmed unchanged."""
    if not at:
        return
    val = table(PageValidator)
    conn.execute(update(val).where(val.c.listing_id == bindparam("_id"))
                 .values(confirmed_at=bindparam("_at")),
                 [{"_id": i, "_at": when} for i, when in at.items()])


def stored_copies(conn: Connection, run_id: int, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """The copies run `run_id` stored for these (url, variant) listings, with the listing's
    identity (after a write whose commit took effect although it seemed to fail)."""
    obs, lst = table(Observation), table(Listing)
    wanted = set(keys)
    rows = conn.execute(
        select(obs, lst.c.url, lst.c.variant, lst.c.sku, lst.c.gtin, lst.c.brand,
               lst.c.title.label("listing_title"))
        .join(lst, lst.c.id == obs.c.listing_id)
        .where(obs.c.crawl_run_id == run_id, obs.c.extractor.like(f"%/{NOT_MODIFIED}%"))
    )
    return [r for r in rows if (r.url, r.variant) in wanted]
