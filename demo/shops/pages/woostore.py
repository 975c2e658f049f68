"""`woostore`: a WooCommerce-like shop in English with euro prices ("1.299,00 €").

Product pages use WooCommerce's markup (``<p class="price"><del>..</del> <ins>..</ins></p>``,
``woocommerce-Price-amount`` spans, ``<p class="stock in-stock">``) and no JSON-LD, as on a
shop whose SEO plugin removed it; the mini-cart in the header is also a
``woocommerce-Price-amount`` (a trap for readers that take the first one). The WooCommerce
Store API answers ``/wp-json/wc/store/v1/products?page=N&per_page=M`` with prices in minor
units, as the real one does (``regular_price`` equals ``price`` when not on sale).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from demo.shops.pages.base import Identifiers, Request, ShopSite
from demo.shops.pages.common import (
    NBSP,
    Listing,
    Response,
    description,
    esc,
    eur_de,
    promo_text,
    terms_lines,
)
from demo.shops.simulation import Offer
from demo.shops.universe import Product

API = "/wp-json/wc/store/v1/products"


def woo_amount(amount: Decimal) -> str:
    """WooCommerce's price HTML for one amount."""
    whole, cents = eur_de(amount).replace(NBSP + "€", "").split(",")
    return (f'<span class="woocommerce-Price-amount amount"><bdi>{whole},{cents}&nbsp;'
            '<span class="woocommerce-Price-currencySymbol">&euro;</span></bdi></span>')


def price_html(offer: Offer) -> str:
    """The ``<p class="price">`` contents."""
    if offer.regular_price is None:
        return woo_amount(offer.price)
    return (f'<del aria-hidden="true">{woo_amount(offer.regular_price)}</del> '
            f'<span class="screen-reader-text">Original price was: '
            f"{esc(eur_de(offer.regular_price))}.</span>"
            f'<ins aria-hidden="true">{woo_amount(offer.price)}</ins>'
            f'<span class="screen-reader-text">Current price is: {esc(eur_de(offer.price))}.'
            "</span>")


def _stock(offer: Offer) -> tuple[str, str]:
    if offer.availability == "OutOfStock":
        return "out-of-stock", "Out of stock"
    if offer.availability == "LimitedAvailability":
        return "in-stock", "Only 2 left in stock"
    return "in-stock", "In stock"


def _minor(amount: Decimal) -> str:
    return str(int(amount * 100))


class WooStore(ShopSite):
    name = "woostore"
    sale_badge = True
    robots_disallow = ("/wp-admin/", "/cart/", "/checkout/", "/my-account/", "/private/",
                       "/__control/")

    def product_path(self, product: Product) -> str:
        return f"/product/{product.key}/"

    def identifiers(self, listing: Listing) -> Identifiers:
        p = listing.product
        return Identifiers(p.name_en, f"WS-{p.pid:05d}", p.gtin, None, p.brand)

    def post_id(self, product: Product) -> int:
        return 100 + product.pid

    # ------------------------------------------------------------ routes

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/sitemap.xml":
            return self.sitemap_index([request.absolute("/product-sitemap.xml")])
        if path == "/product-sitemap.xml":
            return self.urlset([request.absolute(lst.path) for lst in self.listings])
        if path == API:
            return self.store_api(request)
        if path.startswith(API + "/"):
            return self.store_api_one(request, path[len(API) + 1:])
        if path in ("/", "/shop/") or path.startswith("/shop/page/"):
            return self.archive(request, self.products, "/shop/", "Shop", path)
        if path.startswith("/product-category/"):
            slug = path.split("/")[2]
            if slug not in self.by_category:
                return Response.not_found()
            items = self.by_category[slug]
            return self.archive(request, items, f"/product-category/{slug}/",
                                items[0].category.name_en, path)
        if path in self.listing_by_path:
            return self.product(request, self.listing_by_path[path])
        return Response.not_found()

    def layout(self, title: str, body: str, body_class: str, head: str = "") -> str:
        cats = "".join(
            f'<li class="cat-item"><a href="/product-category/{slug}/">'
            f"{esc(items[0].category.name_en)}</a></li>"
            for slug, items in self.by_category.items()
        )
        return f"""<!DOCTYPE html>
<html lang="en-IE"><head><meta charset="UTF-8"><title>{esc(title)} &#8211; Woo Store</title>
<link rel='stylesheet' id='woocommerce-general-css' href='/wp-content/plugins/woocommerce/assets/css/woocommerce.css' media='all' />
{head}</head>
<body class="{body_class} woocommerce woocommerce-page theme-storefront">
<header id="masthead" class="site-header"><div class="site-branding"><a href="/">Woo Store</a></div>
<ul id="site-header-cart" class="site-header-cart menu"><li><a class="cart-contents" href="/cart/" title="View your shopping cart">{woo_amount(Decimal("58.40"))} <span class="count">2 items</span></a></li></ul>
<nav class="main-navigation"><ul class="product-categories">{cats}</ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
{body}
</main></div></div>
<footer class="site-footer"><p>&copy; Woo Store Ltd. Prices include VAT.</p></footer>
</body></html>"""

    def archive(self, request: Request, items: list[Product], base: str, title: str,
                path: str) -> Response:
        page = 1
        rest = path[len(base):] if path.startswith(base) else ""
        if rest:
            bits = rest.strip("/").split("/")
            if len(bits) != 2 or bits[0] != "page" or not bits[1].isdigit():
                return Response.not_found()
            page = int(bits[1])
        chunk, pages = self.paginate(items, page)
        if not chunk or page < 1:
            return Response.not_found()
        offers = self.offers(request.day)
        cards = "".join(
            f'<li class="product type-product post-{self.post_id(p)} '
            f'{"instock" if offers[p.pid].availability != "OutOfStock" else "outofstock"}">'
            f'<a href="{self.product_path(p)}" class="woocommerce-LoopProduct-link '
            f'woocommerce-loop-product__link"><h2 class="woocommerce-loop-product__title">'
            f'{esc(p.name_en)}</h2><span class="price">{price_html(offers[p.pid])}</span></a></li>'
            for p in chunk
        )
        links = []
        if page > 1:
            links.append(f'<a class="prev page-numbers" href="{base}page/{page - 1}/">&larr;</a>')
        if page < pages:
            links.append(f'<a class="next page-numbers" href="{base}page/{page + 1}/">&rarr;</a>')
        body = (f'<h1 class="woocommerce-products-header__title page-title">{esc(title)}</h1>'
                f'<ul class="products columns-4">{cards}</ul>'
                f'<nav class="woocommerce-pagination">{" ".join(links)}</nav>')
        return Response.html(self.layout(title, body, "archive post-type-archive"))

    def product(self, request: Request, listing: Listing) -> Response:
        offers = self.offers(request.day)
        p = listing.product
        offer = offers[p.pid]
        ident = self.identifiers(listing)
        stock_class, stock_text = _stock(offer)
        sale = offer.regular_price is not None
        classes = (f"product type-product post-{self.post_id(p)} status-publish "
                   f"{'instock' if offer.availability != 'OutOfStock' else 'outofstock'} "
                   f"product_cat-{p.category.slug} has-post-thumbnail"
                   f"{' sale' if sale else ''} shipping-taxable purchasable product-type-simple")
        if request.drift:
            price_part = ""
        else:
            promos = "".join(
                f'<li class="pw-promo pw-promo--{pr.kind}">{esc(promo_text(pr, "en", eur_de))}'
                "</li>" for pr in offer.promos
            )
            save = ""
            if sale:
                assert offer.regular_price is not None
                save = (f'<p class="you-save">You save '
                        f"{woo_amount(offer.regular_price - offer.price)}</p>")
            unit = ""
            if offer.per_unit is not None and p.pack is not None:
                unit = (f'<p class="unit-price">{woo_amount(offer.per_unit)} / '
                        f"{p.pack.base_unit_en}</p>")
            price_part = (
                ('<span class="onsale">Sale!</span>' if sale else "")
                + f'<p class="price">{price_html(offer)}</p>{unit}{save}'
                + (f'<ul class="pw-promotions woocommerce-info">{promos}</ul>' if promos else "")
                + f'<p class="stock {stock_class}">{stock_text}</p>'
            )
        terms = terms_lines(offer, self.spec, eur_de)
        terms_html = "".join(f'<li class="pw-term pw-term--{k}">{esc(v)}</li>'
                             for k, v in terms.items())
        related = "".join(
            f'<li class="product"><a href="{self.product_path(r)}">'
            f'<h2 class="woocommerce-loop-product__title">{esc(r.name_en)}</h2>'
            f'<span class="price">{price_html(offers[r.pid])}</span></a></li>'
            for r in self.related(p)
        )
        body = f"""<nav class="woocommerce-breadcrumb"><a href="/">Home</a> / <a href="/product-category/{p.category.slug}/">{esc(p.category.name_en)}</a> / {esc(ident.title)}</nav>
<div id="product-{self.post_id(p)}" class="{classes}">
<div class="woocommerce-product-gallery"><img src="/wp-content/uploads/{p.key}.jpg" alt=""></div>
<div class="summary entry-summary">
<h1 class="product_title entry-title">{esc(ident.title)}</h1>
{price_part}
<div class="woocommerce-product-details__short-description"><ul class="pw-terms">{terms_html}</ul></div>
<form class="cart" action="/product/{p.key}/" method="post"><button type="submit" name="add-to-cart" value="{self.post_id(p)}" class="single_add_to_cart_button button alt">Add to cart</button></form>
<div class="product_meta">
<span class="sku_wrapper">SKU: <span class="sku">{ident.sku}</span></span>
<span class="gtin_wrapper">GTIN: <span class="gtin">{p.gtin}</span></span>
<span class="posted_in">Category: <a href="/product-category/{p.category.slug}/" rel="tag">{esc(p.category.name_en)}</a></span>
<span class="posted_in brand">Brand: <a href="/brand/{p.brand.lower()}/" rel="tag">{esc(p.brand)}</a></span>
</div></div>
<div class="woocommerce-tabs wc-tabs-wrapper"><div class="woocommerce-Tabs-panel woocommerce-Tabs-panel--description" id="tab-description"><h2>Description</h2>{description(p, "en", 3)}</div></div>
<section class="related products"><h2>Related products</h2><ul class="products columns-4">{related}</ul></section>
</div>"""
        return Response.html(self.layout(
            ident.title, body,
            f"product-template-default single single-product postid-{self.post_id(p)}"))

    # ------------------------------------------------------------ Store API

    def api_product(self, request: Request, product: Product, offer: Offer) -> dict[str, Any]:
        stock_class, stock_text = _stock(offer)
        regular = offer.regular_price or offer.price
        return {
            "id": self.post_id(product),
            "name": product.name_en,
            "slug": product.key,
            "parent": 0,
            "type": "simple",
            "variation": "",
            "permalink": request.absolute(self.product_path(product)),
            "sku": f"WS-{product.pid:05d}",
            "short_description": "",
            "description": f"<p>{esc(product.name_en)}</p>",
            "on_sale": offer.regular_price is not None,
            "prices": {
                "price": _minor(offer.price),
                "regular_price": _minor(regular),
                "sale_price": _minor(offer.price),
                "price_range": None,
                "currency_code": "EUR",
                "currency_symbol": "€",
                "currency_minor_unit": 2,
                "currency_decimal_separator": ",",
                "currency_thousand_separator": ".",
                "currency_prefix": "",
                "currency_suffix": " €",
            },
            "price_html": price_html(offer),
            "average_rating": "0",
            "review_count": 0,
            "images": [{"id": 900 + product.pid,
                        "src": request.absolute(f"/wp-content/uploads/{product.key}.jpg"),
                        "name": product.key, "alt": ""}],
            "categories": [{"id": 10 + list(self.by_category).index(product.category.slug),
                            "name": product.category.name_en, "slug": product.category.slug,
                            "link": request.absolute(
                                f"/product-category/{product.category.slug}/")}],
            "tags": [],
            "brands": [{"id": 1, "name": product.brand, "slug": product.brand.lower()}],
            "attributes": [],
            "variations": [],
            "has_options": False,
            "is_purchasable": True,
            "is_in_stock": offer.availability != "OutOfStock",
            "is_on_backorder": False,
            "low_stock_remaining": 2 if offer.availability == "LimitedAvailability" else None,
            "stock_availability": {"text": stock_text, "class": stock_class},
            "sold_individually": False,
            "add_to_cart": {"text": "Add to cart", "description": f"Add “{product.name_en}”",
                            "minimum": 1, "maximum": 9999, "multiple_of": 1},
            "extensions": {},
        }

    def store_api(self, request: Request) -> Response:
        page_raw = request.query.get("page", "1")
        per_raw = request.query.get("per_page", "10")
        if not (page_raw.isdigit() and per_raw.isdigit()) or int(page_raw) < 1 or not (
                1 <= int(per_raw) <= 100):
            return Response(400, b'{"code":"rest_invalid_param","message":"Invalid parameter(s):'
                            b' page, per_page","data":{"status":400}}',
                            {"Content-Type": "application/json; charset=UTF-8"})
        page, per = int(page_raw), int(per_raw)
        offers = self.offers(request.day)
        chunk = self.products[(page - 1) * per: page * per]
        data = [self.api_product(request, p, offers[p.pid]) for p in chunk]
        total = len(self.products)
        return Response.json(data, {"X-WP-Total": str(total),
                                    "X-WP-TotalPages": str(math.ceil(total / per))})

    def store_api_one(self, request: Request, ident: str) -> Response:
        if not ident.isdigit():
            return Response.not_found()
        pid = int(ident) - 100
        if pid < 0 or pid >= len(self.universe) or self.universe[pid] not in self.products:
            return Response.not_found()
        product = self.universe[pid]
        return Response.json(self.api_product(request, product, self.offers(request.day)[pid]))
