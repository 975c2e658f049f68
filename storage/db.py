"""Engines and sessions for SQLite (default) and PostgreSQL, and schema upgrades."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///var/pricewatch.db"
ENV_URL = "PRICEWATCH_DATABASE_URL"
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else $PRICEWATCH_DATABASE_URL, else var/pricewatch.db."""
    return url or os.environ.get(ENV_URL) or DEFAULT_URL


def masked_url(url: str | URL | None = None) -> str:
    """The URL with its password replaced by ***: the only form that is ever printed or logged."""
    raw = url if isinstance(url, URL) else database_url(url)
    try:
        parsed = raw if isinstance(raw, URL) else make_url(raw)
    except Exception:  # not a URL SQLAlchemy can read: hide anything between ':' and '@'
        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", str(raw))
    return parsed.render_as_string(hide_password=True)


def redact(text: str, url: str | URL | None = None) -> str:
    """`text` with the database password (and any `user:secret@` in a URL) masked."""
    secrets: list[str] = []
    if url is not None:
        try:
            password = (url if isinstance(url, URL) else make_url(url)).password
        except Exception:
            password = None
        if password:
            secrets.append(str(password))
            secrets.append(quote(str(password), safe=""))
    for secret in secrets:
        if len(secret) >= 3:  # shorter ones would mask ordinary letters; the URL rule below still applies
            text = text.replace(secret, "***")
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite connection waits for another one's write lock."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine; SQLite files get WAL mode, foreign keys and a busy timeout."""
    url = database_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


BULK_CACHE_KIB = 32 * 1024
"""SQLite page cache of a connection during a bulk write (`bulk_cache`), in KiB."""


@contextmanager
def bulk_cache(conn: Connection, kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """A bigger SQLite page cache on `conn` for the block (the default is 2 MiB): a bulk
    insert into a table with several indexes keeps their pages at hand instead of
    spilling and reading them back (300,000 findings: 0.6 s less CPU). The connection's
    own size is put back afterwards. A no-op on other databases."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    if (-before if before < 0 else before * 4) >= kib:  # positive: pages of 4 KiB or more
        yield  # already at least as big
        return
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={before}")


def checkpoint(engine: Engine) -> bool:
    """Fold SQLite's write-ahead log back into the database file and truncate it.

    Call after a bulk write: one transaction writing a million matches leaves a log of
    over a gigabyte, and every later read pays for looking its pages up there (the next
    comparison ran 1.2 s slower). A no-op on other databases. It never waits: while
    another connection still reads an older snapshot, SQLite folds back what it can
    now and the rest at a later checkpoint. Returns whether the log was emptied.
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            return not busy
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits at the end of the block, or rolls back everything on error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (all by default)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def database_problem(exc: BaseException, url: str | URL | None = None) -> str | None:
    """One line saying why the database cannot be used, with the password masked; None when
    `exc` is not a database problem (unreachable server, wrong or foreign database, SQLite
    file that cannot be opened or written, schema at an unknown revision)."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if isinstance(exc, DBAPIError) and exc.orig is not None:
        detail = str(exc.orig)
    elif isinstance(exc, CommandError):
        detail = f"its schema is not one pricewatch knows ({exc}); is this the right database?"
    elif isinstance(exc, SQLAlchemyError):
        detail = str(exc.args[0] if exc.args else exc)
    else:
        return None
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    detail = "; ".join(lines[:2]) or type(exc).__name__
    return redact(f"cannot use the database {masked_url(url)}: {detail}", url)
