"""Reading pages in worker processes, so a crawl uses a second core for them.

Scrapy runs callbacks on the reactor thread: in-process, every millisecond of extraction
is a millisecond the downloader waits. With an extraction worker, the spider hands each
product page to a worker process (:mod:`spiders.extract_worker`) as it came from the
downloader and goes on at once; the worker reads and validates it, and the validated
draft comes back, in batches, straight to the store pipeline (`on_draft`). The crawl
process pays for a pipe write per page and for storing: no extraction, no validation and
no Scrapy item per page.

The workers are children of the reactor itself (``reactor.spawnProcess``) and talk over
their stdin/stdout pipes: sending a page is one non-blocking write of its body and
answers arrive as reactor events. No threads take part. (A ``ProcessPoolExecutor`` did:
its feeder and result threads fought the reactor thread for the GIL, and the crawl
process spent more time handing pages over than the worker saved; see bench/crawl.py.)

Nothing is lost when a worker fails: the pool keeps each page until its answer is back,
and a page the worker could not read, or every page a dead worker held, goes to
`on_lost`, where the spider reads it itself (and every later page too, once no worker is
left). At most `max_in_flight` pages (and `max_in_flight_bytes` of them) wait for answers:
while a worker is that far behind (a shop whose pages are slow to read), the spider reads
the next pages itself instead of waiting, so both cores read and the crawl process never
buffers the whole shop. At the end of a crawl the spider takes back the newest pages the
worker has not answered (`take_back`) and reads them while the worker reads the oldest,
so the last pages are read on both cores too.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.internet import error, protocol
from twisted.python.failure import Failure

from spiders.drafts import Draft
from spiders.extract_worker import HEADER, frame
from spiders.items import PageItem

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
MAX_IN_FLIGHT = 1024
"""Pages sent and not answered yet, at most. Enough to cover the worker's start (about
half a second of crawling goes by before it reads its first page)."""
MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024
"""Bytes of page bodies sent and not answered yet, at most (big pages, fewer of them)."""
AHEAD_S = 0.5
"""Once the worker answers, it is sent at most what it reads in this long (its measured
rate). On a busy machine the worker, at a lower priority, may read ten times slower than
on a quiet one: pages sent beyond what it can read are taken back and read here at the
end, after paying for sending them - the default then fell below reading every page
here. With the window, a starved worker gets few pages and the crawl process reads the
others at once, at in-process cost."""
MIN_AHEAD = 16
START_GRACE_S = 3.0
"""Before the first answers, the worker starts up: up to MAX_IN_FLIGHT pages wait for it
this long; a worker that has answered nothing by then gets MIN_AHEAD pages at most."""
RATE_HALF_LIFE_S = 1.0
SPARE_CORES_MIN = 0.5
"""Automatic mode starts its worker only if at least this much of the machine's CPU was
idle while the crawl got going (`SpareCpu`). Without a free core the worker, 10 nice
levels down, is starved by whatever keeps the cores busy, and the crawl then pays for
sending pages and taking them back on top of reading them (bench/crawl.py --load 2: below
reading every page in the crawl process)."""
SPARE_MEASURE_S = 0.3
"""The shortest time over which idle CPU is measured (/proc/stat counts in 10 ms ticks)."""


class SpareCpu:
    """Idle CPU of the whole machine since this was made, in cores (Linux /proc/stat;
    elsewhere nothing is known and `cores` is None)."""

    def __init__(self) -> None:
        self.since = time.monotonic()
        self.start = _cpu_times()

    @property
    def ready(self) -> bool:
        return self.start is None or time.monotonic() - self.since >= SPARE_MEASURE_S

    def cores(self) -> float | None:
        now = _cpu_times()
        if self.start is None or now is None or now[1] <= self.start[1]:
            return None
        idle, total = now[0] - self.start[0], now[1] - self.start[1]
        return idle / total * (os.cpu_count() or 1)


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) CPU ticks of the machine since boot."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(v) for v in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    return fields[3] + fields[4], sum(fields)  # idle + iowait; user..steal


@dataclass(slots=True)
class Page:
    """A page handed to a worker, kept until its answer is back."""

    item: PageItem
    body: bytes


@dataclass(slots=True)
class Answer:
    """A worker's reading of one page."""

    page: Page
    draft: Draft
    observed: bool
    """The page tells the strategy learner something (it was not a block wall)."""
    extractor: str | None
    """The strategy that found the price; None when none did."""
    quick: bool
    seconds: float


OnDraft = Callable[[Answer], None]
OnLost = Callable[[Page, str], None]


class _Worker(protocol.ProcessProtocol):
    """One worker process: frames out on its stdin, answer batches in from its stdout."""

    def __init__(self, pool: ExtractPool) -> None:
        self.pool = pool
        self.buffer = bytearray()
        self.pending: dict[int, Page] = {}
        self.alive = True
        self.process: Any = None
        """The process transport ``spawnProcess`` returned (its stdin is written to)."""

    def send(self, page_id: int, page: Page) -> None:
        self.pending[page_id] = page
        item = page.item  # plain values: pickling the slotted dataclass itself is slow
        self.process.write(frame(("page", page_id, item.url, item.variant, item.fetched_at,
                                  item.http_status, item.rendered, page.body)))

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        offset = 0
        while len(buffer) - offset >= HEADER.size:
            (size,) = HEADER.unpack_from(buffer, offset)
            end = offset + HEADER.size + size
            if len(buffer) < end:
                break
            batch = pickle.loads(memoryview(buffer)[offset + HEADER.size:end])
            offset = end
            for page_id, draft, observed, extractor, quick, seconds, problem in batch:
                page = self.pending.pop(page_id, None)
                if page is None:
                    continue
                if problem is not None:
                    self.pool.lost(page, f"the worker could not read the page: {problem}")
                else:
                    self.pool.answered(Answer(page, draft, observed, extractor, quick, seconds))
        del buffer[:offset]
        self.pool.settle()

    def processEnded(self, reason: Failure) -> None:
        self.alive = False
        pending, self.pending = self.pending, {}
        clean = reason.check(error.ProcessDone) is not None
        if pending or not (clean or self.pool.closing):
            log.warning("extraction worker ended (%s) with %d page(s) unanswered; the crawl "
                        "process reads them, and every later page, itself", reason.value,
                        len(pending))
        for page in pending.values():
            self.pool.lost(page, f"extraction worker ended: {reason.value}")
        self.pool.settle()


class ExtractPool:
    """Worker processes that read and validate pages for a competitor.

    `setup` is what each worker is started with: ``(competitor, prefer,
    full_read_every)`` for its :class:`spiders.reading.PageReader`, taken when the first
    page is sent (so it carries the fast path learned by then). `submit` sends a page and
    returns at once; its answer goes to `on_draft`, or the page to `on_lost` with the
    reason when no worker could read it.
    """

    def __init__(self, workers: int, setup: Callable[[], tuple[Any, ...]], on_draft: OnDraft,
                 on_lost: OnLost, reactor: Any | None = None,
                 max_in_flight: int = MAX_IN_FLIGHT,
                 max_in_flight_bytes: int = MAX_IN_FLIGHT_BYTES) -> None:
        self.size = max(1, workers)
        self.setup = setup
        self.on_draft, self.on_lost = on_draft, on_lost
        self.reactor = reactor
        self.max_in_flight = max(1, max_in_flight)
        self.max_in_flight_bytes = max_in_flight_bytes
        self.closing = False
        self.started = False
        self.workers: list[_Worker] = []
        self.next_id = 0
        self.in_flight_bytes = 0
        self.warned = False
        self.first_sent: float | None = None
        self.rate = 0.0
        """Answers per second, a moving average (half-life RATE_HALF_LIFE_S)."""
        self._rate_at: float | None = None
        self._rate_count = 0

    def start(self) -> None:
        """Spawn the workers (on first use: Scrapy installs its reactor after the spider
        is made, and importing the reactor earlier would install the wrong one)."""
        self.started = True
        reactor: Any = self.reactor
        if reactor is None:
            from twisted.internet import reactor as installed

            reactor = installed
        setup = frame(("setup", *self.setup()))
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"]
                                         if env.get("PYTHONPATH") else "")
        for _ in range(self.size):
            worker = _Worker(self)
            worker.process = reactor.spawnProcess(
                worker, sys.executable, [sys.executable, "-m", "spiders.extract_worker"],
                env=env, childFDs={0: "w", 1: "r", 2: 2})
            worker.process.write(setup)
            self.workers.append(worker)

    @property
    def alive(self) -> bool:
        """A worker can take pages (or none was started yet)."""
        return not self.started or any(w.alive for w in self.workers)

    def submit(self, item: PageItem, body: bytes) -> None:
        """Send one page to the least busy live worker (or straight to `on_lost`)."""
        if not self.started:
            self.start()
        page = Page(item, body)
        live = [w for w in self.workers if w.alive]
        if not live:
            self.on_lost(page, "no extraction worker is running")
            return
        worker = min(live, key=lambda w: len(w.pending)) if len(live) > 1 else live[0]
        if self.first_sent is None:
            self.first_sent = time.monotonic()
        self.next_id += 1
        self.in_flight_bytes += len(body)
        worker.send(self.next_id, page)

    def answered(self, answer: Answer) -> None:
        self._done(answer.page)
        self._count_answer()
        self.on_draft(answer)

    def _count_answer(self) -> None:
        now = time.monotonic()
        if self._rate_at is None:
            self._rate_at = now
        self._rate_count += 1
        span = now - self._rate_at
        if span >= 0.1:  # fold the answers of the last tenth of a second into the average
            weight = 0.5 ** (span / RATE_HALF_LIFE_S)
            self.rate = weight * self.rate + (1 - weight) * (self._rate_count / span)
            self._rate_at, self._rate_count = now, 0

    @property
    def window(self) -> int:
        """How many pages may wait for answers now (see AHEAD_S)."""
        if self.first_sent is None or self.rate == 0.0:
            started = self.first_sent is None or (
                time.monotonic() - self.first_sent < START_GRACE_S)
            return self.max_in_flight if started else min(self.max_in_flight, MIN_AHEAD)
        return max(MIN_AHEAD, min(self.max_in_flight, int(self.rate * AHEAD_S)))

    def lost(self, page: Page, reason: str) -> None:
        self._done(page)
        self.on_lost(page, reason)

    def take_back(self) -> Page | None:
        """The newest page a worker holds unanswered, no longer expected from it (its
        answer, should it come, is ignored); None when no page is pending."""
        busiest = max(self.workers, key=lambda w: len(w.pending), default=None)
        if busiest is None or not busiest.pending:
            return None
        _, page = busiest.pending.popitem()
        self._done(page)
        return page

    def _done(self, page: Page) -> None:
        self.in_flight_bytes -= len(page.body)

    @property
    def in_flight(self) -> int:
        """Pages sent and not answered yet."""
        return sum(len(w.pending) for w in self.workers)

    @property
    def has_room(self) -> bool:
        """Fewer pages than the window (at most `max_in_flight`, adapted to how fast the
        worker answers), and fewer bytes than `max_in_flight_bytes`, wait for answers."""
        return (self.in_flight < self.window
                and self.in_flight_bytes < self.max_in_flight_bytes)

    def settle(self) -> None:
        """Say once when the last worker is gone."""
        if self.started and not self.alive and not self.closing and not self.warned:
            self.warned = True
            log.warning("no extraction worker left")

    def close(self) -> None:
        """End of input for every worker: each finishes what it holds and exits."""
        self.closing = True
        for worker in self.workers:
            if worker.alive and worker.process is not None:
                worker.process.closeStdin()
