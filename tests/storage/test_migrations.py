"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from storage.db import current_revision, upgrade
from storage.models import Base


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
    """0006_web_indexes: downgrade restores the index it replaced, upgrade builds the
    models' schema again."""
    from alembic import command

    from storage.db import alembic_config

    def finding_indexes() -> set[str]:
        return {i["name"] for i in inspect(engine).get_indexes("finding")}

    command.downgrade(alembic_config(engine), "0005_web_users")
    names = finding_indexes()
    assert "ix_finding_run_product" in names
    assert not names & {"ix_finding_run_product_impact", "ix_finding_run_competitor_kind"}
    upgrade(engine)
    assert {"ix_finding_run_product_impact", "ix_finding_run_competitor_kind"} <= finding_indexes()
    assert "ix_finding_run_product" not in finding_indexes()
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
