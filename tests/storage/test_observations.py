"""The observation repository: bulk insert, latest good price per listing, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from storage.models import Observation, table
from storage.repos.listings import (
    CompetitorSpec,
    ListingInfo,
    ListingKey,
    start_crawl_run,
    sync_competitors,
    upsert_listings,
)
from storage.repos.observations import (
    ObservationRow,
    insert_observations,
    latest_good_observations,
    listing_history,
)

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def listing_ids(engine: Engine) -> list[int]:
    with engine.begin() as conn:
        comp = sync_competitors(conn, [CompetitorSpec("shop", "http://127.0.0.1/", "BGN")])["shop"]
        ids = upsert_listings(
            conn, comp, [ListingInfo(url=f"http://127.0.0.1/p/{i}", title=f"P{i}") for i in range(3)], T0
        )
    return [ids[ListingKey(f"http://127.0.0.1/p/{i}")] for i in range(3)]


def _run(engine: Engine, when: datetime) -> int:
    with engine.begin() as conn:
        return start_crawl_run(conn, 1, started_at=when)


def test_bulk_insert_and_latest_good(engine: Engine, listing_ids: list[int]) -> None:
    a, b, c = listing_ids
    days = [T0 + timedelta(days=d) for d in range(3)]
    runs = [_run(engine, day) for day in days]
    rows = [
        ObservationRow(listing_id=a, crawl_run_id=runs[0], observed_at=days[0], status="ok",
                       price=Decimal("10.00"), currency="BGN"),
        ObservationRow(listing_id=a, crawl_run_id=runs[1], observed_at=days[1], status="ok",
                       price=Decimal("9.49"), currency="BGN", promotions=[{"kind": "coupon"}]),
        # a later quarantined reading never becomes the latest price
        ObservationRow(listing_id=a, crawl_run_id=runs[2], observed_at=days[2], status="quarantined",
                       reason="price jump x10", price=Decimal("94.90"), currency="BGN"),
        ObservationRow(listing_id=b, crawl_run_id=runs[0], observed_at=days[0], status="blocked",
                       reason="429"),
        ObservationRow(listing_id=c, crawl_run_id=runs[0], observed_at=days[0], status="ok",
                       price=Decimal("1234567.89"), regular_price=Decimal("1300000.00"), currency="EUR"),
        ObservationRow(listing_id=c, crawl_run_id=runs[2], observed_at=days[2], status="not_found",
                       reason="no price on page"),
    ]
    assert insert_observations(engine, rows) == 6
    with engine.connect() as conn:
        latest = {r.listing_id: r for r in latest_good_observations(conn)}
        assert set(latest) == {a, c}
        assert latest[a].price == Decimal("9.49")
        assert latest[a].promotions == [{"kind": "coupon"}]
        assert latest[c].price == Decimal("1234567.89")
        assert latest[c].regular_price == Decimal("1300000.00")
        assert latest[a].observed_at == days[1]
        only_c = latest_good_observations(conn, [c])
        assert [r.listing_id for r in only_c] == [c]
        history = listing_history(conn, a)
        assert [h.status for h in history] == ["ok", "ok", "quarantined"]
        assert history[0].observed_at.tzinfo is not None
        assert [h.price for h in listing_history(conn, a, since=days[1])] == [
            Decimal("9.49"), Decimal("94.90")
        ]


def test_bulk_insert_is_all_or_nothing(engine: Engine, listing_ids: list[int]) -> None:
    run = _run(engine, T0)
    rows = [
        ObservationRow(listing_id=listing_ids[0], crawl_run_id=run, observed_at=T0, status="ok",
                       price=Decimal("1.00")),
        # same listing twice in one run breaks the unique rule: the whole batch goes
        ObservationRow(listing_id=listing_ids[0], crawl_run_id=run, observed_at=T0, status="ok",
                       price=Decimal("2.00")),
    ]
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        insert_observations(engine, rows)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table(Observation))).scalar() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "ok", "price": None}, "needs a price"),
        ({"status": "weird"}, "unknown observation status"),
        ({"status": "ok", "price": Decimal(1), "observed_at": datetime(2026, 1, 1)}, "timezone"),
    ],
)
def test_observation_row_rules(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"listing_id": 1, "crawl_run_id": 1, "observed_at": T0}
    with pytest.raises(ValueError, match=message):
        ObservationRow(**(base | kwargs))  # type: ignore[arg-type]


def test_listing_identifiers_only_fill_in(engine: Engine) -> None:
    with engine.begin() as conn:
        comp = sync_competitors(conn, [CompetitorSpec("shop", "http://127.0.0.1/", "BGN")])["shop"]
        url = "http://127.0.0.1/p/1"
        first = upsert_listings(conn, comp, [ListingInfo(url=url, gtin="04006381333931")], T0)
        later = T0 + timedelta(days=1)
        again = upsert_listings(conn, comp, [ListingInfo(url=url, gtin=None, title="New")], later)
        assert first == again
        row = conn.execute(select(table(Observation).c.id).limit(1)).first()
        assert row is None
        from storage.models import Listing

        listing = conn.execute(select(table(Listing))).one()
        assert listing.gtin == "04006381333931"
        assert listing.title == "New"
        assert listing.first_seen == T0 and listing.last_seen == later
