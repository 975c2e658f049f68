"""competitors.yaml: valid files load; bad ones are refused naming file, competitor and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.config import ConfigError, DiscoveryKind, load_competitors, parse_competitors

GOOD = """
defaults:
  concurrency_per_domain: 3
competitors:
  - name: bg-shop
    base_url: http://127.0.0.1:8701
    currency: bgn
    country: BG
    discovery: {kind: sitemap, sitemap_url: /sitemap.xml, link_pattern: "/p/[^/]+$"}
    terms: {shipping_cost: "4.99", delivery_min_days: 1, delivery_max_days: 3}
    politeness: {concurrency_per_domain: 1}
  - name: plain
    base_url: http://127.0.0.1:8702/
    currency: EUR
    discovery: {kind: category, start_urls: [/c/], product_links: "a.p::attr(href)"}
    selectors: {price: ".cena::text"}
"""


def test_good_file_loads_with_defaults_applied() -> None:
    config = parse_competitors(GOOD, "c.yaml")
    shop = config.get("bg-shop")
    assert shop.currency == "BGN" and shop.base_url == "http://127.0.0.1:8701/"
    assert shop.discovery.kind is DiscoveryKind.sitemap
    assert str(shop.terms.shipping_cost) == "4.99"
    assert config.politeness_for(shop).concurrency_per_domain == 1
    assert config.politeness_for(config.get("plain")).concurrency_per_domain == 3
    assert config.politeness_for(shop).obey_robots is True


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("currency: bgn", "currency: leva", "competitor #1 'bg-shop', field currency: 'leva' is not an ISO 4217"),
        ("name: plain", "name: Plain Shop", "competitor #2 'Plain Shop', field name"),
        ("base_url: http://127.0.0.1:8701", "base_url: shop.example", "field base_url"),
        ("{kind: sitemap, sitemap_url: /sitemap.xml,", "{kind: sitemap,", "needs sitemap_url"),
        ('selectors: {price: ".cena::text"}', 'selectors: {prise: ".cena::text"}', "unknown field(s) prise"),
        ("delivery_max_days: 3", "delivery_max_days: 0", "delivery_min_days is larger"),
        ("name: plain", "name: bg-shop", "used twice"),
        ('link_pattern: "/p/[^/]+$"', 'link_pattern: "/p/[("', "not a valid regular expression"),
        ("concurrency_per_domain: 1", "concurrency_per_domian: 1", "field politeness.concurrency_per_domian"),
    ],
)
def test_bad_fields_are_named(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    with pytest.raises(ConfigError) as info:
        parse_competitors(GOOD.replace(old, new, 1), "c.yaml")
    assert expected in str(info.value)
    assert str(info.value).startswith("c.yaml")


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("competitors:\n  - name: a\n    base_url: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.yaml: line \d+, column \d+ is not valid YAML"):
        load_competitors(path)


def test_missing_file_and_wrong_shape(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_competitors(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="'competitors:' list"):
        parse_competitors("- a\n- b\n", "x.yaml")
