"""A crawl 'as of' another time (the demo's simulated days): the run and every observation
are stamped from that time on, never from the real clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from demo.shops import day_date, start_shops
from storage.db import make_engine
from storage.models import CrawlRun, Listing, Observation, table

from .support import crawl, write_competitors


def test_crawl_as_of_a_simulated_day(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    night = datetime.combine(day_date(3), time(2, 30), UTC)
    with start_shops(day=3, shops=["jsonshop"]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, ["jsonshop"])
        [summary] = crawl(path, ["jsonshop"], db_url, now=night)
    assert summary.status == "finished"
    window = (night, night + timedelta(minutes=5))
    engine = make_engine(db_url)
    with engine.connect() as conn:
        run = conn.execute(select(table(CrawlRun))).one()
        stamps = conn.execute(select(table(Observation).c.observed_at)).scalars().all()
        seen = conn.execute(select(table(Listing).c.first_seen, table(Listing).c.last_seen)).all()
    assert window[0] <= run.started_at <= run.finished_at <= window[1]
    assert stamps and all(window[0] <= t <= window[1] for t in stamps)
    assert all(window[0] <= first <= last <= window[1] for first, last in seen)
