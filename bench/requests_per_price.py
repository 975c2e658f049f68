"""Requests and bytes per stored price: product page by page vs the platform API.

    python bench/requests_per_price.py [--products 2000] [--refresh-days 14]
                                       [--full-read-days 7]

Serves the demo's Shopify-like (`shopifyish`) and WooCommerce-like (`woostore`) shops,
grown to `--products` listings each (the demo's products repeated under new handles,
SKUs and prices of their originals), on 127.0.0.1, and crawls each through
`spiders.runner.crawl_competitors` into a fresh SQLite database:

* **pages, first night**: `product_pages: every_night`, every product page fetched and
  read (a fresh database);
* **pages with validators, unchanged night**: the same shop and database one day later
  with nothing changed: every product page is asked for again with the `ETag` it
  answered with (`If-None-Match`); the demo shops answer `304 Not Modified` without a
  body, and the last reading is stored again. The pages whose re-check night has come
  (1/`--full-read-days` of them) are fetched unconditionally and read in full;
* **API, first night**: `product_pages: when_changed` (the default for these shops):
  prices from `/products.json` or the Store API, and every product page once (all new);
* **API, quiet night**: the same shop one day later with nothing changed: only the API
  pages and the product pages whose last reading has come due (`page_refresh_days`).

For each it prints requests (robots.txt, API and product pages), response bytes (status
lines, headers and bodies, as Scrapy's downloader stats count them),
stored prices, requests and KB per stored price, and the nightly wall time at a polite
4 requests/s. The target (issue 17): at most 0.1 requests per stored price on a quiet
night. Exit code 1 when a quiet night misses it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from datetime import timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from demo.shops.assortment import shop_pids  # noqa: E402
from demo.shops.pages.shopifyish import ShopifyShop  # noqa: E402
from demo.shops.pages.woostore import WooStore  # noqa: E402
from demo.shops.server import ShopsHandle, World, _handler_class, _Server  # noqa: E402
from demo.shops.simulation import Offer, shop_offers  # noqa: E402
from demo.shops.universe import Product  # noqa: E402
from spiders.runner import crawl_competitors  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import Observation, table  # noqa: E402
from storage.types import utcnow  # noqa: E402

TARGET = 0.1
POLITE_RPS = 4


class _Grown:
    """Mixin: the shop's products repeated until it lists `count` of them."""

    count = 2000
    name: str
    seed: int

    def _grow(self) -> None:
        universe: tuple[Product, ...] = self.universe  # type: ignore[has-type]
        base = [universe[pid] for pid in shop_pids(self.name, self.seed)]
        clones: list[Product] = []
        self.origin: dict[int, int] = {}
        while len(clones) < self.count:
            series = len(clones) // len(base)
            for product in base:
                if len(clones) >= self.count:
                    break
                pid = len(universe) + len(clones)
                suffix = f"-s{series}" if series else ""
                clones.append(replace(product, pid=pid, key=product.key + suffix,
                                      family=product.family + suffix))
                self.origin[pid] = product.pid
        self.universe = (*universe, *clones)
        self.grown = clones

    @cached_property
    def products(self) -> list[Product]:
        return list(self.grown)

    def offers(self, day: int) -> dict[int, Offer]:
        return _offers(self.name, day, self.seed, tuple(self.origin.items()))


@lru_cache(maxsize=8)
def _offers(name: str, day: int, seed: int, origin: tuple[tuple[int, int], ...]) -> dict[int, Offer]:
    base = shop_offers(name, day, seed)
    return {pid: base[orig] for pid, orig in origin}


class GrownWoo(_Grown, WooStore):
    def __init__(self, seed: int = 42) -> None:
        WooStore.__init__(self, seed)
        self._grow()


class GrownShopify(_Grown, ShopifyShop):
    def __init__(self, seed: int = 42) -> None:
        ShopifyShop.__init__(self, seed)
        self._grow()


def serve(count: int) -> ShopsHandle:
    """The two grown shops on free loopback ports."""
    names = ("woostore", "shopifyish")
    world = World(42, 0, names)
    for cls in (GrownWoo, GrownShopify):
        cls.count = count
    world.sites["woostore"] = GrownWoo()
    world.sites["shopifyish"] = GrownShopify()
    servers = {name: _Server(("127.0.0.1", 0), _handler_class(world, name)) for name in names}
    return ShopsHandle(world, servers, "127.0.0.1")


def competitors(folder: Path, shop: str, base_url: str, mode: str, count: int,
                refresh_days: int, full_read_days: int) -> Path:
    kind = "woocommerce" if shop == "woostore" else "shopify"
    entry: dict[str, Any] = {
        "name": shop, "base_url": base_url, "currency": "EUR" if shop == "woostore" else "BGN",
        "locale": "en_IE",
        "discovery": {"kind": kind, "product_pages": mode, "max_pages": count * 2,
                      "page_refresh_days": refresh_days, "full_read_days": full_read_days},
        "politeness": {"concurrency_per_domain": 16},
    }
    path = folder / f"{shop}-{mode}.yaml"
    path.write_text(yaml.safe_dump({"competitors": [entry]}), encoding="utf-8")
    return path


def night(path: Path, shop: str, db_url: str, days_later: int) -> dict[str, Any]:
    settings = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16}
    [summary] = crawl_competitors(path, [shop], db_url, extra_settings=settings,
                                  now=utcnow() + timedelta(days=days_later, seconds=5))
    if summary.status != "finished":
        raise SystemExit(f"{shop}: crawl {summary.status}: {summary.error}")
    obs = table(Observation)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        prices = conn.execute(select(func.count()).select_from(obs).where(
            obs.c.crawl_run_id == summary.crawl_run_id, obs.c.price.is_not(None),
            obs.c.status == "ok")).scalar_one()
    engine.dispose()
    stats = summary.stats
    return {"requests": int(stats.get("requests", 0)),
            "bytes": int(stats.get("response_bytes", 0)), "prices": int(prices),
            "api_listings": int(stats.get("api_listings", 0)), "elapsed": summary.elapsed_s,
            "not_modified": int((stats.get("not_modified") or {}).get("http_304", 0))}


def line(label: str, figures: dict[str, Any]) -> str:
    prices = max(1, figures["prices"])
    per = figures["requests"] / prices
    wall = figures["requests"] / POLITE_RPS
    return (f"{label:<44} requests {figures['requests']:>5}  bytes {figures['bytes']:>10,}  "
            f"prices {figures['prices']:>5}  requests/price {per:6.3f}  "
            f"KB/price {figures['bytes'] / 1024 / prices:7.2f}  "
            f"night at {POLITE_RPS} req/s {wall / 60:6.1f} min")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--refresh-days", type=int, default=14)
    parser.add_argument("--full-read-days", type=int, default=7)
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory() as tmp, serve(args.products) as shops:
        folder = Path(tmp)
        for shop in ("shopifyish", "woostore"):
            base = shops.base_urls[shop]
            pages_path = competitors(folder, shop, base, "every_night", args.products,
                                     args.refresh_days, args.full_read_days)
            pages_db = f"sqlite:///{folder / f'{shop}-pages.db'}"
            pages = night(pages_path, shop, pages_db, 0)
            validated = night(pages_path, shop, pages_db, 1)
            api_db = f"sqlite:///{folder / f'{shop}-api.db'}"
            api_path = competitors(folder, shop, base, "when_changed", args.products,
                                   args.refresh_days, args.full_read_days)
            first = night(api_path, shop, api_db, 0)
            quiet = night(api_path, shop, api_db, 1)
            print(f"{shop} ({args.products} listings, page_refresh_days "
                  f"{args.refresh_days}, full_read_days {args.full_read_days}):")
            print("  " + line("pages, first night", pages))
            print("  " + line("pages with validators, unchanged night", validated))
            print("  " + line("API, first night (all pages new)", first))
            print("  " + line("API, quiet night (nothing changed)", quiet))
            print(f"  unchanged night page by page: {validated['not_modified']} answered 304 "
                  f"Not Modified, {validated['requests'] - validated['not_modified']} "
                  "other requests (robots.txt, API pages, pages read in full)")
            per = quiet["requests"] / max(1, quiet["prices"])
            met = per <= TARGET and quiet["prices"] == pages["prices"]
            ok = ok and met
            print(f"  quiet night: {quiet['api_listings']} listings from the API without "
                  f"their page, {quiet['not_modified']} product pages answered 304; "
                  f"{per:.3f} requests per stored price (target <= {TARGET}): "
                  f"{'met' if met else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
