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

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.matching.mapping import MappingError
    from monitor.matching.matcher import CatalogItem, ListingItem, Matcher, Method, Proposal
    from monitor.matching.normalize import Attributes, compare_attributes, parse_attributes
    from monitor.matching.review import UnknownMatchError, decide, review_queue
    from monitor.matching.run import MatchSummary, run_matching
    from monitor.matching.settings import HIGH_CONFIDENCE, MatchSettings, load_match_settings

_HOME = {
    "MappingError": "mapping", "CatalogItem": "matcher", "ListingItem": "matcher",
    "Matcher": "matcher", "Method": "matcher", "Proposal": "matcher",
    "Attributes": "normalize", "compare_attributes": "normalize",
    "parse_attributes": "normalize", "UnknownMatchError": "review", "decide": "review",
    "review_queue": "review", "MatchSummary": "run", "run_matching": "run",
    "HIGH_CONFIDENCE": "settings", "MatchSettings": "settings",
    "load_match_settings": "settings",
}
"""Where each public name lives: imported on first use, so that a module needing only the
settings (the comparison, the alerts, each comparison worker) does not load the matcher,
its fuzzy matching and the page-reading vocabulary it shares (0.2 s a process)."""


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


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
