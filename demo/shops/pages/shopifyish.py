"""`shopifyish`: a Shopify-like shop in English with lev prices.

Products are *families* with variants (storage, colour, size, pack). ``/products.json``
answers in Shopify's shape (``?page=N&limit=M``; variants with ``id``, ``sku``, ``price``,
``compare_at_price``, ``available``). ``/products/<handle>`` shows the first variant and
``/products/<handle>?variant=<id>`` the chosen one: ``og:price:amount``, a Product JSON-LD
for that variant, the theme's product JSON (all variants, prices in cents) and the
visible price (``price-item--sale`` / ``price-item--regular``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cached_property
from typing import Any

from demo.shops.pages.base import Identifiers, Request, ShopSite
from demo.shops.pages.common import (
    SCHEMA,
    Listing,
    Response,
    description,
    esc,
    eur_bg,
    jsonld_script,
    plain_number,
    promo_text,
    terms_lines,
)
from demo.shops.simulation import Offer
from demo.shops.spec import day_date
from demo.shops.universe import Product

PRODUCT_ID_BASE = 7_000_000_000
VARIANT_ID_BASE = 40_000_000_000
STAMP = "2026-10-01T10:00:00+02:00"


def _fmt(amount: Decimal) -> str:
    """'1 299,00 €': a Bulgarian shop with an English storefront keeps the local format
    (the extraction does not read the English "€70.00 off" wording yet)."""
    return eur_bg(amount)


def og_amount(amount: Decimal) -> str:
    """Shopify's og:price:amount format: '1,299.00'."""
    return f"{amount:,.2f}"


class ShopifyShop(ShopSite):
    name = "shopifyish"
    sale_badge = True
    robots_disallow = ("/admin", "/cart", "/checkout", "/account", "/private/", "/__control/")

    @cached_property
    def families(self) -> dict[str, list[Product]]:
        """Handle -> variants the shop sells, in universe order."""
        groups: dict[str, list[Product]] = {}
        for product in self.products:
            groups.setdefault(product.family, []).append(product)
        return groups

    def family_of(self, product: Product) -> list[Product]:
        return self.families[product.family]

    def variant_id(self, product: Product) -> int:
        return VARIANT_ID_BASE + product.pid

    def product_id(self, product: Product) -> int:
        return PRODUCT_ID_BASE + self.family_of(product)[0].pid

    def product_path(self, product: Product) -> str:
        if len(self.family_of(product)) > 1:
            return f"/products/{product.family}?variant={self.variant_id(product)}"
        return f"/products/{product.family}"

    @cached_property
    def listings(self) -> list[Listing]:
        return [Listing(self.product_path(p), p, str(self.variant_id(p))) for p in self.products]

    def listing_for(self, path: str, query: dict[str, str]) -> tuple[int, Listing] | None:
        if not path.startswith("/products/"):
            return None
        handle = path[len("/products/"):]
        variants = self.families.get(handle)
        if not variants:
            return None
        chosen = variants[0]
        if "variant" in query:
            wanted = query["variant"]
            matches = [v for v in variants if str(self.variant_id(v)) == wanted]
            if not matches:
                return None
            chosen = matches[0]
        path_key = self.product_path(chosen)
        return self.index_by_path[path_key], self.listing_by_path[path_key]

    def identifiers(self, listing: Listing) -> Identifiers:
        p = listing.product
        title = p.family_title_en
        if len(self.family_of(p)) > 1 and p.variant_en:
            title = f"{title} - {p.variant_en}"
        return Identifiers(title, f"SH-{p.pid:05d}", p.gtin, None, p.brand)

    # ------------------------------------------------------------ routes

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/sitemap.xml":
            return self.sitemap_index([request.absolute("/sitemap_products_1.xml?from=1&to=9999")])
        if path == "/sitemap_products_1.xml":
            # lastmod: the simulated day (prices move daily; a fixed old date would tell
            # a crawler reading lastmod that nothing changed)
            return self.urlset([request.absolute(f"/products/{h}") for h in self.families],
                               lastmod=day_date(request.day).isoformat())
        if path == "/products.json":
            return self.products_json(request)
        if path == "/" or path == "/collections" or path == "/collections/":
            return Response.html(self.home())
        if path.startswith("/collections/"):
            return self.collection(request, path[len("/collections/"):].strip("/"))
        found = self.listing_for(path, request.query)
        if found is not None:
            return self.product_page(request, found[1])
        return Response.not_found()

    def layout(self, title: str, body: str, head: str = "") -> str:
        return f"""<!doctype html>
<html class="js" lang="en"><head><meta charset="utf-8"><title>{esc(title)} &ndash; Shopifyish</title>
<link rel="stylesheet" href="//cdn.shopify.example/s/files/1/base.css">
{head}</head>
<body class="gradient template-product">
<header class="header"><a href="/" class="header__heading-link">Shopifyish</a>
<a href="/cart" class="header__icon header__icon--cart" id="cart-icon-bubble"><span class="cart-count-bubble">3</span><span class="cart-total">{_fmt(Decimal("108.75"))}</span></a></header>
<main id="MainContent" class="content-for-layout">{body}</main>
<footer class="footer"><p>&copy; 2026, Shopifyish. Powered by Shopify</p></footer>
</body></html>"""

    def home(self) -> str:
        links = "".join(
            f'<li><a href="/collections/{slug}">{esc(items[0].category.name_en)}</a></li>'
            for slug, items in self.by_category.items()
        )
        return self.layout("Home", f'<ul class="collection-list"><li><a href="/collections/all">'
                                   f"All products</a></li>{links}</ul>")

    def collection(self, request: Request, slug: str) -> Response:
        if slug == "all":
            items, title = self.products, "All products"
        elif slug in self.by_category:
            items = self.by_category[slug]
            title = items[0].category.name_en
        else:
            return Response.not_found()
        heads: list[Product] = []
        seen: set[str] = set()
        for product in items:
            if product.family not in seen:
                seen.add(product.family)
                heads.append(product)
        page = self.page_number(request)
        if page is None:
            return Response.not_found()
        chunk, pages = self.paginate(heads, page)
        if not chunk:
            return Response.not_found()
        offers = self.offers(request.day)
        cards = "".join(
            f'<li class="grid__item"><div class="card-wrapper product-card-wrapper">'
            f'<a href="/products/{p.family}" class="full-unstyled-link">'
            f"{esc(p.family_title_en)}</a>"
            f'<div class="price"><span class="price-item price-item--regular">'
            f"{_fmt(offers[p.pid].price)}</span></div></div></li>"
            for p in chunk
        )
        nav = ""
        if page > 1:
            nav += f'<a class="pagination__item--prev" href="/collections/{slug}?page={page - 1}">Previous</a>'
        if page < pages:
            nav += (f'<a class="pagination__item--next next" rel="next" '
                    f'href="/collections/{slug}?page={page + 1}">Next</a>')
        body = (f'<h1 class="collection-hero__title">{esc(title)}</h1>'
                f'<ul id="product-grid" class="grid product-grid">{cards}</ul>'
                f'<nav class="pagination">{nav}</nav>')
        return Response.html(self.layout(title, body))

    # ------------------------------------------------------------ JSON

    def variant_json(self, product: Product, offer: Offer, position: int) -> dict[str, Any]:
        label = product.variant_en if len(self.family_of(product)) > 1 else "Default Title"
        return {
            "id": self.variant_id(product),
            "title": label,
            "option1": label,
            "option2": None,
            "option3": None,
            "sku": f"SH-{product.pid:05d}",
            "requires_shipping": True,
            "taxable": True,
            "featured_image": None,
            "available": offer.availability != "OutOfStock",
            "price": plain_number(offer.price),
            "grams": 1500 if product.bulky else 400,
            "compare_at_price": (plain_number(offer.regular_price)
                                 if offer.regular_price is not None else None),
            "position": position,
            "product_id": self.product_id(product),
            "created_at": STAMP,
            "updated_at": STAMP,
        }

    def product_json(self, head: Product, offers: dict[int, Offer]) -> dict[str, Any]:
        variants = self.family_of(head)
        option = head.option_name if len(variants) > 1 else "Title"
        return {
            "id": self.product_id(head),
            "title": head.family_title_en,
            "handle": head.family,
            "body_html": f"<p>{esc(head.family_title_en)} by {esc(head.brand)}.</p>",
            "published_at": STAMP,
            "created_at": STAMP,
            "updated_at": STAMP,
            "vendor": head.brand,
            "product_type": head.category.name_en,
            "tags": [head.category.slug],
            "variants": [self.variant_json(v, offers[v.pid], i + 1)
                         for i, v in enumerate(variants)],
            "images": [{"id": 500 + head.pid, "src": f"https://cdn.shopify.example/{head.key}.jpg",
                        "position": 1, "product_id": self.product_id(head)}],
            "options": [{"name": option, "position": 1,
                         "values": [self.variant_json(v, offers[v.pid], 1)["option1"]
                                    for v in variants]}],
        }

    def products_json(self, request: Request) -> Response:
        page_raw = request.query.get("page", "1")
        limit_raw = request.query.get("limit", "30")
        if not (page_raw.isdigit() and limit_raw.isdigit()) or int(page_raw) < 1:
            return Response.json({"errors": "Invalid page or limit"})
        page, limit = int(page_raw), min(250, max(1, int(limit_raw)))
        heads = [variants[0] for variants in self.families.values()]
        offers = self.offers(request.day)
        chunk = heads[(page - 1) * limit: page * limit]
        return Response.json({"products": [self.product_json(h, offers) for h in chunk]})

    # ------------------------------------------------------------ product page

    def product_page(self, request: Request, listing: Listing) -> Response:
        offers = self.offers(request.day)
        p = listing.product
        offer = offers[p.pid]
        variants = self.family_of(p)
        ident = self.identifiers(listing)
        url = request.absolute(listing.path)
        ld: dict[str, Any] = {
            "@context": "http://schema.org/",
            "@type": "Product",
            "name": ident.title,
            "url": url,
            "sku": ident.sku,
            "gtin13": p.gtin,
            "brand": {"@type": "Brand", "name": p.brand},
            "image": [f"https://cdn.shopify.example/{p.key}.jpg"],
            "description": f"{p.family_title_en} by {p.brand}.",
        }
        head = (f'<meta property="og:type" content="product">'
                f'<meta property="og:title" content="{esc(ident.title)}">'
                f'<meta property="og:url" content="{esc(url)}">')
        if not request.drift:
            ld["offers"] = [{
                "@type": "Offer",
                "availability": SCHEMA + offer.availability,
                "price": plain_number(offer.price),
                "priceCurrency": offer.currency,
                "url": url,
            }]
            head += (f'<meta property="og:price:amount" content="{og_amount(offer.price)}">'
                     '<meta property="og:price:currency" content="EUR">')
        head += jsonld_script(ld)
        theme_json = "" if request.drift else (
            '<script type="application/json" data-product-json>'
            + json.dumps(self._theme_json(variants[0], offers), ensure_ascii=False)
            + "</script>")
        options = "".join(
            f'<option value="{self.variant_id(v)}"'
            f'{" selected" if v.pid == p.pid else ""}>{esc(v.variant_en or "Default Title")}</option>'
            for v in variants
        )
        price_html = ""
        if not request.drift:
            if offer.regular_price is not None:
                price_html = (
                    '<div class="price price--on-sale"><div class="price__sale">'
                    f'<s class="price-item price-item--regular">{_fmt(offer.regular_price)}</s> '
                    f'<span class="price-item price-item--sale price-item--last">'
                    f"{_fmt(offer.price)}</span></div>"
                    '<span class="badge price__badge-sale">Sale</span></div>')
            else:
                price_html = ('<div class="price"><div class="price__regular">'
                              '<span class="price-item price-item--regular">'
                              f"{_fmt(offer.price)}</span></div></div>")
            if offer.per_unit is not None and p.pack is not None:
                price_html += (f'<div class="unit-price caption">{_fmt(offer.per_unit)}/'
                               f"{p.pack.base_unit_en}</div>")
            badges = "".join(
                f'<span class="badge promo-badge promo-{pr.kind}">'
                f'{esc(promo_text(pr, "en", _fmt))}</span>' for pr in offer.promos)
            if badges:
                price_html += f'<div class="product__badges">{badges}</div>'
            if offer.availability == "OutOfStock":
                price_html += '<p class="product__inventory">Sold out</p>'
        button = ('<button type="submit" name="add" class="product-form__submit button" disabled>'
                  "Sold out</button>" if offer.availability == "OutOfStock" else
                  '<button type="submit" name="add" class="product-form__submit button">'
                  "Add to cart</button>")
        terms = "".join(f'<li class="terms-{k}">{esc(v)}</li>'
                        for k, v in terms_lines(offer, self.spec, _fmt).items())
        related = "".join(
            f'<li class="grid__item"><a href="/products/{r.family}">{esc(r.family_title_en)}</a>'
            f'<span class="price-item price-item--regular">{_fmt(offers[r.pid].price)}</span></li>'
            for r in self.related(p))
        body = f"""<section class="product product--medium">
<div class="product__info-wrapper">
<p class="product__text caption-with-letter-spacing">{esc(p.brand)}</p>
<h1 class="product__title">{esc(p.family_title_en)}</h1>
<div id="price-template--product" class="no-js-hidden">{price_html}</div>
<form method="post" action="/cart/add" class="product-form">
<variant-selects><label for="Option-1">{esc(p.option_name or "Title")}</label>
<select id="Option-1" name="id">{options}</select></variant-selects>
{button}</form>
<details class="product__accordion"><summary>Shipping &amp; Returns</summary><ul class="shipping-terms">{terms}</ul></details>
<div class="product__description rte">{description(p, "en", 3)}</div>
</div>
{theme_json}
</section>
<product-recommendations class="product-recommendations"><h2>You may also like</h2><ul class="grid">{related}</ul></product-recommendations>"""
        return Response.html(self.layout(ident.title, body, head))

    def _theme_json(self, head: Product, offers: dict[int, Offer]) -> dict[str, Any]:
        """The theme's ``{{ product | json }}``: prices in cents."""
        data = self.product_json(head, offers)
        for variant in data["variants"]:
            variant["price"] = int(Decimal(variant["price"]) * 100)
            if variant["compare_at_price"] is not None:
                variant["compare_at_price"] = int(Decimal(variant["compare_at_price"]) * 100)
        return data
