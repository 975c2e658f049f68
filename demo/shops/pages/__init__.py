"""The demo shops' page renderers, one module per shop."""

from __future__ import annotations

from functools import lru_cache

from demo.shops.pages.base import ShopSite
from demo.shops.universe import Product


def _classes() -> dict[str, type[ShopSite]]:
    from demo.shops.pages.jsonshop import JsonShop
    from demo.shops.pages.jsshop import JsShop
    from demo.shops.pages.plainshop import PlainShop
    from demo.shops.pages.shopifyish import ShopifyShop
    from demo.shops.pages.troubleshop import TroubleShop
    from demo.shops.pages.woostore import WooStore

    return {cls.name: cls for cls in (JsonShop, WooStore, ShopifyShop, PlainShop, JsShop,
                                      TroubleShop)}


@lru_cache(maxsize=64)
def site_for(shop: str, seed: int = 42) -> ShopSite:
    """The site object of a shop (shared, immutable)."""
    classes = _classes()
    if shop not in classes:
        raise KeyError(f"no demo shop named {shop!r} (known: {sorted(classes)})")
    return classes[shop](seed)


def product_path(shop: str, product: Product, seed: int = 42) -> str:
    """Path of a product's page at a shop (relative to the shop's base URL)."""
    site = site_for(shop, seed)
    for listing in site.listings:
        if listing.product.pid == product.pid:
            return listing.path
    raise KeyError(f"{shop} does not sell {product.key}")
