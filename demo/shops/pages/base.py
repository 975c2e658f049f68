"""The base class of a demo shop site: listings, dispatch, robots.txt, sitemaps, pagination."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from xml.sax.saxutils import escape as xml_escape

from demo.shops.assortment import shop_pids
from demo.shops.pages.common import Listing, Response
from demo.shops.simulation import Offer, shop_offers, shown_offers
from demo.shops.spec import SHOPS, ShopSpec
from demo.shops.universe import Product, build_universe

PER_PAGE = 24


@dataclass(frozen=True)
class Request:
    """What a shop needs to answer: the path, the query, its own base URL and the day."""

    path: str
    query: dict[str, str]
    base_url: str  # "http://127.0.0.1:8701/" (from the Host header)
    day: int
    drift: bool = False  # the price block is gone from most product pages

    def absolute(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


@dataclass(frozen=True)
class Identifiers:
    """What a product page shows about the product's identity."""

    title: str
    sku: str | None
    gtin: str | None
    mpn: str | None
    brand: str | None


class ShopSite:
    """A shop: routes requests to pages built from the day's offers."""

    name = ""
    robots_disallow: tuple[str, ...] = ("/cart", "/checkout", "/private/", "/__control/")
    has_sitemap = True
    per_page = PER_PAGE
    sale_badge = False  # the page shows a valueless "Sale" badge whenever there is an old price

    def __init__(self, seed: int = 42) -> None:
        self.seed = seed
        self.spec: ShopSpec = SHOPS[self.name]
        self.universe = build_universe(seed)

    # ------------------------------------------------------------ catalogue

    @cached_property
    def products(self) -> list[Product]:
        return [self.universe[pid] for pid in shop_pids(self.name, self.seed)]

    def product_path(self, product: Product) -> str:
        """Path of a product's page (overridden per shop)."""
        raise NotImplementedError

    @cached_property
    def listings(self) -> list[Listing]:
        """Every product page, one per product (variant pages for Shopify)."""
        return [Listing(self.product_path(p), p) for p in self.products]

    @cached_property
    def listing_by_path(self) -> dict[str, Listing]:
        return {listing.path: listing for listing in self.listings}

    @cached_property
    def index_by_path(self) -> dict[str, int]:
        return {listing.path: index for index, listing in enumerate(self.listings)}

    def listing_for(self, path: str, query: dict[str, str]) -> tuple[int, Listing] | None:
        """The product page a request asks for, with its position in `listings`."""
        index = self.index_by_path.get(path)
        return None if index is None else (index, self.listings[index])

    @cached_property
    def by_category(self) -> dict[str, list[Product]]:
        groups: dict[str, list[Product]] = {}
        for product in self.products:
            groups.setdefault(product.category.slug, []).append(product)
        return groups

    def offers(self, day: int) -> dict[int, Offer]:
        """The offers as the pages show them (leva on a laggard's leva days)."""
        return shown_offers(self.name, day, self.seed)

    def stored_offers(self, day: int) -> dict[int, Offer]:
        """The offers as a correct crawl stores them (in the shop's currency)."""
        return shop_offers(self.name, day, self.seed)

    def identifiers(self, listing: Listing) -> Identifiers:
        """What the page shows as title and identifiers (truth uses this)."""
        raise NotImplementedError

    def related(self, product: Product, count: int = 4) -> list[Product]:
        """Other products of the same category, for the 'related products' carousel."""
        same = [p for p in self.by_category[product.category.slug] if p.pid != product.pid]
        start = product.pid % max(1, len(same))
        picked = (same[start:] + same[:start])[:count]
        return picked

    # ------------------------------------------------------------ routing

    def handle(self, request: Request) -> Response:
        """Answer a request (robots.txt here, the rest in `route`)."""
        if request.path == "/robots.txt":
            return Response.text(self.robots_txt(request))
        return self.route(request)

    def route(self, request: Request) -> Response:
        raise NotImplementedError

    def robots_txt(self, request: Request, extra: tuple[str, ...] = ()) -> str:
        lines = ["User-agent: *"]
        lines += [f"Disallow: {path}" for path in (*self.robots_disallow, *extra)]
        lines += ["", "User-agent: BadBot", "Disallow: /", ""]
        if self.has_sitemap:
            lines.append(f"Sitemap: {request.absolute('/sitemap.xml')}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def urlset(urls: list[str], lastmod: str | None = None) -> Response:
        items = "".join(
            f"<url><loc>{xml_escape(u)}</loc>"
            + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
            + "</url>\n"
            for u in urls
        )
        return Response.xml(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{items}</urlset>\n"
        )

    @staticmethod
    def sitemap_index(urls: list[str]) -> Response:
        items = "".join(f"<sitemap><loc>{xml_escape(u)}</loc></sitemap>\n" for u in urls)
        return Response.xml(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{items}</sitemapindex>\n"
        )

    def category(self, request: Request, slug: str, page: int) -> Response:
        """One page of a category listing (shops with category pages override this)."""
        return Response.not_found()

    def product(self, request: Request, listing: Listing) -> Response:
        """A product page (every shop overrides this)."""
        return Response.not_found()

    def category_or_product(self, request: Request, prefix: str) -> Response:
        """Category pages under `prefix` (with ?page=N), product pages, 404 for the rest."""
        path = request.path
        if path.startswith(prefix):
            slug = path[len(prefix):].strip("/")
            page = self.page_number(request)
            if slug not in self.by_category or page is None:
                return Response.not_found()
            return self.category(request, slug, page)
        if path in self.listing_by_path:
            return self.product(request, self.listing_by_path[path])
        return Response.not_found()

    @staticmethod
    def page_number(request: Request) -> int | None:
        """The ?page=N value (1 when absent), None when it is not a positive number."""
        raw = request.query.get("page", "1")
        return int(raw) if raw.isdigit() and int(raw) >= 1 else None

    def paginate(self, items: list[Product], page: int) -> tuple[list[Product], int]:
        """One page of a listing and the number of pages."""
        per = self.per_page
        pages = max(1, math.ceil(len(items) / per))
        return items[(page - 1) * per: page * per], pages
