"""``competitors.yaml`` text for running demo shops (the schema of ``spiders/config.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from demo.shops.pages.plainshop import SELECTORS as PLAIN_SELECTORS
from demo.shops.spec import GOOD_SHOPS, SHOPS

DEFAULT_PORT_BASE = 8701
"""`python -m demo.shops serve` puts shop number i on port DEFAULT_PORT_BASE + i."""

DEFAULTS: dict[str, Any] = {
    "user_agent": "pricewatch/0.1 (+https://github.com/pricewatch/pricewatch)",
    "obey_robots": True,
    "concurrency_per_domain": 4,
    "download_delay": 0.0,
    "autothrottle": True,
    "timeout_s": 20,
    "retries": 2,
    "max_page_bytes": 10485760,
}

_CATEGORY_START = "__categories__"

DISCOVERY: dict[str, dict[str, Any]] = {
    "jsonshop": {"kind": "sitemap", "sitemap_url": "/sitemap.xml", "link_pattern": "/p/[^/?]+$"},
    # The demo's nights change promotions without touching prices, and its truth checks
    # every page's wording every night: the demo reads every product page every night
    # (bench/requests_per_price.py shows the default `when_changed` on the same shops).
    "woostore": {"kind": "woocommerce", "link_pattern": "/product/[^/?]+/$",
                 "product_pages": "every_night"},
    "shopifyish": {"kind": "shopify", "link_pattern": "/products/[^/?]+",
                   "product_pages": "every_night"},
    "plainshop": {
        "kind": "category",
        "start_urls": _CATEGORY_START,
        "product_links": "a.artikul-link::attr(href)",
        "link_pattern": "/artikul/[^/?]+\\.html$",
        "next_page": "a.next::attr(href)",
        "max_pages": 500,
    },
    "jsshop": {"kind": "sitemap", "sitemap_url": "/sitemap.xml", "link_pattern": "/produkt/[^/?]+$"},
    "troubleshop": {"kind": "sitemap", "sitemap_url": "/sitemap.xml", "link_pattern": "/p/[^/?]+$"},
}


def _terms(shop: str) -> dict[str, Any]:
    spec = SHOPS[shop]
    return {
        "shipping_cost": str(spec.shipping_cost),
        "free_shipping_threshold": str(spec.free_shipping_threshold),
        "delivery_min_days": spec.delivery_min_days,
        "delivery_max_days": spec.delivery_max_days,
        "returns_days": spec.returns_days,
    }


def competitor_entry(shop: str, base_url: str, enabled: bool = True) -> dict[str, Any]:
    """One competitor's entry for a running demo shop."""
    from demo.shops.pages import site_for

    spec = SHOPS[shop]
    discovery = dict(DISCOVERY[shop])
    if discovery.get("start_urls") == _CATEGORY_START:
        discovery["start_urls"] = [f"/katalog/{slug}/" for slug in site_for(shop).by_category]
    entry: dict[str, Any] = {
        "name": shop,
        "display_name": spec.display_name,
        "base_url": base_url,
        "country": "BG",
        "currency": spec.currency,
        "locale": spec.locale,
        "enabled": enabled,
        "discovery": discovery,
    }
    if shop == "plainshop":
        entry["selectors"] = dict(PLAIN_SELECTORS)
    entry["render_js"] = shop == "jsshop"
    if shop == "jsshop":
        entry["render_wait_for"] = "body[data-price-ready]"  # set by the shop's script
    entry["terms"] = _terms(shop)
    if shop == "troubleshop":
        entry["politeness"] = {"concurrency_per_domain": 4, "retries": 1, "timeout_s": 5,
                               "autothrottle": False}
    else:
        entry["politeness"] = {"concurrency_per_domain": 8, "autothrottle": False}
    return entry


def competitors_data(base_urls: Mapping[str, str],
                     enabled: Iterable[str] | None = None) -> dict[str, Any]:
    """The competitors file as a dict; shops in `enabled` (default: the five good ones) on."""
    on = set(GOOD_SHOPS if enabled is None else enabled)
    unknown = sorted(set(base_urls) - set(SHOPS))
    if unknown:
        raise ValueError(f"unknown demo shop(s) {unknown}; known: {sorted(SHOPS)}")
    return {
        "defaults": dict(DEFAULTS),
        "competitors": [competitor_entry(shop, url, shop in on) for shop, url in
                        base_urls.items()],
    }


def competitors_yaml(base_urls: Mapping[str, str], enabled: Iterable[str] | None = None) -> str:
    """competitors.yaml text for demo shops running at `base_urls` (shop -> base URL).

    Every shop given is listed; those in `enabled` (default: all but ``troubleshop``) have
    ``enabled: true``.
    """
    header = (
        "# Demo competitors: the bundled demo shops (python -m demo.shops serve).\n"
        "# troubleshop misbehaves on purpose (429, captcha, 500, redirect loop, robots,\n"
        "# selector drift); it is disabled here and enabled by the tests that need it.\n"
    )
    body = yaml.safe_dump(competitors_data(base_urls, enabled), sort_keys=False,
                          allow_unicode=True, width=100)
    return header + body


def default_base_urls(port_base: int = DEFAULT_PORT_BASE,
                      host: str = "127.0.0.1") -> dict[str, str]:
    """The base URLs `serve --port-base` uses."""
    return {shop: f"http://{host}:{port_base + i}/" for i, shop in enumerate(SHOPS)}
