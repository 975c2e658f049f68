"""Discovery with no hints (issue 17), on generated shops served over real HTTP: a sitemap
without `link_pattern` that also lists home, category and search pages (a django-oscar-
like and a WooCommerce-like shop), language versions of one product, sitemap entries and
links on other hosts, and category pages paginated without `next_page`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from storage.db import make_engine

from .support import crawl, stored_for_run

BUY = '<button type="submit" class="single_add_to_cart_button button">Add to cart</button>'


def woo_product(name: str, price: str, regular: str | None, cat: str) -> str:
    amount = ('<span class="woocommerce-Price-amount amount"><bdi>{}&nbsp;<span '
              'class="woocommerce-Price-currencySymbol">&euro;</span></bdi></span>')
    shown = (f"<del>{amount.format(regular)}</del> <ins>{amount.format(price)}</ins>"
             if regular else amount.format(price))
    return f"""<!doctype html><html lang="bg"><head><meta charset="utf-8"><title>{name}</title>
<link rel="stylesheet" href="/wp-content/plugins/woocommerce/assets/css/woocommerce.css"></head>
<body class="product-template-default single single-product woocommerce">
<header class="site-header"><ul class="site-header-cart"><li><a class="cart-contents" href="/cart/">
{amount.format("58,40")} 2 items</a></li></ul></header>
<div id="product-1" class="product type-product status-publish product_cat-{cat} sale instock">
<div class="summary entry-summary"><h1 class="product_title entry-title">{name}</h1>
<p class="price">{shown}</p><p class="stock in-stock">In stock</p>
<form class="cart">{BUY}</form>
<a href="https://partner.example.com/buy?id=1" class="button">Buy product</a>
</div></div>
<section class="related products"><ul class="products"><li class="product">
<span class="price">{amount.format("9,99")}</span></li></ul></section></body></html>"""


def woo_category(page: int, pages: int, products: list[str]) -> str:
    cards = "".join(
        f'<li class="product type-product"><a href="/product/{p}/"><h2>{p}</h2>'
        f'<span class="price"><span class="woocommerce-Price-amount amount">{10 + i},00 €'
        f'</span></span></a><a href="?add-to-cart={i}" class="button add_to_cart_button">'
        "Add to cart</a></li>" for i, p in enumerate(products))
    nav = (f'<a class="next page-numbers" href="/product-category/phones/page/{page + 1}/">'
           "&rarr;</a>" if page < pages else "")
    return (f'<!doctype html><html><head><title>Phones</title></head><body class="archive '
            f'tax-product_cat woocommerce"><h1 class="page-title">Phones</h1><ul class="products">'
            f'{cards}</ul><nav class="woocommerce-pagination">{nav}</nav></body></html>')


def oscar_product(name: str, price: str) -> str:
    return f"""<!doctype html><html lang="en"><head><title>{name} | Oscar</title></head><body>
<div class="container-fluid page"><div class="page_inner"><article class="product_page">
<div class="row"><div class="col-sm-6 product_main"><h1>{name}</h1>
<p class="price_color">{price}</p><p class="instock availability">In stock (12 available)</p>
<form action="/basket/add/1/" method="post"><button type="submit" class="btn btn-lg btn-primary
btn-add-to-basket">Add to basket</button></form></div></div></article></div></div></body></html>"""


def oscar_category(names: list[str]) -> str:
    pods = "".join(
        f'<li class="col-xs-6"><article class="product_pod"><h3><a href="/catalogue/{n}/">{n}'
        f'</a></h3><div class="product_price"><p class="price_color">£{10 + i}.00</p>'
        '<form><button type="submit" class="btn btn-primary btn-block">Add to basket</button>'
        "</form></div></article></li>" for i, n in enumerate(names))
    return (f"<!doctype html><html><head><title>Books | Oscar</title></head><body><div "
            f'class="page_inner"><h1>Books</h1><ol class="row">{pods}</ol></div></body></html>')


class Shop:
    """Pages by path (query included) on a real HTTP server."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.requested: list[str] = []
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                shop.requested.append(self.path)
                found = shop.pages.get(self.path)
                if found is None:
                    self.send_error(404)
                    return
                kind, body = found
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def html(self, path: str, text: str) -> None:
        self.pages[path] = ("text/html; charset=utf-8", text.encode())

    def xml(self, path: str, text: str) -> None:
        self.pages[path] = ("application/xml", text.encode())


@pytest.fixture
def shop() -> Iterator[Shop]:
    made = Shop()
    made.html("/robots.txt", "User-agent: *\nDisallow: /cart/\n")
    made.pages["/robots.txt"] = ("text/plain", b"User-agent: *\nDisallow: /cart/\n")
    made.thread.start()
    yield made
    made.server.shutdown()
    made.server.server_close()


def _competitors(tmp: Path, base: str, discovery: dict[str, Any]) -> Path:
    data = {"competitors": [{"name": "shop", "base_url": base, "currency": "EUR",
                             "locale": "bg_BG", "discovery": discovery}]}
    path = tmp / "competitors.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _urlset(base: str, paths: list[str], alternates: dict[str, dict[str, str]]) -> str:
    items = []
    for path in paths:
        links = "".join(f'<xhtml:link rel="alternate" hreflang="{lang}" href="{base}{p[1:]}"/>'
                        for lang, p in alternates.get(path, {}).items())
        loc = path if path.startswith("http") else base + path[1:]
        items.append(f"<url><loc>{loc}</loc>{links}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
            'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:xhtml="http://www.w3.org/1999/xhtml">' + "".join(items) + "</urlset>")


def test_a_sitemap_without_link_pattern_stores_only_product_pages(shop: Shop,
                                                                  tmp_path: Path) -> None:
    base = shop.base
    # WooCommerce-like products, one on sale in "accessories" (its regular price must be
    # right on the first crawl), and the same product in three languages.
    shop.html("/product/case/", woo_product("Калъф", "19,00", "25,00", "accessories"))
    shop.html("/product/phone/", woo_product("Телефон", "299,00", None, "phones"))
    for lang in ("en", "de", "bg"):
        shop.html(f"/{lang}/product/cable/", woo_product(f"Cable {lang}", "9,00", None, "cables"))
    shop.html("/product-category/phones/", woo_category(1, 1, ["phone", "case"]))
    shop.html("/", woo_category(1, 1, ["phone", "case", "cable"]).replace("Phones", "Home"))
    shop.html("/?s=phone", woo_category(1, 1, ["phone"]).replace("archive", "search-results"))
    # django-oscar-like pages in the same sitemap
    shop.html("/catalogue/book-one/", oscar_product("Book one", "£12.99"))
    shop.html("/catalogue/category/books_2/", oscar_category(["book-one", "book-two"]))
    shop.html("/about/", "<html><body><h1>About us</h1><p>Since 1999.</p></body></html>")
    cable = {"en": "/en/product/cable/", "de": "/de/product/cable/", "bg": "/bg/product/cable/"}
    shop.xml("/sitemap.xml", _urlset(base, [
        "/", "/?s=phone", "/product-category/phones/", "/product/case/", "/product/phone/",
        "/en/product/cable/", "/de/product/cable/", "/bg/product/cable/",
        "/catalogue/book-one/", "/catalogue/category/books_2/", "/about/",
        "https://www.example.com/product/elsewhere/",
    ], {p: cable for p in cable.values()}))
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    path = _competitors(tmp_path, base, {"kind": "sitemap", "sitemap_url": "/sitemap.xml"})
    [summary] = crawl(path, ["shop"], db_url)
    assert summary.status == "finished", summary.error
    stored = stored_for_run(make_engine(db_url), summary.crawl_run_id or 0)
    assert {url for url, _ in stored} == {
        f"{base}product/case/", f"{base}product/phone/", f"{base}bg/product/cable/",
        f"{base}catalogue/book-one/"}
    case = stored[(f"{base}product/case/", "")].observation
    assert (case.price, case.regular_price) == (Decimal("19.00"), Decimal("25.00"))
    assert stored[(f"{base}catalogue/book-one/", "")].observation.price == Decimal("12.99")
    discovery = summary.stats["discovery"]
    assert discovery["not_product_pages"] == 5  # home, search, category x2, about
    assert discovery["language_duplicates"] == 2
    assert discovery["off_host_sitemap_urls"] == 1
    reasons = " ".join(e["reason"] for e in summary.stats["discovery_errors"])
    assert "1 of 12 sitemap URLs point to www.example.com" in reasons
    assert not any("/en/" in p or "/de/" in p for p in shop.requested)


def test_category_pages_paginate_by_themselves_and_stay_on_the_host(shop: Shop,
                                                                    tmp_path: Path) -> None:
    base = shop.base
    names = [f"item-{i}" for i in range(6)]
    shop.html("/product-category/phones/", woo_category(1, 3, names[:2]).replace(
        "</ul>", '<li><a href="https://partner.example.com/product/elsewhere/">Buy product'
        "</a></li></ul>"))
    shop.html("/product-category/phones/page/2/", woo_category(2, 3, names[2:4]))
    shop.html("/product-category/phones/page/3/", woo_category(3, 3, names[4:]))
    for i, name in enumerate(names):
        shop.html(f"/product/{name}/", woo_product(name, f"{10 + i},00", None, "phones"))
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    path = _competitors(tmp_path, base, {"kind": "category",
                                         "start_urls": ["/product-category/phones/"],
                                         "link_pattern": "/product/"})
    [summary] = crawl(path, ["shop"], db_url)
    assert summary.status == "finished", summary.error
    stored = stored_for_run(make_engine(db_url), summary.crawl_run_id or 0)
    assert {url for url, _ in stored} == {f"{base}product/{n}/" for n in names}
    assert summary.stats["discovery"]["listing_pages"] == 3
    assert summary.stats["discovery"]["off_host_links"] == 1  # counted, never requested
    assert not summary.stats["discovery_errors"]


def test_a_single_listing_page_is_reported_on_a_first_run(shop: Shop, tmp_path: Path) -> None:
    base = shop.base
    shop.html("/shop/", woo_category(1, 1, ["solo"]))
    shop.html("/product/solo/", woo_product("Solo", "10,00", None, "x"))
    path = _competitors(tmp_path, base, {"kind": "category", "start_urls": ["/shop/"],
                                         "link_pattern": "/product/"})
    [summary] = crawl(path, ["shop"], f"sqlite:///{tmp_path / 'crawl.db'}")
    assert summary.status == "finished", summary.error
    reasons = " ".join(e["reason"] for e in summary.stats["discovery_errors"])
    assert "only 1 listing page(s) found" in reasons
