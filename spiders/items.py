"""What the spider hands to the pipelines: one item per product page (or per failed fetch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from spiders.extraction.model import ExtractedProduct


@dataclass(slots=True, kw_only=True)
class PageItem:
    """A product page that answered (any HTTP status the spider accepts)."""

    url: str
    """The listing's URL as discovered (not the page's canonical)."""
    variant: str = ""
    """The shop's variant id for per-variant listings, '' otherwise."""
    fetched_at: datetime
    http_status: int
    product: ExtractedProduct | None = None
    """What extraction read; None for block pages and 404/410."""
    blocked: str | None = None
    """Why the page is a block wall (403/429/captcha)."""
    gone: str | None = None
    """Why the product is not there (404/410)."""
    page_hash: str | None = None
    rendered: bool = False
    """Fetched through the browser (render_js competitors)."""
    product_page: bool = True
    """False when discovery without hints fetched a page that is no product page
    (category, home, search): it is counted, never stored."""
    quick: bool = False
    """Read from structured data only (PRICEWATCH_FULL_READ_EVERY > 1): promotions, terms
    and the struck-through price were not read from the page's wording."""
    etag: str | None = None
    last_modified: str | None = None
    """The validators a 200 answer came with (sent back on the next crawl)."""
    fetched_page: bool = True
    """False for a listing stored from a platform API page without fetching its own page
    (its page validators are left as they are)."""
    confirms: int | None = None
    """The page was not fetched or not sent again because it has not changed (HTTP 304,
    or a sitemap `lastmod` older than its last full reading): the crawl run of the reading
    that stands, which the store copies (storage.repos.validators)."""
    not_modified: str | None = None
    """Why the page counts as unchanged (stored as the observation's reason)."""


@dataclass(slots=True, kw_only=True)
class FetchFailure:
    """A product page that could not be fetched at all: no observation, counted with a reason."""

    url: str
    variant: str = ""
    outcome: str
    """`error` (5xx after retries, redirect loop, timeout) or `robots_disallowed`."""
    reason: str
