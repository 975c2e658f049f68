"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from storage.db import current_revision, upgrade
from storage.models import Base, LatestObservation, table


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_repeatable(engine: Engine) -> None:
    before = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == before is not None
    tables = set(inspect(engine).get_table_names())
    assert {"competitor", "product", "listing", "observation", "promotion", "match",
            "crawl_run", "alert", "outbox", "finding"} <= tables


def test_sqlite_runs_in_wal_mode(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_web_indexes_go_down_and_up(engine: Engine) -> None:
    """0006_web_indexes: downgrade restores the indexes it replaced or dropped, upgrade
    builds the models' schema again."""
    from alembic import command

    from storage.db import alembic_config

    def finding_indexes() -> set[str]:
        return {i["name"] for i in inspect(engine).get_indexes("finding")}

    command.downgrade(alembic_config(engine), "0005_web_users")
    names = finding_indexes()
    assert {"ix_finding_run_product", "ix_finding_run_kind"} <= names
    assert not names & {"ix_finding_run_product_impact", "ix_finding_run_competitor_kind"}
    upgrade(engine)
    assert {"ix_finding_run_product_impact", "ix_finding_run_competitor_kind"} <= finding_indexes()
    assert not finding_indexes() & {"ix_finding_run_product", "ix_finding_run_kind"}
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_page_validators_migration_goes_down_and_up(engine: Engine) -> None:
    from alembic import command

    from storage.db import alembic_config

    head = current_revision(engine)
    assert "page_validator" in set(inspect(engine).get_table_names())
    command.downgrade(alembic_config(engine), "0006_web_indexes")
    assert "page_validator" not in set(inspect(engine).get_table_names())
    assert current_revision(engine) == "0006_web_indexes"
    upgrade(engine)
    assert current_revision(engine) == head
    columns = {c["name"] for c in inspect(engine).get_columns("page_validator")}
    assert columns == {"listing_id", "crawl_run_id", "read_at", "etag", "last_modified",
                       "confirmed_at"}


def _latest_columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("latest_observation")}


def test_latest_terms_downgrade_and_upgrade_again(engine: Engine) -> None:
    """0006 down: latest_observation loses its stock and instalments columns and the triggers
    of 0002/0003 keep it current again; up: the columns come back filled from history."""
    from alembic import command

    from storage.db import alembic_config
    from storage.repos.listings import (
        CompetitorSpec,
        ListingInfo,
        ListingKey,
        start_crawl_run,
        sync_competitors,
        upsert_listings,
    )
    from storage.repos.observations import ObservationRow, insert_observations

    start = datetime(2026, 11, 1, 3, tzinfo=UTC)
    with engine.begin() as conn:
        shop = sync_competitors(conn, [CompetitorSpec("alpha", "http://127.0.0.1/a/", "EUR")])["alpha"]
        lid = upsert_listings(conn, shop, [ListingInfo(url="u1")], start)[ListingKey("u1")]
        runs = [start_crawl_run(conn, shop, started_at=start + timedelta(days=n)) for n in range(4)]

    def observe(n: int, price: str | None, **kw: object) -> None:
        insert_observations(engine, [ObservationRow(
            listing_id=lid, crawl_run_id=runs[n], observed_at=start + timedelta(days=n),
            status="ok" if price else "parse_failed", price=D(price) if price else None,
            currency="EUR", **kw)])  # type: ignore[arg-type]

    def row() -> Any:
        with engine.connect() as conn:
            return conn.execute(text("SELECT * FROM latest_observation")).one()

    observe(0, "10.00", availability="InStock", instalments=6)
    observe(1, None, availability="OutOfStock")
    assert "availability" in _latest_columns(engine)
    command.downgrade(alembic_config(engine), "0006_page_validators")
    assert _latest_columns(engine).isdisjoint(
        {"availability", "instalments", "availability_observed_at", "availability_observation_id"})
    observe(2, "9.00", availability="InStock", instalments=12)  # 0002/0003's triggers at work
    with engine.connect() as conn:
        latest = table(LatestObservation)
        assert conn.execute(select(latest.c.price)).scalar_one() == D("9.00")
    observe(3, None, availability="SoldOut")
    upgrade(engine)
    after = row()
    assert (after.availability, after.instalments) == ("SoldOut", 12)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_promotion_detail_goes_down_and_up(engine: Engine) -> None:
    """0007_promotion_detail: down drops `promotion.detail` and keeps the rows; up adds it
    back empty (NULL: not told), and the schema is the models' again."""
    from alembic import command

    from storage.db import alembic_config
    from storage.models import Promotion
    from storage.repos.listings import (
        CompetitorSpec,
        ListingInfo,
        ListingKey,
        start_crawl_run,
        sync_competitors,
        upsert_listings,
    )

    def columns() -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns("promotion")}

    at = datetime(2026, 11, 1, 3, tzinfo=UTC)
    promo = table(Promotion)
    with engine.begin() as conn:
        shop = sync_competitors(conn, [CompetitorSpec("alpha", "http://127.0.0.1/a/", "EUR")])["alpha"]
        lid = upsert_listings(conn, shop, [ListingInfo(url="u1")], at)[ListingKey("u1")]
        run = start_crawl_run(conn, shop, started_at=at)
        conn.execute(promo.insert().values(listing_id=lid, crawl_run_id=run, observed_at=at,
                                           kind="multi_buy", value=D(20), buy_qty=2,
                                           detail="quantity_discount"))
    assert current_revision(engine) == "0007_promotion_detail"
    command.downgrade(alembic_config(engine), "0006_latest_terms")
    assert "detail" not in columns()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind, buy_qty FROM promotion")).all() == [("multi_buy", 2)]
    upgrade(engine)
    assert current_revision(engine) == "0007_promotion_detail"
    assert "detail" in columns()
    with engine.begin() as conn:
        assert conn.execute(select(promo.c.kind, promo.c.detail)).all() == [("multi_buy", None)]
        conn.execute(promo.insert().values(listing_id=lid, crawl_run_id=run, observed_at=at,
                                           kind="multi_buy", value=D(50), buy_qty=2,
                                           detail="nth_item_discount"))
        assert conn.execute(select(promo.c.detail).order_by(promo.c.id)).scalars().all() == [
            None, "nth_item_discount"]
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
