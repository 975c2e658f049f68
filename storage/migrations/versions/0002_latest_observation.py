"""latest_observation: the latest ok reading per listing, kept current by triggers

The comparison needs the latest good reading of every matched listing. Ranking the whole
history with a window function on every run costs ~13 s for 5M readings on SQLite; this
table holds the answer and triggers on `observation` keep it current:

- INSERT of an `ok` reading with a price: upsert, only if it is newer (observed_at, id);
- UPDATE or DELETE of a reading: recompute that listing from its history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 17:40:00
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COLS = ["listing_id", "observation_id", "crawl_run_id", "observed_at", "price", "regular_price",
        "currency", "shipping_cost", "free_shipping_threshold", "delivery_min_days",
        "delivery_max_days", "warranty_months", "returns_days", "promotions"]
DATA = COLS[2:]
TARGET = ", ".join(COLS)


def _values(row: str) -> str:
    """The observation columns in latest_observation's order, read from `row` (NEW / o)."""
    return ", ".join([f"{row}.listing_id", f"{row}.id"] + [f"{row}.{c}" for c in DATA])


UPSERT_SET = ", ".join(f"{c} = excluded.{c}" for c in COLS[1:])
NEWER = ("excluded.observed_at > latest_observation.observed_at OR "
         "(excluded.observed_at = latest_observation.observed_at AND "
         "excluded.observation_id > latest_observation.observation_id)")


def _refresh(listing: str) -> str:
    """Statements that recompute one listing's row (SQLite trigger body)."""
    return (
        f"DELETE FROM latest_observation WHERE listing_id = {listing};\n"
        f"INSERT INTO latest_observation ({TARGET}) SELECT {_values('o')} FROM observation o "
        f"WHERE o.id = (SELECT x.id FROM observation x WHERE x.listing_id = {listing} "
        f"AND x.status = 'ok' AND x.price IS NOT NULL ORDER BY x.observed_at DESC, x.id DESC LIMIT 1) "
        f"AND EXISTS (SELECT 1 FROM listing WHERE listing.id = {listing});\n"
    )


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER latest_observation_insert AFTER INSERT ON observation
WHEN NEW.status = 'ok' AND NEW.price IS NOT NULL
BEGIN
INSERT INTO latest_observation ({TARGET}) VALUES ({_values('NEW')})
ON CONFLICT (listing_id) DO UPDATE SET {UPSERT_SET} WHERE {NEWER};
END""",
    f"""CREATE TRIGGER latest_observation_update AFTER UPDATE OF
listing_id, status, observed_at, crawl_run_id, {', '.join(DATA[2:])} ON observation
BEGIN
{_refresh('OLD.listing_id')}{_refresh('NEW.listing_id')}END""",
    f"""CREATE TRIGGER latest_observation_delete AFTER DELETE ON observation
WHEN EXISTS (SELECT 1 FROM latest_observation WHERE observation_id = OLD.id)
BEGIN
{_refresh('OLD.listing_id')}END""",
]

PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION latest_observation_refresh(lid integer) RETURNS void AS $$
DELETE FROM latest_observation WHERE listing_id = lid;
INSERT INTO latest_observation ({TARGET})
SELECT {_values('o')} FROM observation o
WHERE o.listing_id = lid AND o.status = 'ok' AND o.price IS NOT NULL
  AND EXISTS (SELECT 1 FROM listing WHERE listing.id = lid)
ORDER BY o.observed_at DESC, o.id DESC LIMIT 1;
$$ LANGUAGE sql""",
    f"""CREATE OR REPLACE FUNCTION latest_observation_sync() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status = 'ok' AND NEW.price IS NOT NULL THEN
      INSERT INTO latest_observation ({TARGET}) VALUES ({_values('NEW')})
      ON CONFLICT (listing_id) DO UPDATE SET {UPSERT_SET} WHERE {NEWER};
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM latest_observation_refresh(OLD.listing_id);
    IF NEW.listing_id <> OLD.listing_id THEN
      PERFORM latest_observation_refresh(NEW.listing_id);
    END IF;
  ELSIF EXISTS (SELECT 1 FROM latest_observation WHERE observation_id = OLD.id) THEN
    PERFORM latest_observation_refresh(OLD.listing_id);
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER latest_observation_sync AFTER INSERT OR UPDATE OR DELETE ON observation
FOR EACH ROW EXECUTE FUNCTION latest_observation_sync()""",
]

BACKFILL = (
    f"INSERT INTO latest_observation ({TARGET}) SELECT {', '.join(COLS)} FROM ("
    f"SELECT o.listing_id, o.id AS observation_id, {', '.join('o.' + c for c in DATA)}, "
    f"row_number() OVER (PARTITION BY o.listing_id ORDER BY o.observed_at DESC, o.id DESC) AS rn "
    f"FROM observation o WHERE o.status = 'ok' AND o.price IS NOT NULL) ranked WHERE rn = 1"
)


def upgrade() -> None:
    op.create_table('latest_observation',
    sa.Column('listing_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('crawl_run_id', sa.Integer(), nullable=False),
    sa.Column('observed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('price', storage.types.Exact(precision=18, scale=4), nullable=False),
    sa.Column('regular_price', storage.types.Exact(precision=18, scale=4), nullable=True),
    sa.Column('currency', storage.types.Currency(length=3), nullable=True),
    sa.Column('shipping_cost', storage.types.Exact(precision=18, scale=4), nullable=True),
    sa.Column('free_shipping_threshold', storage.types.Exact(precision=18, scale=4), nullable=True),
    sa.Column('delivery_min_days', sa.Integer(), nullable=True),
    sa.Column('delivery_max_days', sa.Integer(), nullable=True),
    sa.Column('warranty_months', sa.Integer(), nullable=True),
    sa.Column('returns_days', sa.Integer(), nullable=True),
    sa.Column('promotions', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('listing_id')
    )
    op.execute(BACKFILL)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in PG_FUNCTIONS:
            op.execute(statement)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"latest_observation triggers for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS latest_observation_{name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS latest_observation_sync ON observation")
        op.execute("DROP FUNCTION IF EXISTS latest_observation_sync()")
        op.execute("DROP FUNCTION IF EXISTS latest_observation_refresh(integer)")
    op.drop_table('latest_observation')
