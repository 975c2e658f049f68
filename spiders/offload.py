"""Extraction in worker processes, so a crawl uses a second core for reading pages.

Scrapy runs callbacks on the reactor thread: in-process, every millisecond of extraction
is a millisecond the downloader waits. With `PRICEWATCH_EXTRACT_WORKERS` > 0 the spider
hands each page to a worker process (:mod:`spiders.extract_worker`) and awaits the
reading, so downloading and storing go on while pages are read.

The workers are children of the reactor itself (``reactor.spawnProcess``) and talk over
their stdin/stdout pipes: sending a page is one non-blocking write of its body and
answers arrive as reactor events. No threads take part. (A ``ProcessPoolExecutor`` did:
its feeder and result threads fought the reactor thread for the GIL, and the crawl
process spent more time handing pages over than the worker saved; see bench/crawl.py.)

A worker that dies fails only the pages it held: the spider reads those, and every later
page, in its own process, and says so in the log.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from twisted.internet import defer, error, protocol
from twisted.python.failure import Failure

from spiders.extract_worker import HEADER, frame
from spiders.extraction import ExtractedProduct, ExtractionHints

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


class WorkerGone(RuntimeError):
    """The extraction worker ended before it answered."""


class _Worker(protocol.ProcessProtocol):
    """One worker process: frames out on its stdin, answers in from its stdout."""

    def __init__(self, pool: ExtractPool) -> None:
        self.pool = pool
        self.buffer = bytearray()
        self.pending: dict[int, defer.Deferred[tuple[ExtractedProduct, float]]] = {}
        self.known_hints: set[int] = set()
        self.alive = True
        self.process: Any = None
        """The process transport ``spawnProcess`` returned (its stdin is written to)."""

    def send(self, request_id: int, body: bytes, url: str, hints: ExtractionHints,
             ) -> defer.Deferred[tuple[ExtractedProduct, float]]:
        key = id(hints)
        if key not in self.known_hints:
            self.known_hints.add(key)
            self.process.write(frame(("hints", key, hints)))
        answer: defer.Deferred[tuple[ExtractedProduct, float]] = defer.Deferred()
        self.pending[request_id] = answer
        self.process.write(frame(("read", request_id, key, url, body)))
        return answer

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        offset = 0
        while len(buffer) - offset >= HEADER.size:
            (size,) = HEADER.unpack_from(buffer, offset)
            end = offset + HEADER.size + size
            if len(buffer) < end:
                break
            request_id, product, seconds, problem = pickle.loads(
                memoryview(buffer)[offset + HEADER.size:end])
            offset = end
            answer = self.pending.pop(request_id, None)
            if answer is None:
                continue
            if problem is not None:
                answer.errback(Failure(WorkerGone(f"worker could not read the page: {problem}")))
            else:
                answer.callback((product, seconds))
        del buffer[:offset]

    def processEnded(self, reason: Failure) -> None:
        self.alive = False
        pending, self.pending = self.pending, {}
        clean = reason.check(error.ProcessDone) is not None
        if pending or not (clean or self.pool.closing):
            log.warning("extraction worker ended (%s) with %d page(s) unanswered; the crawl "
                        "process reads pages itself from now on", reason.value, len(pending))
        for answer in pending.values():
            answer.errback(Failure(WorkerGone(f"extraction worker ended: {reason.value}")))
        self.pool.ended(self)


class ExtractPool:
    """Worker processes that read pages; `read` returns a Deferred of (product, seconds)."""

    def __init__(self, workers: int, reactor: Any | None = None) -> None:
        self.size = max(1, workers)
        self.reactor = reactor
        self.closing = False
        self.started = False
        self.workers: list[_Worker] = []
        self.next_id = 0

    def start(self) -> None:
        """Spawn the workers (on first use: Scrapy installs its reactor after the spider
        is made, and importing the reactor earlier would install the wrong one)."""
        self.started = True
        reactor: Any = self.reactor
        if reactor is None:
            from twisted.internet import reactor as installed

            reactor = installed
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"]
                                         if env.get("PYTHONPATH") else "")
        for _ in range(self.size):
            worker = _Worker(self)
            worker.process = reactor.spawnProcess(
                worker, sys.executable, [sys.executable, "-m", "spiders.extract_worker"],
                env=env, childFDs={0: "w", 1: "r", 2: 2})
            self.workers.append(worker)

    @property
    def alive(self) -> bool:
        return not self.started or any(w.alive for w in self.workers)

    def read(self, body: bytes, url: str,
             hints: ExtractionHints) -> defer.Deferred[tuple[ExtractedProduct, float]]:
        """Send one page to the least busy live worker."""
        if not self.started:
            self.start()
        live = [w for w in self.workers if w.alive]
        if not live:
            return defer.fail(WorkerGone("no extraction worker is running"))
        worker = min(live, key=lambda w: len(w.pending)) if len(live) > 1 else live[0]
        self.next_id += 1
        return worker.send(self.next_id, body, url, hints)

    def ended(self, worker: _Worker) -> None:
        if worker in self.workers and not self.alive and not self.closing:
            log.warning("no extraction worker left")

    def close(self) -> None:
        """End of input for every worker: each finishes what it holds and exits."""
        self.closing = True
        for worker in self.workers:
            if worker.alive and worker.process is not None:
                worker.process.closeStdin()
