"""`jsonshop`: a Bulgarian shop with JSON-LD Product/Offer data (prices "1 299,00 €"; a
laggard that still priced in leva only, "2 540,90 лв.", until simulated day 4).

Half the product pages wrap their JSON-LD in ``@graph`` (with Organization and
BreadcrumbList); items sold by several sellers carry an ``AggregateOffer``. Sale prices
carry a ``StrikethroughPrice`` price specification and ``priceValidUntil``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from demo.shops.pages.base import Identifiers, Request, ShopSite
from demo.shops.pages.common import (
    Listing,
    Response,
    availability_text,
    bg_money,
    description,
    esc,
    jsonld_offer,
    jsonld_script,
    promo_text,
    terms_lines,
)
from demo.shops.simulation import Offer
from demo.shops.universe import Product


def _money(offer: Offer) -> Callable[[Decimal], str]:
    """The page's money format for `offer` (leva before the shop's switch, then euros)."""
    return lambda amount: bg_money(amount, offer.currency)


class JsonShop(ShopSite):
    name = "jsonshop"
    shop_title = "JSON Shop"

    def product_path(self, product: Product) -> str:
        return f"/p/{product.key}"

    def identifiers(self, listing: Listing) -> Identifiers:
        p = listing.product
        return Identifiers(p.name_bg, f"JS-{p.pid:05d}", p.gtin, p.mpn, p.brand)

    def uses_aggregate(self, offer: Offer) -> bool:
        return (offer.product.pid % 7 == 0 and offer.regular_price is None
                and offer.availability != "OutOfStock")

    # ------------------------------------------------------------ routes

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/":
            return Response.html(self.home(request))
        if path == "/sitemap.xml":
            return self.urlset([request.absolute(lst.path) for lst in self.listings])
        return self.category_or_product(request, "/c/")

    def layout(self, title: str, body: str, head: str = "") -> str:
        cats = "".join(
            f'<li><a href="/c/{slug}">{esc(items[0].category.name_bg)}</a></li>'
            for slug, items in self.by_category.items()
        )
        return f"""<!doctype html>
<html lang="bg"><head><meta charset="utf-8"><title>{esc(title)} | {self.shop_title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}</head>
<body>
<header class="site-header"><a class="logo" href="/">{self.shop_title}</a>
<form class="search" action="/search"><input name="q" placeholder="Търси..."></form>
<a class="cart-link" href="/cart">Количка: 2 продукта – <span class="cart-total">81,28 €</span></a>
</header>
<nav class="categories"><ul>{cats}</ul></nav>
<main>{body}</main>
<footer><p>{self.shop_title} ЕООД, София. Всички цени са с ДДС.</p>
<p><a href="/private/admin">Вход за служители</a> · <a href="/cart">Количка</a></p></footer>
</body></html>"""

    def home(self, request: Request) -> str:
        links = "".join(
            f'<li><a href="/c/{slug}">{esc(items[0].category.name_bg)} ({len(items)})</a></li>'
            for slug, items in self.by_category.items()
        )
        return self.layout("Начало", f"<h1>Добре дошли</h1><ul class='home-cats'>{links}</ul>")

    def category(self, request: Request, slug: str, page: int) -> Response:
        items, pages = self.paginate(self.by_category[slug], page)
        if not items:
            return Response.not_found()
        offers = self.offers(request.day)
        cards = "".join(
            f'<div class="product-card"><a class="product-link" href="{self.product_path(p)}">'
            f"{esc(p.name_bg)}</a><span class=\"card-price\">{_money(offers[p.pid])(offers[p.pid].price)}</span></div>"
            for p in items
        )
        nav = ""
        if page > 1:
            nav += f'<a class="prev" href="/c/{slug}?page={page - 1}">« Предишна</a> '
        if page < pages:
            nav += f'<a class="next" href="/c/{slug}?page={page + 1}">Следваща »</a>'
        name = items[0].category.name_bg
        body = (f"<h1>{esc(name)}</h1><div class='grid'>{cards}</div>"
                f"<div class='pagination'>Страница {page} от {pages} {nav}</div>")
        return Response.html(self.layout(name, body))

    # ------------------------------------------------------------ product page

    def jsonld(self, request: Request, listing: Listing, offer: Offer, drift: bool) -> str:
        p = listing.product
        ident = self.identifiers(listing)
        url = request.absolute(listing.path)
        product: dict[str, Any] = {
            "@type": "Product",
            "@id": url + "#product",
            "name": ident.title,
            "sku": ident.sku,
            "gtin13": p.gtin,
            "mpn": p.mpn,
            "brand": {"@type": "Brand", "name": p.brand},
            "category": p.category.name_bg,
            "image": request.absolute(f"/img/{p.key}.jpg"),
            "description": f"{p.name_bg} от {p.brand}.",
        }
        if not drift:
            product["offers"] = jsonld_offer(offer, url, aggregate=self.uses_aggregate(offer))
        if p.pid % 2 == 0:
            graph = [
                {"@type": "Organization", "@id": request.absolute("/#org"), "name": self.shop_title,
                 "url": request.base_url},
                {"@type": "BreadcrumbList", "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Начало",
                     "item": request.base_url},
                    {"@type": "ListItem", "position": 2, "name": p.category.name_bg,
                     "item": request.absolute(f"/c/{p.category.slug}")},
                ]},
                product,
            ]
            return jsonld_script({"@context": "https://schema.org", "@graph": graph})
        return jsonld_script({"@context": "https://schema.org", **product})

    def price_block(self, offer: Offer) -> str:
        bgn = _money(offer)
        _fmt = bgn
        parts = ['<div class="product-price">']
        if offer.regular_price is not None:
            save = offer.regular_price - offer.price
            parts.append(f'<span class="price-old"><s>{bgn(offer.regular_price)}</s></span>')
            parts.append(f'<span class="price-current">{bgn(offer.price)}</span>')
            parts.append(f'<span class="you-save">Спестявате {bgn(save)}</span>')
        elif self.uses_aggregate(offer):
            parts.append(f'<span class="price-current">{bgn(offer.price)}</span>'
                         '<span class="sellers">най-ниската от 3 оферти</span>')
        else:
            parts.append(f'<span class="price-current">{bgn(offer.price)}</span>')
        if offer.per_unit is not None:
            unit = offer.product.pack.base_unit_bg if offer.product.pack else ""
            parts.append(f'<span class="unit-price">({bgn(offer.per_unit)}/{unit})</span>')
        parts.append("</div>")
        promos = "".join(
            f'<li class="promo promo-{pr.kind}">{esc(promo_text(pr, "bg", _fmt))}</li>'
            for pr in offer.promos
        )
        if promos:
            parts.append(f'<ul class="promotions">{promos}</ul>')
        css = {"InStock": "in-stock", "OutOfStock": "out-of-stock",
               "LimitedAvailability": "low-stock"}[offer.availability]
        parts.append(f'<div class="stock {css}">{availability_text(offer.availability, "bg")}'
                     "</div>")
        button = ("<button class='add-to-cart' disabled>Изчерпан</button>"
                  if offer.availability == "OutOfStock"
                  else "<button class='add-to-cart'>Добави в количката</button>")
        parts.append(button)
        return "".join(parts)

    def product(self, request: Request, listing: Listing) -> Response:
        offers = self.offers(request.day)
        offer = offers[listing.product.pid]
        _fmt = _money(offer)
        p = listing.product
        ident = self.identifiers(listing)
        terms = "".join(f'<li class="term-{k}">{esc(v)}</li>'
                        for k, v in terms_lines(offer, self.spec, _fmt).items())
        related = "".join(
            f'<li class="related-item"><a href="{self.product_path(r)}">{esc(r.name_bg)}</a>'
            f' <span class="related-price">{_money(offers[r.pid])(offers[r.pid].price)}</span></li>'
            for r in self.related(p)
        )
        block = "" if request.drift else self.price_block(offer)
        body = f"""
<nav class="breadcrumb"><a href="/">Начало</a> › <a href="/c/{p.category.slug}">{esc(p.category.name_bg)}</a></nav>
<article class="product" data-sku="{ident.sku}">
<h1 class="product-title">{esc(ident.title)}</h1>
<div class="product-ids">Арт. №: {ident.sku} · Марка: {esc(p.brand)} · Кат. номер: {esc(p.mpn)} · EAN: {p.gtin}</div>
{block}
<ul class="terms">{terms}</ul>
<section class="description"><h2>Описание</h2>{description(p, "bg", 3)}</section>
</article>
<section class="related"><h2>Клиентите разглеждаха също</h2><ul class="carousel">{related}</ul></section>
"""
        head = self.jsonld(request, listing, offer, request.drift)
        head += f'<link rel="canonical" href="{request.absolute(listing.path)}">'
        head += '<meta property="og:type" content="product">'
        head += f'<meta property="og:title" content="{esc(ident.title)}">'
        return Response.html(self.layout(ident.title, body, head))


