"""The one generic competitor spider: finds product pages the way `competitors.yaml` says
and hands each page to the extraction library. It only navigates.

Discovery kinds: sitemap (index or urlset, filtered by `link_pattern`), category pages
(product links by selector or pattern, `next_page` pagination), Shopify `/products.json`
(one listing per variant), WooCommerce Store API, or product URLs listed directly.

Without hints it still finds its way (issue 17): a sitemap read without `link_pattern`
stores only the pages that turn out to be product pages; the same product listed in
several languages (hreflang alternates, `/en-gb/`, `/de/`...) is read once, in the
competitor's language; category pages without `next_page` follow `rel=next` and the
common pagination links; nothing on another host is ever requested.

A product page read in full is asked for again with its `ETag`/`Last-Modified`, and not
fetched at all when the sitemap's `lastmod` is older than that reading; either way the
reading stands for the night (:mod:`spiders.conditional`, `discovery.full_read_days`).
"""

from __future__ import annotations

import gc
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from spiders.conditional import not_modified_reason, request_headers, unchanged_since, usable
from spiders.config import Competitor, DiscoveryKind
from spiders.drafts import Draft, draft_from
from spiders.extraction import ExtractedProduct
from spiders.items import FetchFailure, PageItem
from spiders.offload import SPARE_CORES_MIN, Answer, ExtractPool, Page, SpareCpu
from spiders.platform_api import (
    ApiListing,
    PageReading,
    api_only,
    carried,
    changed,
    due,
    shopify_listings,
    woo_listing,
    woo_variation_ids,
)
from spiders.quality import blocked_reason, gone_reason
from spiders.reading import PageReader, StrategyLearner
from spiders.spiders.discovery import (
    language_of,
    next_page_links,
    pick_language_versions,
    same_host,
    sitemap_entries,
)
from storage.repos.validators import Validators
from storage.types import utcnow

ACCEPTED_STATUSES = [401, 403, 404, 410, 429, 451]
"""Product-page answers the spider reads itself instead of dropping as HTTP errors."""
SITEMAP_MAX_BYTES = 50 * 1024 * 1024
SHOPIFY_LIMIT = 250
WOO_PER_PAGE = 100


def select_links(response: TextResponse, query: str) -> list[str]:
    """hrefs picked by a CSS selector or an XPath (when it starts with '/' or '(')."""
    sel = response.xpath(query) if query.startswith(("/", "(")) else response.css(query)
    values: list[str] = []
    for node in sel:
        value = node.attrib.get("href") if hasattr(node, "attrib") else None
        if value is None:
            value = node.get()
        if value:
            values.append(value.strip())
    return values


class CompetitorSpider(scrapy.Spider):
    """Crawl one competitor; `competitor` is its validated config entry."""

    name = "competitor"

    def __init__(self, competitor: Competitor, prefer: str | None = None,
                 known: dict[tuple[str, str], PageReading] | None = None,
                 done: set[tuple[str, str]] | None = None, discover: bool = True,
                 validators: dict[tuple[str, str], Validators] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=competitor.name, **kwargs)
        self.discover = discover
        """False for the extra workers of a distributed run: they only take product pages
        from the shared queue (spiders.distributed)."""
        self.shared_queue = False
        """Distributed run: product requests go through the shared duplicate filter."""
        self.done = done or set()
        """(url, variant) pages this run stored before it was cut short: not fetched again."""
        self.competitor = competitor
        self.discovery = competitor.discovery
        self.host = urlsplit(competitor.base_url).hostname or ""
        self.allowed_domains = [self.host]
        self.language = language_of(competitor.locale)
        self.first_run = prefer is None
        self.known = known or {}
        """Last product-page readings per listing (platform-API shops read `when_changed`)."""
        self.api_items = 0
        """Listings stored from a platform API page without fetching their product page."""
        self.validators = validators or {}
        """Each listing's last full page reading with its ETag/Last-Modified (conditional
        requests and sitemap lastmod, `discovery.full_read_days`)."""
        self.not_modified: dict[str, int] = {
            "conditional_requests": 0, "http_304": 0, "sitemap_lastmod": 0}
        """Pages asked for with validators, answered 304, left unfetched by lastmod."""
        self.discovery_stats: dict[str, int] = {
            "sitemap_urls": 0, "off_host_sitemap_urls": 0, "language_duplicates": 0,
            "off_host_links": 0, "listing_pages": 0, "not_product_pages": 0}
        self.reader = PageReader(competitor, prefer)
        """Reads the pages this process reads, and tallies every reading (the worker's
        too) for the run's stats and the next run's fast path."""
        self.product_requests = 0
        self.pattern = re.compile(self.discovery.link_pattern) if self.discovery.link_pattern else None
        self.max_products = self.discovery.max_pages
        self.left_out: set[tuple[str, str]] = set()
        """Product pages found but not crawled because `max_pages` was reached."""
        self.clock_offset_s = 0.0
        """Added to the real time: lets a demo or a replay crawl 'as of' a simulated day."""
        self._clock_second = 0
        self._clock_value = utcnow()
        self.extract_seconds = 0.0
        """Time spent inside the extraction library (the bench reports it per page)."""
        self.discovery_errors: list[dict[str, str]] = []
        self.pool: ExtractPool | None = None
        self.offload_from = 0
        self.spare_cpu: SpareCpu | None = None
        """Automatic mode: idle CPU measured from the crawl's start, checked once before
        the first page would go to the worker (no free core: no worker)."""
        self.offload_note: str | None = None
        """Product pages found before pages go to the worker (automatic mode: a big shop)."""
        self.draft_sink: Callable[[Draft], None] | None = None
        """Set by the store pipeline: where drafts of pages read by a worker go."""
        self.draining = False
        self.worker_pages = 0
        """Pages an extraction worker read (the others were read in this process)."""
        self.worker_sent = 0
        """Pages sent to an extraction worker (those it did not answer were taken back)."""
        self.requested: set[tuple[str, str]] = set()
        self.outstanding: set[tuple[str, str]] = set()
        """Product requests not answered yet (what is left at the end never got an answer)."""

    def clock(self) -> datetime:
        """Now, UTC, to the second: one object per second, so the bulk writer converts the
        time once per second instead of once per row."""
        second = int(time.time() + self.clock_offset_s)
        if second != self._clock_second:
            self._clock_second = second
            self._clock_value = datetime.fromtimestamp(second, UTC)
        return self._clock_value

    @property
    def learner(self) -> StrategyLearner:
        return self.reader.learner

    @property
    def quick_reads(self) -> int:
        return self.reader.quick_reads

    @property
    def full_read_every(self) -> int:
        return self.reader.full_read_every

    # ---------------------------------------------------------------- discovery

    def absolute(self, path: str) -> str:
        """A config path ('/sitemap.xml') or URL made absolute against the base URL."""
        return urljoin(self.competitor.base_url, path)

    async def start(self) -> Any:
        if not self.discover:
            return
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        kind = self.discovery.kind
        if kind is DiscoveryKind.sitemap:
            assert self.discovery.sitemap_url is not None
            yield scrapy.Request(self.absolute(self.discovery.sitemap_url), self.parse_sitemap,
                                 priority=10, errback=self.discovery_failed)
        elif kind is DiscoveryKind.category:
            for url in self.discovery.start_urls:
                yield scrapy.Request(self.absolute(url), self.parse_category, priority=10,
                                     errback=self.discovery_failed)
        elif kind is DiscoveryKind.shopify:
            yield self.shopify_page(1)
        elif kind is DiscoveryKind.woocommerce:
            yield self.woo_page(1)
        else:
            for url in self.discovery.start_urls:
                request = self.product_request(self.absolute(url))
                if request is not None:
                    yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz served as a file, not Content-Encoding
            try:
                body = gunzip(body, max_size=SITEMAP_MAX_BYTES)
            except Exception as exc:
                self.logger.error("sitemap %s cannot be unpacked: %s", response.url, exc)
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:
            self.logger.error("sitemap %s cannot be read: %s", response.url, exc)
            return
        entries = sitemap_entries(sitemap)
        if sitemap.type == "sitemapindex":
            for entry in entries:
                if same_host(entry.loc, self.host):
                    yield scrapy.Request(entry.loc, self.parse_sitemap, priority=10,
                                         errback=self.discovery_failed)
            return
        stats = self.discovery_stats
        stats["sitemap_urls"] += len(entries)
        here = [e for e in entries if same_host(e.loc, self.host)]
        if len(here) < len(entries):
            self._off_host_sitemap(response.url, entries, len(entries) - len(here))
        locs, duplicates = pick_language_versions(here, self.language)
        stats["language_duplicates"] += duplicates
        lastmods = {e.loc: e.lastmod for e in here if e.lastmod}
        # Made all at once, so the number of product pages found is known before the
        # first one is fetched (automatic mode offloads a big shop from its first page).
        found: list[Any] = []
        for loc in locs:
            if self.pattern is not None and not self.pattern.search(loc):
                continue
            known = self.reusable(loc, "")
            if known is not None and unchanged_since(lastmods.get(loc), known.read_at):
                found.extend(self.confirmed(loc, "", known, f"sitemap lastmod {lastmods[loc]}"))
            else:
                found.append(self.product_request(loc))
        yield from (thing for thing in found if thing is not None)

    def _off_host_sitemap(self, url: str, entries: list[Any], off: int) -> None:
        hosts = sorted({urlsplit(e.loc).hostname or "?" for e in entries
                        if not same_host(e.loc, self.host)})
        self.discovery_stats["off_host_sitemap_urls"] += off
        message = (f"{off} of {len(entries)} sitemap URLs point to {', '.join(hosts[:3])}: "
                   f"check the shop's site domain (they are not crawled)")
        self.logger.warning("sitemap %s: %s", url, message)
        if len(self.discovery_errors) < 20:
            self.discovery_errors.append({"url": url, "reason": message})

    def parse_category(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        self.discovery_stats["listing_pages"] += 1
        links: list[str]
        if self.discovery.product_links:
            links = select_links(response, self.discovery.product_links)
        else:
            links = response.css("a::attr(href)").getall()
        for href in links:
            url = response.urljoin(href)
            if self.pattern is not None and not self.pattern.search(url):
                continue
            request = self.product_request(url)
            if request is not None:
                yield request
        if self.discovery.next_page:
            pages = [response.urljoin(h) for h in select_links(response, self.discovery.next_page)]
        else:
            pages = next_page_links(response)
        for url in pages[:1]:
            if same_host(url, self.host):
                yield scrapy.Request(url, self.parse_category, priority=10,
                                     errback=self.discovery_failed)

    def discovery_summary(self) -> dict[str, int]:
        """What discovery found and left out, for the run's stats; on a first run, a
        category crawl that found a single listing page per start URL is worth a look."""
        stats = self.discovery_stats
        if (self.discovery.kind is DiscoveryKind.category and self.first_run
                and 0 < stats["listing_pages"] <= len(self.discovery.start_urls)):
            message = (f"only {stats['listing_pages']} listing page(s) found from "
                       f"{len(self.discovery.start_urls)} start URL(s): no pagination was "
                       "recognised; set discovery.next_page if the shop has more pages")
            self.logger.warning(message)
            if not any(e.get("reason") == message for e in self.discovery_errors):
                self.discovery_errors.append({"url": self.discovery.start_urls[0],
                                              "reason": message})
        return dict(stats)

    def shopify_page(self, page: int) -> scrapy.Request:
        return scrapy.Request(self.absolute(f"products.json?limit={SHOPIFY_LIMIT}&page={page}"),
                              self.parse_shopify, cb_kwargs={"page": page}, priority=10,
                              errback=self.discovery_failed)

    def parse_shopify(self, response: Response, page: int) -> Iterator[Any]:
        products = _json(response).get("products") or []
        for product in products:
            if isinstance(product, dict):
                for listing in shopify_listings(product, self.competitor.base_url,
                                                self.competitor.currency):
                    yield from self.api_listing(listing)
        if products and len(products) >= SHOPIFY_LIMIT:
            yield self.shopify_page(page + 1)

    def woo_page(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.absolute(f"wp-json/wc/store/v1/products?per_page={WOO_PER_PAGE}&page={page}"),
            self.parse_woo, cb_kwargs={"page": page}, priority=10,
            errback=self.discovery_failed,
        )

    def parse_woo(self, response: Response, page: int) -> Iterator[Any]:
        items = _json_list(response)
        variable: list[int] = []
        for product in items:
            ids = woo_variation_ids(product)
            if ids:
                variable.extend(ids)  # one listing per variation, read below
                continue
            listing = woo_listing(product, response.url, self.competitor.currency)
            if listing is not None:
                yield from self.api_listing(listing)
        for start in range(0, len(variable), WOO_PER_PAGE):
            chunk = ",".join(str(i) for i in variable[start:start + WOO_PER_PAGE])
            yield scrapy.Request(
                self.absolute(f"wp-json/wc/store/v1/products?type=variation&include={chunk}"
                              f"&per_page={WOO_PER_PAGE}"),
                self.parse_woo_variations, priority=10, errback=self.discovery_failed)
        total = response.headers.get(b"X-WP-TotalPages")
        more = int(total) > page if total and total.isdigit() else len(items) >= WOO_PER_PAGE
        if items and more:
            yield self.woo_page(page + 1)

    def parse_woo_variations(self, response: Response) -> Iterator[Any]:
        for item in _json_list(response):
            listing = woo_listing(item, response.url, self.competitor.currency,
                                  variant=str(item.get("id") or ""))
            if listing is not None:
                yield from self.api_listing(listing)

    def api_listing(self, listing: ApiListing) -> Iterator[Any]:
        """A listing an API page shows: its product page is requested, or (a platform-API
        shop whose page reading is recent and whose API values have not changed) it is
        stored from the API with the last page reading's promotions and terms."""
        url, variant = listing.url, listing.variant
        if self.pattern is not None and not self.pattern.search(url):
            return
        known = self.known.get((url, variant))
        if not listing.page_shows_it:
            yield from self.api_item(url, variant, api_only(listing, self.competitor.terms))
            return
        moved = known is not None and changed(listing.product, known)
        if (not self.discovery.api_prices or known is None or listing.product.price is None
                or moved or due(url, variant, known.read_at, self.clock(),
                                self.discovery.page_refresh_days)):
            # API values that moved since the page reading: the page is read in full (a
            # 304 then would be the shop's ETag not following its own change)
            request = self.product_request(url, variant=variant, conditional=not moved)
            if request is not None:
                yield request
            return
        yield from self.api_item(url, variant, carried(listing, known))

    def api_item(self, url: str, variant: str, product: ExtractedProduct) -> Iterator[PageItem]:
        """A listing stored from an API page, without its product page."""
        key = (url, variant)
        if self.product_requests >= self.max_products or key in self.requested:
            return
        self.product_requests += 1
        self.requested.add(key)
        self.api_items += 1
        yield PageItem(url=url, variant=variant, fetched_at=self.clock(), http_status=200,
                       product=product, fetched_page=False)

    # ---------------------------------------------------------------- product pages

    def reusable(self, url: str, variant: str) -> Validators | None:
        """The listing's last full page reading, when tonight may rely on it
        (:func:`spiders.conditional.usable`)."""
        return usable(self.validators.get((url, variant)), url, variant, self.clock(),
                      self.discovery.full_read_days, self.competitor.currency)

    def confirmed(self, url: str, variant: str, known: Validators,
                  how: str) -> Iterator[PageItem]:
        """A listing whose sitemap `lastmod` is older than its last full page reading: the
        page is not fetched, that reading is stored again for tonight (the store copies
        it), marked not_modified."""
        key = (url, variant)
        if key in self.requested:
            return
        if self.product_requests >= self.max_products:
            self.left_out.add(key)
            return
        self.product_requests += 1
        self.requested.add(key)
        if key in self.done:
            return
        self.not_modified["sitemap_lastmod"] += 1
        yield PageItem(url=url, variant=variant, fetched_at=self.clock(),
                       http_status=0, fetched_page=False,
                       confirms=known.crawl_run_id,
                       not_modified=not_modified_reason(how, known.read_at))

    def product_request(self, url: str, variant: str = "",
                        conditional: bool = True) -> scrapy.Request | None:
        """A request for one product page, or None once `max_pages` is reached. With the
        validators of its last full reading when tonight may rely on it (`conditional`)."""
        key = (url, variant)
        if key in self.requested:
            return None
        if self.product_requests >= self.max_products:
            self.left_out.add(key)  # the run is truncated: say how many pages were left
            return None
        if not same_host(url, self.host):
            self.discovery_stats["off_host_links"] += 1
            return None
        self.product_requests += 1
        self.requested.add(key)
        if key in self.done:  # a resumed run stored it already
            return None
        self.outstanding.add(key)
        meta: dict[str, Any] = {"variant": variant, "handle_httpstatus_list": ACCEPTED_STATUSES,
                                "listing_url": url}
        headers: dict[str, str] = {}
        if self.competitor.render_js:
            meta.update(render_meta(self.competitor.render_wait_for))
        elif conditional and (known := self.reusable(url, variant)) is not None:
            headers = request_headers(known)
            if headers:  # a 304 then means: the reading of that run stands
                self.not_modified["conditional_requests"] += 1
                meta.update(confirms=known.crawl_run_id, confirms_since=known.read_at,
                            handle_httpstatus_list=[*ACCEPTED_STATUSES, 304])
        # The spider dedupes product URLs itself; dont_filter keeps a redirect back to an
        # already-seen URL (a redirect loop) from vanishing in the dupefilter without a trace:
        # it then ends in an errback as "max redirections reached".
        # In a distributed run the shared filter must see them: another worker may find the
        # same product on another category page.
        return scrapy.Request(url, self.parse_product, errback=self.product_failed, meta=meta,
                              headers=headers or None, dont_filter=not self.shared_queue)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> CompetitorSpider:
        spider: CompetitorSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.reader.full_read_every = max(
            1, crawler.settings.getint("PRICEWATCH_FULL_READ_EVERY", 1))
        spider.clock_offset_s = crawler.settings.getfloat("PRICEWATCH_CLOCK_OFFSET_S", 0.0)
        spider.shared_queue = crawler.settings.getbool("PRICEWATCH_DISTRIBUTED", False)
        tune_gc(crawler.settings.getint("PRICEWATCH_GC_GEN0", 0))
        workers, spider.offload_from = extract_workers(
            crawler.settings.getint("PRICEWATCH_EXTRACT_WORKERS", -1))
        if workers > 0:
            spider.pool = ExtractPool(workers, spider.worker_setup, spider.worker_read,
                                      spider.read_here)
            if spider.offload_from > 0:  # automatic mode
                spider.spare_cpu = SpareCpu()
            crawler.signals.connect(spider.keep_open_for_answers, signal=signals.spider_idle)
            crawler.signals.connect(spider.stop_offloading, signal=signals.spider_closed)
        return spider

    # ---------------------------------------------------------------- reading

    def worker_setup(self) -> tuple[Any, ...]:
        """What a worker's page reader starts from: this competitor, the fast path learned
        so far, the sampling setting."""
        return (self.competitor, self.learner.prefer, self.full_read_every)

    def read_here(self, page: Page, reason: str | None = None) -> None:
        """Read a page in this process. Called by the pool, with the reason, for a page no
        worker could read; its draft then goes straight to the store pipeline."""
        started = time.perf_counter()
        self.reader.read(page.item, page.body)
        self.extract_seconds += time.perf_counter() - started
        if reason is not None:
            self.logger.debug("page %s read in the crawl process: %s", page.item.url, reason)
            if not page.item.product_page:
                self.discovery_stats["not_product_pages"] += 1
            elif self.draft_sink is not None:
                self.draft_sink(draft_from(page.item, self.competitor))

    def offloading(self) -> bool:
        """The next page goes to the extraction worker: there is one, alive and not too far
        behind (else this process reads the page: both cores read), the store pipeline
        takes drafts straight from it, and (automatic mode) the shop is big enough."""
        return (self.pool is not None and self.draft_sink is not None and self.pool.alive
                and self.pool.has_room and self.product_requests >= self.offload_from
                and self._core_to_spare())

    def _core_to_spare(self) -> bool:
        """Automatic mode, once: was a core idle while the crawl got going? If not, every
        page is read here (the worker is never started); until it is known, pages are
        read here too."""
        spare = self.spare_cpu
        if spare is None:
            return True
        if not spare.ready:
            return False
        self.spare_cpu = None
        cores = spare.cores()
        if cores is not None and cores < SPARE_CORES_MIN:
            self.offload_note = (f"no extraction worker: {cores:.2f} of "
                                 f"{os.cpu_count() or 1} cores idle when the crawl started")
            self.logger.info("%s; every page is read in the crawl process", self.offload_note)
            self.pool = None
            return False
        return True

    def worker_read(self, answer: Answer) -> None:
        """A page the worker read: tallied here, its draft straight to the store pipeline."""
        self.extract_seconds += answer.seconds
        self.worker_pages += 1
        self.reader.count(answer.observed, answer.extractor, answer.quick)
        if answer.draft is not None and not answer.draft.product_page:
            self.discovery_stats["not_product_pages"] += 1
        elif self.draft_sink is not None:
            if answer.draft.validators is not None:  # the worker never sees the headers
                item = answer.page.item
                answer.draft.validators = (item.etag, item.last_modified)
            self.draft_sink(answer.draft)

    def keep_open_for_answers(self) -> None:
        """spider_idle: Scrapy has nothing left to fetch, but pages may still be with the
        worker. A `data:` request whose callback reads them too (`await_answers`) keeps
        the spider open exactly until the last one is read."""
        if self.pool is None or self.pool.in_flight == 0 or self.draining:
            return
        self.draining = True
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(scrapy.Request("data:,", self.await_answers,
                                                 dont_filter=True, priority=-1000))
        raise DontCloseSpider("pages are still being read by the extraction worker")

    async def await_answers(self, response: Response) -> None:
        """Read the newest pages the worker still holds while it reads the oldest (the
        answers that come in between are taken as usual), until none is left."""
        from twisted.internet import reactor, task

        assert self.pool is not None
        while (page := self.pool.take_back()) is not None:
            self.read_here(page, "read in the crawl process at the end of the crawl")
            # one turn of the reactor: the worker's answers come in meanwhile
            await maybe_deferred_to_future(task.deferLater(reactor, 0, lambda: None))
        self.draining = False

    def stop_offloading(self, spider: scrapy.Spider) -> None:
        """spider_closed: no draft is taken after the pipeline closed the run."""
        self.draft_sink = None
        if self.pool is not None:
            self.pool.close()

    def parse_product(self, response: Response) -> Iterable[PageItem | FetchFailure]:
        """One product page: an item read here, or nothing when the page went to the
        extraction worker (its draft reaches the store pipeline from there). A plain
        function, not a coroutine: Scrapy's machinery for awaiting a callback costs more
        per page than handing the page over does."""
        variant = response.meta.get("variant", "")
        url = response.meta.get("listing_url") or response.url
        first = (url, variant) in self.outstanding or self.shared_queue
        self.outstanding.discard((url, variant))
        if response.status == 304:
            return self.not_modified_answer(response, url, variant)
        item = PageItem(url=url, variant=variant, fetched_at=self.clock(),
                        http_status=response.status,
                        rendered=bool(response.meta.get("playwright")))
        if response.status == 200:
            item.etag = _header(response, b"ETag")
            item.last_modified = _header(response, b"Last-Modified")
        body = response.body
        item.gone = gone_reason(response.status)
        if item.gone is None:
            item.blocked = blocked_reason(response.status, b"")
        if item.gone is None and item.blocked is None:
            if first and self.offloading():
                assert self.pool is not None
                self.pool.submit(item, body)
                self.worker_sent += 1
                return ()
            self.read_here(Page(item, body))
            if not item.product_page:
                self.discovery_stats["not_product_pages"] += 1
                return ()
        return (item,)

    def not_modified_answer(self, response: Response, url: str,
                            variant: str) -> Iterable[PageItem | FetchFailure]:
        """A 304 to a conditional request: the reading it was sent for stands tonight."""
        run_id = response.meta.get("confirms")
        if run_id is None:  # never asked for: nothing to rely on
            return (FetchFailure(url=url, variant=variant, outcome="error",
                                 reason="HTTP 304 Not Modified to a request without validators"),)
        self.not_modified["http_304"] += 1
        since = response.meta["confirms_since"]
        return (PageItem(url=url, variant=variant, fetched_at=self.clock(), http_status=304,
                         fetched_page=False, confirms=run_id,
                         not_modified=not_modified_reason("HTTP 304", since)),)

    def discovery_failed(self, failure: Failure) -> None:
        """A sitemap, category page or API page that could not be read: kept for the run's
        stats (a run that found nothing says why)."""
        request = failure.request  # type: ignore[attr-defined]
        _outcome, reason = describe_failure(failure)
        self.logger.warning("discovery page %s failed: %s", request.url, reason)
        if len(self.discovery_errors) < 20:
            self.discovery_errors.append({"url": request.url, "reason": reason})

    def product_failed(self, failure: Failure) -> Iterator[FetchFailure]:
        request = failure.request  # type: ignore[attr-defined]
        outcome, reason = describe_failure(failure)
        url = request.meta.get("listing_url") or request.url
        variant = request.meta.get("variant", "")
        self.outstanding.discard((url, variant))
        yield FetchFailure(url=url, variant=variant, outcome=outcome, reason=reason)


def tune_gc(gen0: int) -> None:
    """Make the cyclic garbage collector run less often during a crawl (0: leave it).

    Scrapy keeps every queued request alive (a sitemap of 5,000 products is 5,000
    requests with their meta and headers), and with Python's default threshold of 700
    allocations the collector runs over a thousand times per such crawl, often walking
    all of them: about a fifth of a bare crawl's time on the bench. Objects that exist
    when the crawl starts (Scrapy, settings, config) are frozen out of the collector's
    way; plain reference counting still frees almost everything at once.
    """
    if gen0 <= 0:
        return
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0, gen1, gen2)


AUTO_OFFLOAD_FROM = 1000
"""In automatic mode, pages go to an extraction worker once the crawl has found this many
product pages: a shop of a few hundred is done before a worker would pay for starting."""


def extract_workers(setting: int, cpus: int | None = None) -> tuple[int, int]:
    """(worker processes, product pages found before the worker is used) for
    `PRICEWATCH_EXTRACT_WORKERS`: -1 is automatic (one worker for a crawl that has found
    `AUTO_OFFLOAD_FROM` product pages, on a machine with a second core), 0 reads every page
    in the crawl process, N > 0 uses N workers from the first page."""
    if setting >= 0:
        return setting, 0
    cpus = cpus if cpus is not None else (os.cpu_count() or 1)
    return (1, AUTO_OFFLOAD_FROM) if cpus >= 2 else (0, 0)


def describe_failure(failure: Failure) -> tuple[str, str]:
    """(outcome, reason) for a product request that never produced a usable response."""
    from scrapy.exceptions import IgnoreRequest
    from scrapy.spidermiddlewares.httperror import HttpError

    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return "error", f"HTTP {status} from the shop (after retries)"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text.lower():
            return "robots_disallowed", "disallowed by robots.txt"
        if "redirect" in text.lower():
            return "error", f"redirect loop or too many redirects ({text})"
        return "error", f"request ignored: {text}"
    return "error", f"{type(exc).__name__}: {exc}"[:300]


def render_meta(wait_for: str | None = None) -> dict[str, Any]:
    """Request meta that sends a product page through the browser (scrapy-playwright).

    With `wait_for` (a CSS selector the shop sets once its price is drawn) the page is
    read as soon as it appears; otherwise after the network has been idle for 500 ms.
    """
    if wait_for is None:
        return {
            "playwright": True,
            "playwright_page_goto_kwargs": {"wait_until": "networkidle", "timeout": 30_000},
        }
    from scrapy_playwright.page import PageMethod

    return {
        "playwright": True,
        "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded", "timeout": 30_000},
        "playwright_page_methods": [
            PageMethod("wait_for_selector", wait_for, state="attached", timeout=15_000)
        ],
    }


def _header(response: Response, name: bytes) -> str | None:
    """A response header as text (validators are sent back exactly as received)."""
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


def _json(response: Response) -> dict[str, Any]:
    try:
        data = json.loads(response.body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _json_list(response: Response) -> list[dict[str, Any]]:
    try:
        data = json.loads(response.body)
    except ValueError:
        return []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []
