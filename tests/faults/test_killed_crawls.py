"""SIGKILL of a crawl child, of its parent, and a second crawl of the same shop starting
while the first one's child still runs: real processes, a real shop on 127.0.0.1, real
SQLite. Nothing stays `running`, counts equal rows, no two crawls of one shop overlap,
and the next crawl resumes the cut run so every product is stored exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from demo.shops import start_shops, truth
from storage.db import make_engine
from storage.models import CrawlRun, Listing, Observation, table
from tests.crawl.support import FAST, crawl, write_competitors

ROOT = Path(__file__).resolve().parents[2]
SHOP = "plainshop"
SLOW = {**FAST, "DOWNLOAD_DELAY": 0.03, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "PRICEWATCH_BATCH_SIZE": 10, "PRICEWATCH_EXTRACT_WORKERS": 0}

PARENT = """
import json, sys
from pathlib import Path
from spiders.runner import crawl_competitors
def progress(name, event):
    print(json.dumps({"name": name, **event}), flush=True)
crawl_competitors(Path(sys.argv[1]), None, sys.argv[2], progress=progress,
                  extra_settings=json.loads(sys.argv[3]))
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def runs(engine: Engine) -> dict[int, Any]:
    tbl = table(CrawlRun)
    with engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(tbl))}


def rows_by_run(engine: Engine) -> dict[int, int]:
    obs = table(Observation)
    with engine.connect() as conn:
        return dict(conn.execute(select(obs.c.crawl_run_id, func.count())
                                 .group_by(obs.c.crawl_run_id)).all())


def stored_once(engine: Engine, run_id: int) -> tuple[int, int]:
    """(observations in the run, distinct listing URLs among them)."""
    obs, lst = table(Observation), table(Listing)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).where(obs.c.crawl_run_id == run_id)).scalar()
        urls = conn.execute(select(func.count(func.distinct(lst.c.url)))
                            .join(obs, obs.c.listing_id == lst.c.id)
                            .where(obs.c.crawl_run_id == run_id)).scalar()
    return int(total or 0), int(urls or 0)


def start_parent(path: Path, db_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PARENT, str(path), db_url, json.dumps(SLOW)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def child_under_way(proc: subprocess.Popen[str], pages: int = 20) -> int:
    """Read the parent's events until its child stored `pages` pages; the child's pid."""
    assert proc.stdout is not None
    child = 0
    deadline = time.monotonic() + 90
    for line in proc.stdout:
        event = json.loads(line)
        if event.get("event") == "started":
            child = event["pid"]
        if event.get("event") == "progress" and event.get("pages", 0) >= pages:
            break
        assert time.monotonic() < deadline, "the crawl did not get going"
    assert child
    return child


def assert_resumed_to_completion(engine: Engine, run_id: int, summary: Any) -> None:
    expected = len(truth(SHOP, 0))
    assert summary.crawl_run_id == run_id, "the next crawl did not continue the cut run"
    assert summary.status == "finished", summary.error
    total, urls = stored_once(engine, run_id)
    assert total == urls == expected
    assert summary.counts == {"ok": expected}
    assert runs(engine)[run_id].counts == {"ok": expected}
    assert len(runs(engine)) == 1


def test_killed_parent_takes_its_child_with_it_and_the_next_crawl_resumes(
        tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    engine = make_engine(db_url)
    with start_shops(day=0, shops=[SHOP]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, [SHOP])
        parent = start_parent(path, db_url)
        child = child_under_way(parent)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_gone(child, 30), "the crawl child outlived its parent"
        [run] = runs(engine).values()
        assert run.status == "interrupted"
        stored = rows_by_run(engine)[run.id]
        assert 0 < stored < len(truth(SHOP, 0))
        assert sum(run.counts.values()) == stored

        [summary] = crawl(path, [SHOP], db_url, settings=SLOW)
    assert_resumed_to_completion(engine, run.id, summary)


def test_killed_child_leaves_counts_equal_to_rows_and_the_next_crawl_resumes(
        tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    engine = make_engine(db_url)
    killed: list[int] = []

    def kill_half_way(name: str, event: dict[str, Any]) -> None:
        if event["event"] == "started":
            killed.append(event["pid"])
        elif event["event"] == "progress" and event.get("pages", 0) >= 20 and len(killed) == 1:
            os.kill(killed[0], signal.SIGKILL)
            killed.append(0)

    with start_shops(day=0, shops=[SHOP]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, [SHOP])
        [cut] = crawl(path, [SHOP], db_url, settings=SLOW, progress=kill_half_way)
        assert len(killed) == 2
        assert cut.status == "failed" and "exit code -9" in (cut.error or "")
        stored = rows_by_run(engine)[cut.crawl_run_id or 0]
        assert stored > 0
        assert sum(cut.counts.values()) == stored
        [summary] = crawl(path, [SHOP], db_url, settings=SLOW)
    assert_resumed_to_completion(engine, cut.crawl_run_id or 0, summary)


def test_a_second_crawl_of_the_shop_waits_for_the_orphaned_child(tmp_path: Path) -> None:
    """`serve` killed while its crawl child runs, another instance starting the same shop
    at once: the newcomer's child starts only once the orphan closed its run."""
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    engine = make_engine(db_url)
    seen_when_started: list[str] = []

    def watch(name: str, event: dict[str, Any]) -> None:
        if event["event"] == "started":
            seen_when_started.extend(r.status for r in runs(engine).values())

    with start_shops(day=0, shops=[SHOP]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, [SHOP])
        parent = start_parent(path, db_url)
        orphan = child_under_way(parent)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        [summary] = crawl(path, [SHOP], db_url, settings=SLOW, progress=watch)
        assert not alive(orphan)
    assert seen_when_started == ["running"]  # only ours: the orphan's run was closed first
    [run_id] = runs(engine)
    assert_resumed_to_completion(engine, run_id, summary)


def test_a_batch_that_fails_to_write_is_counted_once(tmp_path: Path) -> None:
    """A full disk on the third batch (a trigger refuses the write, as SQLITE_FULL would):
    the run fails, its counts hold the stored rows once and the lost batch as
    `write_failed`, not also as `ok`."""
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    engine = make_engine(db_url)
    from storage.db import upgrade

    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER disk_full BEFORE INSERT ON observation "
            "WHEN (SELECT count(*) FROM observation) >= 20 "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    with start_shops(day=0, shops=[SHOP]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, [SHOP])
        [summary] = crawl(path, [SHOP], db_url, settings=SLOW)
    assert summary.status == "failed"
    assert "disk is full" in (summary.error or "")
    stored = rows_by_run(engine)[summary.crawl_run_id or 0]
    assert stored == 20
    assert summary.counts == {"ok": 20, "write_failed": 10}


def test_a_run_resumed_late_keeps_the_fill_rates_of_the_pages_it_stored_before(
        tmp_path: Path) -> None:
    """Killed when most pages were stored, then resumed: the pages stored before the kill
    count in the run's fill-rates (and yield), so the health check sees a whole run, not
    one where most pages had no price."""
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    engine = make_engine(db_url)
    expected = len(truth(SHOP, 0))
    killed: list[int] = []

    def kill_late(name: str, event: dict[str, Any]) -> None:
        if event["event"] == "started":
            killed.append(event["pid"])
        elif (event["event"] == "progress" and event.get("pages", 0) >= expected * 0.75
              and len(killed) == 1):
            os.kill(killed[0], signal.SIGKILL)
            killed.append(0)

    with start_shops(day=0, shops=[SHOP]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, [SHOP])
        [cut] = crawl(path, [SHOP], db_url, settings=SLOW, progress=kill_late)
        assert len(killed) == 2, "the crawl ended before it could be killed"
        stored = rows_by_run(engine)[cut.crawl_run_id or 0]
        assert stored > expected / 2  # most of the run was stored before the kill
        [summary] = crawl(path, [SHOP], db_url, settings=SLOW)
    assert_resumed_to_completion(engine, cut.crawl_run_id or 0, summary)
    assert summary.stats["product_pages"] == expected
    assert summary.stats["fill"]["price"] == 1.0
    assert summary.stats["fill"]["title"] == 1.0
    assert sum(summary.stats["extractors"].values()) == expected
    assert not summary.suspect, summary.suspect_reason
