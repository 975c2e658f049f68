"""Fixtures for the report tests: a database holding a realistic multi-day history."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `tests/reports` must not shadow the `reports` package when pytest is started as a
# script (Makefile and CI use `python -m pytest`, which puts the project root first).
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from report_history import SPEC, History  # noqa: E402

from reports.config import ReportSettings  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from tests.support.sample_data import generate  # noqa: E402


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    """A migrated SQLite file with 8 nights of history for 24 products and 3 competitors
    (one competitor's last two crawls failed, one run suspect, quarantined readings)."""
    path = tmp_path_factory.mktemp("history") / "pricewatch.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sample = generate(engine, SPEC)
    yield History(engine, sample, SPEC, ReportSettings())
    engine.dispose()


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path
