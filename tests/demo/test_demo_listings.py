"""Category listings with pagination reach every product page; sitemaps list them all."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from demo_http import fetch
from parsel import Selector

from demo.shops import ShopsHandle, truth

# shop -> (category links on the home page, product links, next-page link)
LISTINGS = {
    "jsonshop": ("ul.home-cats a::attr(href)", "a.product-link::attr(href)",
                 "a.next::attr(href)"),
    "woostore": ("ul.product-categories a::attr(href)",
                 "a.woocommerce-LoopProduct-link::attr(href)", "a.next::attr(href)"),
    "shopifyish": ("ul.collection-list a::attr(href)",
                   "#product-grid a.full-unstyled-link::attr(href)", "a.next::attr(href)"),
    "plainshop": ("ul.kategorii a::attr(href)", "a.artikul-link::attr(href)",
                  "a.next::attr(href)"),
    "jsshop": ("ul.cats a::attr(href)", "a.tile-link::attr(href)", "a.next::attr(href)"),
}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("shop", sorted(LISTINGS))
def test_category_pagination_reaches_every_product(shops: ShopsHandle, shop: str) -> None:
    base = shops.base_urls[shop]
    cats_css, links_css, next_css = LISTINGS[shop]
    categories = Selector(text=fetch(base).text).css(cats_css).getall()
    assert categories
    found: set[str] = set()
    multi_page = 0
    for category in categories:
        url: str | None = urljoin(base, category)
        pages = 0
        while url and pages < 50:
            page = fetch(url)
            assert page.status == 200, url
            sel = Selector(text=page.text)
            found.update(_path(urljoin(url, href)) for href in sel.css(links_css).getall())
            nxt = sel.css(next_css).get()
            url = urljoin(url, nxt) if nxt else None
            pages += 1
        multi_page += pages > 1
    assert multi_page >= 1
    expected = {item.path for item in truth(shop, 0)}
    if shop == "shopifyish":
        expected = {path.split("?")[0] for path in expected}
    assert found == expected


@pytest.mark.parametrize("shop, sitemap", [("jsonshop", "/sitemap.xml"),
                                           ("woostore", "/product-sitemap.xml"),
                                           ("jsshop", "/sitemap.xml")])
def test_sitemaps_list_every_product_page(shops: ShopsHandle, shop: str, sitemap: str) -> None:
    base = shops.base_urls[shop]
    text = fetch(base.rstrip("/") + sitemap).text
    locs = {_path(u) for u in re.findall(r"<loc>(.*?)</loc>", text)}
    assert locs == {item.path for item in truth(shop, 0)}
    robots = fetch(base + "robots.txt").text
    assert "Disallow: /cart" in robots or "Disallow: /cart/" in robots
    assert "Disallow: /private/" in robots and "Sitemap: " in robots


def test_sitemap_indexes_point_at_product_sitemaps(shops: ShopsHandle) -> None:
    for shop in ("woostore", "shopifyish"):
        base = shops.base_urls[shop]
        index = fetch(base + "sitemap.xml").text
        assert "<sitemapindex" in index
        child = re.findall(r"<loc>(.*?)</loc>", index)[0]
        assert "<urlset" in fetch(child.replace("&amp;", "&")).text


@pytest.mark.parametrize("path", ["/c/tv?page=0", "/c/tv?page=999", "/c/nosuch", "/p/nosuch",
                                  "/c/tv?page=abc"])
def test_unknown_pages_are_404(shops: ShopsHandle, path: str) -> None:
    assert fetch(shops.base_urls["jsonshop"].rstrip("/") + path).status == 404


def test_plainshop_has_no_sitemap(shops: ShopsHandle) -> None:
    assert fetch(shops.base_urls["plainshop"] + "sitemap.xml").status == 404
    assert "Sitemap:" not in fetch(shops.base_urls["plainshop"] + "robots.txt").text
