"""Scrapy settings shared by every crawl; per-competitor politeness is laid over them by
`spiders.runner.crawl_settings` from `competitors.yaml`.

Polite by default: robots.txt obeyed, an honest user agent, a per-domain concurrency
limit, AutoThrottle, retries with exponential backoff, a download size limit, timeouts.
"""

import os

BOT_NAME = "pricewatch"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

USER_AGENT = "pricewatch/0.1 (+https://github.com/pricewatch/pricewatch)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.0
CONCURRENT_ITEMS = 4
"""Scrapy starts this many asyncio tasks for *every* callback's output (2.13+); the default
100 costs more than the page itself when a callback yields one item (measured by
bench/crawl.py: bare crawl 280 -> see the bench's figures)."""
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 10

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0
"""Seconds before the first retry; doubled for each further one (Retry-After is honoured
up to RETRY_BACKOFF_MAX)."""
RETRY_BACKOFF_MAX = 30.0
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
"""Giving up is an expected outcome (counted per page with its reason), not a crash."""

HTTPCACHE_ENABLED = False
"""Scrapy's HTTP cache stays off (its default): with it, a page would come from the cache
and its RFC 2616 policy would send its own validators and turn a 304 into the cached
page, so a night would neither see the 304 nor know which reading it confirms. pricewatch
does conditional requests itself (spiders.conditional, `discovery.full_read_days`)."""

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    "spiders.middlewares.ProxyMiddleware": 740,
}

SPIDER_MIDDLEWARES = {
    # Each spider middleware wraps every callback's output, items included; these two do
    # nothing for us (no depth limit is used; the meta-copy check is a development aid),
    # and together cost more per product page than storing it (bench/crawl.py).
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

ITEM_PIPELINES = {
    "spiders.pipelines.ValidatePipeline": 100,
    "spiders.pipelines.StorePipeline": 800,
}

TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
LOG_LEVEL = "WARNING"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

PRICEWATCH_FULL_READ_EVERY = 1
"""1: every product page is read in full (promotions, terms, struck prices). N > 1: once
a shop's fast path is learned, only every Nth page is read in full and the others from
structured data alone; those readings store promotions and terms as NULL (not read) and
say so in `reason`. Faster (see bench/crawl.py), but promotions and terms are then only
seen on the sampled pages: leave it at 1 unless a large shop must be crawled quickly."""

PRICEWATCH_EXTRACT_WORKERS = -1
"""Extraction worker processes per crawl. -1 (automatic): on a machine with two or more
cores, a crawl that has found 1,000 product pages or more hands them to one worker process,
which reads and validates them and sends the drafts back to the store pipeline (a shop of
a few hundred stays in one process); 0: every page is read in the crawl process; N > 0: N
workers from the first page. See spiders/offload.py; bench/crawl.py measures the modes."""

PRICEWATCH_GC_GEN0 = 50_000
"""Allocations between two runs of Python's cyclic garbage collector during a crawl
(Python's default is 700; 0 leaves it). A crawl keeps thousands of queued requests alive,
and the default made the collector take about a fifth of a bare crawl's time on the
bench (spiders/spiders/competitor.py: tune_gc)."""

PRICEWATCH_BATCH_SIZE = 500
"""Pages per write transaction."""

CHROMIUM_PATH = os.environ.get("PRICEWATCH_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium, the only browser used for render_js competitors (never downloaded);
PRICEWATCH_CHROMIUM names another path (a test points it at nothing to see a JS shop skipped)."""
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
