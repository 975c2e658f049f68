"""Distributed crawling: scrapy-redis shares one competitor run across processes and machines.

The spider stays the same Scrapy spider; distribution is settings (STYLE.md):

* the scheduler and the duplicate filter live in Redis (``scrapy_redis``), one queue and
  one filter per crawl run (keys ``<prefix>:run:<id>:requests`` / ``:seen``), kept while
  the run lasts (``SCHEDULER_PERSIST``): a killed worker loses nothing that is queued;
* one worker discovers the shop (sitemap, categories...) and every worker takes product
  pages from the shared queue; product requests go through the shared duplicate filter,
  so each page is fetched by one worker only, and the database's unique key (one
  observation per listing and run) makes sure it is stored once;
* politeness holds per shop across all workers: `SharedPoliteness` leases each download
  from Redis, at most the shop's ``concurrency_per_domain`` at once and one every
  ``download_delay`` seconds, whatever the number of workers and machines. A worker's
  own ``CONCURRENT_REQUESTS_PER_DOMAIN`` is only what one process may have in flight;
* every worker writes its pages to the same database (PostgreSQL) and, when it ends,
  adds its tallies (failures by outcome, fill counts, pages) to the run's Redis hash; the
  coordinator (`crawl_distributed`) closes the run once every worker is done, with counts
  taken from the stored rows plus the tallied failures, through the same close rules as a
  one-process crawl (`spiders.closing`: failed, truncated at max_pages, suspect);
* requests go to and from Redis in batches (`SharedQueue`, `SharedScheduler`), and each
  worker's timeline (start-up, first and last page, queue seeded, CPU) ends up in the
  run's stats: where a distributed run's time went.

Workers on other machines join with ``pricewatch worker COMPETITOR``: they find the
competitor's open run under ``<prefix>:active:<competitor id>`` and take pages from its
queue until it is empty and every worker is idle.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

REDIS_ENV = "PRICEWATCH_REDIS_URL"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_PREFIX = "pricewatch"
STALE_S = 90.0
"""A worker not heard of for this long is taken as gone (killed, machine lost)."""
QUEUE_POLL_S = 0.2
"""How often an idle worker looks at the shared queue."""
LEASE_S_EXTRA = 30.0
"""A download lease is dropped this long after the download timeout (a killed worker)."""
GIVE_BACK_S = 0.01
"""A lease given back waits at most this long for the worker's next request for one."""


def redis_url(url: str | None = None) -> str:
    return url or os.environ.get(REDIS_ENV) or DEFAULT_REDIS


def run_key(prefix: str, run_id: int, what: str) -> str:
    return f"{prefix}:run:{run_id}:{what}"


def active_key(prefix: str, competitor_id: int) -> str:
    return f"{prefix}:active:{competitor_id}"


def shop_key(prefix: str, competitor_id: int, what: str) -> str:
    return f"{prefix}:shop:{competitor_id}:{what}"


def connect(url: str | None = None) -> Any:
    import redis

    return redis.Redis.from_url(redis_url(url), decode_responses=True)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def distributed_settings(*, redis: str, prefix: str, run_id: int, competitor_id: int,
                         shop_concurrency: int, shop_delay: float,
                         worker_concurrency: int | None = None) -> dict[str, Any]:
    """Scrapy settings that make a crawl process one worker of a shared run."""
    from spiders import settings as base

    per_worker = max(1, worker_concurrency or shop_concurrency)
    return {
        "SCHEDULER": "spiders.distributed.SharedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "spiders.distributed.SharedQueue",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": run_key(prefix, run_id, "requests"),
        "SCHEDULER_DUPEFILTER_KEY": run_key(prefix, run_id, "seen"),
        "REDIS_URL": redis,
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_worker,
        "CONCURRENT_REQUESTS": max(per_worker, 8),
        # The delay is kept across all workers by SharedPoliteness, not per process.
        "DOWNLOAD_DELAY": 0.0,
        "DOWNLOADER_MIDDLEWARES": {**base.DOWNLOADER_MIDDLEWARES,
                                   "spiders.distributed.SharedPoliteness": 950},
        "EXTENSIONS": {"spiders.distributed.WorkerPresence": 500},
        "PRICEWATCH_DISTRIBUTED": True,
        # Pages are read in each worker: the workers are the processes that use the cores,
        # and the extraction worker's end-of-crawl hand-back (a request to itself) cannot
        # go through a queue that other processes take from.
        "PRICEWATCH_EXTRACT_WORKERS": 0,
        "PRICEWATCH_REDIS_PREFIX": prefix,
        "PRICEWATCH_SHOP_CONCURRENCY": shop_concurrency,
        "PRICEWATCH_SHOP_DELAY": shop_delay,
    }


# ---------------------------------------------------------------- scheduler and presence

PUSH_BATCH = 500
"""Requests a worker sends to the shared queue in one round trip (a sitemap of 20,000
products is 40 round trips, not 40,000)."""

_PUSH_NEW = """
local seen, queue = KEYS[1], KEYS[2]
local added = {}
for i = 1, #ARGV, 3 do
  local fp = ARGV[i]
  if fp == '' or redis.call('SADD', seen, fp) == 1 then
    redis.call('ZADD', queue, ARGV[i + 1], ARGV[i + 2])
    added[#added + 1] = 1
  else
    added[#added + 1] = 0
  end
end
return added
"""


class SharedQueue(PriorityQueue):
    """scrapy-redis' priority queue, in batches: requests are pushed through the duplicate
    filter in one script call per batch and popped several at a time (scrapy-redis makes
    two Redis round trips per request pushed and one per request popped, each a blocking
    wait of the crawl's only thread, and on a busy machine a wait for Redis to be given
    the CPU). A request is encoded with its callbacks' names looked up by name, not by
    listing every member of the spider (what Scrapy's `Request.to_dict` does each time)."""

    def _encode_request(self, request: Request) -> Any:
        data: dict[str, Any] = {
            "url": request.url,
            "callback": self._method_name(request.callback),
            "errback": self._method_name(request.errback),
            "headers": dict(request.headers),
        }
        for attr in request.attributes:
            data.setdefault(attr, getattr(request, attr))
        if type(request) is not Request:
            data["_class"] = f"{type(request).__module__}.{type(request).__name__}"
        return self.serializer.dumps(data)

    def _method_name(self, method: Any) -> Any:
        func = getattr(method, "__func__", None)
        if func is None:
            return method  # None, or a name already
        name = getattr(func, "__name__", "")
        if getattr(getattr(self.spider, name, None), "__func__", None) is func:
            return name
        return Request.to_dict(Request("data:,", callback=method), spider=self.spider)["callback"]

    def push_new(self, seen_key: str, requests: list[tuple[str, Request]]) -> list[bool]:
        """Queue each (fingerprint, request) whose fingerprint the filter had not seen
        ('' for a request that is never filtered), atomically, in one round trip;
        whether each was queued."""
        if not requests:
            return []
        args: list[Any] = []
        for fingerprint, request in requests:
            args += [fingerprint, -request.priority, self._encode_request(request)]
        added = self.server.eval(_PUSH_NEW, 2, seen_key, self.key, *args)
        return [bool(a) for a in added]

    def push_back(self, requests: list[Request]) -> None:
        if requests:
            pipe = self.server.pipeline(transaction=False)
            for request in requests:
                pipe.zadd(self.key, {self._encode_request(request): -request.priority})
            pipe.execute()

    def pop_many(self, count: int) -> list[Request]:
        pipe = self.server.pipeline()
        pipe.multi()
        pipe.zrange(self.key, 0, count - 1).zremrangebyrank(self.key, 0, count - 1)
        results, _removed = pipe.execute()
        return [self._decode_request(r) for r in results]


class SharedScheduler(Scheduler):
    """scrapy-redis' scheduler over `SharedQueue`, which also tells the other workers this
    one is busy.

    Requests a worker makes wait here until `PUSH_BATCH` of them or until the worker next
    asks for one, then go through the shared filter and queue in one round trip. A worker
    takes up to its own concurrency of requests at a time: it would ask for them within a
    few milliseconds anyway. Requests it holds when it stops are put back in the queue;
    a worker killed outright loses them, as it loses those it was downloading (the run's
    count of pages then falls short, as it would)."""

    presence: WorkerPresence | None = None

    def open(self, spider: Spider) -> Any:
        result = super().open(spider)
        settings = spider.crawler.settings
        self.take = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1))
        self.incoming: list[Request] = []
        self.taken: deque[Request] = deque()
        self.last_push = 0.0
        """Wall time the last new request reached the shared queue (seeding's end)."""
        return result

    def enqueue_request(self, request: Request) -> bool:
        self.incoming.append(request)
        if len(self.incoming) >= PUSH_BATCH:
            self.push()
        return True  # a duplicate is dropped (and logged) when the batch is pushed

    def push(self) -> None:
        batch, self.incoming = self.incoming, []
        if not batch:
            return
        marked = [("" if r.dont_filter else self.df.request_fingerprint(r), r) for r in batch]
        added = self.queue.push_new(self.df.key, marked)
        new = sum(added)
        for (_fp, request), queued in zip(marked, added, strict=True):
            if not queued:
                self.df.log(request, self.spider)
        if new:
            self.last_push = time.time()
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis", new, spider=self.spider)

    def next_request(self) -> Request | None:
        self.push()
        if not self.taken:
            self.taken.extend(self.queue.pop_many(self.take))
        if not self.taken:
            return None
        request = self.taken.popleft()
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        if self.presence is not None:
            self.presence.busy()
        return request

    def has_pending_requests(self) -> bool:
        return bool(self.incoming or self.taken) or len(self) > 0

    def close(self, reason: str) -> Any:
        self.push()
        self.queue.push_back(list(self.taken))
        self.taken.clear()
        return super().close(reason)


class WorkerPresence:
    """Each worker's state in the run's Redis hash (busy/idle/done and when), so that a
    worker with an empty queue stays open while another one may still add pages, and all
    close once the queue is empty and every live worker is idle.

    It also keeps the worker's timeline (wall-clock times: process started, crawl opened,
    first and last product page, queue seeded, closed; CPU seconds), which the worker
    hands to the coordinator with its tallies: where a run's time went."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.redis = connect(settings.get("REDIS_URL"))
        prefix = settings.get("PRICEWATCH_REDIS_PREFIX", DEFAULT_PREFIX)
        run_id = settings.getint("PRICEWATCH_RUN_ID")
        self.states = run_key(prefix, run_id, "workers")
        self.queue = run_key(prefix, run_id, "requests")
        self.seen = run_key(prefix, run_id, "seen")
        self.join_wait_s = settings.getfloat("PRICEWATCH_JOIN_WAIT_S", 0.0)
        self.started = time.monotonic()
        self.name = worker_name()
        self._last_beat = 0.0
        self.timeline: dict[str, Any] = {"worker": self.name, "process_started": _started_at()}
        self.scheduler: SharedScheduler | None = None
        # Scrapy looks at its scheduler on its own every 5 s only; pages another worker
        # queues would wait that long. This process runs just this crawl, so the class
        # attribute is ours to set (a Redis round trip 5 times a second is nothing).
        from scrapy.core.engine import ExecutionEngine

        ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = QUEUE_POLL_S

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerPresence:
        presence = cls(crawler)
        crawler.signals.connect(presence.opened, signal=signals.spider_opened)
        crawler.signals.connect(presence.idle, signal=signals.spider_idle)
        crawler.signals.connect(presence.page, signal=signals.response_received)
        crawler.signals.connect(presence.closed, signal=signals.spider_closed)
        return presence

    def _set(self, state: str) -> None:
        self.redis.hset(self.states, self.name, f"{state}:{time.time():.3f}")

    def opened(self, spider: Spider) -> None:
        scheduler = getattr(self.crawler.engine, "_slot", None)
        scheduler = getattr(scheduler, "scheduler", None)
        if isinstance(scheduler, SharedScheduler):
            scheduler.presence = self
            self.scheduler = scheduler
        self.timeline["opened"] = time.time()
        self._set("busy")

    def page(self, response: Response, request: Request, spider: Spider) -> None:
        if "listing_url" in request.meta:  # a product page
            now = time.time()
            self.timeline.setdefault("first_page", now)
            self.timeline["last_page"] = now

    def busy(self) -> None:
        now = time.monotonic()
        if now - self._last_beat > 1.0:  # one write a second is enough for the others
            self._last_beat = now
            self._set("busy")

    def idle(self, spider: Spider) -> None:
        self._set("idle")
        self._last_beat = 0.0
        if self.redis.zcard(self.queue) or others_busy(self.redis, self.states, self.name):
            raise DontCloseSpider
        if (self.join_wait_s and time.monotonic() - self.started < self.join_wait_s
                and not self.redis.exists(self.seen) and not someone_done(self.redis, self.states)):
            raise DontCloseSpider  # started with the run: nothing has been queued yet

    def closed(self, spider: Spider, reason: str) -> None:
        self._set("done")

    def summary(self) -> dict[str, Any]:
        """The timeline so far (the store pipeline hands it over when the worker ends)."""
        times = os.times()
        seeded = self.scheduler.last_push if self.scheduler is not None else 0.0
        return {**self.timeline, "seeded": seeded or None, "ended": time.time(),
                "cpu_s": round(times.user + times.system, 3)}


def _started_at() -> float:
    """Wall-clock time this process started (its start-up counts in a run's time)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.time()


def others_busy(redis: Any, states_key: str, me: str | None = None) -> bool:
    """Is any other worker of the run busy and recently heard of?"""
    now = time.time()
    for name, value in redis.hgetall(states_key).items():
        if name == me:
            continue
        state, _, stamp = value.partition(":")
        if state == "busy" and now - float(stamp or 0) < STALE_S:
            return True
    return False


def someone_done(redis: Any, states_key: str) -> bool:
    """Has a worker of the run ended (the discovering one, if nothing was ever queued)?"""
    return any(v.startswith("done:") for v in redis.hvals(states_key))


def workers_alive(redis: Any, states_key: str) -> int:
    """Workers of the run not done and heard of recently (busy or idle)."""
    now = time.time()
    alive = 0
    for value in redis.hgetall(states_key).values():
        state, _, stamp = value.partition(":")
        if state != "done" and now - float(stamp or 0) < STALE_S:
            alive += 1
    return alive


# ---------------------------------------------------------------- politeness across workers

_ACQUIRE = """
local slots, nextkey = KEYS[1], KEYS[2]
local now, limit, delay, lease, token = tonumber(ARGV[1]), tonumber(ARGV[2]),
    tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
for i = 6, #ARGV do redis.call('ZREM', slots, ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now - lease)
if redis.call('ZCARD', slots) >= limit then return 50 end
local nxt = tonumber(redis.call('GET', nextkey) or '0')
if now < nxt then return math.max(1, math.ceil((nxt - now) * 1000)) end
redis.call('ZADD', slots, now, token)
redis.call('SET', nextkey, tostring(now + delay), 'PX', math.ceil(delay * 1000) + 1000)
return 0
"""


class SharedPoliteness:
    """Downloads of one shop, across every worker: at most `PRICEWATCH_SHOP_CONCURRENCY` at
    once and one every `PRICEWATCH_SHOP_DELAY` seconds. Each download holds a lease in a
    Redis sorted set (one atomic script takes it), given back with its response or error;
    a lease of a killed worker runs out after the download timeout.

    A lease given back travels with this worker's next request for one (the script drops
    it first), or on its own `GIVE_BACK_S` later if none comes: one Redis round trip a
    page instead of two. Held those few milliseconds longer, a lease only makes the
    limit stricter."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.redis = connect(settings.get("REDIS_URL"))
        prefix = settings.get("PRICEWATCH_REDIS_PREFIX", DEFAULT_PREFIX)
        competitor_id = settings.getint("PRICEWATCH_COMPETITOR_ID")
        self.slots = shop_key(prefix, competitor_id, "slots")
        self.next = shop_key(prefix, competitor_id, "next")
        self.limit = settings.getint("PRICEWATCH_SHOP_CONCURRENCY", 1)
        self.delay = settings.getfloat("PRICEWATCH_SHOP_DELAY", 0.0)
        self.lease_s = settings.getfloat("DOWNLOAD_TIMEOUT", 20) + LEASE_S_EXTRA
        self.script = self.redis.register_script(_ACQUIRE)
        self.giving_back: list[str] = []
        self._give_back_call: Any = None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPoliteness:
        politeness = cls(crawler)
        crawler.signals.connect(politeness.give_back, signal=signals.spider_idle)
        crawler.signals.connect(politeness.give_back, signal=signals.spider_closed)
        return politeness

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if "pricewatch_lease" in request.meta:  # a retry that still holds its lease
            return
        token = uuid.uuid4().hex
        started = time.monotonic()
        while True:
            back, self.giving_back = self.giving_back, []
            wait_ms = int(self.script(keys=[self.slots, self.next],
                                      args=[time.time(), self.limit, self.delay, self.lease_s,
                                            token, *back]))
            if wait_ms == 0:
                break
            if self.stats is not None:  # the shop's limit or delay holds this download
                self.stats.inc_value("pricewatch/politeness_held")
            await asyncio.sleep(wait_ms / 1000)
        request.meta["pricewatch_lease"] = token
        if self.stats is not None:
            self.stats.inc_value("pricewatch/politeness_wait_ms",
                                 int((time.monotonic() - started) * 1000))

    def _release(self, request: Request) -> None:
        token = request.meta.pop("pricewatch_lease", None)
        if not token:
            return
        self.giving_back.append(token)
        if self._give_back_call is None:  # Scrapy runs on the asyncio reactor
            self._give_back_call = asyncio.get_event_loop().call_later(
                GIVE_BACK_S, self.give_back)

    def give_back(self, *_args: Any, **_kwargs: Any) -> None:
        """Drop the leases given back that no request for a new one took along."""
        if self._give_back_call is not None:
            self._give_back_call.cancel()
        self._give_back_call = None
        tokens, self.giving_back = self.giving_back, []
        if tokens:
            self.redis.zrem(self.slots, *tokens)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException,
                          spider: Spider | None = None) -> None:
        self._release(request)


# ---------------------------------------------------------------- tallies and clean-up


def add_tallies(redis: Any, prefix: str, run_id: int, tallies: dict[str, Any]) -> None:
    """Add one worker's tallies to the run's (numbers are summed, lists appended)."""
    key = run_key(prefix, run_id, "tallies")
    pipe = redis.pipeline()
    for name, value in tallies.items():
        if isinstance(value, dict):
            for sub, number in value.items():
                pipe.hincrbyfloat(key, f"{name}.{sub}", float(number))
        elif isinstance(value, list):
            pipe.rpush(run_key(prefix, run_id, f"list:{name}"),
                       *[json.dumps(v, default=str) for v in value] or ["null"])
        else:
            pipe.hincrbyfloat(key, name, float(value))
    pipe.execute()


def read_tallies(redis: Any, prefix: str, run_id: int) -> dict[str, Any]:
    """The summed tallies of every worker: {"counts": {...}, "fill": {...}, "pages": n...}."""
    out: dict[str, Any] = {}
    for field, value in redis.hgetall(run_key(prefix, run_id, "tallies")).items():
        number = float(value)
        amount: int | float = int(number) if number.is_integer() else number
        if "." in field:
            name, sub = field.split(".", 1)
            out.setdefault(name, {})[sub] = amount
        else:
            out[field] = amount
    for name in ("failures", "discovery_errors", "timeline"):
        items = redis.lrange(run_key(prefix, run_id, f"list:{name}"), 0, -1)
        out[name] = [json.loads(i) for i in items if i != "null"]
    return out


def forget_run(redis: Any, prefix: str, run_id: int) -> None:
    """Delete a finished run's keys (only this run's: other runs and helpers share Redis)."""
    keys = list(redis.scan_iter(match=f"{run_key(prefix, run_id, '')}*", count=500))
    if keys:
        redis.delete(*keys)


@contextmanager
def announced(redis: Any, prefix: str, competitor_id: int, run_id: int) -> Iterator[None]:
    """Publish the competitor's open run for workers on other machines while it lasts."""
    key = active_key(prefix, competitor_id)
    redis.set(key, run_id)
    try:
        yield
    finally:
        if redis.get(key) == str(run_id):
            redis.delete(key)


def wait_for_work(redis: Any, prefix: str, run_id: int, timeout_s: float) -> bool:
    """Block until the run's queue has requests (the discovering worker got going) or
    the run has ended; False after `timeout_s`."""
    queue = run_key(prefix, run_id, "requests")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if redis.exists(queue):
            return True
        time.sleep(0.1)
    return False
