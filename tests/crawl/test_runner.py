"""The runner: one process per competitor, one failing never stops the others, SIGTERM
ends runs as `interrupted`; and the `pricewatch crawl` command on top of it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from demo.shops import start_shops, truth
from monitor.cli import cli
from spiders.config import ConfigError
from spiders.runner import crawl_competitors
from storage.db import make_engine
from storage.models import CrawlRun, Observation, table

from .support import FAST, crawl, write_competitors

ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_crawl_is_failed_and_the_others_go_on(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    killed: list[int] = []

    def progress(name: str, event: dict[str, Any]) -> None:
        if name == "jsonshop" and event["event"] == "started":
            os.kill(event["pid"], signal.SIGKILL)
            killed.append(event["pid"])

    with start_shops(day=0, shops=["jsonshop", "plainshop"]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, ["jsonshop", "plainshop"])
        summaries = crawl(path, ["jsonshop", "plainshop"], db_url, parallel=1,
                          progress=progress)
    by_name = {s.competitor: s for s in summaries}
    assert killed
    assert by_name["jsonshop"].status == "failed"
    assert "exit code -9" in (by_name["jsonshop"].error or "")
    assert by_name["plainshop"].status == "finished"
    assert by_name["plainshop"].counts == {"ok": len(truth("plainshop", 0))}
    engine = make_engine(db_url)
    with engine.connect() as conn:
        statuses = dict(conn.execute(
            select(table(CrawlRun).c.id, table(CrawlRun).c.status)).all())
    assert statuses == {by_name["jsonshop"].crawl_run_id: "failed",
                        by_name["plainshop"].crawl_run_id: "finished"}


def test_unknown_competitor_is_refused_before_anything_runs(tmp_path: Path) -> None:
    path = write_competitors(tmp_path, {"jsonshop": "http://127.0.0.1:9/"}, ["jsonshop"])
    with pytest.raises(ConfigError, match="no competitor named 'nosuch'"):
        crawl_competitors(path, ["nosuch"], f"sqlite:///{tmp_path / 'x.db'}")
    assert not (tmp_path / "x.db").exists()


PARENT = """
import json, sys
from pathlib import Path
from spiders.runner import crawl_competitors
def progress(name, event):
    print(json.dumps({"name": name, **event}), flush=True)
summaries = crawl_competitors(Path(sys.argv[1]), None, sys.argv[2], parallel=2,
                              progress=progress, extra_settings=json.loads(sys.argv[3]))
print(json.dumps({"summaries": [[s.competitor, s.crawl_run_id, s.status, s.counts]
                                for s in summaries]}), flush=True)
"""


def test_sigterm_stops_children_and_runs_end_interrupted(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    slow = {**FAST, "DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            "PRICEWATCH_BATCH_SIZE": 10}
    names = ["jsonshop", "plainshop"]
    with start_shops(day=0, shops=names) as shops:
        path = write_competitors(tmp_path, shops.base_urls, names)
        proc = subprocess.Popen(
            [sys.executable, "-c", PARENT, str(path), db_url, json.dumps(slow)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert proc.stdout is not None
        busy: set[str] = set()
        deadline = time.monotonic() + 60
        for line in proc.stdout:
            event = json.loads(line)
            if event.get("event") == "progress" and event.get("pages", 0) >= 5:
                busy.add(event["name"])
            if busy == set(names) or time.monotonic() > deadline:
                break
        assert busy == set(names), "the crawls did not get going"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err[-2000:]
    summaries = json.loads(out.strip().splitlines()[-1])["summaries"]
    assert [s[2] for s in summaries] == ["interrupted", "interrupted"]
    engine = make_engine(db_url)
    runs, obs = table(CrawlRun), table(Observation)
    with engine.connect() as conn:
        rows = conn.execute(select(runs)).all()
        stored = dict(conn.execute(
            select(obs.c.crawl_run_id, func.count()).group_by(obs.c.crawl_run_id)).all())
    assert {r.status for r in rows} == {"interrupted"}
    assert all(r.finished_at is not None and not r.suspect for r in rows)
    for name, run_id, _status, counts in summaries:
        # What was read before the stop is kept, and the run says how much that was.
        assert 0 < stored.get(run_id, 0) < len(truth(name, 0))
        assert sum(counts.values()) == stored[run_id]


def test_crawl_command_prints_a_summary(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    with start_shops(day=0, shops=["jsonshop", "troubleshop"]) as shops:
        path = write_competitors(tmp_path, shops.base_urls, ["jsonshop", "troubleshop"])
        result = CliRunner().invoke(cli, ["--db", db_url, "crawl", "--competitors", str(path)])
    assert result.exit_code == 0, result.output
    assert "Crawl summary" in result.output
    assert "jsonshop" in result.output and "troubleshop" in result.output
    assert "troubleshop (run 2) is suspect" in result.output
    assert str(len(truth("jsonshop", 0))) in result.output


def test_crawl_command_reports_a_bad_competitors_file(tmp_path: Path) -> None:
    bad = tmp_path / "competitors.yaml"
    bad.write_text("competitors:\n  - name: Bad Name\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "crawl",
                                      "--competitors", str(bad)])
    assert result.exit_code == 1
    assert "competitors.yaml" in result.output and "Bad Name" in result.output


def test_crawl_command_has_help() -> None:
    result = CliRunner().invoke(cli, ["crawl", "--help"])
    assert result.exit_code == 0
    assert "--competitors" in result.output and "suspect" in result.output


def test_progress_events_reach_the_caller_one_at_a_time() -> None:
    """Each child's events are read by a thread of its own: the runner hands them to the
    caller one at a time, so a line printed per event is never mixed with another."""
    import threading

    from spiders.runner import serialized

    inside, overlaps = [0], []

    def slow(name: str, event: dict[str, object]) -> None:
        inside[0] += 1
        overlaps.append(inside[0])
        time.sleep(0.002)
        inside[0] -= 1

    report = serialized(slow)
    assert report is not None and serialized(None) is None
    threads = [threading.Thread(target=lambda: [report("shop", {"event": "progress"})
                                                for _ in range(20)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(overlaps) == 80 and max(overlaps) == 1
