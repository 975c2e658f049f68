"""Fixtures for the web app tests: a migrated database with a small history and users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from storage.models import Listing, Product, table
from tests.support.sample_data import HOSTILE_TITLE
from tests.webapp.support import Site, build_site, client

HOSTILE_PRODUCT = "<script>alert(1)</script>"


@pytest.fixture
def site(engine: Engine) -> Site:
    """The sample history on SQLite and PostgreSQL; product #1 is named
    `<script>alert(1)</script>` and a listing of it is titled `HOSTILE_TITLE`."""
    built = build_site(engine)
    with engine.begin() as conn:
        conn.execute(update(table(Product)).where(table(Product).c.sku == "SKU-00001")
                     .values(name=HOSTILE_PRODUCT))
        assert conn.execute(table(Listing).select().where(
            table(Listing).c.title == HOSTILE_TITLE)).first() is not None
    return built


@pytest.fixture
def web(site: Site) -> Iterator[TestClient]:
    with client(site) as c:
        yield c
