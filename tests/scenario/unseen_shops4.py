"""Two more Bulgarian euro shops nobody has seen, for tests/scenario/test_unseen_probe4.py.

* ``SplitShop`` (no structured data, no meta tags) prints its price split across elements:
  ``<span class="int">1 299</span><sup>,99</sup> <span class="cur">€</span>`` with a space
  between thousands. Beside the price it shows what a careless reader takes for it: an
  instalment line "от 54,17 €/месец" in the biggest type, a recommended retail price
  ("ПЦД: 699,00 €", never charged here, not a 'was' price), the EU notice "Най-ниска цена
  за последните 30 дни: 629,00 €", a price per litre, a "from" price of the cheapest size
  above the size chooser, a coupon "с код XMAS10", a bundle ("... + калъф") with the case's
  own price and an old price in leva struck through.
* ``StateShop`` (a Next.js shop) renders the product block on the client: the server's HTML
  carries the title and an empty price box, and the data sits in the
  ``<script id="__NEXT_DATA__" type="application/json">`` state. A product has variants whose
  default (``selectedVariantId``) is not the variant named in the title and the URL; prices
  are integers of cents beside a formatted string; one page keeps a stale JSON-LD
  ``InStock`` price while the state and the page say sold out; one shows an RRP in the
  state beside the price.

`serve(shops)` serves each shop on its own port of 127.0.0.1 with a robots.txt and a
sitemap.xml (tests/scenario/shops.py).
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
    body: str = ""
    """SplitShop: the HTML of the product block below the title."""
    state: dict[str, object] | None = None
    """StateShop: the ``product`` object of the page's ``__NEXT_DATA__`` state."""
    jsonld: dict[str, object] | None = None
    """StateShop: a JSON-LD Product in the head, None: the page has none."""


@dataclass
class Shop:
    name: str
    kind: str  # "split" | "state"
    items: list[Item] = field(default_factory=list)


def split_price(whole: str, cents: str, cls: str = "price") -> str:
    """'1 299', '99' -> the price as SplitShop prints it, split across three elements."""
    return (f'<span class="{cls}"><span class="int">{whole}</span><sup>,{cents}</sup> '
            '<span class="cur">€</span></span>')


def render_split(item: Item) -> str:
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)} | Сплит Маркет</title>
</head>
<body><nav class="top"><a href="/">Сплит Маркет</a> · <a href="/promo">Промоции</a>
· <a href="/cart">Количка</a></nav>
<section class="pdp"><div class="gallery"><img src="/img/{item.slug}.jpg" alt=""></div>
<div class="buybox">
<h1 class="pdp-title">{html.escape(item.title)}</h1>
{item.body}
<button type="submit" class="buy-now">Купи сега</button>
</div></section>
<footer>Сплит Маркет ЕООД · Всички цени са в евро с ДДС</footer>
</body></html>"""


def render_state(item: Item) -> str:
    ld = ("" if item.jsonld is None else
          '<script type="application/ld+json">'
          f"{json.dumps({'@context': 'https://schema.org', **item.jsonld}, ensure_ascii=False)}"
          "</script>")
    state = {"props": {"pageProps": {"product": item.state, "locale": "bg",
                                     "currency": "EUR"}},
             "page": "/products/[slug]", "query": {"slug": item.slug},
             "buildId": "k2x9f0", "isFallback": False, "gssp": True}
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)} – Стейт</title>
<meta name="viewport" content="width=device-width">{ld}</head>
<body><div id="__next"><header class="hdr"><a href="/">Стейт</a></header>
<main><h1 class="product-title">{html.escape(item.title)}</h1>
<div class="price-box" data-testid="price"></div>
<div class="variant-picker" data-testid="variants"></div>
<button class="add-to-cart">Добави в количката</button>
</main></div>
<script id="__NEXT_DATA__" type="application/json">{json.dumps(state, ensure_ascii=False)}</script>
</body></html>"""


RENDER = {"split": render_split, "state": render_state}


def serve(shops: list[Shop]) -> AbstractContextManager[dict[str, str]]:
    """Serve every shop on its own port; yields shop name -> base URL."""
    return serve_sites({shop.name: (lambda base, shop=shop: {
        f"/product/{i.slug}.html": partial(RENDER[shop.kind], i) for i in shop.items})
        for shop in shops})
