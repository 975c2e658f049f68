"""Fixtures for the demo-shop tests: running shops on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.shops import ShopsHandle, start_shops


@pytest.fixture(scope="module")
def shops() -> Iterator[ShopsHandle]:
    """All demo shops on free ports, day 0 (read-only tests share them per module)."""
    with start_shops(day=0) as handle:
        yield handle


@pytest.fixture()
def fresh_shops() -> Iterator[ShopsHandle]:
    """Shops of one's own, for tests that change the day or the fault modes."""
    with start_shops(day=0) as handle:
        yield handle
