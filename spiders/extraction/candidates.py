"""Collecting candidates from every strategy and voting on each field."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .model import Candidate

MONEY_FIELDS = frozenset({"price", "regular_price"})
SOURCE_PRIORITY = {
    "selectors": 6, "jsonld": 5, "microdata": 4, "rdfa": 4, "opengraph": 3, "heuristic": 1,
}


def source_rank(source: str) -> int:
    """Trust order of sources (platform readers sit between OpenGraph and microdata)."""
    if source.startswith("platform:"):
        return 3
    return SOURCE_PRIORITY.get(source, 0)


@dataclass
class Vote:
    """Outcome of the vote on one field."""

    value: Any
    source: str
    confidence: float
    disagreement: list[Candidate] = field(default_factory=list)


@dataclass
class CandidateSet:
    """Every candidate proposed for a page, plus notes on what went wrong."""

    items: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    price_element: Any = None
    """Element the heuristic price came from (anchors the main product region)."""
    variant_price: bool = False
    """The price is one variant's among others at other prices, and only what the page
    happens to show (or its embedded state's default) says which: another night may show
    another variant. Set by `extractor._choose_offer` and `appstate`; the reading is then
    marked (`storage.offer_terms.VARIANT_PRICE`)."""
    price_choices: list[tuple[Decimal, Decimal, Any]] = field(default_factory=list)
    """Structured data offered several prices and none is the page's own (an AggregateOffer
    range, offers for other colours or conditions): (low, high, condition) of each; the
    page's visible price then says which one it sells (see extractor._choose_offer)."""

    def add(self, candidate: Candidate) -> None:
        """Keep ``candidate`` unless its value is empty."""
        if candidate.value is None or candidate.value == "":
            return
        if candidate.field in MONEY_FIELDS and not candidate.value > 0:
            return  # a price is never 0: zero/negative means "not shown" on real pages
        self.items.append(candidate)

    def note(self, text: str) -> None:
        """Record a problem met while reading (shown in ``reason``)."""
        if text not in self.notes:
            self.notes.append(text)

    def has(self, name: str, source: str | None = None) -> bool:
        """Whether any candidate (from ``source``) exists for field ``name``."""
        return any(c.field == name and (source is None or c.source == source)
                   for c in self.items)

    def of(self, name: str) -> list[Candidate]:
        """Candidates for field ``name`` in the order proposed."""
        return [c for c in self.items if c.field == name]

    def vote(self, name: str) -> Vote | None:
        """Value with the most support; ties go to the more trusted source.

        Support of a value is the sum of its candidates' confidences, counting
        each source once. Candidates for other values are kept as disagreement.
        """
        found = self.of(name)
        if not found:
            return None
        if len(found) == 1:  # the common case, and what the general rule gives for it
            only = found[0]
            return Vote(only.value, only.source, only.confidence, [])
        support: dict[Any, dict[str, float]] = defaultdict(dict)
        for cand in found:
            key = _key(cand.value)
            support[key][cand.source] = max(support[key].get(cand.source, 0.0), cand.confidence)

        def rank(key: Any) -> tuple[float, int, float]:
            sources = support[key]
            return (sum(sources.values()), max(source_rank(s) for s in sources),
                    max(sources.values()))

        best_key = max(support, key=rank)
        winners = [c for c in found if _key(c.value) == best_key]
        top = max(winners, key=lambda c: (source_rank(c.source), c.confidence))
        others = [c for c in found if _key(c.value) != best_key]
        confidence = max(c.confidence for c in winners)
        agreeing_sources = set(support[best_key])
        if len(agreeing_sources) > 1:
            confidence = min(1.0, confidence + 0.04 * (len(agreeing_sources) - 1))
        if others:
            against = sum(support[k][s] for k in support if k != best_key for s in support[k])
            confidence *= max(0.3, 1 - 0.5 * against / (against + sum(support[best_key].values())))
        return Vote(top.value, top.source, confidence, others)


def _key(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, str):
        return value.strip().lower()
    return value
