"""`troubleshop`: a small JSON-LD shop that misbehaves on purpose.

Its faults (fixed by each product's position in the listing, see :mod:`demo.shops.faults`)
are a 429 wall, captcha pages, 500s, redirect loops, a section under ``/private/`` that
robots.txt disallows, and from day ``TROUBLE_DRIFT_DAY`` on most of the good pages lose
their price block. The pages themselves are jsonshop's markup.
"""

from __future__ import annotations

from functools import cached_property

from demo.shops.pages.base import Identifiers
from demo.shops.pages.common import Listing
from demo.shops.pages.jsonshop import JsonShop
from demo.shops.universe import Product


class TroubleShop(JsonShop):
    name = "troubleshop"
    shop_title = "Trouble Shop"

    @cached_property
    def _position(self) -> dict[int, int]:
        return {p.pid: i for i, p in enumerate(self.products)}

    def product_path(self, product: Product) -> str:
        private = self._position[product.pid] % 10 == 9
        return f"/private/p/{product.key}" if private else f"/p/{product.key}"

    def identifiers(self, listing: Listing) -> Identifiers:
        p = listing.product
        return Identifiers(p.name_bg, f"TS-{p.pid:05d}", p.gtin, p.mpn, p.brand)
