"""Matches between our products and competitor listings: the bulk write of a matching run,
human decisions (confirm / reject) and the review queue.

A human decision is a status, `confirmed` or `rejected`; automatic matching never touches
a listing that has one, which is how decisions are remembered across runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from storage.models import Competitor, Listing, Match, MatchStatus, Product, table
from storage.types import money_binder, sqlite_datetime_text, utcnow


@dataclass(frozen=True, slots=True)
class MatchRow:
    """A match to write: which listing is which of our products, how sure we are."""

    listing_id: int
    product_id: int
    method: str
    confidence: float
    pack_ratio: Decimal | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StoredMatch:
    id: int
    listing_id: int
    product_id: int
    method: str
    confidence: float
    status: str
    pack_ratio: Decimal | None
    note: str | None

    def same_as(self, row: MatchRow) -> bool:
        return (self.product_id, self.method, round(self.confidence, 6), self.pack_ratio, self.note) == (
            row.product_id, row.method, round(row.confidence, 6), row.pack_ratio, row.note
        )


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One match waiting for a human: what was matched to what, and why it is unsure."""

    match_id: int
    confidence: float
    method: str
    note: str | None
    pack_ratio: Decimal | None
    sku: str
    product_name: str
    competitor: str
    listing_title: str | None
    listing_url: str


class row_value(FunctionElement[Any]):
    """A column compared as read from the row, never looked up through an index: `+column`
    on SQLite (its no-op unary plus), the column itself elsewhere."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(row_value)
def _row_value(element: row_value, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(row_value, "sqlite")
def _row_value_sqlite(element: row_value, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(next(iter(element.clauses)), **kw)}"


def usable(match: Table, min_confidence: float, *, most: bool = False) -> ColumnElement[bool]:
    """The matches that may feed findings and alerts: confirmed, or automatic and sure enough.

    `most=True` for reads that take (nearly) every usable match, the whole catalog or a range
    of products: an index on the status is then never the way in, yet SQLite without fresh
    statistics (`ANALYZE`) takes `ix_match_status_confidence` and walks every match for each
    range of products of a comparison split across workers."""
    status = row_value(match.c.status) if most else match.c.status
    confidence = row_value(match.c.confidence) if most else match.c.confidence
    return or_(
        status == MatchStatus.confirmed.value,
        and_(status == MatchStatus.auto.value, confidence >= min_confidence),
    )


def products_for_matching(conn: Connection) -> Sequence[Any]:
    """Our active products' identifiers and names: id, name, gtin, brand, mpn."""
    p = table(Product)
    return conn.execute(
        select(p.c.id, p.c.name, p.c.gtin, p.c.brand, p.c.mpn).where(p.c.active.is_(True))
    ).all()


def iter_listings_for_matching(conn: Connection, batch_size: int = 20_000) -> Iterator[Any]:
    """Every listing without a human decision: id, title, gtin, brand, mpn, condition, sku,
    in id order.

    Read in keyset-paged batches so a million listings never sit in memory as rows.
    """
    lst, m = table(Listing), table(Match)
    decided = select(m.c.listing_id).where(
        m.c.status.in_([MatchStatus.confirmed.value, MatchStatus.rejected.value])
    )
    last = 0
    while True:
        rows = conn.execute(
            select(lst.c.id, lst.c.title, lst.c.gtin, lst.c.brand, lst.c.mpn, lst.c.condition,
                   lst.c.sku)
            .where(lst.c.id > last, lst.c.id.not_in(decided))
            .order_by(lst.c.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def stored_matches(conn: Connection, status: str | None = None) -> dict[int, StoredMatch]:
    """The stored matches (of one status, or all) by listing id."""
    m = table(Match)
    query = select(
        m.c.id, m.c.listing_id, m.c.product_id, m.c.method, m.c.confidence, m.c.status,
        m.c.pack_ratio, m.c.note,
    )
    if status is not None:
        query = query.where(m.c.status == status)
    return {r.listing_id: StoredMatch(*tuple(r)) for r in conn.execute(query)}


def save_automatic(conn: Connection, rows: Iterable[MatchRow]) -> tuple[int, int, int]:
    """Make the automatic matches exactly `rows`, keeping the id of every match that stays.

    Matches with a human decision are left alone (the caller never proposes them).
    Returns (inserted, updated, deleted).
    """
    m = table(Match)
    current = stored_matches(conn, MatchStatus.auto.value)
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    seen: set[int] = set()
    for row in rows:
        seen.add(row.listing_id)
        old = current.get(row.listing_id)
        values = {
            "product_id": row.product_id, "method": row.method, "confidence": row.confidence,
            "pack_ratio": row.pack_ratio, "note": row.note, "updated_at": now,
        }
        if old is None:
            inserts.append({"listing_id": row.listing_id, "status": MatchStatus.auto.value,
                            "created_at": now, **values})
        elif not old.same_as(row):
            updates.append({"b_id": old.id, **values})
    stale = [old.id for lid, old in current.items() if lid not in seen]
    if conn.dialect.name == "sqlite":
        _insert_sqlite(conn, inserts)
    else:
        for start in range(0, len(inserts), 50_000):
            conn.execute(m.insert(), inserts[start:start + 50_000])
    if updates:
        conn.execute(
            update(m).where(m.c.id == bindparam("b_id")).values(
                {k: bindparam(k) for k in ("product_id", "method", "confidence", "pack_ratio",
                                           "note", "updated_at")}
            ),
            updates,
        )
    for start in range(0, len(stale), 500):
        conn.execute(delete(m).where(m.c.id.in_(stale[start:start + 500])))
    return len(inserts), len(updates), len(stale)


_INSERT_COLUMNS = ("listing_id", "product_id", "method", "confidence", "status", "pack_ratio",
                   "note", "created_at", "updated_at")


def _insert_sqlite(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Bulk insert below the ORM (a million matches in seconds), converting as the column
    types would: `Exact` to integer units, UTC times to SQLAlchemy's text form."""
    if not rows:
        return
    money = money_binder("sqlite")
    stamp = sqlite_datetime_text(rows[0]["created_at"])
    values = [
        (r["listing_id"], r["product_id"], r["method"], r["confidence"], r["status"],
         money(r["pack_ratio"]), r["note"], stamp, stamp)
        for r in rows
    ]
    sql = (f"INSERT INTO match ({', '.join(_INSERT_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in _INSERT_COLUMNS)})")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()


def save_decisions(conn: Connection, rows: Iterable[MatchRow], status: MatchStatus) -> int:
    """Write matches decided by a human (e.g. a mapping file), replacing what a listing had."""
    m = table(Match)
    now = utcnow()
    count = 0
    for row in rows:
        conn.execute(delete(m).where(m.c.listing_id == row.listing_id))
        conn.execute(m.insert().values(
            listing_id=row.listing_id, product_id=row.product_id, method=row.method,
            confidence=row.confidence, status=status.value, pack_ratio=row.pack_ratio,
            note=row.note, created_at=now, updated_at=now,
        ))
        count += 1
    return count


def review_queue(conn: Connection, below: float, limit: int | None = None) -> list[ReviewItem]:
    """Automatic matches under the trust threshold, least sure first."""
    m, p, lst, c = table(Match), table(Product), table(Listing), table(Competitor)
    query = (
        select(
            m.c.id, m.c.confidence, m.c.method, m.c.note, m.c.pack_ratio, p.c.sku, p.c.name,
            c.c.name, lst.c.title, lst.c.url,
        )
        .join(p, p.c.id == m.c.product_id)
        .join(lst, lst.c.id == m.c.listing_id)
        .join(c, c.c.id == lst.c.competitor_id)
        .where(m.c.status == MatchStatus.auto.value, m.c.confidence < below)
        .order_by(m.c.confidence, m.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [ReviewItem(*tuple(r)) for r in conn.execute(query)]


def count_review_queue(conn: Connection, below: float) -> int:
    m = table(Match)
    from sqlalchemy import func

    return int(conn.execute(
        select(func.count()).where(m.c.status == MatchStatus.auto.value, m.c.confidence < below)
    ).scalar_one())


def set_status(conn: Connection, match_ids: Sequence[int], status: MatchStatus) -> list[int]:
    """Confirm or reject matches by id; returns the ids that do not exist (nothing changed then)."""
    m = table(Match)
    found = set(conn.execute(select(m.c.id).where(m.c.id.in_(list(match_ids)))).scalars())
    missing = [i for i in match_ids if i not in found]
    if missing:
        return missing
    conn.execute(
        update(m).where(m.c.id.in_(list(match_ids))).values(status=status.value, updated_at=utcnow())
    )
    return []


def product_ids_by_sku(conn: Connection) -> dict[str, int]:
    p = table(Product)
    return {r.sku: r.id for r in conn.execute(select(p.c.sku, p.c.id))}


def listing_ids_by_url(conn: Connection) -> dict[tuple[str, str, str], int]:
    """(competitor name, url, variant) -> listing id, for mapping files."""
    lst, c = table(Listing), table(Competitor)
    return {
        (r.name, r.url, r.variant): r.id
        for r in conn.execute(
            select(c.c.name, lst.c.url, lst.c.variant, lst.c.id).join(c, c.c.id == lst.c.competitor_id)
        )
    }


def existing_listing_ids(conn: Connection, ids: Iterable[int]) -> set[int]:
    lst = table(Listing)
    wanted = list(set(ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        found.update(conn.execute(
            select(lst.c.id).where(lst.c.id.in_(wanted[start:start + 500]))
        ).scalars())
    return found
