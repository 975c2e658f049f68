"""The review screen's side-by-side checks say what the matcher weighed: a Cyrillic brand
is the same brand as its Latin spelling, an identifier match with a tier word on one side
only is no variant conflict, and the size row speaks of sizes alone."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, insert

from monitor.matching import MatchSettings
from storage.models import Competitor, Listing, Match, MatchStatus, Product, table
from web.views import review


def _pair(conn, product: dict, listing: dict, method: str) -> None:  # type: ignore[no-untyped-def]
    pid = conn.execute(insert(table(Product)).values(
        currency="EUR", price=Decimal("99.00"), **product)).inserted_primary_key[0]
    lid = conn.execute(insert(table(Listing)).values(
        competitor_id=1, url=f"http://127.0.0.1/{product['sku']}", **listing)
    ).inserted_primary_key[0]
    conn.execute(insert(table(Match)).values(
        product_id=pid, listing_id=lid, method=method, confidence=0.6,
        status=MatchStatus.auto.value))


def test_review_checks_follow_the_matcher(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table(Competitor)).values(
            id=1, name="shop", base_url="http://127.0.0.1/", currency="EUR"))
        _pair(conn, {"sku": "AIR", "name": "Philips Airfryer HD9252/90 Essential 4.1 l",
                     "brand": "Philips", "mpn": "HD9252/90"},
              {"title": "Фритюрник Филипс HD9252/90 4,1 л", "brand": "Филипс"}, "title")
        _pair(conn, {"sku": "SSD", "name": "Samsung 990 PRO 1TB", "brand": "Samsung",
                     "gtin": "08806094215038"},
              {"title": "SSD Samsung MZ-V9P1T0BW 1TB", "brand": "Samsung",
               "gtin": "08806094215038"}, "gtin")
        _pair(conn, {"sku": "PH", "name": "Apple iPhone 15 128GB Black", "brand": "Apple"},
              {"title": "Apple iPhone 15 256GB Black", "brand": "Apple"}, "title")
    rows, total, _ = review(engine, MatchSettings(), 10)
    assert total == 3
    checks = {row.item.sku: {name: agree for name, _o, _t, agree in row.checks} for row in rows}

    assert checks["AIR"]["brand"] is True  # Филипс is Philips
    assert checks["AIR"]["size"] is True and checks["AIR"]["variant"] is True

    # their GTIN names our product: "PRO" missing from their title is no other model
    assert checks["SSD"]["variant"] is True and checks["SSD"]["size"] is True
    assert checks["SSD"]["gtin"] is True

    # a capacity conflict shows on the size row and in the verdict; the colour agrees
    assert checks["PH"]["size"] is False and checks["PH"]["variant"] is False
    assert checks["PH"]["colour"] is True and checks["PH"]["brand"] is True
