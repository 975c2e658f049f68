"""The reporting queries on real SQLite and PostgreSQL, checked against plain Python over
the same rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from report_history import NOW
from sqlalchemy import Engine, select

from reports.config import ReportSettings
from reports.daily import build_daily_report
from reports.prices import index_series, rate_between
from storage.models import Match, Observation, Product, ProductPriceChange, table
from storage.repos import reporting as repo
from tests.support.sample_data import SampleSpec, generate

SMALL = SampleSpec(products=12, days=5)
SINCE = NOW - timedelta(days=30)


@pytest.fixture
def filled(engine: Engine) -> Engine:
    generate(engine, SMALL)
    return engine


def _our_price_at(changes: list[tuple[datetime, Decimal]], at: datetime) -> Decimal:
    return [price for when, price in changes if when <= at][-1]


def test_index_matches_python_over_raw_rows(filled: Engine) -> None:
    obs, match, change = table(Observation), table(Match), table(ProductPriceChange)
    rates = ReportSettings().rates
    with filled.connect() as conn:
        rows = conn.execute(select(obs, match.c.product_id).join(
            match, match.c.listing_id == obs.c.listing_id).where(obs.c.status == "ok")).all()
        history: dict[int, list[tuple[datetime, Decimal]]] = {}
        for c in conn.execute(select(change).order_by(change.c.changed_at)):
            history.setdefault(c.product_id, []).append((c.changed_at, c.new_price))
        series = index_series(repo.index_by_run(conn, SINCE, NOW), {1: "a", 2: "b", 3: "c"},
                              rates)
        listing_comp = {r.id: r.competitor_id for r in conn.execute(select(
            table(Observation).c.listing_id.label("id"), repo.listing_t.c.competitor_id)
            .join(repo.listing_t, repo.listing_t.c.id == table(Observation).c.listing_id))}
    expected: dict[tuple[int, object], list[float]] = {}
    for r in rows:
        ours = _our_price_at(history[r.product_id], r.observed_at)
        factor = rate_between(r.currency, "EUR", rates)
        assert factor is not None
        expected.setdefault((listing_comp[r.listing_id], r.observed_at.date()), []).append(
            float(r.price) * float(factor) / float(ours))
    for cid, name in ((1, "a"), (2, "b"), (3, "c")):
        mine = dict(series[name])
        want = {day: 100 * sum(v) / len(v) for (c, day), v in expected.items() if c == cid}
        assert set(mine) == set(want)
        for day, value in want.items():
            assert mine[day] == pytest.approx(value, abs=0.01)


def test_latest_price_skips_quarantined_and_blocked(filled: Engine) -> None:
    obs = table(Observation)
    with filled.connect() as conn:
        latest = repo.matched_latest(conn, NOW)
        everything = conn.execute(select(obs).order_by(obs.c.observed_at, obs.c.id)).all()
        matches = len(conn.execute(select(table(Match))).all())
    assert len(latest) == matches
    by_listing: dict[int, list[object]] = {}
    for o in everything:
        by_listing.setdefault(o.listing_id, []).append(o)
    held = 0
    for row in latest:
        readings = by_listing.get(row.listing_id, [])
        good = [o for o in readings if o.status == "ok"]  # type: ignore[attr-defined]
        assert row.ok_price == (good[-1].price if good else None)  # type: ignore[attr-defined]
        assert row.last_status == (readings[-1].status if readings else None)  # type: ignore[attr-defined]
        held += row.last_status == "quarantined"
    assert held == 2 * SMALL.quarantined


def test_our_price_follows_our_price_history(filled: Engine) -> None:
    change, product = table(ProductPriceChange), table(Product)
    with filled.connect() as conn:
        moved = conn.execute(select(change).where(change.c.source == "manager")
                             .order_by(change.c.id)).first()
        assert moved is not None, "the sample history changes some of our prices"
        before = repo.our_prices_at(conn, [moved.product_id], moved.changed_at - timedelta(seconds=1))
        after = repo.our_prices_at(conn, [moved.product_id], moved.changed_at)
        catalog = conn.execute(select(product.c.price).where(
            product.c.id == moved.product_id)).scalar_one()
    assert before[moved.product_id] == moved.old_price
    assert after[moved.product_id] == moved.new_price
    assert isinstance(catalog, Decimal)


def test_daily_report_builds_on_both_databases(filled: Engine, tmp_path: Path) -> None:
    html = build_daily_report(filled, tmp_path, now=datetime(2026, 10, 31, 6, tzinfo=UTC),
                              settings=ReportSettings(history_products=1))
    text = html.read_text(encoding="utf-8")
    assert text.count('<img class="chart"') == 5
    assert 'id="findings-table"' in text


def test_first_and_last_agree_with_the_sql_price_history(filled: Engine) -> None:
    obs = table(Observation)
    with filled.connect() as conn:
        rows = repo.first_and_last(conn, SINCE, NOW)
        assert len(rows) > 10
        for row in rows[:15]:
            assert repo.our_prices_at(conn, [row.product_id], row.first_at)[row.product_id] \
                == row.our_first
            assert repo.our_prices_at(conn, [row.product_id], row.last_at)[row.product_id] \
                == row.our_last
            times = conn.execute(select(obs.c.observed_at).join(
                table(Match), table(Match).c.listing_id == obs.c.listing_id).where(
                table(Match).c.product_id == row.product_id, obs.c.status == "ok",
                repo.listing_t.c.competitor_id == row.competitor_id).join(
                repo.listing_t, repo.listing_t.c.id == obs.c.listing_id)).scalars().all()
            assert row.first_at == min(times) and row.last_at == max(times)
