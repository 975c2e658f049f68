"""The extraction worker process: its pipe protocol (pages in, validated drafts out, in
batches), the pool's fallback when a worker dies, and the automatic mode's choice. Everything runs real processes (the worker, and a reactor
in a child process: a Twisted reactor cannot be restarted inside the test process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from spiders.config import Competitor
from spiders.drafts import draft_from
from spiders.extract_worker import BATCH, frame, read_frame
from spiders.extraction import ExtractionHints, extract
from spiders.items import PageItem
from spiders.reading import PageReader
from spiders.spiders.competitor import AUTO_OFFLOAD_FROM, extract_workers
from storage.money import amount_in

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "extraction" / "fixtures"
PAGES = sorted(FIXTURES.glob("*/page.html"))


@pytest.mark.parametrize(("setting", "cpus", "expected"), [
    (-1, 1, (0, 0)),
    (-1, 2, (1, AUTO_OFFLOAD_FROM)),
    (-1, 8, (1, AUTO_OFFLOAD_FROM)),
    (0, 8, (0, 0)),
    (2, 1, (2, 0)),
])
def test_automatic_mode_offloads_only_with_a_second_core(
        setting: int, cpus: int, expected: tuple[int, int]) -> None:
    assert extract_workers(setting, cpus) == expected


def _worker() -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "spiders.extract_worker"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)


def _competitor() -> Competitor:
    return Competitor.model_validate({
        "name": "fixtures", "base_url": "https://shop.example/", "currency": "EUR",
        "discovery": {"kind": "start_urls", "start_urls": ["/a"]}})


def _item(number: int) -> PageItem:
    return PageItem(url=f"https://shop.example/{number}", fetched_at=datetime.now(UTC),
                    http_status=200)


def _page(number: int, body: bytes) -> bytes:
    item = _item(number)
    return frame(("page", number, item.url, item.variant, item.fetched_at, item.http_status,
                  item.rendered, body))


def _answers(proc: subprocess.Popen[bytes], count: int) -> list[tuple[Any, ...]]:
    assert proc.stdout is not None
    answers: list[tuple[Any, ...]] = []
    while len(answers) < count:
        batch = read_frame(proc.stdout)
        assert batch is not None, f"the worker ended after {len(answers)} of {count} answers"
        assert 1 <= len(batch) <= BATCH
        answers.extend(batch)
    return answers


def test_worker_reads_and_validates_pages_as_the_crawl_process_would() -> None:
    competitor = _competitor()
    proc = _worker()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(frame(("setup", competitor, None, 1)))
    for number, page in enumerate(PAGES):
        proc.stdin.write(_page(number, page.read_bytes()))
    proc.stdin.close()
    answers = _answers(proc, len(PAGES))
    assert read_frame(proc.stdout) is None  # end of input ends the worker
    assert proc.wait(timeout=30) == 0
    assert [a[0] for a in answers] == list(range(len(PAGES)))  # in order, ids kept
    here = PageReader(competitor)  # the spider's own way, page after page
    for (number, draft, observed, extractor, quick, seconds, problem), page in zip(
            answers, PAGES, strict=True):
        assert problem is None and seconds > 0 and not quick
        item = _item(number)
        assert here.read(item, page.read_bytes()) == (observed, extractor), page.parent.name
        expected = draft_from(item, competitor)
        assert draft.values == expected.values, page.parent.name
        assert draft.listing == expected.listing and draft.status == expected.status
        assert draft.promotions == expected.promotions
        assert draft.values["price"] is not None and draft.values["page_hash"]


def test_worker_answers_at_once_when_it_has_caught_up() -> None:
    """Answers go back in batches, but never wait for pages that have not come yet."""
    proc = _worker()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(frame(("setup", _competitor(), "jsonld", 1)))
    body = (FIXTURES / "bg-jsonld-sale" / "page.html").read_bytes()
    for number in range(3):
        proc.stdin.write(_page(number, body))
    proc.stdin.flush()  # stdin stays open: the worker must not wait for more
    try:
        answers = _answers(proc, 3)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert [a[0] for a in answers] == [0, 1, 2]
    assert all(a[1].values["price"] is not None for a in answers)


POOL_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from datetime import UTC, datetime
    from twisted.internet import reactor, defer, task
    from spiders.config import Competitor
    from spiders.items import PageItem
    from spiders.offload import ExtractPool

    body = open(sys.argv[1], "rb").read()
    competitor = Competitor.model_validate({
        "name": "fixtures", "base_url": "https://shop.example/", "currency": "EUR",
        "discovery": {"kind": "start_urls", "start_urls": ["/a"]}})
    out = {"drafts": [], "lost": []}
    pool = ExtractPool(1, lambda: (competitor, "jsonld", 1),
                       lambda answer: out["drafts"].append(
                           [answer.page.item.url, str(answer.draft.values["price"])]),
                       lambda page, reason: out["lost"].append([page.item.url, reason]),
                       reactor, max_in_flight=2)

    @defer.inlineCallbacks
    def settled():  # every page sent is answered or back with the caller
        while pool.in_flight:
            yield task.deferLater(reactor, 0.02, lambda: None)

    def item(name):
        return PageItem(url="https://shop.example/" + name, fetched_at=datetime.now(UTC),
                        http_status=200)

    @defer.inlineCallbacks
    def run():
        try:
            pool.submit(item("a"), body)
            pool.submit(item("b"), body)
            out["room_when_full"] = pool.has_room
            yield settled()
            out["room_after"] = pool.has_room
            pid = pool.workers[0].process.pid
            os.kill(pid, signal.SIGSTOP)
            pool.submit(item("x"), body)
            pool.submit(item("y"), body)
            out["taken_back"] = pool.take_back().item.url  # the newest first
            out["in_flight_after_take_back"] = pool.in_flight
            os.kill(pid, signal.SIGCONT)
            yield settled()  # y's answer, should it come, is not taken
            os.kill(pid, signal.SIGSTOP)
            pool.submit(item("c"), body)  # held by a worker that will die
            os.kill(pid, signal.SIGKILL)
            yield settled()
            out["alive"] = pool.alive
            pool.submit(item("d"), body)
            out["in_flight"] = pool.in_flight
        finally:
            pool.close()
            reactor.stop()

    reactor.callWhenRunning(run)
    reactor.run()
    print(json.dumps(out))
""")


def test_pool_takes_pages_back_and_a_dead_worker_loses_none(tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT, encoding="utf-8")
    page = FIXTURES / "bg-jsonld-sale" / "page.html"
    done = subprocess.run([sys.executable, str(script), str(page)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    product = extract(page.read_bytes(), "https://shop.example/a",
                      ExtractionHints(prefer="jsonld"))
    assert product.currency == "BGN"  # a leva page read after the euro changeover: the
    price = str(amount_in(product.price, "BGN", "EUR"))  # draft stores it in euros
    assert out["drafts"] == [["https://shop.example/a", price], ["https://shop.example/b", price],
                             ["https://shop.example/x", price]]
    assert out["room_when_full"] is False and out["room_after"] is True
    assert out["taken_back"] == "https://shop.example/y"
    assert out["in_flight_after_take_back"] == 1
    assert out["alive"] is False
    # the page the dead worker held, and the one sent after, come back to be read here
    assert [url for url, _ in out["lost"]] == ["https://shop.example/c", "https://shop.example/d"]
    assert out["lost"][0][1].startswith("extraction worker ended")
    assert out["lost"][1][1] == "no extraction worker is running"
    assert out["in_flight"] == 0
    assert "unanswered" in done.stderr


@pytest.mark.parametrize(("gen0", "expected"), [(0, "700 False"), (50_000, "50000 True")])
def test_gc_tuning_for_a_crawl(gen0: int, expected: str) -> None:
    """Run in a child: the collector's settings are the whole process's."""
    code = ("import gc; from spiders.spiders.competitor import tune_gc; "
            f"tune_gc({gen0}); print(gc.get_threshold()[0], gc.get_freeze_count() > 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.strip() == expected


ORPHAN_SCRIPT = textwrap.dedent("""
    import os, subprocess, sys
    read_end, write_end = os.pipe()
    worker = subprocess.Popen([sys.executable, "-m", "spiders.extract_worker"],
                              stdin=read_end, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    # another process keeps the worker's input open, so no end of input will stop it:
    # only its parent's death can (as for a crawl process killed while the worker is busy)
    holder = subprocess.Popen(["sleep", "60"], pass_fds=(write_end,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(worker.pid, holder.pid, flush=True)
""")


def test_a_worker_does_not_outlive_its_crawl_process(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(ORPHAN_SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    pid, holder = map(int, done.stdout.split())
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _running(pid):
            time.sleep(0.1)
        assert not _running(pid), f"worker {pid} still runs after its parent ended"
    finally:
        os.kill(holder, signal.SIGKILL)
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split()[2] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_the_worker_runs_at_a_lower_priority_than_the_crawl() -> None:
    from spiders.extract_worker import NICENESS

    proc = _worker()
    try:
        deadline = time.monotonic() + 20
        nice = os.getpriority(os.PRIO_PROCESS, proc.pid)
        while nice == os.nice(0) and time.monotonic() < deadline:  # not set yet
            time.sleep(0.05)
            nice = os.getpriority(os.PRIO_PROCESS, proc.pid)
        assert nice == min(19, os.nice(0) + NICENESS)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def test_the_window_of_pages_sent_follows_the_workers_rate() -> None:
    """A worker starved of CPU (a busy machine) gets few pages, so the crawl process reads
    the others at once instead of sending them and taking them back at the end."""
    import time

    from spiders.offload import AHEAD_S, MIN_AHEAD, ExtractPool

    pool = ExtractPool(1, lambda: (), lambda answer: None, lambda page, why: None,
                       max_in_flight=1024)
    assert pool.window == 1024  # nothing sent yet
    pool.first_sent = time.monotonic()
    assert pool.window == 1024  # the worker is starting: pages may wait for it
    pool.first_sent = time.monotonic() - 10
    assert pool.window == MIN_AHEAD  # no answer after the start-up grace: a trickle only
    pool.rate = 20.0  # a starved worker: 20 pages/s
    assert pool.window == MIN_AHEAD
    pool.rate = 1000.0  # a worker with a core of its own
    assert pool.window == int(1000 * AHEAD_S)
    pool.rate = 100_000.0
    assert pool.window == 1024


def test_automatic_mode_reads_every_page_here_when_no_core_is_idle(tmp_path: Path) -> None:
    """Busy processes on every core (at normal priority): the worker, 10 nice levels down,
    would be starved, so a big shop's crawl in automatic mode never starts it and reads
    each page in the crawl process, and the run says why."""
    import yaml

    from bench.latency_shop import serve_with_latency
    from demo.shops.static import bench_competitor, generate_static, rebase_static
    from tests.crawl.support import crawl

    folder = tmp_path / "shop"
    generate_static(folder, products=AUTO_OFFLOAD_FROM, style="jsonld")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.5)
        with serve_with_latency(folder, 0.0) as base_url:
            rebase_static(folder, base_url)
            entry = bench_competitor("jsonld", base_url, name="busy")
            entry["discovery"]["max_pages"] = AUTO_OFFLOAD_FROM
            path = tmp_path / "competitors.yaml"
            path.write_text(yaml.safe_dump({"competitors": [entry]}), encoding="utf-8")
            [summary] = crawl(path, ["busy"], f"sqlite:///{tmp_path / 'c.db'}")
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    assert summary.status == "finished", summary.error
    assert summary.counts == {"ok": AUTO_OFFLOAD_FROM}
    assert summary.stats["worker_sent"] == summary.stats["worker_pages"] == 0
    assert "cores idle when the crawl started" in summary.stats["extract_worker_note"]
