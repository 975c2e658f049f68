"""Database down, wrong, or unusable: every command says so in one line naming the URL with
its password masked, exits 1, and records nothing. No secret anywhere: not in `where`, not
in a crawl child's command line. Real processes, a real closed port, the real PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, inspect

from demo.shops import start_shops
from spiders.runner import crawl_competitors
from storage.db import current_revision, make_engine, upgrade
from tests.conftest import pg_base_url
from tests.crawl.support import FAST, write_competitors

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-Pa55"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(db: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PRICEWATCH_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "monitor", "--db", db, *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**env, "PYTHONPATH": str(ROOT)})


def commands(tmp: Path) -> list[list[str]]:
    catalog = tmp / "catalog.csv"
    catalog.write_text("sku,name,price,currency\nA1,Kettle,19.99,EUR\n", encoding="utf-8")
    out = str(tmp / "out")
    return [
        ["db", "upgrade"], ["status"], ["catalog", "import", str(catalog)],
        ["catalog", "show"], ["compare"], ["report", "daily", "--out", out],
        ["report", "monthly", "--month", "2026-11", "--out", out], ["export", "--out", out],
        ["alerts", "send"], ["alerts", "list"], ["match", "review"], ["run-now"],
        ["serve", "--every", "1"],
        ["crawl", "--competitors", str(ROOT / "examples" / "competitors.yaml")],
    ]


def assert_one_clear_line(result: subprocess.CompletedProcess[str], shown_url: str) -> None:
    both = result.stdout + result.stderr
    assert result.returncode == 1, both
    assert SECRET not in both
    assert "Traceback" not in both
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert f"cannot use the database {shown_url}" in errors[0]


def test_every_command_with_the_database_down(tmp_path: Path) -> None:
    port = closed_port()
    url = f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:{port}/pricewatch"
    for args in commands(tmp_path):
        result = run(url, *args)
        assert_one_clear_line(result, f"postgresql+psycopg://postgres:***@127.0.0.1:{port}/")
        assert "Connection refused" in result.stderr, (args, result.stderr)
    assert not (tmp_path / "out").exists()  # no report, no export written


@pytest.mark.postgres
def test_a_database_that_does_not_exist(pg_available: None, tmp_path: Path) -> None:
    base = pg_base_url().rsplit("/", 1)[0].replace("postgres@", f"postgres:{SECRET}@")
    url = f"{base}/pricewatch_i19_no_such_database"
    for args in (["db", "upgrade"], ["status"], ["catalog", "show"]):
        result = run(url, *args)
        assert_one_clear_line(result, url.replace(SECRET, "***"))
        assert "does not exist" in result.stderr


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 50, encoding="utf-8")
    before = bogus.read_bytes()
    for args in (["db", "upgrade"], ["status"], ["compare"]):
        result = run(f"sqlite:///{bogus}", *args)
        assert_one_clear_line(result, f"sqlite:///{bogus}")
        assert "not a database" in result.stderr
    assert bogus.read_bytes() == before


def test_where_masks_the_password() -> None:
    result = run(f"postgresql+psycopg://pw_user:{SECRET}@127.0.0.1:5432/pricewatch", "where")
    assert result.returncode == 0
    assert result.stdout.strip() == "postgresql+psycopg://pw_user:***@127.0.0.1:5432/pricewatch"


def test_a_failed_sqlite_upgrade_leaves_the_previous_revision_usable(tmp_path: Path) -> None:
    """Disk full half-way through the migrations (SQLite's max_page_count stands in for the
    full disk): the upgrade fails, the file is as before, and a later upgrade works."""
    url = f"sqlite:///{tmp_path / 'pricewatch.db'}"
    full = make_engine(url)
    event.listen(full, "connect", lambda dbapi, _rec: dbapi.execute("PRAGMA max_page_count=20"))
    with pytest.raises(Exception, match="full"):
        upgrade(full)
    full.dispose()
    engine = make_engine(url)
    assert current_revision(engine) is None
    assert inspect(engine).get_table_names() == []  # no half-built schema
    upgrade(engine, "0003")
    at_0003 = set(inspect(engine).get_table_names())
    engine.dispose()
    # Second failure, from a real previous revision: it stays at that revision.
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    full = make_engine(url)
    event.listen(full, "connect",
                 lambda dbapi, _rec: dbapi.execute(f"PRAGMA max_page_count={pages}"))
    with pytest.raises(Exception, match="full"):
        upgrade(full)
    full.dispose()
    engine = make_engine(url)
    assert current_revision(engine) == "0003"
    assert set(inspect(engine).get_table_names()) == at_0003
    upgrade(engine)
    assert current_revision(engine) != "0003"


@pytest.mark.postgres
def test_the_crawl_child_never_gets_the_password_on_its_command_line(
        pg_available: None, tmp_path: Path) -> None:
    """The test server trusts 127.0.0.1, so a password in the URL is accepted and ignored:
    enough to see where the URL travels."""
    from tests.conftest import drop_pg_schema, fresh_pg_engine

    engine, schema = fresh_pg_engine()
    url = engine.url.set(password=SECRET).render_as_string(hide_password=False)
    engine.dispose()
    seen: list[dict[str, Any]] = []

    def progress(name: str, event: dict[str, Any]) -> None:
        if event["event"] == "started":
            pid = event["pid"]
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                return
            seen.append({"cmdline": cmdline.decode(), "env_has_url": SECRET.encode() in environ})

    try:
        with start_shops(day=0, shops=["jsonshop"]) as shops:
            path = write_competitors(tmp_path, shops.base_urls, ["jsonshop"])
            [summary] = crawl_competitors(path, ["jsonshop"], url, extra_settings=FAST,
                                          progress=progress)
        assert summary.status == "finished", summary.error
        assert seen and "spiders.runner" in seen[0]["cmdline"]
        assert SECRET not in seen[0]["cmdline"]
        assert "postgresql" not in seen[0]["cmdline"]
        assert seen[0]["env_has_url"]  # the URL went through the environment instead
        assert SECRET not in json.dumps(summary.stats, default=str)
    finally:
        drop_pg_schema(schema)
