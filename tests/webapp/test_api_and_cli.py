"""The REST API with a token, the `users` and `web` commands, and the chart geometry."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from monitor.cli import cli
from storage.db import make_engine, upgrade
from storage.repos import web as accounts
from tests.webapp.support import TOKEN, Site, client
from web.chart import Reading, Series, build_chart
from web.security import verify_password


def test_api_with_a_token(site: Site) -> None:
    with TestClient(client(site).app, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        products = api.get("/api/v1/products?q=SKU-0000&page_size=5").json()
        assert products["total"] == 9 and len(products["items"]) == 5
        first = products["items"][0]
        assert isinstance(first["price"], str) and Decimal(first["price"]) > 0  # exact money
        story = api.get(f"/api/v1/products/{first['id']}").json()
        assert story["offers"] and all("reading" in o for o in story["offers"])
        history = api.get(f"/api/v1/products/{first['id']}/history").json()
        assert history["series"] and history["series"][0]["readings"]
        findings = api.get("/api/v1/findings?sort=gap&dir=asc").json()
        gaps = [Decimal(f["gap"]) for f in findings["items"] if f["gap"] is not None]
        assert gaps == sorted(gaps) and findings["total"] >= len(findings["items"])
        listing = api.get("/api/v1/listings?page_size=1").json()["items"][0]
        readings = api.get(f"/api/v1/listings/{listing['id']}/observations").json()["items"]
        assert readings and readings[0]["observed_at"] >= readings[-1]["observed_at"]
        runs = api.get("/api/v1/runs").json()
        assert runs["crawl_runs"] and runs["compare_runs"]
        assert len(api.get("/api/v1/alerts").json()["items"]) == 3
        spec = api.get("/api/v1/openapi.json").json()
        assert {"/api/v1/products", "/api/v1/findings", "/api/v1/runs"} <= set(spec["paths"])
        assert not any(not p.startswith("/api/v1/") for p in spec["paths"])
        assert "/api/v1/findings" in api.get("/api/v1/docs").text
        assert api.get("/api/v1/products/999999").status_code == 404


def test_users_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pw.db'}"
    runner = CliRunner()
    env = {"PRICEWATCH_PASSWORD": "a long password"}
    done = runner.invoke(cli, ["--db", url, "users", "add", "maria", "--role", "manager"], env=env)
    assert done.exit_code == 0, done.output
    again = runner.invoke(cli, ["--db", url, "users", "add", "maria"], env=env)
    assert again.exit_code == 1 and "exists already" in again.output
    short = runner.invoke(cli, ["--db", url, "users", "add", "ivan"], env={"PRICEWATCH_PASSWORD": "short"})
    assert short.exit_code == 1 and "8 characters" in short.output
    token = runner.invoke(cli, ["--db", url, "users", "token", "maria"])
    assert token.exit_code == 0
    secret = token.stdout.strip().splitlines()[0]
    engine = make_engine(url)
    with engine.connect() as conn:
        user = accounts.user_by_name(conn, "maria")
        assert user.role == "manager" and verify_password(user.password_hash, "a long password")
        assert "a long password" not in user.password_hash
        assert accounts.token_user(conn, secret) is None  # only the hash is stored
    listed = runner.invoke(cli, ["--db", url, "users", "list"])
    assert "maria" in listed.output and "manager" in listed.output


def test_pricewatch_web_serves(tmp_path: Path) -> None:
    """The real command in its own process: health answers, everything else wants a login."""
    url = f"sqlite:///{tmp_path / 'pw.db'}"
    upgrade(make_engine(url))
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).with_name("pricewatch")
    (tmp_path / "settings.yaml").write_text("web:\n  page_size: 20\n", encoding="utf-8")
    proc = subprocess.Popen([str(exe), "--db", url, "web", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PRICEWATCH_CONFIG": str(tmp_path / "settings.yaml")})
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                health = httpx.get(f"{base}/health")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("pricewatch web did not start: " + (proc.stderr.read() if proc.stderr else ""))
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"{base}/").status_code == 303
        assert httpx.get(f"{base}/api/v1/products").status_code == 401
        assert "Content-Security-Policy" in httpx.get(f"{base}/login").headers
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=20)
    assert "no users yet" in err and re.search(r"http://127\.0\.0\.1:\d+/", err)


def test_chart_geometry() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    day = timedelta(days=1)
    readings = [
        Reading(start + day, Decimal("10"), Decimal("10"), False, True),
        Reading(start + 2 * day, Decimal("8"), Decimal("9"), True, True),
        Reading(start + 3 * day, Decimal("8"), Decimal("9"), True, False),
        Reading(start + 4 * day, Decimal("11"), Decimal("11"), False, True),
    ]
    series = Series("Shop", "#123456", readings)
    chart = build_chart([(start, Decimal("12")), (start + 2 * day, Decimal("9.5"))], [series],
                        start, start + 5 * day)
    assert not chart.empty
    assert len(series.effective_points.split()) == 4
    assert len(series.promo_bands) == 1  # days 2-3
    x0, width = series.promo_bands[0]
    assert x0 < x0 + width
    assert [back for *_, back, _when in series.stock_marks] == [False, True]  # out, then back
    ys = [float(p.split(",")[1]) for p in series.effective_points.split()]
    assert ys[1] > ys[0] and ys[3] < ys[0]  # cheaper is lower on the chart
    assert len(chart.our_points.split()) == 4  # a step: start, change (twice), end
    assert build_chart([], [], start, start + day).empty


def test_serve_with_web_runs_both(tmp_path: Path) -> None:
    """`pricewatch serve --web`: the scheduler and the app in one process; SIGTERM stops both."""
    import signal
    import socket

    url = f"sqlite:///{tmp_path / 'pw.db'}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "settings.yaml").write_text(
        f"nightly:\n  competitors_file: {tmp_path / 'none.yaml'}\n", encoding="utf-8")
    exe = Path(sys.executable).with_name("pricewatch")
    proc = subprocess.Popen([str(exe), "--db", url, "serve", "--web", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PRICEWATCH_CONFIG": str(tmp_path / "settings.yaml")})
    try:
        for _ in range(300):
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("no web app beside the scheduler")
        assert httpx.get(f"http://127.0.0.1:{port}/findings").status_code == 303
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "web app on http://127.0.0.1" in err and "stopped" in err


def test_every_web_text_is_in_both_languages() -> None:
    from web.i18n import BG, EN

    assert set(EN) == set(BG)
    assert all(BG[k] for k in BG)
