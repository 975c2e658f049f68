"""Two more euro shops nobody has seen, for tests/scenario/test_unseen_probe2.py.

Unlike shops.py and unseen_shops.py, a page here is written by hand: each `Item` carries its
own JSON-LD (or none) and the HTML of its product block, as real shops print them.

* ``VariantShop`` (JSON-LD on every page, Bulgarian text, shipping only in competitors.yaml)
  sells products with variants: an ``AggregateOffer`` whose lowPrice belongs to another size,
  several ``Offer`` entries (one per colour, one per condition) with different availability,
  a "from" price ("от 9,90 €") above the variant chooser, a unit price beside the price.
* ``B2BShop`` (no structured data, no meta tags; shipping printed on every page) shows the
  price without VAT first ("199,00 € без ДДС"), leva before euro, an instalment amount in big
  type, an expired promotion beside the current price, "related products" with their own
  lower prices, and euro written as "1.249,00 €", "€ 549", "435 EUR".

`serve(shops)` starts one ``ThreadingHTTPServer`` per shop on 127.0.0.1 (port 0) with a
robots.txt and a sitemap.xml.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Item:
    slug: str
    title: str
    body: str
    """The HTML of the product block below the title (prices, choosers, stock, notes)."""
    jsonld: dict[str, object] | None = None
    """The JSON-LD Product, None: the page has none."""


@dataclass
class Shop:
    name: str
    kind: str  # "variant" | "b2b"
    items: list[Item] = field(default_factory=list)


def render_variant(item: Item) -> str:
    ld = ("" if item.jsonld is None else
          '<script type="application/ld+json">'
          f"{json.dumps({'@context': 'https://schema.org', **item.jsonld}, ensure_ascii=False)}"
          "</script>")
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)} – ВариантШоп</title>
{ld}</head>
<body><header><a href="/">ВариантШоп</a> <a href="/cart">Количка (0)</a></header>
<main class="product-detail">
<h1 class="product-name">{html.escape(item.title)}</h1>
{item.body}
<button class="add-to-cart">Добави в количката</button>
</main>
<footer>ВариантШоп ООД &copy; 2026 · Всички цени са с включен ДДС</footer>
</body></html>"""


def render_b2b(item: Item) -> str:
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)} | Б2Б Техника</title></head>
<body><div id="top">Б2Б Техника – за фирми и частни лица · тел. 0700 12 345</div>
<div class="container"><div class="row product">
<div class="col-info">
<h1>{html.escape(item.title)}</h1>
{item.body}
<div class="delivery-info">Доставка с куриер: 6,00 €. Безплатна доставка при поръчка над 200 €.</div>
<a class="btn btn-primary" href="#">Купи</a>
</div></div></div>
<footer>Б2Б Техника ЕООД</footer>
</body></html>"""


RENDER = {"variant": render_variant, "b2b": render_b2b}


def sitemap(base: str, shop: Shop) -> str:
    urls = "".join(f"<url><loc>{base}product/{i.slug}.html</loc></url>" for i in shop.items)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


@contextmanager
def serve(shops: list[Shop]) -> Iterator[dict[str, str]]:
    """Serve every shop on its own port; yields shop name -> base URL."""
    servers: list[ThreadingHTTPServer] = []
    bases: dict[str, str] = {}
    try:
        for shop in shops:
            box: dict[str, str] = {}

            class Handler(BaseHTTPRequestHandler):
                the_shop, the_box = shop, box

                def do_GET(self) -> None:
                    path = self.path.split("?")[0]
                    items = {f"/product/{i.slug}.html": i for i in self.the_shop.items}
                    if path == "/robots.txt":
                        body, kind = "User-agent: *\nAllow: /\n", "text/plain"
                    elif path == "/sitemap.xml":
                        body, kind = sitemap(self.the_box["base"], self.the_shop), "application/xml"
                    elif path in items:
                        body, kind = RENDER[self.the_shop.kind](items[path]), "text/html"
                    else:
                        self.send_error(404)
                        return
                    data = body.encode("utf-8")
                    self.send_response(200)
                    self.send_header("Content-Type", f"{kind}; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

                def log_message(self, *args: object) -> None:
                    pass

            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            box["base"] = f"http://127.0.0.1:{server.server_address[1]}/"
            bases[shop.name] = box["base"]
            servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()
        yield bases
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
