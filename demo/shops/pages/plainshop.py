"""`plainshop`: plain Bulgarian HTML, no structured data, class names of its own.

Reading it needs per-site selectors (see :data:`SELECTORS`, also written into
competitors.yaml). Category pages ``/katalog/<cat>/?page=N`` paginate with an
``<a class="next">`` link; product pages are ``/artikul/<n>-<slug>.html``. Prices show in
euros with the leva still shown beside them, euro first (``12,78 €`` ``(24,99 лв.)``), as the
dual display law asked until 8 August 2026; promotion
validity is written the short way ("до 30.11"). No sitemap: discovery goes through the
categories.
"""

from __future__ import annotations

from decimal import Decimal

from demo.shops.pages.base import Identifiers, Request, ShopSite
from demo.shops.pages.common import (
    Listing,
    Response,
    availability_text,
    bgn,
    description,
    esc,
    eur_bg,
    promo_text,
    terms_lines,
)
from demo.shops.simulation import Offer, in_currency
from demo.shops.universe import Product

SELECTORS: dict[str, str] = {
    "title": "h1.ime::text",
    "price": ".ceni .cena-now::text",
    "regular_price": ".ceni .cena-old::text",
    "availability": ".nalichnost::text",
    "sku": ".kod b::text",
    "mpn": ".katnomer b::text",
    "brand": ".marka b::text",
    "promotions": ".promo-etiket::text",
    "shipping": ".dostavka-cena::text",
    "delivery": ".srok::text",
    "warranty": ".garanciya::text",
    "returns": ".vrashtane::text",
}
"""CSS selectors (parsel syntax) that read plainshop's product pages."""


def _fmt(amount: Decimal) -> str:
    return eur_bg(amount, nbsp=True)


def _lev(amount: Decimal) -> str:
    return bgn(in_currency(amount, "EUR", "BGN"), nbsp=True)


class PlainShop(ShopSite):
    name = "plainshop"
    has_sitemap = False
    robots_disallow = ("/kolichka", "/cart", "/private/", "/__control/", "/tarsene")

    def product_path(self, product: Product) -> str:
        return f"/artikul/{product.pid}-{product.key}.html"

    def identifiers(self, listing: Listing) -> Identifiers:
        p = listing.product
        return Identifiers(p.name_bg, f"PL-{p.pid:05d}", None, p.mpn, p.brand)

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/":
            return Response.html(self.home())
        return self.category_or_product(request, "/katalog/")

    def layout(self, title: str, body: str) -> str:
        menu = "".join(
            f'<a class="meniu-link" href="/katalog/{slug}/">{esc(items[0].category.name_bg)}</a> '
            for slug, items in self.by_category.items()
        )
        return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{esc(title)} - Плейн Шоп</title>
<link rel="stylesheet" href="/css/stil.css"></head>
<body><div id="gorna-lenta"><a href="/" class="logo">Плейн Шоп</a>
<span class="tel">Поръчки: 0888 123 456</span>
<a href="/kolichka" class="kolichka">Количка (3) <span class="kolichka-suma">{_fmt(Decimal("44.71"))}</span></a></div>
<div id="meniu">{menu}</div>
<div id="sadarzhanie">{body}</div>
<div id="dolna-lenta">Плейн Шоп ООД · Пловдив · Цените са в евро с ДДС · 1 € = 1,95583 лв.</div>
</body></html>"""

    def home(self) -> str:
        links = "".join(
            f'<li><a href="/katalog/{slug}/">{esc(items[0].category.name_bg)}</a></li>'
            for slug, items in self.by_category.items()
        )
        return self.layout("Начало", f"<h1>Категории</h1><ul class='kategorii'>{links}</ul>")

    def category(self, request: Request, slug: str, page: int) -> Response:
        chunk, pages = self.paginate(self.by_category[slug], page)
        if not chunk:
            return Response.not_found()
        offers = self.offers(request.day)
        rows = "".join(
            f'<tr><td><a class="artikul-link" href="{self.product_path(p)}">{esc(p.name_bg)}</a>'
            f'</td><td class="cena">{_fmt(offers[p.pid].price)}</td></tr>'
            for p in chunk
        )
        nav = []
        if page > 1:
            nav.append(f'<a class="prev" href="/katalog/{slug}/?page={page - 1}">« Предишна</a>')
        nav.append(f'<span class="tekushta">{page} / {pages}</span>')
        if page < pages:
            nav.append(f'<a class="next" href="/katalog/{slug}/?page={page + 1}">Следваща »</a>')
        name = chunk[0].category.name_bg
        body = (f"<h1>{esc(name)}</h1><table class='spisak'>{rows}</table>"
                f"<div class='stranici'>{' '.join(nav)}</div>")
        return Response.html(self.layout(name, body))

    def price_block(self, offer: Offer) -> str:
        parts = ['<div class="ceni">']
        if offer.regular_price is not None:
            parts.append(f'<span class="cena-old">{_fmt(offer.regular_price)}</span> ')
        parts.append(f'<span class="cena-now">{_fmt(offer.price)}</span>'
                     f'<span class="cena-lv"> ({_lev(offer.price)})</span>')
        if offer.regular_price is not None:
            save = offer.regular_price - offer.price
            parts.append(f' <span class="spestiavash">Спестяваш {_fmt(save)}</span>')
        parts.append("</div>")
        p = offer.product
        if offer.per_unit is not None and p.pack is not None:
            parts.append(f'<div class="za-edinica">Цена за 1 {p.pack.base_unit_bg}: '
                         f"{_fmt(offer.per_unit)}</div>")
        for promo in offer.promos:
            parts.append(f'<div class="promo-etiket">'
                         f'{esc(promo_text(promo, "bg", _fmt, short_dates=True))}</div>')
        parts.append(f'<div class="nalichnost">{availability_text(offer.availability, "bg")}'
                     "</div>")
        return "".join(parts)

    def product(self, request: Request, listing: Listing) -> Response:
        offers = self.offers(request.day)
        p = listing.product
        offer = offers[p.pid]
        ident = self.identifiers(listing)
        terms = terms_lines(offer, self.spec, _fmt)
        classes = {"shipping": "dostavka-cena", "free_shipping": "bezplatna-dostavka",
                   "delivery": "srok", "warranty": "garanciya", "returns": "vrashtane"}
        terms_html = "".join(f'<p class="{classes[k]}">{esc(v)}</p>' for k, v in terms.items())
        block = "" if request.drift else self.price_block(offer)
        related = "".join(
            f'<div class="vizh-oshte-item"><a href="{self.product_path(r)}">{esc(r.name_bg)}</a>'
            f' <span class="cena">{_fmt(offers[r.pid].price)}</span></div>'
            for r in self.related(p)
        )
        body = f"""<div class="pateka"><a href="/">Начало</a> / <a href="/katalog/{p.category.slug}/">{esc(p.category.name_bg)}</a></div>
<div class="artikul-karta">
<h1 class="ime">{esc(ident.title)}</h1>
<div class="danni"><span class="kod">Код: <b>{ident.sku}</b></span> <span class="katnomer">Кат. номер: <b>{esc(p.mpn)}</b></span> <span class="marka">Марка: <b>{esc(p.brand)}</b></span></div>
{block}
<form action="/kolichka" method="post"><input type="hidden" name="id" value="{p.pid}"><input type="submit" value="Купи"></form>
<div class="usloviya">{terms_html}</div>
<div class="opisanie">{description(p, "bg", 3)}</div>
</div>
<div class="vizh-oshte"><h3>Вижте още</h3>{related}</div>"""
        return Response.html(self.layout(ident.title, body))
