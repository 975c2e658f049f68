"""Bundled demo competitor shops, served over real HTTP on 127.0.0.1.

Six shops with different markup (see each module in :mod:`demo.shops.pages`):
``jsonshop`` (JSON-LD, BGN), ``woostore`` (WooCommerce + Store API, EUR), ``shopifyish``
(Shopify ``products.json`` + variants, BGN), ``plainshop`` (plain HTML, per-site
selectors, BGN), ``jsshop`` (prices rendered by JavaScript, BGN) and ``troubleshop``
(deliberate faults, see :mod:`demo.shops.faults`).

Everything a shop shows is a pure function of (seed, day)::

    from demo.shops import start_shops, truth
    with start_shops(day=0) as shops:
        shops.base_urls["jsonshop"]        # 'http://127.0.0.1:PORT/'
        shops.set_day(1)                   # or POST /__control/day with body "1"
        expected = truth("jsonshop", 1)    # what a correct crawl stores, per page
"""

from demo.shops.config import competitors_yaml
from demo.shops.faults import TROUBLE_DRIFT_DAY, Faults
from demo.shops.server import ShopsHandle, start_shops
from demo.shops.spec import DAY0, GOOD_SHOPS, SHOP_NAMES, SHOPS, day_date
from demo.shops.truth import ProductTruth, PromotionTruth, truth

__all__ = [
    "DAY0",
    "GOOD_SHOPS",
    "SHOPS",
    "SHOP_NAMES",
    "TROUBLE_DRIFT_DAY",
    "Faults",
    "ProductTruth",
    "PromotionTruth",
    "ShopsHandle",
    "competitors_yaml",
    "day_date",
    "start_shops",
    "truth",
]
