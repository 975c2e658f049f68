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
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial

from .shops import serve_sites


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


def serve(shops: list[Shop]) -> AbstractContextManager[dict[str, str]]:
    """Serve every shop on its own port; yields shop name -> base URL."""
    return serve_sites({shop.name: (lambda base, shop=shop: {
        f"/product/{i.slug}.html": partial(RENDER[shop.kind], i) for i in shop.items})
        for shop in shops})
