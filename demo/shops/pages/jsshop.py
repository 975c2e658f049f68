"""`jsshop`: prices rendered in the browser by JavaScript.

A product page's HTML has an empty ``<div id="price-box" data-offer="/api/offer/<key>.json">``
and loads ``/static/shop.js``, which fetches that JSON and fills in the price, the old
price, the promotions and the stock, appends a Product JSON-LD to ``<head>``, and finally
sets ``data-price-ready="1"`` on ``<body>`` (a browser crawler can wait for
``body[data-price-ready]``). Without a browser the only prices in the HTML are the
related products' and the cart total: a correct extractor finds no price there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from demo.shops.pages.base import Identifiers, Request, ShopSite
from demo.shops.pages.common import (
    Listing,
    Response,
    availability_text,
    description,
    esc,
    eur_bg,
    jsonld_offer,
    plain_number,
    promo_text,
    terms_lines,
)
from demo.shops.simulation import Offer
from demo.shops.universe import Product

SHOP_JS = """(function () {
  'use strict';
  var box = document.getElementById('price-box');
  if (!box) { document.body.setAttribute('data-price-ready', '0'); return; }
  fetch(box.getAttribute('data-offer'), {headers: {'Accept': 'application/json'}})
    .then(function (r) { return r.json(); })
    .then(function (o) {
      var html = '';
      if (o.regular_text) { html += '<s class="price-old">' + o.regular_text + '</s> '; }
      html += '<span class="price-now">' + o.price_text + '</span>';
      if (o.unit_text) { html += ' <span class="price-unit">' + o.unit_text + '</span>'; }
      box.innerHTML = html;
      var promos = document.getElementById('promos');
      o.promotions.forEach(function (p) {
        var li = document.createElement('li');
        li.className = 'promo promo-' + p.kind;
        li.textContent = p.text;
        promos.appendChild(li);
      });
      var stock = document.getElementById('stock');
      stock.textContent = o.availability_text;
      stock.className = 'stock stock-' + o.availability;
      var ld = document.createElement('script');
      ld.type = 'application/ld+json';
      ld.text = JSON.stringify(o.jsonld);
      document.head.appendChild(ld);
      document.body.setAttribute('data-price-ready', '1');
    })
    .catch(function () { document.body.setAttribute('data-price-ready', '0'); });
})();
"""


class JsShop(ShopSite):
    name = "jsshop"
    per_page = 6
    robots_disallow = ("/cart", "/private/", "/__control/", "/account/")

    def product_path(self, product: Product) -> str:
        return f"/produkt/{product.key}"

    def identifiers(self, listing: Listing) -> Identifiers:
        p = listing.product
        return Identifiers(p.name_bg, f"JSS-{p.pid:05d}", None, p.mpn, p.brand)

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/static/shop.js":
            return Response(200, SHOP_JS.encode(),
                            {"Content-Type": "application/javascript; charset=utf-8"})
        if path == "/sitemap.xml":
            return self.urlset([request.absolute(lst.path) for lst in self.listings])
        if path.startswith("/api/offer/") and path.endswith(".json"):
            key = path[len("/api/offer/"):-len(".json")]
            listing = self.listing_by_path.get(f"/produkt/{key}")
            if listing is None:
                return Response.not_found()
            return Response.json(self.offer_json(request, listing))
        if path == "/":
            return Response.html(self.home())
        return self.category_or_product(request, "/kategoria/")

    def layout(self, title: str, body: str) -> str:
        return f"""<!doctype html>
<html lang="bg"><head><meta charset="utf-8"><title>{esc(title)} · JS Shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><div id="app">
<header class="topbar"><a href="/" class="brand">JS Shop</a>
<a href="/cart" class="minicart">Кошница: <b>{eur_bg(Decimal("127.77"))}</b></a></header>
{body}
<footer class="bottom">JS Shop · цени с ДДС</footer></div>
<script src="/static/shop.js"></script>
</body></html>"""

    def home(self) -> str:
        links = "".join(
            f'<li><a href="/kategoria/{slug}">{esc(items[0].category.name_bg)}</a></li>'
            for slug, items in self.by_category.items()
        )
        return self.layout("Начало", f"<ul class='cats'>{links}</ul>")

    def category(self, request: Request, slug: str, page: int) -> Response:
        chunk, pages = self.paginate(self.by_category[slug], page)
        if not chunk:
            return Response.not_found()
        cards = "".join(
            f'<li class="tile"><a class="tile-link" href="{self.product_path(p)}">'
            f"{esc(p.name_bg)}</a></li>" for p in chunk
        )
        nav = ""
        if page < pages:
            nav = f'<a class="next" rel="next" href="/kategoria/{slug}?page={page + 1}">Напред</a>'
        name = chunk[0].category.name_bg
        return Response.html(self.layout(name, f"<h1>{esc(name)}</h1><ul class='tiles'>{cards}"
                                               f"</ul><nav class='pager'>{nav}</nav>"))

    def offer_json(self, request: Request, listing: Listing) -> dict[str, Any]:
        offer: Offer = self.offers(request.day)[listing.product.pid]
        p = listing.product
        ident = self.identifiers(listing)
        url = request.absolute(listing.path)
        unit = None
        if offer.per_unit is not None and p.pack is not None:
            unit = f"({eur_bg(offer.per_unit)}/{p.pack.base_unit_bg})"
        return {
            "price": plain_number(offer.price),
            "price_text": eur_bg(offer.price),
            "regular_price": (plain_number(offer.regular_price)
                              if offer.regular_price is not None else None),
            "regular_text": eur_bg(offer.regular_price) if offer.regular_price is not None else None,
            "currency": offer.currency,
            "unit_text": unit,
            "availability": offer.availability,
            "availability_text": availability_text(offer.availability, "bg"),
            "promotions": [{"kind": pr.kind, "text": promo_text(pr, "bg", eur_bg)}
                           for pr in offer.promos],
            "jsonld": {
                "@context": "https://schema.org",
                "@type": "Product",
                "name": ident.title,
                "sku": ident.sku,
                "mpn": p.mpn,
                "brand": {"@type": "Brand", "name": p.brand},
                "offers": jsonld_offer(offer, url),
            },
        }

    def product(self, request: Request, listing: Listing) -> Response:
        offers = self.offers(request.day)
        p = listing.product
        offer = offers[p.pid]
        ident = self.identifiers(listing)
        terms = "".join(f'<li class="t-{k}">{esc(v)}</li>'
                        for k, v in terms_lines(offer, self.spec, eur_bg).items())
        box = "" if request.drift else (
            f'<div id="price-box" class="price-box" data-offer="/api/offer/{p.key}.json">'
            '<span class="price-now"></span></div>')
        related = "".join(
            f'<li><a href="{self.product_path(r)}">{esc(r.name_bg)}</a> '
            f'<span class="rel-price">{eur_bg(offers[r.pid].price)}</span></li>'
            for r in self.related(p)
        )
        body = f"""<main class="pdp">
<h1 class="pdp-title">{esc(ident.title)}</h1>
<p class="pdp-meta">Марка: <span class="pdp-brand">{esc(p.brand)}</span> · Арт. №: <span class="pdp-sku">{ident.sku}</span> · Каталожен №: <span class="pdp-mpn">{esc(p.mpn)}</span></p>
{box}
<ul id="promos" class="promos"></ul>
<div id="stock" class="stock"></div>
<button class="buy">Купи</button>
<ul class="pdp-terms">{terms}</ul>
<section class="pdp-desc">{description(p, "bg", 3)}</section>
<aside class="recs"><h2>Препоръчани</h2><ul>{related}</ul></aside>
</main>"""
        return Response.html(self.layout(ident.title, body))

