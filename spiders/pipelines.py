"""Item pipelines: validate and normalise each page, then check and store it in batches.

* `ValidatePipeline` turns a `PageItem` into a plain `Draft` (cleaned identifiers, ISO
  currency, exact money) and drops a page already stored in this run, with a reason.
* `StorePipeline` buffers drafts (from `ValidatePipeline`, or through `take` straight
  from an extraction worker, which validates the pages it reads) and writes each batch
  in one transaction: listings
  upserted, the last good values read for the whole batch in one query, the quality
  rules applied (`spiders.quality`), observations written through the raw bulk path and
  promotions in one executemany. At the end it closes the `crawl_run` with counts by
  outcome, stats (fill-rates, HTTP codes, the learned extraction strategy) and the health
  verdict. No per-item ORM work anywhere: the bench holds this path to >= 0.75 of a bare
  crawl.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy import Engine

from spiders.closing import RunEnd, close_run
from spiders.config import Competitor
from spiders.drafts import Draft, clip, draft_from
from spiders.extraction.model import Promotion
from spiders.items import FetchFailure, PageItem
from spiders.quality import HEALTH_FIELDS, LastGood, assess
from storage.db import make_engine, redact
from storage.models import ObservationStatus, RunStatus
from storage.repos.crawls import (
    GoodValue,
    insert_promotions,
    last_good_values,
    pending_quarantined,
    run_counts,
    run_fill_counts,
    stored_pages,
    upsert_listings_bulk,
)
from storage.repos.listings import (
    ListingKey,
)
from storage.repos.observations import ObservationRow, bulk_insert_observations
from storage.repos.validators import (
    NOT_MODIFIED,
    FullReading,
    confirmed_copies,
    forget_validators,
    mark_confirmed,
    record_full_readings,
)
from storage.types import utcnow

log = logging.getLogger(__name__)

WRITE_RETRY_S = 120.0
"""How long a batch write is retried while the database connection is lost (a restart)."""
FILL_FIELDS = ("price", "title", "availability", "currency", "sku", "gtin", "brand")
MAX_FAILURES_KEPT = 50


# ---------------------------------------------------------------- validation


class ValidatePipeline:
    """PageItem -> Draft; a page already seen in this run is dropped with a reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        if isinstance(item, FetchFailure):
            return item
        if not isinstance(item, PageItem):
            raise DropItem(f"unexpected item type {type(item).__name__}")
        key = (item.url, item.variant)
        if key in self.seen:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("pricewatch/duplicate_pages")
            raise DropItem(f"{item.url} (variant {item.variant!r}) was already read in this run")
        self.seen.add(key)
        competitor: Competitor = getattr(spider, "competitor")  # noqa: B009 (CompetitorSpider)
        return draft_from(item, competitor)


# ---------------------------------------------------------------- storing


def promotion_row(promo: Promotion, listing_id: int, run_id: int, at: datetime) -> dict[str, Any]:
    until = promo.valid_until
    if isinstance(until, date) and not isinstance(until, datetime):
        until = datetime.combine(until, dtime(23, 59, 59), tzinfo=UTC)
    elif isinstance(until, datetime) and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    return {
        "listing_id": listing_id, "crawl_run_id": run_id, "observed_at": at,
        "kind": promo.kind.value, "text": clip(promo.text, 2000), "value": promo.value,
        "code": clip(promo.code, 64), "buy_qty": promo.buy_qty, "pay_qty": promo.pay_qty,
        "threshold": promo.threshold, "instalments": promo.instalments,
        "valid_from": None, "valid_until": until, "detail": clip(promo.detail, 32),
    }


class StorePipeline:
    """Writes drafts in batches linked to the crawl_run, and closes the run at the end."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.db_url: str = settings.get("PRICEWATCH_DB_URL")
        self.run_id: int = settings.getint("PRICEWATCH_RUN_ID")
        self.competitor_id: int = settings.getint("PRICEWATCH_COMPETITOR_ID")
        self.batch_size = settings.getint("PRICEWATCH_BATCH_SIZE", 500)
        self.write_retry_s = settings.getfloat("PRICEWATCH_WRITE_RETRY_S", WRITE_RETRY_S)
        self.progress = settings.getbool("PRICEWATCH_PROGRESS", False)
        self.distributed = settings.getbool("PRICEWATCH_DISTRIBUTED", False)
        """One worker of a shared run: it stores its pages and hands its tallies to the
        coordinator, which closes the run (spiders.distributed)."""
        self.clock_offset_s = settings.getfloat("PRICEWATCH_CLOCK_OFFSET_S", 0.0)
        self.engine: Engine | None = None
        self.buffer: list[Draft] = []
        self.counts: Counter[str] = Counter()
        self.fill: Counter[str] = Counter()
        self.extractors: Counter[str] = Counter()
        self.product_pages = 0
        self.failures: list[dict[str, str]] = []
        self.write_error: str | None = None
        self.started = time.monotonic()
        self.last_progress = 0.0
        self.busy_seconds = 0.0
        """Time spent in this pipeline (validation is timed by ValidatePipeline)."""
        self.closed = False
        self.cpu_started = time.process_time()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self.engine = make_engine(self.db_url)
        if not self.distributed:
            with self.engine.connect() as conn:  # a resumed run goes on from what it stored
                stored = run_counts(conn, self.run_id)
                fill, extractors = run_fill_counts(conn, self.run_id) if stored else ({}, {})
            self.counts.update(stored)
            self.product_pages += sum(stored.values())
            self.fill.update(fill)  # else its fill-rates would count those pages as empty
            self.extractors.update(extractors)
        self.started = time.monotonic()
        self.cpu_started = time.process_time()
        spider = spider or self.crawler.spider
        if spider is not None and hasattr(spider, "draft_sink"):
            spider.draft_sink = self.take

    def take(self, draft: Draft) -> None:
        """A page an extraction worker read and validated (:mod:`spiders.offload`): it
        joins the batch directly, without a Scrapy item."""
        if not self.closed and self.crawler.spider is not None:
            self.process_item(draft)

    # -- per item

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        assert spider is not None
        started = time.perf_counter()
        try:
            self._process(item, spider)
        finally:
            self.busy_seconds += time.perf_counter() - started
        return None

    def _process(self, item: Any, spider: Spider) -> None:
        if isinstance(item, FetchFailure):
            self.counts[item.outcome] += 1
            if len(self.failures) < MAX_FAILURES_KEPT:
                self.failures.append({"url": item.url, "outcome": item.outcome,
                                      "reason": item.reason})
        elif isinstance(item, Draft):
            self.product_pages += 1
            if item.confirms is None:  # a confirmed page is counted from its copy
                self._count_fill(item)
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size:
                self.flush(spider)
        self._maybe_progress(spider)

    def _count_fill(self, draft: Draft) -> None:
        values = draft.values
        for name in FILL_FIELDS:
            if name in ("title", "sku", "gtin", "brand"):
                if getattr(draft.listing, name):
                    self.fill[name] += 1
            elif values.get(name) is not None:
                self.fill[name] += 1
        if values.get("extractor") and values.get("price") is not None:
            self.extractors[str(values["extractor"])] += 1

    def flush(self, spider: Spider | None = None) -> None:
        """Write the buffered drafts in one transaction (all of the batch or none of it).

        A lost connection (the database restarting) is retried for up to
        WRITE_RETRY_S; if a commit was cut off after it took effect, the retry finds the
        batch stored (one observation per listing and run is a unique key) and does not
        write it again. The batch's outcomes are counted only once it is stored; a batch
        that cannot be written counts as `write_failed` and nothing else.
        """
        if not self.buffer or self.engine is None or self.write_error:
            self.buffer.clear()
            return
        batch, self.buffer = self.buffer, []
        competitor: Competitor | None = getattr(spider, "competitor", None)
        max_jump = competitor.quality.max_price_jump if competitor else Decimal(3)
        deadline = time.monotonic() + self.write_retry_s
        attempt = 0
        while True:
            attempt += 1
            try:
                counts, fill, extractors = self._write(batch, max_jump)
                break
            except Exception as exc:
                if _connection_lost(exc) and time.monotonic() < deadline:
                    log.warning("storing a batch of %d pages: database connection lost (%s); "
                                "retrying", len(batch), type(exc).__name__)
                    if self.crawler.stats is not None:
                        self.crawler.stats.inc_value("pricewatch/write_retries")
                    time.sleep(min(0.2 * attempt, 2.0))
                    continue
                if attempt > 1 and self._batch_stored(batch):
                    counts = None
                    fill, extractors = self._confirmed_fill(batch)
                    break
                log.error("storing a batch of %d pages failed: %s", len(batch),
                          redact(str(exc), self.db_url))
                self.write_error = redact(
                    f"storing a batch of {len(batch)} pages failed: {exc}", self.db_url)[:1000]
                self.counts["write_failed"] += len(batch)
                if spider is not None and self.crawler.engine is not None:
                    self.crawler.engine.close_spider(spider, "storage_error")
                return
        self.fill.update(fill)
        self.extractors.update(extractors)
        if counts is None:  # an earlier attempt's commit took effect
            assert self.engine is not None
            with self.engine.connect() as conn:
                now = run_counts(conn, self.run_id)
            for status in set(now) | set(self.counts):
                if status != "write_failed" and status in ObservationStatus.__members__:
                    self.counts[status] = now.get(status, 0)
            return
        self.counts.update(counts)

    def _batch_stored(self, batch: list[Draft]) -> bool:
        """After an ambiguous failure: are the batch's observations in the database?"""
        assert self.engine is not None
        try:
            with self.engine.connect() as conn:
                stored = stored_pages(conn, self.run_id)
        except Exception:
            return False
        return all((d.listing.url, d.listing.variant) in stored for d in batch)

    def _confirmed_fill(self, batch: list[Draft]) -> tuple[Counter[str], Counter[str]]:
        """Fill counts of a batch's confirmed pages when an earlier attempt stored it (read
        back from the copies stored)."""
        confirmed = [d for d in batch if d.confirms is not None]
        if not confirmed:
            return Counter(), Counter()
        assert self.engine is not None
        from storage.repos.validators import stored_copies

        with self.engine.connect() as conn:
            rows = stored_copies(conn, self.run_id,
                                 [(d.listing.url, d.listing.variant) for d in confirmed])
        fill, extractors = Counter[str](), Counter[str]()
        for row in rows:
            _fill_from_row(row, fill, extractors)
        return fill, extractors

    def _write(self, batch: list[Draft], max_jump: Decimal
               ) -> tuple[Counter[str], Counter[str], Counter[str]]:
        assert self.engine is not None
        counts: Counter[str] = Counter()
        fill: Counter[str] = Counter()
        extractors: Counter[str] = Counter()
        with self.engine.begin() as conn:
            seen_at = max(d.fetched_at for d in batch)
            # a 404/410 or a blocked page does not show the listing alive: one marked gone
            # stays inactive
            not_alive = {ListingKey(d.listing.url, d.listing.variant) for d in batch
                         if d.status in (ObservationStatus.not_found, ObservationStatus.blocked)}
            ids = upsert_listings_bulk(conn, self.competitor_id, [d.listing for d in batch],
                                       seen_at, not_alive=not_alive)
            last = last_good_values(conn, list(ids.values()))
            pending = pending_quarantined(conn, list(ids.values()))
            rows: list[ObservationRow] = []
            promos: list[dict[str, Any]] = []
            full: list[FullReading] = []
            confirmed = [d for d in batch if d.confirms is not None]
            if confirmed:
                rows, promos = self._copies(conn, confirmed, ids, counts, fill, extractors)
            for draft in batch:
                if draft.confirms is not None:
                    continue
                listing_id = ids[ListingKey(draft.listing.url, draft.listing.variant)]
                status, reason = draft.status, draft.reason
                if status is None:
                    verdict = assess(draft.reading, _last(last.get(listing_id)), max_jump,
                                     _last(pending.get(listing_id)))
                    status = verdict.status
                    reason = "; ".join(r for r in (verdict.reason, reason) if r) or None
                counts[status.value] += 1
                values = draft.values
                if status is not ObservationStatus.ok:
                    values = {**values, "price": values.get("price")
                              if status is ObservationStatus.quarantined else None}
                rows.append(ObservationRow(
                    listing_id=listing_id, crawl_run_id=self.run_id,
                    observed_at=draft.fetched_at, status=status.value, reason=reason,
                    **values,
                ))
                if status is ObservationStatus.ok:
                    promos.extend(promotion_row(p, listing_id, self.run_id, draft.fetched_at)
                                  for p in draft.promotions)
                if draft.validators is not None:
                    full.append(FullReading(listing_id, draft.fetched_at,
                                            status is ObservationStatus.ok, *draft.validators))
            bulk_insert_observations(conn, rows)
            insert_promotions(conn, promos)
            record_full_readings(conn, self.run_id, full)
        return counts, fill, extractors

    def _copies(self, conn: Any, confirmed: list[Draft], ids: dict[ListingKey, int],
                counts: Counter[str], fill: Counter[str], extractors: Counter[str]
                ) -> tuple[list[ObservationRow], list[dict[str, Any]]]:
        """Pages confirmed unchanged: their last full reading stored again for tonight.
        A page whose reading is gone (or was not ok) is a failure, never a made-up reading;
        its validators go, so the next crawl reads it in full."""
        by_id = {ids[ListingKey(d.listing.url, d.listing.variant)]: d for d in confirmed}
        wanted = {i: d.confirms for i, d in by_id.items() if d.confirms is not None}
        rows, promos, sources = confirmed_copies(
            conn, wanted, self.run_id, {i: d.fetched_at for i, d in by_id.items()},
            {i: d.reason or "" for i, d in by_id.items()})
        for row in sources.values():
            _fill_from_row(row, fill, extractors)
        counts[ObservationStatus.ok.value] += len(rows)
        lost = [i for i in by_id if i not in sources]
        for listing_id in lost:
            counts["error"] += 1
            if len(self.failures) < MAX_FAILURES_KEPT:
                self.failures.append({
                    "url": by_id[listing_id].listing.url, "outcome": "error",
                    "reason": "the page was confirmed unchanged, but the reading it confirms "
                              "is no longer stored; it is read in full next time"})
        forget_validators(conn, lost)
        mark_confirmed(conn, {i: by_id[i].fetched_at for i in sources})
        return rows, promos

    def _maybe_progress(self, spider: Spider, force: bool = False) -> None:
        if not self.progress:
            return
        now = time.monotonic()
        if not force and now - self.last_progress < 0.5:
            return
        self.last_progress = now
        found = getattr(spider, "product_requests", 0)
        emit({"event": "progress", "competitor": spider.name, "pages": self.product_pages,
              "found": found, "counts": dict(self.counts)})

    # -- end of the run

    def close_spider(self, spider: Spider | None = None) -> None:
        started = time.perf_counter()
        self.flush(spider or self.crawler.spider)
        self.busy_seconds += time.perf_counter() - started

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.engine is None:
            return
        self.closed = True
        if self.distributed:
            self._hand_over(spider, reason)
            return
        status = run_status(reason, self.write_error)
        if status is RunStatus.finished:
            self._count_unanswered(spider)
        self._maybe_progress(spider, force=True)
        stats = self.run_stats(spider, reason)
        error = self.write_error or (None if status is RunStatus.finished
                                     else f"spider closed: {reason}")
        competitor: Competitor = spider.competitor  # type: ignore[attr-defined]
        close_run(self.engine, RunEnd(
            run_id=self.run_id, competitor_id=self.competitor_id, status=status, error=error,
            counts=self.counts, product_pages=self.product_pages, fill=stats["fill"],
            stats=stats, pages_left=len(getattr(spider, "left_out", ())),
            finished_at=utcnow() + timedelta(seconds=self.clock_offset_s)), competitor)
        self.engine.dispose()

    def _hand_over(self, spider: Spider, reason: str) -> None:
        """Distributed run: add this worker's tallies to the run's, for the coordinator."""
        from spiders.distributed import DEFAULT_PREFIX, add_tallies, connect

        settings = self.crawler.settings
        stats = self.run_stats(spider, reason)
        failed = {k: v for k, v in self.counts.items()
                  if k not in ObservationStatus.__members__ and v}
        add_tallies(connect(settings.get("REDIS_URL")),
                    settings.get("PRICEWATCH_REDIS_PREFIX", DEFAULT_PREFIX), self.run_id, {
                        "failed": failed, "fill_count": dict(self.fill),
                        "extractors": dict(self.extractors), "http_status": stats["http_status"],
                        "product_pages": self.product_pages, "requests": stats["requests"],
                        "responses": stats["responses"], "retries": stats["retries"],
                        "write_failed_workers": 1 if self.write_error else 0,
                        "failures": self.failures, "discovery_errors": stats["discovery_errors"],
                        "pages_left": len(getattr(spider, "left_out", ())),
                        "timeline": [self._timeline(stats)],
                    })
        if self.write_error:
            log.error("%s", self.write_error)
        assert self.engine is not None
        self.engine.dispose()

    def _timeline(self, stats: dict[str, Any]) -> dict[str, Any]:
        """This worker's timeline (spiders.distributed.WorkerPresence) and its figures."""
        from spiders.distributed import WorkerPresence

        found = [ext for ext in self.crawler.extensions.middlewares
                 if isinstance(ext, WorkerPresence)]
        timeline = found[0].summary() if found else {}
        scrapy_stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        return {**timeline, "product_pages": self.product_pages,
                "store_s": round(self.busy_seconds, 3),
                "extract_s": round(getattr(self.crawler.spider, "extract_seconds", 0.0), 3),
                "politeness_wait_s": round(
                    scrapy_stats.get("pricewatch/politeness_wait_ms", 0) / 1000, 3),
                "politeness_held": scrapy_stats.get("pricewatch/politeness_held", 0)}

    def _count_unanswered(self, spider: Spider) -> None:
        """Product requests that never got a response nor an error (dropped on the way)."""
        for url, _variant in sorted(getattr(spider, "outstanding", ())):
            self.counts["error"] += 1
            if len(self.failures) < MAX_FAILURES_KEPT:
                self.failures.append({"url": url, "outcome": "error",
                                      "reason": "no answer: the request was dropped on the way"})

    def run_stats(self, spider: Spider, reason: str) -> dict[str, Any]:
        pages = self.product_pages
        fill = {name: round(self.fill[name] / pages, 4) if pages else 0.0
                for name in FILL_FIELDS}
        scrapy_stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        http = {k.rsplit("/", 1)[-1]: v for k, v in scrapy_stats.items()
                if k.startswith("downloader/response_status_count/")}
        elapsed = time.monotonic() - self.started
        learner = getattr(spider, "learner", None)
        summary = getattr(spider, "discovery_summary", None)
        discovery = summary() if callable(summary) else {}
        return {
            "discovery": discovery,
            "api_listings": getattr(spider, "api_items", 0),
            "not_modified": dict(getattr(spider, "not_modified", {})),
            "product_pages": pages,
            "fill": fill,
            "health_fields": list(HEALTH_FIELDS),
            "http_status": http,
            "requests": scrapy_stats.get("downloader/request_count", 0),
            "response_bytes": scrapy_stats.get("downloader/response_bytes", 0),
            "responses": scrapy_stats.get("downloader/response_count", 0),
            "retries": scrapy_stats.get("retry/count", 0),
            "write_retries": scrapy_stats.get("pricewatch/write_retries", 0),
            "duplicates": scrapy_stats.get("pricewatch/duplicate_pages", 0),
            "extractors": dict(self.extractors),
            "prefer": learner.best() if learner is not None else None,
            "prefer_at_start": learner.initial if learner is not None else None,
            "quick_reads": getattr(spider, "quick_reads", 0),
            "worker_pages": getattr(spider, "worker_pages", 0),
            "worker_sent": getattr(spider, "worker_sent", 0),
            "extract_worker_note": getattr(spider, "offload_note", None),
            "full_read_every": getattr(spider, "full_read_every", 1),
            "elapsed_s": round(elapsed, 3),
            # CPU time of the crawl process (not its extraction worker's)
            "cpu_s": round(time.process_time() - self.cpu_started, 3),
            "pages_per_s": round(pages / elapsed, 1) if elapsed > 0 else None,
            "extract_ms_per_page": _per_page(getattr(spider, "extract_seconds", 0.0), pages),
            "store_ms_per_page": _per_page(self.busy_seconds, pages),
            "close_reason": reason,
            "failures": self.failures,
            "discovery_errors": list(getattr(spider, "discovery_errors", [])),
            "rendered_js": bool(getattr(spider, "competitor", None)
                                and spider.competitor.render_js),  # type: ignore[attr-defined]
        }


def _fill_from_row(row: Any, fill: Counter[str], extractors: Counter[str]) -> None:
    """Fill counts of a stored copy (its reading's values and its listing's identity)."""
    for name in ("price", "availability", "currency"):
        if getattr(row, name) is not None:
            fill[name] += 1
    for name in ("sku", "gtin", "brand"):
        if getattr(row, name):
            fill[name] += 1
    if row.listing_title:
        fill["title"] += 1
    if row.price is not None:
        extractors[NOT_MODIFIED] += 1


def _last(value: GoodValue | None) -> LastGood | None:
    return LastGood(value.price, value.currency, value.title) if value is not None else None


def _per_page(seconds: float, pages: int) -> float | None:
    return round(seconds * 1000 / pages, 3) if pages else None


def _connection_lost(exc: BaseException) -> bool:
    """The write failed because the database went away (restart, network), not because of
    the data: worth retrying on a new connection."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, psycopg.OperationalError) and not isinstance(
        orig, psycopg.errors.DiskFull)


def run_status(close_reason: str, write_error: str | None) -> RunStatus:
    """How a run ended, from Scrapy's close reason: a stop by signal is `interrupted`."""
    if write_error:
        return RunStatus.failed
    if close_reason == "finished":
        return RunStatus.finished
    if close_reason == "shutdown":
        return RunStatus.interrupted
    return RunStatus.failed


def emit(event: dict[str, Any]) -> None:
    """One JSON line on stdout for the runner (the parent process) to read.

    When the parent is gone (killed), its end of the pipe is closed: the crawl goes on to
    close its run properly, without progress lines, instead of dying on a broken pipe.
    """
    try:
        sys.stdout.write(json.dumps(event, default=str) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError, OSError):
        _silence_stdout()


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.dup2(devnull, sys.stderr.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
