"""The `compare` section of pricewatch.yaml: how findings and recommendations are made."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.matching.settings import HIGH_CONFIDENCE
from monitor.settings import load_section
from storage.offer_terms import OUT_OF_STOCK


class CompareSettings(BaseModel):
    """Business rules of the comparison. Percentages are plain numbers (10 = 10%)."""

    model_config = ConfigDict(extra="forbid")

    price_step: Decimal = Field(Decimal("0.01"), ge=0)
    """How far under a competitor's effective price a recommendation aims."""
    price_endings: list[Decimal] = Field(default_factory=lambda: [Decimal("0.99")])
    """Allowed endings of our prices (the part after the whole units), e.g. [0.99, 0.49];
    an empty list allows any cent."""
    max_move_pct: Decimal = Field(Decimal(10), gt=0, le=100)
    """A recommendation never moves our price by more than this percent in one step."""
    headroom_pct: Decimal = Field(Decimal(5), ge=0)
    """We have headroom when the cheapest competitor is more than this percent above us."""
    same_price_pct: Decimal = Field(Decimal(1), ge=0)
    """For terms: a competitor within this percent of our effective price is 'at the same
    price', so better terms there are a finding."""
    min_undercut_pct: Decimal = Field(Decimal(0), ge=0)
    """Undercuts smaller than this percent of our effective price are ignored."""
    default_min_margin: Decimal = Field(Decimal(0), ge=0)
    """Margin over cost used for products that have a cost but no `min_margin`."""
    min_match_confidence: float = Field(HIGH_CONFIDENCE, ge=0, le=1)
    """Automatic matches below this confidence feed nothing (keep equal to the matching
    section's `high_confidence`); confirmed matches always count."""
    fake_discount_days: int = Field(30, ge=1)
    """A 'was' price must not exceed the competitor's own lowest price in this many days
    before the discount began (EU Omnibus directive, Art. 6a)."""
    apply_coupons: bool = False
    """Kept for old settings files and ignored: a coupon code is a conditional offer, never
    in the effective price (shown beside it and as a `conditional_offer` finding)."""
    preorder_in_stock: bool = False
    """Whether a preorder offer counts as buyable now (default: left out like out of stock)."""
    backorder_in_stock: bool = False
    """Whether a backorder offer counts as buyable now (default: left out like out of stock)."""
    our_instalments: bool = False
    """Whether we offer instalment payments (a competitor who does, and we don't, is a
    terms gap)."""
    top: int = Field(20, ge=1)
    """How many findings `pricewatch compare` prints."""
    workers: int = Field(0, ge=0, le=64)
    """Processes the comparison runs in: 0 = automatic (one per CPU core, at most 4, once
    there are 50,000 matches or more; one below that), 1 = in the calling process.
    Worker processes open the database from its URL alone."""

    @field_validator("price_endings")
    @classmethod
    def _endings(cls, value: list[Decimal]) -> list[Decimal]:
        for ending in value:
            if not Decimal(0) <= ending < Decimal(1) or ending != ending.quantize(Decimal("0.01")):
                raise ValueError(
                    f"price ending {ending} must be a cents part between 0.00 and 0.99"
                )
        return sorted(set(value))




def in_stock(availability: str | None, settings: CompareSettings) -> bool:
    """THE rule of which offers can be bought now, so can be "cheaper": not out of stock
    or discontinued; preorder and backorder as the settings say; an offer whose page
    states nothing about stock sells it."""
    if availability is None or availability in ("InStock", "LimitedAvailability", "InStoreOnly",
                                                "OnlineOnly"):
        return True
    if availability == "PreOrder":
        return settings.preorder_in_stock
    if availability == "BackOrder":
        return settings.backorder_in_stock
    return availability not in OUT_OF_STOCK


def load_compare_settings(path: Path | str | None = None) -> CompareSettings:
    """The `compare` section of the settings file (defaults when absent)."""
    return load_section(path, "compare", CompareSettings)
