"""What the spider tells the extraction library about a competitor, and the fast path it learns.

Trying every strategy on every page is too slow for a 5,000-page shop (issue 4's bench):
the strategy whose price won on most pages is passed as `ExtractionHints.prefer`, so the
extractor tries it first and stops early when it gives a complete answer, while still
falling back to the others on a page where it does not.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

from spiders.config import Competitor, DiscoveryKind
from spiders.extraction import ExtractedProduct, ExtractionHints, extract
from spiders.items import PageItem
from spiders.quality import blocked_reason

STRATEGY_NAMES = ("jsonld", "microdata", "rdfa", "opengraph", "platform", "heuristic")
"""Every fast path a crawl can learn (`ExtractionHints.prefer`); none may change an answer."""

LEARN_AFTER = 20
"""Pages read before the run's own winner replaces the one learned from the last run."""


class StrategyLearner:
    """Counts which extraction strategy found the price and proposes it as the fast path."""

    def __init__(self, prefer: str | None = None) -> None:
        self.initial = prefer
        self.wins: Counter[str] = Counter()
        self.misses = 0
        self._prefer = prefer

    @property
    def prefer(self) -> str | None:
        return self._prefer

    def observe(self, extractor: str | None) -> None:
        """Record the strategy that gave a page's price (None: no price found)."""
        if extractor is None:
            self.misses += 1
            return
        self.wins[strategy_family(extractor)] += 1
        total = sum(self.wins.values())
        if total == LEARN_AFTER or (total > LEARN_AFTER and total % 200 == 0):
            self._prefer = self.wins.most_common(1)[0][0]

    def best(self) -> str | None:
        """The strategy that won most often this run (what the next run should prefer)."""
        if not self.wins:
            return self.initial
        return self.wins.most_common(1)[0][0]


def strategy_family(extractor: str) -> str:
    """'platform:shopify' -> 'platform', 'jsonld+variant' -> 'jsonld' (the extractor's
    `prefer` takes the family)."""
    return extractor.split(":", 1)[0].split("+", 1)[0]


def unhinted(competitor: Competitor) -> bool:
    """Discovery that cannot tell product pages from others by itself: a sitemap read
    without `link_pattern` (it also lists category, home and search pages)."""
    discovery = competitor.discovery
    return discovery.kind is DiscoveryKind.sitemap and not discovery.link_pattern


def hints_for(competitor: Competitor, prefer: str | None = None,
              read_text: bool = True) -> ExtractionHints:
    """The hints for one competitor's pages (the spider builds them once per `prefer`)."""
    terms = competitor.terms
    language = competitor.locale.split("_")[0].split("-")[0] if competitor.locale else None
    return ExtractionHints(
        currency=competitor.currency,
        language=language,
        selectors=dict(competitor.selectors),
        prefer=prefer,
        shipping_cost=terms.shipping_cost,
        free_shipping_threshold=terms.free_shipping_threshold,
        delivery_min_days=terms.delivery_min_days,
        delivery_max_days=terms.delivery_max_days,
        warranty_months=terms.warranty_months,
        returns_days=terms.returns_days,
        read_text=read_text,
        detect_page_kind=unhinted(competitor),
    )


def read_page(body: bytes, url: str, hints: ExtractionHints,
              full_hints: ExtractionHints, today: date | None = None) -> tuple[ExtractedProduct, bool]:
    """(product, quick). `hints` with ``read_text=False`` is a quick read (structured data
    only); a quick read that finds no price is redone in full with `full_hints`. `today`
    is the crawl's own date (dates written without a year are read against it)."""
    quick = not hints.read_text
    product = extract(body, url, hints, today=today)
    if quick and product.price is None:
        return extract(body, url, full_hints, today=today), False
    return product, quick


def read_item(item: PageItem, body: bytes, hints: ExtractionHints,
              full_hints: ExtractionHints) -> tuple[bool, str | None]:
    """Read a product page that answered into its item: page hash, product and quick flag,
    or the block wall it turned out to be (a wall answering 200 has no price: only then is
    the body sniffed for one). The same steps run in the crawl process and in an
    extraction worker.

    Returns (whether the page tells the strategy learner anything, the extractor that
    found the price or None): a wall tells it nothing, a page without a price a miss.
    """
    item.page_hash = hashlib.blake2b(body, digest_size=16).hexdigest()
    product, item.quick = read_page(body, item.url, hints, full_hints, item.fetched_at.date())
    if product.price is None:
        item.blocked = blocked_reason(item.http_status, body)
    if item.blocked is not None:
        return False, None
    item.product = product
    if product.page_kind not in (None, "product"):
        item.product_page = False
        return False, None
    return True, product.extractor if product.price is not None else None


class PageReader:
    """Reads one competitor's product pages the way a crawl does.

    The strategy learned so far is the fast path (`ExtractionHints.prefer`); with
    `full_read_every` = N > 1, once a fast path is known only every Nth page is read in
    full and the others quickly (structured data only). The spider has one, and so has
    each extraction worker: a worker learns from the pages it reads just as the spider
    would, instead of waiting for answers to travel back before it can take the fast path.
    """

    def __init__(self, competitor: Competitor, prefer: str | None = None,
                 full_read_every: int = 1) -> None:
        self.competitor = competitor
        self.learner = StrategyLearner(prefer)
        self.full_read_every = max(1, full_read_every)
        self.pages = 0
        self.quick_reads = 0
        self._hints: dict[tuple[str | None, bool], ExtractionHints] = {}

    def hints(self, prefer: str | None, quick: bool = False) -> ExtractionHints:
        found = self._hints.get((prefer, quick))
        if found is None:
            found = self._hints[(prefer, quick)] = hints_for(self.competitor, prefer,
                                                             read_text=not quick)
        return found

    def next_hints(self) -> tuple[ExtractionHints, ExtractionHints]:
        """(hints, full-read hints) for the next page."""
        self.pages += 1
        prefer = self.learner.prefer
        quick = (self.full_read_every > 1 and prefer is not None
                 and self.pages % self.full_read_every != 0)
        return self.hints(prefer, quick), self.hints(prefer)

    def read(self, item: PageItem, body: bytes) -> tuple[bool, str | None]:
        """`read_item` with the next hints, counted (see `count`)."""
        observed, extractor = read_item(item, body, *self.next_hints())
        self.count(observed, extractor, item.quick)
        return observed, extractor

    def count(self, observed: bool, extractor: str | None, quick: bool) -> None:
        """Tally one reading: quick reads, and the learner's wins and misses."""
        if quick:
            self.quick_reads += 1
        if observed:
            self.learner.observe(extractor)
