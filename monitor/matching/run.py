"""`run_matching`: one matching run over every listing, in one transaction.

Order of authority: a human decision (confirmed / rejected, in the database or in a
mapping file) beats anything automatic and is never undone by a later run; then the
cascade GTIN -> brand + MPN -> fuzzy title proposes a product for every other listing.
The mapping file is applied before the cascade although the issue lists it third: a
mapping row is a person's statement, so it is stored as `confirmed` and wins, just like
`pricewatch match confirm`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from monitor.matching.mapping import read_mapping, resolve_mapping
from monitor.matching.matcher import CatalogItem, ListingItem, Matcher, Method
from monitor.matching.settings import MatchSettings
from storage.db import checkpoint
from storage.models import MatchStatus
from storage.repos import matches as repo


@dataclass(frozen=True, slots=True)
class MatchSummary:
    """What a matching run did."""

    listings: int
    """Listings the cascade looked at (those without a human decision)."""
    matched: dict[str, int] = field(default_factory=dict)
    """Automatic matches by method."""
    unmatched: int = 0
    to_review: int = 0
    """Automatic matches under the trust threshold: `pricewatch match review` lists them."""
    manual: int = 0
    """Rows applied from the mapping file."""
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    def lines(self) -> list[str]:
        by_method = ", ".join(f"{k} {v}" for k, v in sorted(self.matched.items())) or "none"
        return [
            f"{self.listings} listings matched automatically: {by_method}; {self.unmatched} unmatched",
            f"{self.manual} from the mapping file (confirmed)" if self.manual else "no mapping file",
            f"{self.inserted} new, {self.updated} changed, {self.deleted} dropped automatic matches",
            f"{self.to_review} wait for review (pricewatch match review)",
        ]


def run_matching(
    engine: Engine, mapping_file: Path | None = None, settings: MatchSettings | None = None
) -> MatchSummary:
    """Match every listing to our catalog; remember human decisions; all or nothing."""
    settings = settings or MatchSettings()
    entries = read_mapping(mapping_file) if mapping_file is not None else []
    with engine.begin() as conn:
        manual = 0
        if mapping_file is not None:
            resolved = resolve_mapping(
                mapping_file, entries, repo.product_ids_by_sku(conn),
                repo.listing_ids_by_url(conn),
                repo.existing_listing_ids(conn, (e.listing_id for e in entries if e.listing_id)),
            )
            manual = repo.save_decisions(conn, (
                repo.MatchRow(r.listing_id, r.product_id, Method.manual, 1.0, r.pack_ratio, r.note)
                for r in resolved
            ), MatchStatus.confirmed)
        matcher = Matcher(
            (CatalogItem(r.id, r.name, r.gtin, r.brand, r.mpn)
             for r in repo.products_for_matching(conn)),
            settings,
        )
        proposals: list[repo.MatchRow] = []
        methods: Counter[str] = Counter()
        seen = 0
        for row in repo.iter_listings_for_matching(conn):
            seen += 1
            found = matcher.propose(ListingItem(row.id, row.title, row.gtin, row.brand, row.mpn,
                                                row.condition, row.sku))
            if found is None:
                continue
            methods[found.method] += 1
            proposals.append(found)
        inserted, updated, deleted = repo.save_automatic(conn, proposals)
        review = repo.count_review_queue(conn, settings.high_confidence)
    checkpoint(engine)
    return MatchSummary(
        listings=seen, matched=dict(methods), unmatched=seen - len(proposals), to_review=review,
        manual=manual, inserted=inserted, updated=updated, deleted=deleted,
    )
