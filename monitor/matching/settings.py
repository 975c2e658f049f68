"""The `matching` section of pricewatch.yaml."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from monitor.settings import load_section

HIGH_CONFIDENCE = 0.9
"""Default confidence from which an automatic match feeds findings without review."""


class MatchSettings(BaseModel):
    """How listings are matched to our catalog, and which matches need a human look."""

    model_config = ConfigDict(extra="forbid")

    high_confidence: float = Field(HIGH_CONFIDENCE, ge=0, le=1)
    """Automatic matches at or above this confidence are trusted; below it they wait in
    the review queue (`pricewatch match review`) and feed nothing until confirmed."""
    min_title_score: float = Field(80, ge=0, le=100)
    """Fuzzy title score (0-100) below which a title match is not even proposed."""
    ambiguity_margin: float = Field(3, ge=0, le=100)
    """When the runner-up product scores within this many points, the match is ambiguous
    and drops below `high_confidence` so a human decides."""
    gtin_confidence: float = Field(1.0, ge=0, le=1)
    brand_mpn_confidence: float = Field(0.95, ge=0, le=1)
    mpn_only_confidence: float = Field(0.85, ge=0, le=1)
    """An MPN that is unique in our catalog but comes without a brand to check."""
    pack_mismatch_confidence: float = Field(0.85, ge=0, le=1)
    """Same identifier but the titles state different pack counts: matched with a pack
    ratio for unit prices, but reviewed first."""
    conflict_confidence: float = Field(0.5, ge=0, le=1)
    """Kept for old settings files and ignored: an identifier match whose titles disagree
    on a variant attribute (size, capacity, colour, model code, condition) is no match."""


def load_match_settings(path: Path | str | None = None) -> MatchSettings:
    """The `matching` section of the settings file (defaults when absent)."""
    return load_section(path, "matching", MatchSettings)
