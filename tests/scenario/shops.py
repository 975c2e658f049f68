"""Two small euro shops nobody has seen, generated here and served over real HTTP.

Each page is a plain product page with a JSON-LD Product/Offer, the visible price, the
stock line and the promotion wording in the product block. `Page` says what a page shows;
`serve(shops)` starts a `ThreadingHTTPServer` per shop on 127.0.0.1 (port 0); a page is
looked up in its shop on every request, so a test can change a shop between two crawls.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    price: Decimal | None
    """None: the page hides its price (a sold-out page showing none)."""
    brand: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    availability: str = "InStock"
    condition: str | None = None
    """schema.org itemCondition term (e.g. RefurbishedCondition), None: not stated."""
    regular_price: Decimal | None = None
    lines: tuple[str, ...] = ()
    """Promotion and terms wording shown in the product block."""
    lang: str = "en"


@dataclass
class Shop:
    name: str
    pages: list[Page] = field(default_factory=list)


def _money(value: Decimal, lang: str) -> str:
    text = f"{value:.2f}"
    return (text.replace(".", ",") + " €") if lang == "bg" else f"€{text}"


def render(page: Page) -> str:
    offer: dict[str, object] = {
        "@type": "Offer", "availability": f"https://schema.org/{page.availability}",
    }
    if page.price is not None:
        offer.update(price=f"{page.price:.2f}", priceCurrency="EUR")
    if page.condition:
        offer["itemCondition"] = f"https://schema.org/{page.condition}"
    product: dict[str, object] = {"@context": "https://schema.org", "@type": "Product",
                                  "name": page.title, "offers": offer}
    if page.brand:
        product["brand"] = {"@type": "Brand", "name": page.brand}
    if page.gtin:
        product["gtin13"] = page.gtin
    if page.mpn:
        product["mpn"] = page.mpn
    stock = {"InStock": ("In stock", "В наличност"), "OutOfStock": ("Out of stock", "Изчерпан"),
             "PreOrder": ("Pre-order", "Предварителна поръчка")}[page.availability]
    was = (f'<del class="old-price">{_money(page.regular_price, page.lang)}</del>'
           if page.regular_price else "")
    lines = "".join(f"<p class=\"promo\">{html.escape(line)}</p>" for line in page.lines)
    price = ("" if page.price is None else
             f'<div class="price">{was}<span class="now">{_money(page.price, page.lang)}</span></div>')
    return f"""<!doctype html><html lang="{page.lang}"><head><meta charset="utf-8">
<title>{html.escape(page.title)}</title>
<script type="application/ld+json">{json.dumps(product, ensure_ascii=False)}</script></head>
<body><main><div class="product"><h1>{html.escape(page.title)}</h1>
{price}
<p class="stock">{stock[0] if page.lang == "en" else stock[1]}</p>{lines}
<button>{"Add to cart" if page.lang == "en" else "Добави в количката"}</button>
</div></main></body></html>"""


Routes = Callable[[str], dict[str, Callable[[], str]]]
"""A site: its base URL -> {path: what renders the page at each request} (robots.txt and
sitemap.xml come with it): a test may change a page between two crawls."""


def sitemap_of(base: str, paths: Iterable[str]) -> str:
    urls = "".join(f"<url><loc>{base}{path.lstrip('/')}</loc></url>" for path in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


@contextmanager
def serve_sites(sites: dict[str, Routes]) -> Iterator[dict[str, str]]:
    """Serve every site on its own port of 127.0.0.1 (robots.txt allows all, sitemap.xml
    lists its pages); yields site name -> base URL. The scenario page modules share it."""
    servers: list[ThreadingHTTPServer] = []
    bases: dict[str, str] = {}
    try:
        for name, routes in sites.items():
            box: dict[str, dict[str, tuple[Callable[[], str], str]]] = {}

            class Handler(BaseHTTPRequestHandler):
                the_box = box

                def do_GET(self) -> None:
                    found = self.the_box["files"].get(self.path.split("?")[0])
                    if found is None:
                        self.send_error(404)
                        return
                    body, kind = found
                    data = body().encode("utf-8")
                    self.send_response(200)
                    self.send_header("Content-Type", f"{kind}; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

                def log_message(self, *args: object) -> None:
                    pass

            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            base = bases[name] = f"http://127.0.0.1:{server.server_address[1]}/"
            pages = routes(base)
            robots, sitemap = "User-agent: *\nAllow: /\n", sitemap_of(base, pages)
            box["files"] = {path: (body, "text/html") for path, body in pages.items()} | {
                "/robots.txt": (partial(str, robots), "text/plain"),
                "/sitemap.xml": (partial(str, sitemap), "application/xml"),
            }
            servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()
        yield bases
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def serve(shops: list[Shop]) -> AbstractContextManager[dict[str, str]]:
    """Serve every shop on its own port; yields shop name -> base URL."""
    return serve_sites({shop.name: (lambda base, shop=shop: {
        f"/p/{p.slug}": partial(_render_now, shop, p.slug) for p in shop.pages})
        for shop in shops})


def _render_now(shop: Shop, slug: str) -> str:
    """The page as the shop holds it now (a test may replace it between two crawls)."""
    return render(next(p for p in shop.pages if p.slug == slug))
