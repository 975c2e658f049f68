"""Shared fixtures: real databases (SQLite file, PostgreSQL schema) and paths."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from storage.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str:
    return os.environ.get("PRICEWATCH_TEST_DATABASE_URL") or DEFAULT_PG


def _pg_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        engine = make_engine(pg_base_url())
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {pg_base_url()} is not reachable ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture(scope="session")
def pg_available() -> None:
    reason = _pg_unavailable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the PostgreSQL tests must run")
    pytest.skip(f"{reason}; set PRICEWATCH_TEST_DATABASE_URL to run the PostgreSQL tests")


def fresh_pg_engine() -> tuple[Engine, str]:
    """An engine on a new, empty schema of the test database."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(pg_base_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    # the schema goes in the URL, so that a process opening the same URL sees it too
    url = make_url(pg_base_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    return engine, schema


def drop_pg_schema(schema: str) -> None:
    admin = make_engine(pg_base_url())
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pricewatch.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_available: None) -> Iterator[Engine]:
    """A migrated PostgreSQL schema of its own, dropped afterwards."""
    engine, schema = fresh_pg_engine()
    upgrade(engine)
    yield engine
    engine.dispose()
    drop_pg_schema(schema)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on PostgreSQL (the test id says which)."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not there (it holds the shared test material)")
    return SHARED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many database tests ran on each database, so a run shows that PostgreSQL
    was really used (and not skipped)."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            if outcome == "passed" and getattr(report, "when", "call") != "call":
                continue
            for db in ("sqlite", "postgresql"):
                if f"[{db}" in nodeid or f"-{db}]" in nodeid or f"-{db}-" in nodeid:
                    counts.setdefault(db, {}).setdefault(outcome, 0)
                    counts[db][outcome] += 1
    if counts:
        terminalreporter.write_sep("-", "database tests")
        for db, by in sorted(counts.items()):
            terminalreporter.write_line(
                f"{db}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(by.items()))
            )
