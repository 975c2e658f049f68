"""Alembic environment: runs against the engine handed over by `storage.db.upgrade`,
or against $PRICEWATCH_DATABASE_URL when called from the `alembic` command.

All pending migrations run in ONE transaction, on PostgreSQL and on SQLite alike. Python's
sqlite3 driver does not open a transaction before DDL (CREATE/ALTER/DROP run in autocommit),
so a SQLite upgrade that failed half-way (disk full) used to leave a half-built schema
stamped with no revision at all. Here the driver's own transaction handling is switched off
for the upgrade and we issue BEGIN IMMEDIATE / COMMIT ourselves: a failed upgrade rolls back
to the previous revision, still usable.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.db import make_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=False,
    )


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            _configure(connection)
            context.run_migrations()
        return
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        previous = driver.isolation_level
        driver.isolation_level = None
        try:
            # SQLAlchemy's transaction commits or rolls back through the driver, which
            # now acts on the BEGIN IMMEDIATE below; alembic sees an outer transaction
            # and leaves it alone.
            with connection.begin():
                driver.execute("BEGIN IMMEDIATE")
                _configure(connection)
                context.run_migrations()
        finally:
            if driver.in_transaction:
                driver.rollback()
            driver.isolation_level = previous

run_migrations_online()
