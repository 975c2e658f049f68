"""competitors.yaml for the demo shops validates against spiders.config and is committed."""

from __future__ import annotations

from pathlib import Path

import yaml

from demo.shops import SHOP_NAMES, ShopsHandle, competitors_yaml
from demo.shops.config import default_base_urls
from spiders.config import DiscoveryKind, load_competitors, parse_competitors

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_generated_yaml_validates_for_running_shops(shops: ShopsHandle) -> None:
    config = parse_competitors(competitors_yaml(shops.base_urls), "demo.yaml")
    assert [c.name for c in config.competitors] == list(SHOP_NAMES)
    by_name = {c.name: c for c in config.competitors}
    assert by_name["jsonshop"].base_url == shops.base_urls["jsonshop"]
    assert by_name["woostore"].currency == "EUR"
    assert by_name["shopifyish"].discovery.kind is DiscoveryKind.shopify
    assert by_name["woostore"].discovery.kind is DiscoveryKind.woocommerce
    assert by_name["plainshop"].discovery.kind is DiscoveryKind.category
    assert by_name["plainshop"].selectors["price"]
    assert by_name["jsshop"].render_js is True
    assert by_name["troubleshop"].enabled is False
    assert all(c.enabled for c in config.competitors if c.name != "troubleshop")


def test_enabled_can_be_chosen() -> None:
    urls = {"troubleshop": "http://127.0.0.1:9/"}
    data = yaml.safe_load(competitors_yaml(urls, enabled=["troubleshop"]))
    assert data["competitors"][0]["enabled"] is True


def test_plainshop_category_start_urls_exist(shops: ShopsHandle) -> None:
    from demo_http import fetch

    config = parse_competitors(competitors_yaml(shops.base_urls))
    plain = config.get("plainshop")
    assert plain.discovery.start_urls
    for start in plain.discovery.start_urls:
        assert fetch(shops.base_urls["plainshop"].rstrip("/") + start).status == 200


def test_examples_competitors_yaml_is_current_and_valid() -> None:
    path = EXAMPLES / "competitors.yaml"
    assert path.read_text(encoding="utf-8") == competitors_yaml(default_base_urls())
    config = load_competitors(path)
    assert {c.name for c in config.competitors} == set(SHOP_NAMES)
