"""Two simulated days of one shop: one observation per listing per run, promotions starting
and ending, and a repeated run that duplicates nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from demo.shops import start_shops, truth
from storage.db import make_engine
from storage.models import CrawlRun, Listing, Observation, table

from .support import crawl, stored_for_run, stored_promos, truth_promos, write_competitors

SHOP = "shopifyish"  # one listing per variant: the harder case for "one per listing"
FIRST, SECOND = 1, 2  # simulated days on which promotions both start and end


def test_two_days_of_history(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    with start_shops(day=FIRST, shops=[SHOP]) as shops:
        base = shops.base_urls[SHOP]
        path = write_competitors(tmp_path, shops.base_urls, [SHOP])
        [first] = crawl(path, [SHOP], db_url)
        shops.set_day(SECOND)
        [second] = crawl(path, [SHOP], db_url)
        [again] = crawl(path, [SHOP], db_url)  # the same day crawled twice
    engine = make_engine(db_url)
    runs = [first, second, again]
    assert [r.status for r in runs] == ["finished"] * 3
    # The fast path learned in one run is where the next one starts.
    assert first.stats["prefer"] and first.stats["prefer_at_start"] is None
    assert second.stats["prefer_at_start"] == first.stats["prefer"]
    expected0, expected1 = truth(SHOP, FIRST), truth(SHOP, SECOND)
    listings = len(expected0)
    obs, lst = table(Observation), table(Listing)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(lst)).scalar_one() == listings
        per_run = dict(conn.execute(
            select(obs.c.crawl_run_id, func.count()).group_by(obs.c.crawl_run_id)).all())
        per_pair = Counter(conn.execute(select(obs.c.listing_id, obs.c.crawl_run_id)).all())
        statuses = {r.status for r in conn.execute(select(table(CrawlRun)))}
    assert per_run == {r.crawl_run_id: listings for r in runs}
    assert set(per_pair.values()) == {1}, "a listing was observed twice in one run"
    assert statuses == {"finished"}

    stored = [stored_for_run(engine, r.crawl_run_id or 0) for r in runs]
    key = {t.path: (t.url(base), t.variant_id or "") for t in expected0}
    day0_truth = {t.path: t for t in expected0}
    started = ended = changed_price = 0
    for item in expected1:
        k = key[item.path]
        before, after, repeat = (s[k] for s in stored)
        assert after.observation.price == item.price
        assert repeat.observation.price == item.price
        assert stored_promos(after.promotions) == stored_promos(repeat.promotions)
        old = set(truth_promos(day0_truth[item.path]))
        new = set(truth_promos(item))
        seen_before = set(stored_promos(before.promotions))
        seen_after = set(stored_promos(after.promotions))
        for promo in new - old:  # promotions starting on the second day
            started += 1
            assert promo in seen_after and promo not in seen_before, (item.path, promo)
        for promo in old - new:  # promotions that ended
            ended += 1
            assert promo in seen_before and promo not in seen_after, (item.path, promo)
        changed_price += item.price != day0_truth[item.path].price
        assert after.listing.id == before.listing.id
    assert started and ended and changed_price, "the simulated day changed nothing"
    engine.dispose()
