"""Comparison: where competitors beat our price or terms, and what we can do about it.

Public API:

- `run_comparison(engine, settings=None, now=None) -> CompareResult`: the whole catalog
  against every usable match (confirmed, or automatic with confidence >=
  `CompareSettings.min_match_confidence`); writes a CompareRun and its findings.
- Pure rules over plain data (no database): `effective_price` (landed price after
  promotions and shipping), `price_floor`, `round_to_ending`, `recommend_price`,
  `evaluate_product` (stats and every finding kind for one product).
- `CompareSettings` / `load_compare_settings`: the `compare` section of pricewatch.yaml.
"""

from monitor.compare.findings import Evaluation, evaluate_product, product_stats
from monitor.compare.model import (
    FindingData,
    FindingKind,
    Landed,
    OurProduct,
    ProductStats,
    Promo,
    Terms,
    TheirOffer,
)
from monitor.compare.pricing import (
    Floor,
    Recommendation,
    effective_price,
    price_floor,
    recommend_price,
    round_to_ending,
    shelf_for_effective,
)
from monitor.compare.run import CompareResult, promos_from_json, run_comparison
from monitor.compare.settings import CompareSettings, load_compare_settings

__all__ = [
    "CompareResult",
    "CompareSettings",
    "Evaluation",
    "FindingData",
    "FindingKind",
    "Floor",
    "Landed",
    "OurProduct",
    "ProductStats",
    "Promo",
    "Recommendation",
    "Terms",
    "TheirOffer",
    "effective_price",
    "evaluate_product",
    "load_compare_settings",
    "price_floor",
    "product_stats",
    "promos_from_json",
    "recommend_price",
    "round_to_ending",
    "run_comparison",
    "shelf_for_effective",
]
