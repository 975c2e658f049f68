"""What the spider tells the extraction library about a competitor, and the fast path it learns.

Trying every strategy on every page is too slow for a 5,000-page shop (issue 4's bench):
the strategy whose price won on most pages is passed as `ExtractionHints.prefer`, so the
extractor tries it first and stops early when it gives a complete answer, while still
falling back to the others on a page where it does not.
"""

from __future__ import annotations

from collections import Counter

from spiders.config import Competitor
from spiders.extraction import ExtractionHints

LEARN_AFTER = 20
"""Pages read before the run's own winner replaces the one learned from the last run."""


class StrategyLearner:
    """Counts which extraction strategy found the price and proposes it as the fast path."""

    def __init__(self, prefer: str | None = None) -> None:
        self.initial = prefer
        self.wins: Counter[str] = Counter()
        self.misses = 0
        self._prefer = prefer

    @property
    def prefer(self) -> str | None:
        return self._prefer

    def observe(self, extractor: str | None) -> None:
        """Record the strategy that gave a page's price (None: no price found)."""
        if extractor is None:
            self.misses += 1
            return
        self.wins[strategy_family(extractor)] += 1
        total = sum(self.wins.values())
        if total == LEARN_AFTER or (total > LEARN_AFTER and total % 200 == 0):
            self._prefer = self.wins.most_common(1)[0][0]

    def best(self) -> str | None:
        """The strategy that won most often this run (what the next run should prefer)."""
        if not self.wins:
            return self.initial
        return self.wins.most_common(1)[0][0]


def strategy_family(extractor: str) -> str:
    """'platform:shopify' -> 'platform' (the extractor's `prefer` takes the family)."""
    return extractor.split(":", 1)[0]


def hints_for(competitor: Competitor, prefer: str | None = None,
              read_text: bool = True) -> ExtractionHints:
    """The hints for one competitor's pages (the spider builds them once per `prefer`)."""
    terms = competitor.terms
    language = competitor.locale.split("_")[0].split("-")[0] if competitor.locale else None
    return ExtractionHints(
        currency=competitor.currency,
        language=language,
        selectors=dict(competitor.selectors),
        prefer=prefer,
        shipping_cost=terms.shipping_cost,
        free_shipping_threshold=terms.free_shipping_threshold,
        delivery_min_days=terms.delivery_min_days,
        delivery_max_days=terms.delivery_max_days,
        warranty_months=terms.warranty_months,
        returns_days=terms.returns_days,
        read_text=read_text,
    )
