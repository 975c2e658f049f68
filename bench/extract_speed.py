"""Extraction speed: per-page milliseconds and `pricewatch extract --batch` wall time.

Prints, for the 40 shared real pages (skipped with a message when ../shared is
absent): median/p90/max ms per page in-process and the wall time of one
``pricewatch extract --batch`` run over them, start-up included (target < 5 s).
Then, on the crawl bench's own static demo-shop pages (~40 KB, generated here with
demo.shops.static) and one synthetic Bulgarian page: CPU ms per page for lxml
parsing alone, the full extractor, and the ``prefer`` fast paths a crawl of a
known shop takes (JSON-LD; per-site selectors).

    .venv/bin/python bench/extract_speed.py
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import html as lxml_html  # noqa: E402

from spiders.extraction import ExtractionHints, extract  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "product-pages"


def synthetic_page(target_kb: int = 42) -> bytes:
    """A shop-like product page: header, nav, JSON-LD, product block, related items."""
    nav = "".join(f'<li><a href="/c/{i}">Category {i}</a></li>' for i in range(40))
    related = "".join(
        f'<div class="product-card"><a href="/p/{i}"><img src="/i/{i}.jpg" alt="x">'
        f'<h3>Related product {i}</h3></a><span class="price">{10 + i},99 лв.</span>'
        f'<button class="add-to-cart">Добави в количката</button></div>'
        for i in range(24)
    )
    ld = json.dumps({
        "@context": "https://schema.org", "@type": "Product", "name": "Кафемашина Brava 3000",
        "sku": "BR-3000", "gtin13": "4006381333931", "brand": {"@type": "Brand", "name": "Brava"},
        "offers": {"@type": "Offer", "price": "349.00", "priceCurrency": "BGN",
                   "availability": "https://schema.org/InStock",
                   "priceValidUntil": "2026-12-31"},
    }, ensure_ascii=False)
    body = (
        '<!doctype html><html lang="bg"><head><meta charset="utf-8"><title>Кафемашина Brava 3000'
        f'</title><script type="application/ld+json">{ld}</script>'
        '<style>body{font-family:sans-serif}</style></head><body>'
        f'<header class="site-header"><nav><ul>{nav}</ul></nav>'
        '<div class="mini-cart">Количка: 0,00 лв.</div></header>'
        '<main><div class="product"><h1>Кафемашина Brava 3000</h1>'
        '<div class="price-box"><del class="old-price">399,00 лв.</del>'
        '<span class="price">349,00 лв.</span></div>'
        '<p class="stock in-stock">В наличност</p>'
        '<p class="promo">Код: SAVE10 -10%</p><p>Безплатна доставка над 100 лв.</p>'
        '<p>Гаранция 24 месеца. Доставка до 2-4 дни. 30 дни право на връщане.</p>'
        '<button class="add-to-cart">Добави в количката</button>'
        '<div class="description">' + ("<p>Описание на продукта. " * 6 + "</p>") * 12 +
        f'</div></div><section class="related-products">{related}</section></main>'
        '<footer><p>© Shop</p></footer></body></html>'
    )
    page = body.encode("utf-8")
    filler = b"<!-- " + b"x" * max(0, target_kb * 1024 - len(page) - 10) + b" -->"
    return page.replace(b"</body>", filler + b"</body>")


def corpus_figures() -> None:
    """Per-page ms over the real pages and the batch CLI wall time."""
    truth_path = CORPUS / "ground-truth.json"
    if not truth_path.exists():
        print(f"SKIPPED corpus figures: {CORPUS} not found (needs ../shared)")
        return
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages = [(gzip.decompress((CORPUS / "html" / f"{k}.html.gz").read_bytes()), v["url"])
             for k, v in sorted(truth.items())]
    times = []
    for body, url in pages:
        start = time.perf_counter()
        extract(body, url=url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    sizes = sorted(len(b) for b, _ in pages)
    print(f"real pages: {len(pages)} (median size {sizes[len(sizes) // 2] // 1024} KB)")
    print(f"  extract ms/page: median {times[len(times) // 2]:.1f}, "
          f"p90 {times[int(len(times) * 0.9)]:.1f}, max {times[-1]:.1f}")
    lines = "".join(json.dumps({"path": str(CORPUS / "html" / f"{k}.html.gz"), "url": v["url"]})
                    + "\n" for k, v in sorted(truth.items()))
    exe = Path(sys.executable).with_name("pricewatch")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "monitor"]
    start = time.perf_counter()
    done = subprocess.run([*command, "extract", "--batch"], input=lines, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - start
    outputs = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    priced = sum(1 for o in outputs if o.get("price"))
    print(f"  pricewatch extract --batch: {len(outputs)} pages in {wall:.2f} s wall "
          f"(start-up included; target < 5 s), {priced} with a price, exit {done.returncode}")


def _cpu_ms_per_page(pages: list[bytes], fn: Callable[[bytes], object], rounds: int) -> float:
    """CPU milliseconds per page (process time: steadier than wall time on a busy machine)."""
    for body in pages[:5]:
        fn(body)
    start = time.process_time()
    for _ in range(rounds):
        for body in pages:
            fn(body)
    return (time.process_time() - start) * 1000 / (rounds * len(pages))


def shop_pages(style: str, count: int = 60) -> list[bytes]:
    """Product pages of the crawl bench's static demo shop (about 40 KB each)."""
    from demo.shops.static import generate_static

    with tempfile.TemporaryDirectory() as folder:
        generate_static(Path(folder), products=count, style=style)
        return [p.read_bytes() for p in sorted((Path(folder) / "p").glob("*.html"))]


def synthetic_figures() -> None:
    """ms per ~40 KB page: parse only, full extractor, and the fast paths a crawl takes."""
    from demo.shops.pages.plainshop import SELECTORS

    url = "https://shop.example.bg/p/x"
    json_pages = shop_pages("jsonld")
    plain_pages = shop_pages("plain")
    own = [synthetic_page()]
    size = sum(map(len, json_pages)) // len(json_pages) // 1024
    fast = ExtractionHints(prefer="jsonld", currency="BGN", language="bg")
    quick = ExtractionHints(prefer="jsonld", currency="BGN", language="bg", read_text=False)
    sel = ExtractionHints(prefer="selectors", currency="BGN", language="bg", selectors=SELECTORS)
    rows = [
        ("lxml parse only (json-ld shop)", json_pages, lambda b: lxml_html.document_fromstring(b)),
        ("extract, no hints (json-ld shop)", json_pages, lambda b: extract(b, url)),
        ("extract prefer=jsonld (crawl fast path)", json_pages,
         lambda b: extract(b, url, fast)),
        ("  same, read_text=False (prices only)", json_pages, lambda b: extract(b, url, quick)),
        ("extract with selectors (plain shop)", plain_pages, lambda b: extract(b, url, sel)),
        ("extract, no hints (synthetic BG page)", own, lambda b: extract(b, url)),
    ]
    print(f"bench shop pages: {len(json_pages)} per style, about {size} KB each "
          f"(CPU ms per page; load average {os.getloadavg()[0]:.1f})")
    for label, pages, fn in rows:
        rounds = max(3, 300 // len(pages))
        print(f"  {label:<42} {_cpu_ms_per_page(pages, fn, rounds):6.2f} ms/page")
    result = extract(json_pages[0], url, fast)
    print(f"  sample: price {result.price} {result.currency} via {result.extractor}, "
          f"{len(result.promotions)} promotion(s)")


def main() -> int:
    corpus_figures()
    synthetic_figures()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
