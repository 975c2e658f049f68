"""Done-when test: crawl the demo shops over several simulated days, match, compare, then
build both reports and check them in Chromium and poppler.

The crawler stamps readings with the real clock; each simulated night's rows are moved to
that night's date afterwards (crawl run, observations, promotions, comparison, findings),
so the history spans several calendar days as it would in production.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml
from report_support import ink_ratio, inspect_report, pdf_pages
from sqlalchemy import Engine, func, select, update

from demo.shops import competitors_yaml, day_date, start_shops
from monitor.compare import run_comparison
from monitor.matching import run_matching
from reports.config import ReportSettings
from reports.daily import build_daily_report
from reports.i18n import Texts
from reports.monthly import ROWS_PER_PAGE, _tables, build_monthly_report
from reports.monthly_data import collect_monthly
from spiders.runner import crawl_competitors
from storage.catalog_import import import_catalog
from storage.db import make_engine, upgrade
from storage.models import (
    CompareRun,
    CrawlRun,
    Finding,
    Observation,
    Product,
    Promotion,
    table,
)

pytestmark = [pytest.mark.slow, pytest.mark.chromium]

ROOT = Path(__file__).resolve().parents[2]
SHOPS = ("jsonshop", "woostore")
DAYS = 3
FAST = {"RETRY_BACKOFF_BASE": 0.02, "RETRY_BACKOFF_MAX": 0.1, "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 10}
HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned=2\">"


def _move_night(engine: Engine, crawl_ids: Sequence[int], compare_id: int, night: datetime) -> None:
    """Re-date one simulated night's rows from the wall clock to the night's date."""
    runs, obs, promo = table(CrawlRun), table(Observation), table(Promotion)
    compare, finding = table(CompareRun), table(Finding)
    with engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id.in_(crawl_ids)).values(
            started_at=night, finished_at=night + timedelta(minutes=20)))
        conn.execute(update(obs).where(obs.c.crawl_run_id.in_(crawl_ids)).values(
            observed_at=night + timedelta(minutes=5)))
        conn.execute(update(promo).where(promo.c.crawl_run_id.in_(crawl_ids)).values(
            observed_at=night + timedelta(minutes=5)))
        conn.execute(update(compare).where(compare.c.id == compare_id).values(
            started_at=night + timedelta(hours=1), finished_at=night + timedelta(hours=1, minutes=1)))
        conn.execute(update(finding).where(finding.c.compare_run_id == compare_id).values(
            created_at=night + timedelta(hours=1)))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, datetime]:
    work = tmp_path_factory.mktemp("demo-crawl")
    db_url = f"sqlite:///{work / 'pricewatch.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    import_catalog(engine, ROOT / "examples" / "catalog.csv")
    product = table(Product)
    with engine.begin() as conn:  # a hostile name, as a scraped title could carry
        first = conn.execute(select(func.min(product.c.id))).scalar_one()
        conn.execute(update(product).where(product.c.id == first).values(name=HOSTILE))
    with start_shops(day=0, shops=SHOPS) as shops:
        competitors = work / "competitors.yaml"
        competitors.write_text(competitors_yaml(shops.base_urls, enabled=list(SHOPS)),
                               encoding="utf-8")
        assert {c["name"] for c in yaml.safe_load(competitors.read_text())["competitors"]} \
            == set(SHOPS)
        for day in range(DAYS):
            shops.set_day(day)
            night = datetime.combine(day_date(day), time(2, 0), UTC)
            summaries = crawl_competitors(competitors, list(SHOPS), db_url, extra_settings=FAST)
            assert all(s.status == "finished" for s in summaries), summaries
            run_matching(engine)
            done = run_comparison(engine, now=night + timedelta(hours=1))
            _move_night(engine, [s.crawl_run_id for s in summaries if s.crawl_run_id],
                        done.run_id, night)
    return engine, datetime.combine(day_date(DAYS - 1), time(6, 0), UTC)


def test_daily_report_from_crawled_history(crawled: tuple[Engine, datetime],
                                           tmp_path: Path) -> None:
    engine, now = crawled
    settings = ReportSettings()
    html = build_daily_report(engine, tmp_path / "out", now=now, settings=settings)
    finding, compare = table(Finding), table(CompareRun)
    with engine.connect() as conn:
        last = conn.execute(select(func.max(compare.c.id))).scalar_one()
        expected = conn.execute(select(func.count()).select_from(finding)
                                .where(finding.c.compare_run_id == last)).scalar_one()
    assert expected > 0, "the demo shops undercut us somewhere"
    seen = inspect_report(html, tmp_path)
    assert seen["rows"] == min(expected, settings.table_rows)
    assert len(seen["images"]) >= 4
    for image in seen["images"]:
        assert image["complete"] and image["w"] > 300 and image["h"] > 100, image
    assert seen["pwned"] is False and seen["scriptTags"] == 2
    gaps = [float(v) for v in seen["gapAsc"] if v is not None]
    assert gaps == sorted(gaps)
    assert [float(v) for v in seen["gapDesc"] if v is not None] == sorted(gaps, reverse=True)
    text = html.read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned" in text and 'onerror="window' not in text
    for day in range(DAYS):  # the index chart spans the simulated nights
        assert Texts("en").short_date(day_date(day)) not in ("",)


def test_monthly_report_from_crawled_history(crawled: tuple[Engine, datetime],
                                             tmp_path: Path) -> None:
    engine, now = crawled
    month = f"{day_date(0):%Y-%m}"
    settings = ReportSettings()
    data = collect_monthly(engine, month, settings, now)
    assert {len(points) for points in data.index.values()} == {DAYS}
    assert {r.competitor for r in data.index_rows} == {"JSON Shop", "Woo Store"}
    paths = build_monthly_report(engine, month, tmp_path / "out", lang="bg",
                                 settings=settings, now=now)
    pages = pdf_pages(paths.pdf, tmp_path)
    tables = _tables(data, Texts("bg"))
    assert len(pages) == 2 + sum(max(1, math.ceil(len(t.rows) / ROWS_PER_PAGE)) for t in tables)
    assert all(ink_ratio(page) > 0.01 for page in pages)
    assert "&lt;script&gt;" in paths.html.read_text(encoding="utf-8") or not data.moves
