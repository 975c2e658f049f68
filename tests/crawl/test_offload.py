"""The extraction worker process: its pipe protocol, the pool's fallback when a worker dies,
and the automatic mode's choice. Everything runs real processes (the worker, and a reactor
in a child process: a Twisted reactor cannot be restarted inside the test process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from spiders.extract_worker import frame, read_frame
from spiders.extraction import ExtractionHints, extract
from spiders.spiders.competitor import AUTO_OFFLOAD_FROM, extract_workers

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


def test_worker_reads_pages_as_the_crawl_process_would() -> None:
    hints = ExtractionHints(currency="EUR", prefer="jsonld")
    proc = _worker()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(frame(("hints", 7, hints)))
    for number, page in enumerate(PAGES):
        proc.stdin.write(frame(("read", number, 7, f"https://shop.example/{number}",
                                page.read_bytes())))
    proc.stdin.close()
    answers = [read_frame(proc.stdout) for _ in PAGES]
    assert read_frame(proc.stdout) is None  # end of input ends the worker
    assert proc.wait(timeout=30) == 0
    assert [a[0] for a in answers] == list(range(len(PAGES)))  # in order, ids kept
    for (number, product, seconds, problem), page in zip(answers, PAGES, strict=True):
        assert problem is None and seconds > 0
        assert product.candidates == []  # dropped before the return trip
        here = extract(page.read_bytes(), f"https://shop.example/{number}", hints)
        assert product.to_dict(full=False) == here.to_dict(full=False), page.parent.name
        assert product.price is not None


POOL_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from twisted.internet import reactor, defer
    from spiders.extraction import ExtractionHints
    from spiders.offload import ExtractPool, WorkerGone

    body = open(sys.argv[1], "rb").read()
    hints = ExtractionHints(prefer="jsonld")
    pool = ExtractPool(1, reactor)
    out = {}

    @defer.inlineCallbacks
    def run():
        try:
            product, seconds = yield pool.read(body, "https://shop.example/a", hints)
            out["first"] = str(product.price)
            os.kill(pool.workers[0].process.pid, signal.SIGKILL)
            try:
                yield pool.read(body, "https://shop.example/b", hints)
                out["second"] = "answered"
            except WorkerGone as exc:
                out["second"] = "gone: " + str(exc)
            while pool.workers[0].alive:
                yield defer.succeed(None)
                d = defer.Deferred(); reactor.callLater(0.05, d.callback, None); yield d
            out["alive"] = pool.alive
            try:
                yield pool.read(body, "https://shop.example/c", hints)
            except WorkerGone as exc:
                out["third"] = "gone: " + str(exc)
        finally:
            pool.close()
            reactor.stop()

    reactor.callWhenRunning(run)
    reactor.run()
    print(json.dumps(out))
""")


def test_a_dead_worker_fails_its_pages_with_a_reason_not_a_hang(tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT, encoding="utf-8")
    page = FIXTURES / "bg-jsonld-sale" / "page.html"
    done = subprocess.run([sys.executable, str(script), str(page)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["first"] == str(extract(page.read_bytes(), "https://shop.example/a",
                                       ExtractionHints(prefer="jsonld")).price)
    assert out["second"].startswith("gone: extraction worker ended")
    assert out["alive"] is False
    assert out["third"] == "gone: no extraction worker is running"
    assert "unanswered" in done.stderr or "extraction worker ended" in done.stderr
