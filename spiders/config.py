"""The competitors file (`competitors.yaml`): typed, validated, with messages that name
the file, the competitor and the field.

The spiders read it to know where and how to crawl; the CLI checks it
(`pricewatch competitors check FILE`). It is plain data: no I/O beyond reading the file.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from storage.money import is_iso_currency

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ConfigError(ValueError):
    """A competitors file that cannot be used; the message says where and how to fix it."""


class DiscoveryKind(StrEnum):
    """How the spider finds product pages."""

    sitemap = "sitemap"
    """Read `sitemap_url` (sitemap index or urlset); product URLs are those matching `link_pattern`."""
    category = "category"
    """Start at `start_urls`, follow `product_links` and the `next_page` pagination link."""
    shopify = "shopify"
    """Page through the Shopify `/products.json` API; one listing per variant."""
    woocommerce = "woocommerce"
    """Page through the WooCommerce Store API `/wp-json/wc/store/v1/products`."""
    start_urls = "start_urls"
    """Product pages listed directly in `start_urls`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Politeness(_Strict):
    """How hard we may hit a shop. Defaults are polite; override per competitor."""

    user_agent: str = "pricewatch/0.1 (+https://github.com/pricewatch/pricewatch)"
    obey_robots: bool = True
    concurrency_per_domain: int = Field(4, ge=1, le=64)
    download_delay: float = Field(0.0, ge=0, le=60)
    autothrottle: bool = True
    timeout_s: float = Field(20, gt=0, le=600)
    retries: int = Field(2, ge=0, le=10)
    max_page_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    proxy: str | None = None


class PolitenessOverride(_Strict):
    """Per-competitor politeness: only the fields given replace the defaults."""

    user_agent: str | None = None
    obey_robots: bool | None = None
    concurrency_per_domain: int | None = Field(None, ge=1, le=64)
    download_delay: float | None = Field(None, ge=0, le=60)
    autothrottle: bool | None = None
    timeout_s: float | None = Field(None, gt=0, le=600)
    retries: int | None = Field(None, ge=0, le=10)
    max_page_bytes: int | None = Field(None, ge=1024)
    proxy: str | None = None


class Discovery(_Strict):
    kind: DiscoveryKind
    sitemap_url: str | None = None
    start_urls: list[str] = Field(default_factory=list)
    product_links: str | None = None
    link_pattern: str | None = None
    next_page: str | None = None
    max_pages: int = Field(50_000, ge=1, le=1_000_000)
    """Most product pages (listings) one crawl requests: the default fits a real shop of
    tens of thousands of products; a crawl that reaches it stops there."""
    product_pages: Literal["every_night", "when_changed"] | None = None
    """Shopify/WooCommerce: `when_changed` (their default) reads prices from the platform
    API and fetches a product page only when the product is new, its API values changed
    or its last page reading is older than `page_refresh_days`; `every_night` fetches
    every product page every night."""
    page_refresh_days: int = Field(14, ge=1, le=365)
    full_read_days: int = Field(7, ge=0, le=365)
    """A product page read in full is asked for again with its validators (`If-None-Match`
    / `If-Modified-Since`), and left unfetched when the sitemap's `lastmod` is older than
    that reading; a `304` (or such a `lastmod`) stores the last reading again, marked
    `not_modified`. After 1 to `full_read_days` days (fixed per page, spread over the
    days) the page is fetched unconditionally and read in full again, in case the shop's
    `ETag`/`lastmod` did not follow a change. 0 turns conditional fetching off."""

    @property
    def api_prices(self) -> bool:
        """Prices are read from the platform API (pages only when needed)."""
        return self.kind in (DiscoveryKind.shopify, DiscoveryKind.woocommerce) and (
            self.product_pages in (None, "when_changed"))

    @field_validator("link_pattern")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _kind_needs(self) -> Self:
        if self.kind is DiscoveryKind.sitemap and not self.sitemap_url:
            raise ValueError("kind 'sitemap' needs sitemap_url (e.g. /sitemap.xml)")
        if self.kind in (DiscoveryKind.category, DiscoveryKind.start_urls) and not self.start_urls:
            raise ValueError(f"kind '{self.kind.value}' needs start_urls")
        if self.kind is DiscoveryKind.category and not (self.product_links or self.link_pattern):
            raise ValueError("kind 'category' needs product_links (a selector) or link_pattern")
        return self


SELECTOR_FIELDS = frozenset(
    {
        "title", "price", "regular_price", "currency", "availability", "sku", "gtin", "mpn",
        "brand", "promotions", "shipping", "delivery", "warranty", "returns",
    }
)


class Terms(_Strict):
    """Terms the shop states site-wide; used where a product page says nothing."""

    shipping_cost: Decimal | None = Field(None, ge=0)
    free_shipping_threshold: Decimal | None = Field(None, ge=0)
    delivery_min_days: int | None = Field(None, ge=0, le=365)
    delivery_max_days: int | None = Field(None, ge=0, le=365)
    warranty_months: int | None = Field(None, ge=0, le=240)
    returns_days: int | None = Field(None, ge=0, le=365)

    @model_validator(mode="after")
    def _delivery_order(self) -> Self:
        lo, hi = self.delivery_min_days, self.delivery_max_days
        if lo is not None and hi is not None and lo > hi:
            raise ValueError("delivery_min_days is larger than delivery_max_days")
        return self


class Quality(_Strict):
    """Data-quality limits for this competitor's observations."""

    max_price_jump: Decimal = Field(Decimal(3), gt=1)
    """A new price more than this factor above or below the last good one is quarantined."""
    suspect_drop: Decimal = Field(Decimal("0.5"), gt=0, lt=1)
    """A run whose yield or fill-rate falls below this share of recent runs is suspect."""


class Competitor(_Strict):
    name: str
    display_name: str | None = None
    base_url: str
    country: str | None = None
    currency: str
    locale: str | None = None
    enabled: bool = True
    discovery: Discovery
    selectors: dict[str, str] = Field(default_factory=dict)
    render_js: bool = False
    render_wait_for: str | None = None
    """With render_js: a CSS selector that appears once the page has drawn its price
    (e.g. `body[data-price-ready]`). Without it the browser waits for the network to be
    idle, which is safe but costs about half a second a page."""
    terms: Terms = Field(default_factory=Terms)
    politeness: PolitenessOverride = Field(default_factory=PolitenessOverride)
    quality: Quality = Field(default_factory=Quality)

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("use lower-case letters, digits, '-' and '_' (e.g. 'my-shop')")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must start with http:// or https:// and name a host")
        return value if value.endswith("/") else value + "/"

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not is_iso_currency(code):
            raise ValueError(f"'{value}' is not an ISO 4217 currency code (e.g. EUR, BGN, USD)")
        return code

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[A-Z]{2}$", value):
            raise ValueError("use an ISO 3166 alpha-2 code such as BG or DE")
        return value

    @field_validator("selectors")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - SELECTOR_FIELDS)
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(SELECTOR_FIELDS))}"
            )
        return value

    @property
    def label(self) -> str:
        return self.display_name or self.name


class CompetitorsFile(_Strict):
    defaults: Politeness = Field(default_factory=Politeness)
    competitors: list[Competitor]

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        seen: set[str] = set()
        for comp in self.competitors:
            if comp.name in seen:
                raise ValueError(f"competitor name '{comp.name}' is used twice")
            seen.add(comp.name)
        return self

    def politeness_for(self, competitor: Competitor) -> Politeness:
        """The defaults with the competitor's overrides laid over them."""
        override = {k: v for k, v in competitor.politeness.model_dump().items() if v is not None}
        return self.defaults.model_copy(update=override)

    def get(self, name: str) -> Competitor:
        for comp in self.competitors:
            if comp.name == name:
                return comp
        known = ", ".join(c.name for c in self.competitors)
        raise ConfigError(f"no competitor named '{name}' (known: {known})")


def _where(path: Path, data: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into 'competitor 'x', field discovery.kind'."""
    parts: list[str] = []
    rest = list(loc)
    if len(rest) >= 2 and rest[0] == "competitors" and isinstance(rest[1], int):
        index = rest[1]
        name = None
        try:
            name = data["competitors"][index].get("name")
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        parts.append(f"competitor #{index + 1}" + (f" '{name}'" if name else ""))
        rest = rest[2:]
    if rest:
        parts.append("field " + ".".join(str(p) for p in rest))
    return f"{path}: " + ", ".join(parts) if parts else str(path)


def parse_competitors(text: str, path: Path | str = "<competitors>") -> CompetitorsFile:
    """Parse and validate a competitors file's text; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or "competitors" not in data:
        raise ConfigError(f"{path}: expected a mapping with a 'competitors:' list at the top")
    try:
        return CompetitorsFile.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{_where(path, data, err['loc'])}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        ]
        raise ConfigError("\n".join(lines)) from None


def load_competitors(path: Path | str) -> CompetitorsFile:
    """Read and validate a competitors file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the competitors file ({exc.strerror})") from None
    return parse_competitors(text, path)
