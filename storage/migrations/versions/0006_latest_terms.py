"""latest_observation carries the offer's stock and instalments; stock from the newest statement

The comparison read `availability` and `instalments` by joining every latest reading back to
the whole `observation` table (a million random reads into five million rows). They now sit
in `latest_observation` beside the price, kept current by the same triggers.

Availability is no longer the latest priced reading's: a shop whose page goes "sold out" and
hides the price gives a reading without a price (`parse_failed`, or `not_found`), which kept
the listing "in stock" at its old price. The stock columns now come from the newest reading
that says something about stock:

- a priced `ok` reading (its availability; NULL = not stated, so it sells), or
- a reading without a price that states an availability (`parse_failed` / `not_found` with
  `availability` set).

A missing price never erases the known price (the price columns still come from the latest
priced `ok` reading); a newer sold-out statement makes the offer out of stock. Blocked and
quarantined readings say nothing (a wall page, or a reading held back as suspect).

`availability_observed_at` / `availability_observation_id` name the reading the stock
columns come from, so that a later statement replaces it only when it is newer. They are
NULL only inside the insert trigger, for a row it has just created: the trigger then looks
the listing's history up once (the common case, a reading newer than the row, needs none).

SQLite: row triggers (an insert of a priced reading, an insert of a stock statement,
update, delete). PostgreSQL: 0003's statement trigger on insert and row trigger on update
or delete stay; their functions are replaced.

Revision ID: 0006_latest_terms
Revises: 0006_page_validators
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006_latest_terms"
down_revision = "0006_page_validators"
branch_labels = None
depends_on = None

PRICE_COLS = ["listing_id", "observation_id", "crawl_run_id", "observed_at", "price",
              "regular_price", "currency", "shipping_cost", "free_shipping_threshold",
              "delivery_min_days", "delivery_max_days", "warranty_months", "returns_days",
              "promotions", "instalments"]
"""Columns from the latest priced reading (`observation_id`)."""
DATA = PRICE_COLS[2:]
STOCK_COLS = ["availability", "availability_observed_at", "availability_observation_id"]
"""Columns from the newest reading that says something about stock."""
TARGET = ", ".join(PRICE_COLS + STOCK_COLS)

PRICED = "{x}.status = 'ok' AND {x}.price IS NOT NULL"
STATEMENT = "{x}.status IN ('parse_failed', 'not_found') AND {x}.availability IS NOT NULL"
"""A reading without a price that states the stock (a sold-out page hiding its price)."""


def priced(x: str) -> str:
    return PRICED.format(x=x)


def statement(x: str) -> str:
    return STATEMENT.format(x=x)


def stock_reading(x: str) -> str:
    return f"(({priced(x)}) OR ({statement(x)}))"


def _values(row: str) -> str:
    """The price columns in latest_observation's order, read from `row` (NEW / o / n)."""
    return ", ".join([f"{row}.listing_id", f"{row}.id"] + [f"{row}.{c}" for c in DATA])


def _newer(at: str, ident: str, than_at: str, than_id: str) -> str:
    return f"({at} > {than_at} OR ({at} = {than_at} AND {ident} > {than_id}))"


NEWER = _newer("excluded.observed_at", "excluded.observation_id",
               "latest_observation.observed_at", "latest_observation.observation_id")
"""The upserted priced reading is newer than the row's."""
_STOCK_NEWER = _newer("excluded.observed_at", "excluded.observation_id",
                      "latest_observation.availability_observed_at",
                      "latest_observation.availability_observation_id")
UPSERT_SET = ", ".join(
    [f"{c} = excluded.{c}" for c in PRICE_COLS[1:]]
    + [f"availability = CASE WHEN {_STOCK_NEWER} THEN excluded.availability "
       "ELSE latest_observation.availability END",
       f"availability_observed_at = CASE WHEN {_STOCK_NEWER} THEN excluded.observed_at "
       "ELSE latest_observation.availability_observed_at END",
       f"availability_observation_id = CASE WHEN {_STOCK_NEWER} THEN excluded.observation_id "
       "ELSE latest_observation.availability_observation_id END"])
"""A newer priced reading replaces the price columns, and the stock columns unless a
stock statement newer than it is already there."""


def _newest_stock(listing: str) -> str:
    """(availability, observed_at, id) of a listing's newest reading about stock."""
    return (f"SELECT x.availability, x.observed_at, x.id FROM observation x "
            f"WHERE x.listing_id = {listing} AND {stock_reading('x')} "
            f"ORDER BY x.observed_at DESC, x.id DESC LIMIT 1")


def _resolve(listing: str) -> str:
    """Fill the stock columns of a row the insert has just created (they are NULL)."""
    return (f"UPDATE latest_observation SET ({', '.join(STOCK_COLS)}) = ({_newest_stock(listing)}) "
            f"WHERE listing_id = {listing} AND availability_observation_id IS NULL")


def _refresh(listing: str) -> str:
    """Statements that recompute one listing's row from its history (SQLite trigger body)."""
    return (
        f"DELETE FROM latest_observation WHERE listing_id = {listing};\n"
        f"INSERT INTO latest_observation ({TARGET}) SELECT {_values('o')}, s.availability, "
        f"s.observed_at, s.id FROM observation o, observation s "
        f"WHERE o.id = (SELECT x.id FROM observation x WHERE x.listing_id = {listing} "
        f"AND {priced('x')} ORDER BY x.observed_at DESC, x.id DESC LIMIT 1) "
        f"AND s.id = (SELECT x.id FROM observation x WHERE x.listing_id = {listing} "
        f"AND {stock_reading('x')} ORDER BY x.observed_at DESC, x.id DESC LIMIT 1) "
        f"AND EXISTS (SELECT 1 FROM listing WHERE listing.id = {listing});\n"
    )


SQLITE_TRIGGER_NAMES = ("latest_observation_insert", "latest_observation_stock",
                        "latest_observation_update", "latest_observation_delete")
_WATCHED = ("listing_id, status, observed_at, crawl_run_id, availability, "
            + ", ".join(DATA[2:]))
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER latest_observation_insert AFTER INSERT ON observation
WHEN NEW.status = 'ok' AND NEW.price IS NOT NULL
BEGIN
INSERT INTO latest_observation ({TARGET}) VALUES ({_values('NEW')}, NEW.availability, NULL, NULL)
ON CONFLICT (listing_id) DO UPDATE SET {UPSERT_SET} WHERE {NEWER};
{_resolve('NEW.listing_id')};
END""",
    f"""CREATE TRIGGER latest_observation_stock AFTER INSERT ON observation
WHEN {statement('NEW')}
BEGIN
UPDATE latest_observation SET availability = NEW.availability,
availability_observed_at = NEW.observed_at, availability_observation_id = NEW.id
WHERE listing_id = NEW.listing_id AND {_newer('NEW.observed_at', 'NEW.id',
                                              'availability_observed_at',
                                              'availability_observation_id')};
END""",
    f"""CREATE TRIGGER latest_observation_update AFTER UPDATE OF {_WATCHED} ON observation
BEGIN
{_refresh('OLD.listing_id')}{_refresh('NEW.listing_id')}END""",
    f"""CREATE TRIGGER latest_observation_delete AFTER DELETE ON observation
WHEN EXISTS (SELECT 1 FROM latest_observation WHERE listing_id = OLD.listing_id
             AND (observation_id = OLD.id OR availability_observation_id = OLD.id))
BEGIN
{_refresh('OLD.listing_id')}END""",
]

PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION latest_observation_refresh(lid integer) RETURNS void AS $$
DELETE FROM latest_observation WHERE listing_id = lid;
INSERT INTO latest_observation ({TARGET})
SELECT {_values('o')}, s.availability, s.observed_at, s.id
FROM (SELECT * FROM observation x WHERE x.listing_id = lid AND {priced('x')}
      ORDER BY x.observed_at DESC, x.id DESC LIMIT 1) o
JOIN (SELECT * FROM observation x WHERE x.listing_id = lid AND {stock_reading('x')}
      ORDER BY x.observed_at DESC, x.id DESC LIMIT 1) s ON true
WHERE EXISTS (SELECT 1 FROM listing WHERE listing.id = lid);
$$ LANGUAGE sql""",
    f"""CREATE OR REPLACE FUNCTION latest_observation_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO latest_observation ({TARGET})
  SELECT DISTINCT ON (n.listing_id) {_values('n')}, n.availability, NULL::timestamptz, NULL::integer
  FROM new_rows n
  WHERE {priced('n')}
  ORDER BY n.listing_id, n.observed_at DESC, n.id DESC
  ON CONFLICT (listing_id) DO UPDATE SET {UPSERT_SET} WHERE {NEWER};
  UPDATE latest_observation l SET availability = s.availability,
    availability_observed_at = s.observed_at, availability_observation_id = s.id
  FROM (SELECT DISTINCT ON (n.listing_id) n.listing_id, n.id, n.observed_at, n.availability
        FROM new_rows n WHERE {statement('n')}
        ORDER BY n.listing_id, n.observed_at DESC, n.id DESC) s
  WHERE l.listing_id = s.listing_id
    AND {_newer('s.observed_at', 's.id', 'l.availability_observed_at',
                'l.availability_observation_id')};
  UPDATE latest_observation l SET ({', '.join(STOCK_COLS)}) = ({_newest_stock('l.listing_id')})
  WHERE l.availability_observation_id IS NULL
    AND l.listing_id IN (SELECT n.listing_id FROM new_rows n WHERE {priced('n')});
  RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION latest_observation_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM latest_observation_refresh(OLD.listing_id);
    IF NEW.listing_id <> OLD.listing_id THEN
      PERFORM latest_observation_refresh(NEW.listing_id);
    END IF;
  ELSIF EXISTS (SELECT 1 FROM latest_observation WHERE listing_id = OLD.listing_id
                AND (observation_id = OLD.id OR availability_observation_id = OLD.id)) THEN
    PERFORM latest_observation_refresh(OLD.listing_id);
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql""",
]

BACKFILL = (
    f"INSERT INTO latest_observation ({TARGET}) "
    f"SELECT {', '.join('p.' + c for c in PRICE_COLS)}, s.availability, s.observed_at, s.id FROM ("
    f"SELECT o.listing_id, o.id AS observation_id, {', '.join('o.' + c for c in DATA)}, "
    f"row_number() OVER (PARTITION BY o.listing_id ORDER BY o.observed_at DESC, o.id DESC) AS rn "
    f"FROM observation o WHERE {priced('o')}) p "
    f"JOIN (SELECT x.listing_id, x.id, x.observed_at, x.availability, "
    f"row_number() OVER (PARTITION BY x.listing_id ORDER BY x.observed_at DESC, x.id DESC) AS rn "
    f"FROM observation x WHERE {stock_reading('x')}) s "
    f"ON s.listing_id = p.listing_id AND s.rn = 1 WHERE p.rn = 1"
)
"""Fill an empty latest_observation from the whole history (the upgrade, bulk loads)."""


def _previous(name: str) -> Any:
    """An earlier migration's module (its SQL, to put its triggers back on downgrade)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(f"pricewatch_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("insert", "update", "delete"):  # 0002's
            op.execute(f"DROP TRIGGER IF EXISTS latest_observation_{name}")
    op.add_column("latest_observation", sa.Column("instalments", sa.Integer(), nullable=True))
    op.add_column("latest_observation", sa.Column("availability", sa.String(length=30),
                                                  nullable=True))
    op.add_column("latest_observation", sa.Column(
        "availability_observed_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column("latest_observation", sa.Column("availability_observation_id", sa.Integer(),
                                                  nullable=True))
    op.execute("DELETE FROM latest_observation")
    op.execute(BACKFILL)
    if dialect == "sqlite":
        for sql in SQLITE_TRIGGERS:
            op.execute(sql)
    elif dialect == "postgresql":
        for sql in PG_FUNCTIONS:  # 0003's triggers call these functions by name
            op.execute(sql)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"latest_observation triggers for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    old = _previous("0002_latest_observation.py")
    if dialect == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        newer = _previous("0003_latest_observation_statement_trigger.py")
        op.execute(old.PG_FUNCTIONS[0])  # the refresh function, as 0002 wrote it
        for sql in newer.UPGRADE:  # the insert and change functions, as 0003 wrote them
            if sql.startswith("CREATE OR REPLACE FUNCTION"):
                op.execute(sql)
    # plain DROP COLUMN (SQLite >= 3.35), once no trigger names the columns
    for name in reversed(["instalments", *STOCK_COLS]):
        op.execute(f"ALTER TABLE latest_observation DROP COLUMN {name}")
    if dialect == "sqlite":
        for sql in old.SQLITE_TRIGGERS:
            op.execute(sql)
