"""A static demo shop of any size, for crawl benchmarks served by nginx.

``generate_static(out, products=5000, style="jsonld"|"plain")`` writes:

* ``p/<slug>.html``: product pages of about 40 KB like real ones (navigation menu, inline
  CSS, description, specification table, related products, footer); ``jsonld`` pages
  carry a Product/Offer JSON-LD, ``plain`` pages only plainshop's own classes (read with
  :data:`demo.shops.pages.plainshop.SELECTORS`);
* ``c/<category>/index.html``, ``c/<category>/page-N.html``: listings with ``a.next``;
* ``index.html``, ``sitemap.xml`` (every product page), ``robots.txt``;
* ``_truth.jsonl``: one ``{"path", "price", "regular_price", "currency", "availability"}``
  per product page, for checking a crawl (not linked from any page).

Everything is fixed by the seed. Links are relative to the server root; the sitemap's
URLs are absolute, so :func:`rebase_static` rewrites sitemap.xml and robots.txt once the
server's address is known (``_paths.txt`` lists the product paths for it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from demo.shops.pages.common import eur_bg, jsonld_script, plain_number
from demo.shops.pages.plainshop import SELECTORS as PLAIN_SELECTORS
from demo.shops.universe import (
    Product,
    build_universe,
    charm,
    gtin_check_digit,
    money,
    stable_fraction,
)

PER_LISTING_PAGE = 48
TARGET_PAGE_BYTES = 40_000
BENCH_HOST_PLACEHOLDER = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class StaticStats:
    """What :func:`generate_static` wrote."""

    pages: int
    listing_pages: int
    bytes: int  # total size of the product pages


@dataclass(frozen=True)
class _Item:
    index: int
    base: Product
    slug: str
    title: str
    gtin: str
    mpn: str
    price: Decimal
    regular: Decimal | None
    availability: str


def _items(count: int, seed: int) -> list[_Item]:
    universe = build_universe(seed)
    items: list[_Item] = []
    for index in range(count):
        base = universe[index % len(universe)]
        series = index // len(universe)
        body = "381" + f"{index:09d}"
        factor = Decimal(str(round(0.9 + 0.2 * stable_fraction(seed, "bench", index), 3)))
        price = charm(base.base_price * factor)
        regular = None
        if stable_fraction(seed, "bench-sale", index) < 0.2:
            regular, price = price, money(price * Decimal("0.85"))
        availability = "OutOfStock" if stable_fraction(seed, "bench-oos", index) < 0.07 else (
            "InStock")
        suffix = f" (серия {series + 1})" if series else ""
        items.append(_Item(index, base, f"{base.key}-{index}", base.name_bg + suffix,
                           body + gtin_check_digit(body), f"{base.mpn}-{index}", price, regular,
                           availability))
    return items


def _css() -> str:
    rules = []
    for i in range(60):
        rules.append(f".c{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}px;color:#{i:02x}{i:02x}"
                     f"{(i * 3) % 256:02x};font-size:{12 + i % 6}px;line-height:1.{i % 9}}}")
    return "<style>" + "".join(rules) + "</style>"


def _menu(categories: list[str]) -> str:
    parts = ['<nav class="mega-menu"><ul>']
    for slug in categories:
        subs = "".join(f'<li><a href="/c/{slug}/index.html?f={n}">Подкатегория {n} '
                       f"– {escape(slug)}</a></li>" for n in range(1, 13))
        parts.append(f'<li class="top"><a href="/c/{slug}/index.html">{escape(slug)}</a>'
                     f"<ul class='sub'>{subs}</ul></li>")
    parts.append("</ul></nav>")
    return "".join(parts)


def _footer() -> str:
    columns = []
    for col in range(4):
        links = "".join(f'<li><a href="/info/{col}-{n}.html">Информация {col}.{n}</a></li>'
                        for n in range(12))
        columns.append(f"<div class='col'><h4>Колона {col + 1}</h4><ul>{links}</ul></div>")
    return ("<footer class='site-footer'>" + "".join(columns)
            + "<p>Бенч Шоп ЕООД · цени с ДДС</p></footer>")


def _specs(item: _Item) -> str:
    rows = "".join(
        f"<tr><th>Характеристика {n}</th><td>Стойност {(item.index * 7 + n) % 97} "
        f"{escape(item.base.brand)}</td></tr>" for n in range(40)
    )
    return f"<table class='specs'>{rows}</table>"


def _description(item: _Item, paragraphs: int) -> str:
    text = (f"{item.title} от {item.base.brand} е надежден избор за всеки дом. Продуктът е "
            "внимателно подбран от нашия екип и преминава строг контрол на качеството. "
            "Поръчайте днес и се възползвайте от бързата ни доставка до всяка точка на "
            "страната. Гаранцията покрива фабрични дефекти. ")
    return "".join(f"<p class='c{n % 60}'>{escape(text)}</p>" for n in range(paragraphs))


def _jsonld(item: _Item, url: str) -> str:
    offer: dict[str, Any] = {
        "@type": "Offer", "price": plain_number(item.price), "priceCurrency": "EUR",
        "availability": "https://schema.org/" + item.availability, "url": url,
    }
    if item.regular is not None:
        offer["priceSpecification"] = {
            "@type": "UnitPriceSpecification",
            "priceType": "https://schema.org/StrikethroughPrice",
            "price": plain_number(item.regular), "priceCurrency": "EUR"}
    return jsonld_script({
        "@context": "https://schema.org", "@type": "Product", "name": item.title,
        "sku": f"B-{item.index:06d}", "gtin13": item.gtin, "mpn": item.mpn,
        "brand": {"@type": "Brand", "name": item.base.brand}, "offers": offer,
    })


def _price_block(item: _Item) -> str:
    old = f'<span class="cena-old">{eur_bg(item.regular)}</span> ' if item.regular else ""
    stock = "В наличност" if item.availability == "InStock" else "Изчерпан"
    return (f'<div class="ceni">{old}<span class="cena-now">{eur_bg(item.price)}</span></div>'
            f'<div class="nalichnost">{stock}</div>')


def _product_page(item: _Item, related: list[_Item], style: str,
                  chrome: tuple[str, str, str], paragraphs: int) -> str:
    css, menu, footer = chrome
    url = f"/p/{item.slug}.html"
    head = _jsonld(item, url) if style == "jsonld" else ""
    rel = "".join(f'<li><a href="/p/{r.slug}.html">{escape(r.title)}</a> '
                  f'<span class="rel-cena">{eur_bg(r.price)}</span></li>' for r in related)
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{escape(item.title)} | Бенч Шоп</title>
{css}{head}</head>
<body><header><a href="/" class="logo">Бенч Шоп</a><a href="/cart" class="kolichka">Количка (1) {eur_bg(Decimal("19.99"))}</a></header>
{menu}
<main><div class="artikul-karta">
<h1 class="ime">{escape(item.title)}</h1>
<div class="danni"><span class="kod">Код: <b>B-{item.index:06d}</b></span> <span class="katnomer">Кат. номер: <b>{escape(item.mpn)}</b></span> <span class="marka">Марка: <b>{escape(item.base.brand)}</b></span></div>
{_price_block(item)}
<form action="/cart" method="post"><button>Купи</button></form>
<div class="usloviya"><p class="dostavka-cena">Доставка: 2,49 €</p><p class="srok">Доставка 1-3 работни дни</p><p class="garanciya">Гаранция 24 месеца</p><p class="vrashtane">14 дни право на връщане</p></div>
<div class="opisanie">{_description(item, paragraphs)}{_specs(item)}</div>
</div>
<div class="vizh-oshte"><h3>Вижте още</h3><ul>{rel}</ul></div></main>
{footer}</body></html>
"""


def _listing_page(slug: str, chunk: list[_Item], page: int, pages: int) -> str:
    links = "".join(f'<li><a class="artikul-link" href="/p/{i.slug}.html">{escape(i.title)}</a>'
                    f' <span class="cena">{eur_bg(i.price)}</span></li>' for i in chunk)
    nxt = (f'<a class="next" href="/c/{slug}/page-{page + 1}.html">Следваща</a>'
           if page < pages else "")
    return (f"<!DOCTYPE html><html lang='bg'><head><meta charset='utf-8'><title>{slug} - "
            f"страница {page}</title></head><body><h1>{slug}</h1><ul>{links}</ul>{nxt}"
            "</body></html>")


def generate_static(out: Path, products: int = 5000, style: str = "jsonld", seed: int = 42,
                    base_url: str = BENCH_HOST_PLACEHOLDER) -> StaticStats:
    """Write a static shop into `out` (see the module docstring)."""
    if style not in ("jsonld", "plain"):
        raise ValueError(f"style must be 'jsonld' or 'plain', not {style!r}")
    items = _items(products, seed)
    base_url = base_url.rstrip("/")
    (out / "p").mkdir(parents=True, exist_ok=True)
    by_category: dict[str, list[_Item]] = {}
    for item in items:
        by_category.setdefault(item.base.category.slug, []).append(item)
    chrome = (_css(), _menu(list(by_category)), _footer())
    probe = _product_page(items[0], items[1:9], style, chrome, 0)
    per_paragraph = len(_description(items[0], 1).encode())
    paragraphs = max(1, (TARGET_PAGE_BYTES - len(probe.encode())) // per_paragraph)
    total = 0
    truth_lines = []
    for item in items:
        group = by_category[item.base.category.slug]
        pos = group.index(item) if len(group) < 64 else item.index // len(by_category)
        related = [group[(pos + k) % len(group)] for k in range(1, 9)]
        html = _product_page(item, related, style, chrome, paragraphs).encode()
        (out / "p" / f"{item.slug}.html").write_bytes(html)
        total += len(html)
        truth_lines.append(json.dumps({
            "path": f"/p/{item.slug}.html", "price": str(item.price),
            "regular_price": str(item.regular) if item.regular else None, "currency": "EUR",
            "availability": item.availability}))
    listing_pages = 0
    for slug, group in by_category.items():
        folder = out / "c" / slug
        folder.mkdir(parents=True, exist_ok=True)
        pages = max(1, -(-len(group) // PER_LISTING_PAGE))
        for page in range(1, pages + 1):
            chunk = group[(page - 1) * PER_LISTING_PAGE: page * PER_LISTING_PAGE]
            name = "index.html" if page == 1 else f"page-{page}.html"
            (folder / name).write_text(_listing_page(slug, chunk, page, pages), encoding="utf-8")
            listing_pages += 1
    cats = "".join(f'<li><a href="/c/{slug}/index.html">{slug}</a></li>' for slug in by_category)
    (out / "index.html").write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Бенч Шоп</title></head>"
        f"<body><ul>{cats}</ul></body></html>", encoding="utf-8")
    (out / "_paths.txt").write_text("".join(f"/p/{i.slug}.html\n" for i in items),
                                    encoding="utf-8")
    rebase_static(out, base_url)
    (out / "_truth.jsonl").write_text("\n".join(truth_lines) + "\n", encoding="utf-8")
    return StaticStats(len(items), listing_pages, total)


def rebase_static(out: Path, base_url: str) -> None:
    """(Re)write sitemap.xml and robots.txt with absolute URLs under `base_url`.

    The generator does not know the port nginx will get; `bench/nginx_shop.py` calls this
    once the port is chosen.
    """
    base_url = base_url.rstrip("/")
    paths = (out / "_paths.txt").read_text(encoding="utf-8").split()
    urls = "".join(f"<url><loc>{base_url}{path}</loc></url>\n" for path in paths)
    (out / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
        f'schemas/sitemap/0.9">\n{urls}</urlset>\n', encoding="utf-8")
    (out / "robots.txt").write_text(
        "User-agent: *\nDisallow: /cart\nDisallow: /private/\n\n"
        f"Sitemap: {base_url}/sitemap.xml\n", encoding="utf-8")


def bench_competitor(style: str, base_url: str, name: str | None = None) -> dict[str, Any]:
    """A competitors.yaml entry (dict) for a static bench shop served at `base_url`."""
    entry: dict[str, Any] = {
        "name": name or f"bench-{style}",
        "base_url": base_url,
        "country": "BG",
        "currency": "EUR",
        "locale": "bg_BG",
        "discovery": {"kind": "sitemap", "sitemap_url": "/sitemap.xml",
                      "link_pattern": "/p/[^/?]+\\.html$"},
        "politeness": {"concurrency_per_domain": 16, "autothrottle": False},
    }
    if style == "plain":
        entry["selectors"] = {k: PLAIN_SELECTORS[k] for k in
                              ("title", "price", "regular_price", "availability", "sku", "mpn",
                               "brand")}
    return entry
