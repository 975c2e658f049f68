"""What the pages read and how they word it: amounts and competitor health as the reports
give them, coverage by the freshness rule on any night, and a product page whose number
of queries does not grow with its offers."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, insert, select

from reports.config import ReportSettings
from reports.daily import status_text
from storage.models import (
    CrawlRun,
    Listing,
    Match,
    MatchStatus,
    Observation,
    Product,
    RunStatus,
    table,
)
from storage.money import MoneySettings, format_dual, format_money
from storage.repos import browse
from tests.webapp.support import Site, login
from web.app import create_app
from web.i18n import WebTexts


def _client(site: Site, report: ReportSettings | None = None) -> TestClient:
    c = TestClient(create_app(site.engine, site.settings, report), follow_redirects=False)
    assert login(c, "viewer").status_code == 303
    return c


def _top_finding(engine: Engine) -> Any:
    with engine.connect() as conn:
        run = browse.compare_runs(conn, 1)[0]
        rows, _ = browse.findings_page(conn, browse.FindingFilter(run_id=run.id, limit=1))
    return rows[0]


def test_amounts_carry_the_secondary_currency_as_in_the_reports(site: Site) -> None:
    """money.secondary_currency: BGN puts the leva amount beside each price, as the daily
    report does through storage.money.format_dual; the gap stays in one currency there."""
    report = ReportSettings(money=MoneySettings(secondary_currency="BGN"))
    top = _top_finding(site.engine)
    with _client(site, report) as c:
        page = html.unescape(c.get("/findings").text)
    ours = format_dual(top.our_price, top.currency, "BGN", "en", rates=report.rates)
    assert "(" in ours and ours in page  # "€459.00 (BGN 897.73)"
    assert f'<td class="num">{format_money(top.gap, top.currency, "en")}<br>' in page
    assert "Amounts in brackets" in page  # the report's note on the rate, too

    with _client(site) as c:  # without the setting: one currency, as before
        assert ours not in html.unescape(c.get("/findings").text)


def test_competitor_health_speaks_as_the_daily_report(site: Site) -> None:
    """A run cut short at max_pages says how many pages were left, a failed one why: the
    words of storage.run_health through the report's status text, on both pages."""
    engine = site.engine
    bravo = site.sample.competitor_ids["bravo"]
    with engine.begin() as conn:
        started = conn.execute(select(func.max(table(CrawlRun).c.started_at))).scalar_one()
        conn.execute(insert(table(CrawlRun)).values(
            competitor_id=bravo, started_at=started + timedelta(minutes=5),
            finished_at=started + timedelta(minutes=9), status=RunStatus.truncated.value,
            counts={"ok": 3}, stats={"pages_left": 7, "max_pages": 40}, suspect=False))
        conn.execute(insert(table(CrawlRun)).values(
            competitor_id=site.sample.competitor_ids["charlie"],
            started_at=started + timedelta(minutes=6), finished_at=None,
            status=RunStatus.failed.value, counts={}, stats={}, suspect=False,
            error_summary="HTTP 503 on every request"))
        charlie = conn.execute(select(table(CrawlRun)).order_by(table(CrawlRun).c.id.desc())
                               .limit(1)).one()
    truncated = "stopped at max_pages=40 with at least 7 product page(s) left"
    failed = status_text(charlie, WebTexts("en"))
    assert failed == "failed: HTTP 503 on every request"
    with _client(site) as c:
        for path in ("/", "/competitors"):
            page = html.unescape(c.get(path).text)
            assert truncated in page, path
            assert failed in page, path


def _fresh_by_history(engine: Engine, since: datetime, until: datetime) -> int:
    """The rule spelled out over every reading: active products with a live match and an
    `ok` reading in [since, until]."""
    o, m, p = table(Observation), table(Match), table(Product)
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.count(func.distinct(m.c.product_id)))
            .select_from(o).join(m, m.c.listing_id == o.c.listing_id)
            .join(p, p.c.id == m.c.product_id)
            .where(m.c.status != MatchStatus.rejected.value, p.c.active.is_(True),
                   o.c.status == "ok", o.c.observed_at >= since, o.c.observed_at <= until)
        ).scalar_one())


def test_coverage_of_any_night_follows_the_freshness_rule(site: Site) -> None:
    """The latest night is read from latest_observation, a past one asks the history;
    both agree with the rule counted over every reading."""
    engine = site.engine
    with engine.connect() as conn:
        runs = browse.compare_runs(conn)
    assert len(runs) >= 3
    for run in (runs[0], runs[2]):
        since = run.started_at - timedelta(hours=36)
        with engine.connect() as conn:
            matched, fresh = browse.coverage(conn, since, run.started_at)
        assert matched > 0
        assert fresh == _fresh_by_history(engine, since, run.started_at), run.started_at
    # A past night whose window holds no reading at all: nothing is fresh then.
    with engine.connect() as conn:
        first = conn.execute(select(func.min(table(Observation).c.observed_at))).scalar_one()
        assert browse.coverage(conn, first - timedelta(days=3), first - timedelta(days=2))[1] == 0


def _statements(engine: Engine, c: TestClient, path: str) -> int:
    """How many SQL statements one request runs (nothing else uses the engine meanwhile)."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert c.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_product_page_queries_do_not_grow_with_its_offers(site: Site) -> None:
    """Promotions, readings and decisions of every offer come in one query each: two more
    matched listings with readings add no query."""
    engine = site.engine
    product_id = site.sample.product_ids["SKU-00002"]
    with _client(site) as c:
        c.get(f"/products/{product_id}")
        before = _statements(engine, c, f"/products/{product_id}")
        with engine.begin() as conn:
            run = conn.execute(select(table(CrawlRun)).order_by(table(CrawlRun).c.id.desc())
                               .limit(1)).one()
            for n in range(2):
                listing = conn.execute(insert(table(Listing)).values(
                    competitor_id=run.competitor_id, url=f"https://example.test/extra-{n}",
                    title=f"Extra offer {n}")).inserted_primary_key[0]
                conn.execute(insert(table(Match)).values(
                    product_id=product_id, listing_id=listing, method="manual", confidence=1.0,
                    status=MatchStatus.confirmed.value))
                conn.execute(insert(table(Observation)).values(
                    listing_id=listing, crawl_run_id=run.id, observed_at=datetime.now(UTC),
                    status="ok", price=Decimal("10.00") + n, currency="EUR",
                    promotions=[{"kind": "percent_off", "value": "10"}]))
        page = c.get(f"/products/{product_id}").text
        assert "Extra offer 1" in page
        after = _statements(engine, c, f"/products/{product_id}")
    assert after == before, (before, after)
