"""Two more Bulgarian euro shops nobody has seen, with markup unlike tests/scenario/shops.py.

* ``MicroShop`` pages carry schema.org **microdata** (``itemscope``/``itemprop``) and no
  JSON-LD: price in ``<span itemprop="price" content="99.90">99,90</span>``, availability and
  itemCondition as ``<link itemprop=...>``; visible wording in Bulgarian ("Цена:", a struck
  "Стара цена" in ``<del>``, "В наличност"/"Изчерпан", badges such as "Клубна цена", "2 за 1",
  "Разопакован продукт"). The pages say nothing about shipping (the shop's terms apply).
* ``TextShop`` pages have no schema.org at all: OpenGraph/``product:*`` meta tags in the head
  and visible text with plain HTML classes ("1 299,00 €", an old price in ``<s>``), a stock
  line, a promo line, and the shipping terms printed on every page ("Доставка: 4,99 €",
  "Безплатна доставка над 100 €").

`serve(shops)` starts one ``ThreadingHTTPServer`` per shop on 127.0.0.1 (port 0) with a
robots.txt and a sitemap.xml; a page is looked up on every request.
"""

from __future__ import annotations

import html
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from .shops import serve_sites


def bg_money(value: Decimal) -> str:
    """1299.00 -> '1 299,00 €' (a space between thousands, as Bulgarian shops write it)."""
    whole, cents = f"{value:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{' '.join(groups)},{cents} €"


@dataclass(frozen=True)
class Item:
    slug: str
    title: str
    price: Decimal
    brand: str | None = None
    old_price: Decimal | None = None
    in_stock: bool = True
    condition: str | None = None
    """MicroShop only: schema.org itemCondition term in microdata."""
    badges: tuple[str, ...] = ()
    """Promotion/condition wording shown beside the price."""
    stock_text: str | None = None
    """The visible stock line when not the plain "В наличност"/"Изчерпан"."""
    ld_in_stock: bool | None = None
    """GraphShop only: what its (stale) JSON-LD says about stock when not `in_stock`."""
    shipping: Decimal | None = None
    """GraphShop only: a JSON-LD OfferShippingDetails shipping rate."""


@dataclass
class Shop:
    name: str
    kind: str  # "micro" | "text" | "plain" | "graph"
    items: list[Item] = field(default_factory=list)


def render_micro(item: Item) -> str:
    brand = (f'<span itemprop="brand" itemscope itemtype="https://schema.org/Brand">'
             f'<meta itemprop="name" content="{html.escape(item.brand)}"></span>'
             if item.brand else "")
    old = (f'<p class="old">Стара цена: <del>{bg_money(item.old_price)}</del></p>'
           if item.old_price else "")
    avail = "InStock" if item.in_stock else "OutOfStock"
    cond = (f'<link itemprop="itemCondition" href="https://schema.org/{item.condition}">'
            if item.condition else "")
    badges = "".join(f'<span class="badge">{html.escape(b)}</span>' for b in item.badges)
    amount = f"{item.price:.2f}"
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)} | Микро Шоп</title></head>
<body>
<header><nav><a href="/">Начало</a> &rsaquo; <a href="/c/tech">Техника</a></nav></header>
<section class="product-page" itemscope itemtype="https://schema.org/Product">
  <h1 itemprop="name">{html.escape(item.title)}</h1>
  {brand}
  <div class="offer" itemprop="offers" itemscope itemtype="https://schema.org/Offer">
    {old}
    <p class="price">Цена: <span itemprop="price" content="{amount}">{bg_money(item.price)[:-2]}</span>
       <span itemprop="priceCurrency" content="EUR">€</span></p>
    <link itemprop="availability" href="https://schema.org/{avail}">{cond}
    <p class="availability">{"В наличност" if item.in_stock else "Изчерпан"}</p>
    {badges}
  </div>
  <button type="submit">Купи</button>
</section>
<footer><p>Микро Шоп ЕООД &copy; 2026</p></footer>
</body></html>"""


def render_text(item: Item) -> str:
    old = f'<s class="price-old">{bg_money(item.old_price)}</s> ' if item.old_price else ""
    badges = "".join(f'<div class="promo-line">{html.escape(b)}</div>' for b in item.badges)
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8">
<title>{html.escape(item.title)} - ТекстМаркет</title>
<meta property="og:type" content="product">
<meta property="og:title" content="{html.escape(item.title)}">
<meta property="og:site_name" content="ТекстМаркет">
<meta property="product:price:amount" content="{item.price:.2f}">
<meta property="product:price:currency" content="EUR">
<meta property="product:availability" content="{"in stock" if item.in_stock else "out of stock"}">
</head>
<body>
<div id="page"><div class="breadcrumbs">Начало / Продукти</div>
<div class="product-main">
  <h1 class="product-title">{html.escape(item.title)}</h1>
  <div class="price-box">{old}<b class="final-price">{bg_money(item.price)}</b></div>
  {badges}
  <div class="availability">{"В наличност" if item.in_stock else "Изчерпан"}</div>
  <ul class="delivery"><li>Доставка: 4,99 €</li><li>Безплатна доставка над 100 €</li></ul>
  <a class="btn buy" href="#">Добави в количката</a>
</div></div>
</body></html>"""


BGN_PER_EUR = Decimal("1.95583")


def render_plain(item: Item) -> str:
    """No structured data and no meta tags at all: only the visible Bulgarian text, with
    the price also in leva (dual display) and the shipping terms in a sentence."""
    # the old price struck inside the price line, the current one bare text beside it
    old = f"<s>{bg_money(item.old_price)}</s> " if item.old_price else ""
    leva = f"{(item.price * BGN_PER_EUR).quantize(Decimal('0.01'))}".replace(".", ",")
    notes = "".join(f'<div class="note">{html.escape(b)}</div>' for b in item.badges)
    stock = item.stock_text or ("В наличност" if item.in_stock else "Изчерпан")
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)}</title></head>
<body><div class="wrap"><div class="product-info">
<h1 class="title">{html.escape(item.title)}</h1>
<div class="prices">
<div class="current">Цена: {old}{bg_money(item.price)} / {leva} лв.</div>
</div>
{notes}
<div class="stock">{html.escape(stock)}</div>
<div class="shipping">Доставка до адрес: 5,90 €. Безплатна доставка за поръчки над 79 €.</div>
<form><button>Поръчай</button></form>
</div></div></body></html>"""


def render_graph(item: Item) -> str:
    """JSON-LD in an @graph (WebPage, BreadcrumbList, Product), the price as a JSON number,
    optional OfferShippingDetails; visible price split in value and currency spans."""
    in_stock = item.in_stock if item.ld_in_stock is None else item.ld_in_stock
    offer: dict[str, object] = {
        "@type": "Offer", "price": float(item.price), "priceCurrency": "EUR",
        "availability": f"http://schema.org/{'InStock' if in_stock else 'OutOfStock'}",
        "itemCondition": f"http://schema.org/{item.condition or 'NewCondition'}",
        "url": f"/product/{item.slug}.html"}
    if item.shipping is not None:
        offer["shippingDetails"] = {
            "@type": "OfferShippingDetails",
            "shippingRate": {"@type": "MonetaryAmount", "value": f"{item.shipping:.2f}",
                             "currency": "EUR"},
            "shippingDestination": {"@type": "DefinedRegion", "addressCountry": "BG"}}
    product: dict[str, object] = {"@type": "Product", "@id": f"#product-{item.slug}",
                                  "name": item.title, "offers": [offer]}
    if item.brand:
        product["brand"] = item.brand
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "@id": f"/product/{item.slug}.html", "name": item.title},
        {"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Начало", "item": "/"}]},
        product]}
    euros, cents = f"{item.price:.2f}".split(".")
    old = f'<span class="was">{bg_money(item.old_price)}</span>' if item.old_price else ""
    notes = "".join(f'<li>{html.escape(b)}</li>' for b in item.badges)
    stock = item.stock_text or ("В наличност" if item.in_stock else "Няма наличност")
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)} | ГрафШоп</title>
<script type="application/ld+json">{json.dumps(graph, ensure_ascii=False)}</script></head>
<body><main><article class="pdp">
<h1 class="pdp-title">{html.escape(item.title)}</h1>
<div class="pdp-price">{old}<span class="value">{euros},{cents}</span><span class="currency">€</span></div>
<ul class="pdp-offers">{notes}</ul>
<p class="pdp-stock">{html.escape(stock)}</p>
<button {"" if item.in_stock else "disabled"}>Купи сега</button>
</article></main></body></html>"""


RENDER = {"micro": render_micro, "text": render_text, "plain": render_plain,
          "graph": render_graph}


def serve(shops: list[Shop]) -> AbstractContextManager[dict[str, str]]:
    """Serve every shop on its own port; yields shop name -> base URL."""
    return serve_sites({shop.name: (lambda base, shop=shop: {
        f"/product/{i.slug}.html": partial(RENDER[shop.kind], i) for i in shop.items})
        for shop in shops})
