"""The review queue: automatic matches too unsure to trust, and the human verdict on them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from monitor.matching.settings import MatchSettings
from storage.models import MatchStatus
from storage.repos import matches as repo
from storage.repos.matches import ReviewItem


class UnknownMatchError(LookupError):
    """A match id that does not exist; nothing was changed."""


def review_queue(
    engine: Engine, settings: MatchSettings | None = None, limit: int | None = None
) -> tuple[list[ReviewItem], int]:
    """The least sure automatic matches first, and how many wait in total."""
    threshold = (settings or MatchSettings()).high_confidence
    with engine.connect() as conn:
        return repo.review_queue(conn, threshold, limit), repo.count_review_queue(conn, threshold)


def decide(engine: Engine, match_ids: Sequence[int], status: MatchStatus) -> None:
    """Confirm or reject matches; remembered across matching runs. All ids or none."""
    if status == MatchStatus.auto:
        raise ValueError("a decision is 'confirmed' or 'rejected'")
    with engine.begin() as conn:
        missing = repo.set_status(conn, match_ids, status)
        if missing:
            raise UnknownMatchError(
                f"no match with id {', '.join(map(str, missing))} (see pricewatch match review)"
            )
