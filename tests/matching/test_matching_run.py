"""`run_matching`, the review queue and human decisions, on SQLite and PostgreSQL; the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from monitor.cli import cli
from monitor.matching import (
    MappingError,
    MatchSettings,
    UnknownMatchError,
    decide,
    review_queue,
    run_matching,
)
from storage.db import make_engine, session_scope, upgrade
from storage.models import Match, MatchStatus, Product, table
from storage.repos.listings import (
    CompetitorSpec,
    ListingInfo,
    ListingKey,
    sync_competitors,
    upsert_listings,
)

T0 = datetime(2026, 11, 20, tzinfo=UTC)

PRODUCTS = [
    ("COLA05", "Coca-Cola Zero 500 ml", "Coca-Cola", None, None),
    ("COLA1", "Coca-Cola Zero 1 l", "Coca-Cola", None, None),
    ("SONY", "Sony WH-1000XM4 Headphones", "Sony", "WH-1000XM4", "4548736112360"),
    ("WIDGET", "Acme Widget Blanc 500 ml", "Acme", None, None),
    ("WIDGET2", "Acme Widget Blank 500 ml", "Acme", None, None),
]
LISTINGS = [
    ListingInfo(url="u-gtin", gtin="04548736112360", title="Sony headphones"),
    ListingInfo(url="u-mpn", brand="SONY", mpn="wh1000xm4"),
    ListingInfo(url="u-title", title="Coca Cola Zero 0,5 l"),
    ListingInfo(url="u-litre", title="COCA-COLA Zero 1L"),
    ListingInfo(url="u-six", title="Coca-Cola Zero 6 x 500 ml"),  # we sell no 6-pack
    ListingInfo(url="u-unsure", title="Acme Widget Blang 500 ml"),  # two products alike
]


def seed(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        for sku, name, brand, mpn, gtin in PRODUCTS:
            session.add(Product(sku=sku, name=name, brand=brand, mpn=mpn, gtin=gtin,
                                price=D("9.99"), currency="EUR"))
    with engine.begin() as conn:
        shop = sync_competitors(conn, [CompetitorSpec("shop", "http://127.0.0.1/", "EUR")])["shop"]
        ids = upsert_listings(conn, shop, LISTINGS, T0)
    return {key.url: lid for key, lid in ids.items() if isinstance(key, ListingKey)}


def matches(engine: Engine) -> dict[int, tuple[int, str, str, str]]:
    """listing id -> (match id, sku, method, status)."""
    m, p = table(Match), table(Product)
    with engine.connect() as conn:
        return {
            r.listing_id: (r.id, r.sku, r.method, r.status)
            for r in conn.execute(select(m.c.id, m.c.listing_id, m.c.method, m.c.status, p.c.sku)
                                  .join(p, p.c.id == m.c.product_id))
        }


def test_cascade_review_and_decisions_remembered(engine: Engine) -> None:
    urls = seed(engine)
    summary = run_matching(engine)
    assert summary.matched == {"gtin": 1, "brand_mpn": 1, "title": 3}
    assert (summary.listings, summary.unmatched, summary.to_review) == (6, 1, 1)
    found = matches(engine)
    assert {url: found[lid][1:3] for url, lid in urls.items() if lid in found and url != "u-unsure"} == {
        "u-gtin": ("SONY", "gtin"), "u-mpn": ("SONY", "brand_mpn"),
        "u-title": ("COLA05", "title"), "u-litre": ("COLA1", "title"),
    }
    assert found[urls["u-unsure"]][1] in {"WIDGET", "WIDGET2"}  # either; a person decides
    assert urls["u-six"] not in found  # a 6-pack is not our single bottle

    queue, total = review_queue(engine, MatchSettings())
    assert total == 1
    assert queue[0].listing_url == "u-unsure" and "runner-up" in (queue[0].note or "")
    unsure_id = queue[0].match_id

    # a second run changes nothing and keeps the ids people review by
    again = run_matching(engine)
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)
    assert matches(engine) == found

    decide(engine, [unsure_id], MatchStatus.confirmed)
    decide(engine, [found[urls["u-litre"]][0]], MatchStatus.rejected)
    third = run_matching(engine)
    assert third.listings == 4  # the two decided listings are left alone
    after = matches(engine)
    assert after[urls["u-unsure"]][3] == "confirmed"
    assert after[urls["u-litre"]][3] == "rejected"
    assert review_queue(engine, MatchSettings())[1] == 0

    with pytest.raises(UnknownMatchError, match="999999"):
        decide(engine, [unsure_id, 999999], MatchStatus.rejected)
    assert matches(engine)[urls["u-unsure"]][3] == "confirmed"  # all or nothing


def test_mapping_file_is_a_human_decision(engine: Engine, tmp_path: Path) -> None:
    urls = seed(engine)
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("sku,competitor,url,pack_ratio\nCOLA05,shop,u-six,6\n", encoding="utf-8")
    summary = run_matching(engine, mapping)
    assert summary.manual == 1
    with engine.connect() as conn:
        row = conn.execute(select(table(Match)).where(
            table(Match).c.listing_id == urls["u-six"])).one()
    assert (row.method, row.status, row.pack_ratio) == ("manual", "confirmed", D(6))


def test_bad_mapping_file_names_the_line_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        "sku,competitor,url\nCOLA05,shop,u-six\nNOPE,shop,u-title\nCOLA1,shop,u-missing\n",
        encoding="utf-8")
    with pytest.raises(MappingError) as err:
        run_matching(engine, mapping)
    text = str(err.value)
    assert "line 3: no product with sku 'NOPE'" in text
    assert "line 4: shop listing u-missing is not known" in text
    assert matches(engine) == {}
    bad_header = tmp_path / "header.csv"
    bad_header.write_text("product,where\nA,B\n", encoding="utf-8")
    with pytest.raises(MappingError, match="line 1: the header needs 'sku'"):
        run_matching(engine, bad_header)


def test_match_and_compare_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", url, "match"])
    assert result.exit_code == 0, result.output
    assert "gtin 1" in result.output and "1 wait for review" in result.output
    review = runner.invoke(cli, ["--db", url, "match", "review"])
    assert review.exit_code == 0, review.output
    assert "Blang" in review.output and "runner-up" in review.output
    assert "agree:" in review.output  # why it matched (folded over lines by the table)
    queue, _ = review_queue(engine)
    confirm = runner.invoke(cli, ["--db", url, "match", "confirm", str(queue[0].match_id)])
    assert confirm.exit_code == 0 and "confirmed" in confirm.output
    assert "empty" in runner.invoke(cli, ["--db", url, "match", "review"]).output
    missing = runner.invoke(cli, ["--db", url, "match", "reject", "424242"])
    assert missing.exit_code != 0 and "424242" in missing.output
    compare = runner.invoke(cli, ["--db", url, "compare"])
    assert compare.exit_code == 0, compare.output
    assert "Compare run 1" in compare.output
    for args in (["match", "--help"], ["match", "review", "--help"], ["compare", "--help"]):
        helped = runner.invoke(cli, args)
        assert helped.exit_code == 0 and len(helped.output) > 100
