"""Matching competitor listings to our catalog.

Public API:

- `run_matching(engine, mapping_file=None, settings=None) -> MatchSummary`: the cascade
  GTIN -> brand + MPN -> fuzzy title (guarded by brand, size and pack), plus a manual
  mapping file; human decisions are kept across runs.
- `review_queue(engine, settings, limit)` and `decide(engine, ids, status)`: the queue of
  unsure matches and the confirm / reject verdict.
- `Matcher` and `parse_attributes`: the pure parts, over plain data.

Only `confirmed` matches, or `auto` ones with confidence >= `MatchSettings.high_confidence`,
feed comparison findings and alerts (`storage.repos.matches.usable`).
"""

from monitor.matching.mapping import MappingError
from monitor.matching.matcher import CatalogItem, ListingItem, Matcher, Method, Proposal
from monitor.matching.normalize import Attributes, compare_attributes, parse_attributes
from monitor.matching.review import UnknownMatchError, decide, review_queue
from monitor.matching.run import MatchSummary, run_matching
from monitor.matching.settings import HIGH_CONFIDENCE, MatchSettings, load_match_settings

__all__ = [
    "HIGH_CONFIDENCE",
    "Attributes",
    "CatalogItem",
    "ListingItem",
    "MappingError",
    "MatchSettings",
    "MatchSummary",
    "Matcher",
    "Method",
    "Proposal",
    "UnknownMatchError",
    "compare_attributes",
    "decide",
    "load_match_settings",
    "parse_attributes",
    "review_queue",
    "run_matching",
]
