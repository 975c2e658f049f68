"""Discovery details on a small static site served over real HTTP: a gzipped sitemap
index, link_pattern filtering, max_pages, and a page answering 403."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from storage.db import make_engine

from .support import crawl, stored_for_run

PRODUCT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Product",
"name": "{name}", "sku": "{sku}", "offers": {{"@type": "Offer", "price": "{price}",
"priceCurrency": "EUR", "availability": "https://schema.org/InStock"}}}}</script></head>
<body><h1>{name}</h1><p class="price">{price} €</p></body></html>"""


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/p/forbidden"):
            self.send_error(403, "Forbidden")
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "site"
    (root / "p").mkdir(parents=True)
    for i in range(1, 6):
        (root / "p" / f"item-{i}.html").write_text(
            PRODUCT.format(name=f"Item {i}", sku=f"SKU{i}", price=f"{i}9.90"), encoding="utf-8")
    (root / "about.html").write_text("<html><body>about us</body></html>", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 partial(_Handler, directory=str(root)))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    urls = [f"{base}p/item-{i}.html" for i in range(1, 6)]
    urls += [f"{base}about.html", f"{base}p/forbidden.html"]
    urlset = ('<?xml version="1.0" encoding="UTF-8"?><urlset '
              'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              + "".join(f"<url><loc>{u}</loc></url>" for u in urls) + "</urlset>")
    (root / "products.xml.gz").write_bytes(gzip.compress(urlset.encode()))
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
        'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}products.xml.gz</loc></sitemap></sitemapindex>",
        encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /cart\n", encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def _file(tmp_path: Path, base: str, max_pages: int = 100) -> Path:
    data = {"competitors": [{
        "name": "static", "base_url": base, "currency": "EUR", "locale": "en_IE",
        "discovery": {"kind": "sitemap", "sitemap_url": "/sitemap.xml",
                      "link_pattern": r"/p/[^/]+\.html$", "max_pages": max_pages},
    }]}
    path = tmp_path / "competitors.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_gzipped_sitemap_index_pattern_and_a_403_wall(site: str, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    [summary] = crawl(_file(tmp_path, site), ["static"], db_url)
    assert summary.status == "finished", summary.error
    assert summary.counts == {"ok": 5, "blocked": 1}
    stored = stored_for_run(make_engine(db_url), summary.crawl_run_id or 0)
    assert f"{site}about.html" not in {url for url, _ in stored}
    item = stored[(f"{site}p/item-3.html", "")]
    assert item.observation.price == Decimal("39.90") and item.listing.sku == "SKU3"
    wall = stored[(f"{site}p/forbidden.html", "")].observation
    assert wall.status == "blocked" and "403" in wall.reason


def test_max_pages_caps_the_product_requests(site: str, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    [summary] = crawl(_file(tmp_path, site, max_pages=2), ["static"], db_url)
    assert sum(summary.counts.values()) == 2
    # stopped with pages left: truncated (saying how many), never "finished"
    assert summary.status == "truncated", summary.error
    assert summary.stats["pages_left"] == 4 and summary.stats["max_pages"] == 2


def test_a_sitemap_that_cannot_be_fetched_fails_the_run_and_says_why(
        site: str, tmp_path: Path) -> None:
    path = _file(tmp_path, site)
    path.write_text(path.read_text(encoding="utf-8").replace("/sitemap.xml", "/missing.xml"),
                    encoding="utf-8")
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    [summary] = crawl(path, ["static"], db_url)
    assert summary.status == "failed" and summary.counts == {}
    assert "nothing crawled" in (summary.error or "")
    assert "missing.xml" in (summary.error or "") and "404" in (summary.error or "")


def test_a_shop_that_is_down_fails_alone(site: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    data = yaml.safe_load(_file(tmp_path, site).read_text(encoding="utf-8"))
    data["competitors"].append({**data["competitors"][0], "name": "dead", "base_url": dead})
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    summaries = crawl(path, ["dead", "static"], f"sqlite:///{tmp_path / 'crawl.db'}")
    by_name = {s.competitor: s for s in summaries}
    assert by_name["dead"].status == "failed" and "nothing crawled" in (by_name["dead"].error or "")
    assert by_name["static"].status == "finished" and by_name["static"].counts["ok"] == 5


def test_extraction_in_a_worker_process_stores_the_same(site: str, tmp_path: Path) -> None:
    results = []
    for workers in (0, 1):
        db_url = f"sqlite:///{tmp_path / f'crawl-{workers}.db'}"
        [summary] = crawl(_file(tmp_path, site), ["static"], db_url,
                          settings={"PRICEWATCH_EXTRACT_WORKERS": workers})
        assert summary.status == "finished", summary.error
        stored = stored_for_run(make_engine(db_url), summary.crawl_run_id or 0)
        results.append({key: (s.observation.status, s.observation.price, s.listing.sku,
                              s.observation.extractor) for key, s in stored.items()})
        assert summary.stats["extract_ms_per_page"] is not None
    assert results[0] == results[1]
    assert len(results[0]) == 6
