"""Bad input: every case gets a clear error naming line and field and changes nothing; CLI
tables print catalog and scraped text literally, markup and all."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.catalog_import import CatalogError, import_catalog
from storage.db import make_engine, session_scope, upgrade
from storage.models import Product
from tests.compare.test_compare_repository import World

ROOT = Path(__file__).resolve().parents[2]
MARKUP = "Kettle [link=http://evil.example/]click[/link] [/] [bold red]x"
HEADER = "sku,name,price,currency,cost,min_margin,delivery_days\n"


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PRICEWATCH_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "monitor", "--db", f"sqlite:///{db}", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**env, "PYTHONPATH": str(ROOT), "COLUMNS": "250"})


def products(engine: Engine) -> list[tuple[str, D]]:
    with session_scope(engine) as session:
        return [(p.sku, p.price) for p in session.scalars(select(Product).order_by(Product.sku))]


@pytest.fixture
def seeded(engine: Engine, tmp_path: Path) -> Engine:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "A1,Kettle,19.99,EUR,10,15%,2\n", encoding="utf-8")
    import_catalog(engine, good)
    return engine


@pytest.mark.parametrize(("row", "message"), [
    ("B2,Mug,1e30,EUR,,,", "line 3: price '1e30' is in exponent notation"),
    ("B2,Mug,99999999999999999,EUR,,,", "line 3: price '99999999999999999' is too large"),
    ("B2,Mug,5,EUR,9e99,,", "line 3: cost '9e99' is in exponent notation"),
    ("B2,Mug,5,EUR,3,150%,", "line 3: min_margin '150%' is 100% of the cost or more"),
    ("B2,Mug,5,EUR,3,1.5,", "line 3: min_margin '1.5' is 100% of the cost or more"),
    ("B2,Mug,5,EUR,3,,99999999999", "line 3: delivery_days '99999999999' is not a plausible"),
])
def test_bad_numbers_are_refused_naming_line_and_field(
        seeded: Engine, tmp_path: Path, row: str, message: str) -> None:
    before = products(seeded)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A1,Kettle,25.00,EUR,10,15%,2\n" + row + "\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=message.replace("(", r"\(")):
        import_catalog(seeded, bad)
    assert products(seeded) == before  # the good line 2 was not applied either


def test_a_cp1251_catalog_is_refused_naming_the_encoding_and_line(
        seeded: Engine, tmp_path: Path) -> None:
    before = products(seeded)
    text = HEADER + "A1,Kettle,25.00,EUR,10,15%,2\nB2,Чайник електрически,30.00,EUR,,,\n"
    bad = tmp_path / "cp1251.csv"
    bad.write_bytes(text.encode("cp1251"))
    with pytest.raises(CatalogError) as caught:
        import_catalog(seeded, bad)
    message = str(caught.value)
    assert "line 3: the file is not UTF-8" in message
    assert "Windows-1251" in message
    assert products(seeded) == before


def test_cli_refuses_a_huge_price_without_a_traceback(tmp_path: Path) -> None:
    db = tmp_path / "pricewatch.db"
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A1,Kettle,1e30,EUR,,,\n", encoding="utf-8")
    result = run(db, "catalog", "import", str(bad))
    assert result.returncode == 1
    assert "line 2: price '1e30'" in result.stderr and "Traceback" not in result.stderr
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Product.__table__)).scalar() == 0


def test_tables_print_catalog_and_scraped_text_literally(tmp_path: Path) -> None:
    db = tmp_path / "pricewatch.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    world = World(engine)
    ours = world.product("K1", "20.00", name=MARKUP, cost=D("10.00"), min_margin=D("0.10"))
    theirs = world.listing("alpha", "http://127.0.0.1/a/k1", title=f"Their {MARKUP}")
    world.match(theirs, ours, confidence=0.5, status="auto")
    cheaper = world.listing("beta", "http://127.0.0.1/b/k1", title="[red]Cheap[/red]")
    world.match(cheaper, ours)
    world.observe("beta", cheaper, 0, "15.00")
    engine.dispose()

    shown = run(db, "catalog", "show")
    assert shown.returncode == 0, shown.stderr
    assert MARKUP in shown.stdout

    compared = run(db, "compare")
    assert compared.returncode == 0, compared.stderr
    assert f"K1 {MARKUP}" in compared.stdout

    review = run(db, "match", "review")
    assert review.returncode == 0, review.stderr
    assert MARKUP in review.stdout and f"Their {MARKUP}" in review.stdout
