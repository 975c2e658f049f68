"""Alembic environment: runs against the engine handed over by `storage.db.upgrade`,
or against $PRICEWATCH_DATABASE_URL when called from the `alembic` command."""

from __future__ import annotations

from alembic import context

from storage.db import make_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=False,
        )
        context.run_migrations()


run_migrations_online()
