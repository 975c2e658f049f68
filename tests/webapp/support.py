"""A web app on a real database with a small history, users of every role, and alerts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from storage.repos import alerts as alert_repo
from storage.repos import web as accounts
from tests.support.sample_data import (
    HOSTILE_TITLE,
    CompetitorSample,
    SampleResult,
    SampleSpec,
    generate,
)
from web.app import create_app
from web.config import WebSettings
from web.security import digest, hash_password

PASSWORD = "correct horse battery"
SPEC = SampleSpec(
    products=12, days=6, end=datetime.now(UTC).date(), hostile=True, hostile_listing=True,
    unsure=3,
    competitors=(CompetitorSample("alpha", "Alpha Market", "EUR", leva_nights=2, suspect_day=2),
                 CompetitorSample("bravo", "Bravo Shop", "EUR"),
                 CompetitorSample("charlie", "Charlie", "EUR")),
)
TOKEN = "test-api-token-of-the-viewer-0123456789"


@dataclass
class Site:
    engine: Engine
    sample: SampleResult
    settings: WebSettings


def build_site(engine: Engine, settings: WebSettings | None = None) -> Site:
    sample = generate(engine, SPEC)
    hashed = hash_password(PASSWORD)
    with engine.begin() as conn:
        ids = {role: accounts.add_user(conn, role, hashed, role)
               for role in ("viewer", "manager", "admin")}
        accounts.add_token(conn, ids["viewer"], "tests", digest(TOKEN))
        now = datetime.now(UTC)
        alert_repo.insert_new_alerts(conn, [
            alert_repo.AlertRow(
                kind="undercut", audience="business", dedupe_key=f"test:{n}",
                payload={"kind": "undercut", "product_name": "<script>alert(1)</script>",
                         "competitor": HOSTILE_TITLE, "their_price": "9.99", "currency": "EUR"},
                impact=None, product_id=sample.product_ids["SKU-00001"], competitor_id=None,
                created_at=now - timedelta(minutes=n))
            for n in range(3)
        ])
    return Site(engine, sample, settings or WebSettings(login_delay_s=0.05, login_delay_max_s=0.2))


def client(site: Site) -> TestClient:
    return TestClient(create_app(site.engine, site.settings), follow_redirects=False)


def login(c: TestClient, name: str, password: str = PASSWORD) -> Any:
    form = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    return c.post("/login", data={"name": name, "password": password,
                                  "csrf_token": token.group(1), "next": "/"})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)
