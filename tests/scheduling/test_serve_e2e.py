"""`pricewatch serve` as a real process: the scheduler runs the nightly chain on a fast
trigger against the demo shops, runs never overlap (two services on one database),
the schedule survives a restart, and a service stopped during a crawl leaves that run
recorded as interrupted, with the next run completing."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from nightly_env import NightlyEnv, nightly_env
from sqlalchemy import select

from storage.models import CrawlRun, NightlyRun

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serving(env: NightlyEnv, every_s: float, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    handle = log.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "--every", str(every_s)],
        cwd=ROOT, env=env.cli_env(), stdout=handle, stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(90)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        handle.close()


def wait_for(what: str, check: Callable[[], Any], timeout: float, log: Path | None = None,
             env: NightlyEnv | None = None) -> Any:
    """Poll `check` until it holds; with `env`, move the shops one simulated day on after
    every finished run, so that each night has news (price moves, promotions) to alert on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if env is not None:
            done = sum(r.status == "finished" for r in nightly_runs(env))
            if env.shops.day != done:
                env.shops.set_day(done)
        value = check()
        if value:
            return value
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def nightly_runs(env: NightlyEnv) -> list[Any]:
    with env.engine.connect() as conn:
        return list(conn.execute(select(NightlyRun).order_by(NightlyRun.id)))


def crawl_runs(env: NightlyEnv) -> list[Any]:
    with env.engine.connect() as conn:
        return list(conn.execute(select(CrawlRun).order_by(CrawlRun.id)))


def finished(env: NightlyEnv, at_least: int) -> bool:
    return sum(r.status == "finished" for r in nightly_runs(env)) >= at_least


def assert_no_overlap(runs: list[Any]) -> None:
    spans = sorted((r.started_at, r.finished_at) for r in runs if r.finished_at is not None)
    for (_s1, end1), (start2, _e2) in itertools.pairwise(spans):
        assert end1 <= start2, f"nightly runs overlap: one ended {end1}, the next began {start2}"


def test_two_services_run_the_chain_without_overlap_and_survive_restart(tmp_path: Path) -> None:
    with nightly_env(tmp_path, shops=("jsonshop",)) as env:
        log = tmp_path / "serve.log"
        with serving(env, 2, log) as first, serving(env, 2, log) as second:
            wait_for("three finished nightly runs", lambda: finished(env, 3), 300, log, env)
            first.send_signal(signal.SIGTERM)
            second.send_signal(signal.SIGTERM)
            assert first.wait(90) == 0 and second.wait(90) == 0
        runs = nightly_runs(env)
        assert_no_overlap(runs)
        assert {r.status for r in runs} <= {"finished", "interrupted"}
        assert all(r.trigger == "schedule" for r in runs)
        reports = list(env.report_dir.glob("*.html"))
        assert reports, "no daily report written"
        assert env.smtp.messages, "no alert mail arrived"
        before = len(runs)

        with serving(env, 2, log):
            wait_for("a run after the restart", lambda: len(nightly_runs(env)) > before
                     and nightly_runs(env)[-1].status == "finished", 240, log, env)
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]
        assert_no_overlap(nightly_runs(env))


def test_service_stopped_during_a_crawl_records_it_interrupted(tmp_path: Path) -> None:
    with nightly_env(tmp_path, shops=("jsonshop", "plainshop")) as env:
        log = tmp_path / "serve.log"
        with serving(env, 1, log) as proc:
            wait_for("a crawl in progress",
                     lambda: any(r.status == "running" for r in crawl_runs(env)), 180, log)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(120) == 0
        runs = nightly_runs(env)
        assert runs[-1].status == "interrupted", [(r.id, r.status) for r in runs]
        interrupted_crawls = [r for r in crawl_runs(env) if r.nightly_run_id == runs[-1].id]
        assert interrupted_crawls
        assert {r.status for r in interrupted_crawls} <= {"interrupted", "finished"}
        assert any(r.status == "interrupted" for r in interrupted_crawls)
        assert not any(r.status == "running" for r in crawl_runs(env))
        stopped_id = runs[-1].id

        with serving(env, 1, log):
            wait_for("the next run to complete",
                     lambda: any(r.id > stopped_id and r.status == "finished" for r in nightly_runs(env)),
                     300, log)
        done = next(r for r in nightly_runs(env) if r.id > stopped_id and r.status == "finished")
        crawls = [r for r in crawl_runs(env) if r.nightly_run_id == done.id]
        assert {r.status for r in crawls} == {"finished"}
        assert nightly_runs(env)[-1].id >= done.id
        # the interrupted run stays recorded as such
        assert next(r for r in nightly_runs(env) if r.id == stopped_id).status == "interrupted"
