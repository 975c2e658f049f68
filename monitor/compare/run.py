"""`run_comparison`: the whole catalog against every usable match, written as one run.

Reads plain rows from `storage.repos.compare`, turns them into the plain data of
`monitor.compare.model`, applies the pure rules of `findings.evaluate_product`, and writes
the CompareRun with its findings in one transaction (all or nothing).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine

from monitor.compare.findings import evaluate_product
from monitor.compare.model import (
    FindingData,
    FindingKind,
    OurProduct,
    ProductStats,
    Promo,
    Terms,
    TheirOffer,
)
from monitor.compare.pricing import HUNDRED
from monitor.compare.settings import CompareSettings
from storage.repos import compare as repo
from storage.types import utcnow


@dataclass(frozen=True, slots=True)
class CompareResult:
    """One comparison run: its id, findings (biggest impact first) and summary."""

    run_id: int
    findings: list[FindingData]
    stats: list[ProductStats]
    products: int
    """Products with at least one comparable competitor offer."""
    offers: int
    """Competitor offers compared."""
    skipped_currency: int
    """Offers left out because they are in another currency than our product."""
    counts: dict[str, int] = field(default_factory=dict)
    """Findings by kind."""
    index_by_competitor: dict[str, Decimal] = field(default_factory=dict)
    """Price index against each competitor: 100 x their effective / ours over the
    products both sell (100 = parity, above 100 = they are dearer, as in the reports)."""
    index_by_category: dict[str, Decimal] = field(default_factory=dict)
    """The same against all competitors, per category of ours."""

    @property
    def compare_run_id(self) -> int:
        """The CompareRun written (alias of `run_id`)."""
        return self.run_id

    def summary(self) -> dict[str, Any]:
        return {
            "products": self.products, "offers": self.offers,
            "skipped_currency": self.skipped_currency, "findings": dict(self.counts),
            "index_by_competitor": {k: str(v) for k, v in self.index_by_competitor.items()},
            "index_by_category": {k: str(v) for k, v in self.index_by_category.items()},
        }


def _our_product(row: repo.ProductRow) -> OurProduct:
    return OurProduct(
        product_id=row.id, sku=row.sku, name=row.name, currency=row.currency, price=row.price,
        category=row.category, cost=row.cost, min_margin=row.min_margin, map_price=row.map_price,
        shipping_cost=row.shipping_cost, free_shipping_threshold=row.free_shipping_threshold,
        terms=Terms(row.delivery_days, row.warranty_months, row.returns_days),
        priority=row.priority,
    )


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        # a date ("until 30.11") lasts the whole day
        if len(str(value)) <= 10:
            moment = moment.replace(hour=23, minute=59, second=59)
        moment = moment.replace(tzinfo=UTC)
    return moment


def promos_from_json(items: Iterable[Any]) -> tuple[Promo, ...]:
    """Promotions as the crawler stored them in the observation's JSON (fallback when the
    typed `promotion` rows are missing); malformed entries are skipped."""
    found = []
    for item in items:
        if isinstance(item, str):
            try:
                item = json.loads(item)
            except ValueError:
                continue
        if not isinstance(item, dict) or not item.get("kind"):
            continue
        found.append(Promo(
            kind=str(item["kind"]), value=_dec(item.get("value")), code=item.get("code"),
            buy_qty=_int(item.get("buy_qty")), pay_qty=_int(item.get("pay_qty")),
            threshold=_dec(item.get("threshold")), instalments=_int(item.get("instalments")),
            valid_until=_when(item.get("valid_until")), text=item.get("text"),
        ))
    return tuple(found)


def _their_offer(row: repo.OfferRow, promos: list[repo.PromotionRow] | None,
                 terms_cache: dict[tuple[Any, ...], Terms]) -> TheirOffer:
    """The rules' view of an offer; identical terms share one `Terms` (a million offers)."""
    if promos:
        promotions: tuple[Promo, ...] = tuple(
            Promo(p.kind, p.value, p.code, p.buy_qty, p.pay_qty, p.threshold, p.instalments,
                  p.valid_until, p.text)
            for p in promos
        )
    elif row.promotions_json:
        promotions = promos_from_json(row.promotions_json)
    else:
        promotions = ()
    delivery = row.delivery_max_days if row.delivery_max_days is not None else row.delivery_min_days
    key = (delivery, row.warranty_months, row.returns_days,
           bool(promotions) and any(p.kind == "instalments" for p in promotions))
    terms = terms_cache.get(key)
    if terms is None:
        terms = terms_cache[key] = Terms(*key)
    return TheirOffer(
        row.listing_id, row.competitor_id, row.competitor, row.currency or "", row.price,
        row.regular_price, row.shipping_cost, row.free_shipping_threshold, terms, promotions,
        row.pack_ratio, row.lowest_before,
    )


class _IndexSums:
    """Sums behind the price indexes: 100 x sum(theirs) / sum(ours), so 100 is parity and
    above 100 means they are dearer (the reports use the same reading)."""

    def __init__(self) -> None:
        self.ours: dict[str, Decimal] = defaultdict(Decimal)
        self.theirs: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, key: str, ours: Decimal, theirs: Decimal) -> None:
        self.ours[key] += ours
        self.theirs[key] += theirs

    def result(self) -> dict[str, Decimal]:
        return {
            k: (HUNDRED * self.theirs[k] / self.ours[k]).quantize(Decimal("0.1"))
            for k in sorted(self.ours) if self.ours[k]
        }


def finding_columns(f: FindingData) -> dict[str, Any]:
    """A finding as the `finding` table's columns."""
    return {
        "product_id": f.product_id, "competitor_id": f.competitor_id, "listing_id": f.listing_id,
        "kind": f.kind.value, "currency": f.currency, "our_price": f.our_price,
        "our_effective": f.our_effective, "their_price": f.their_price,
        "their_effective": f.their_effective, "gap": f.gap, "gap_pct": f.gap_pct,
        "recommended_price": f.recommended_price, "promo_until": f.promo_until,
        "impact": f.impact, "reason": f.reason, "details": f.details,
    }


def run_comparison(
    engine: Engine, settings: CompareSettings | None = None, now: datetime | None = None
) -> CompareResult:
    """Compare the whole catalog, write the run and its findings, return them."""
    settings = settings or CompareSettings()
    started = utcnow()
    now = now or started
    with engine.connect() as conn:
        products = {p.id: p for p in repo.active_products(conn)}
        offers, promotions = repo.latest_offers(
            conn, settings.min_match_confidence, settings.fake_discount_days
        )
        conn.rollback()
    findings: list[FindingData] = []
    stats: list[ProductStats] = []
    by_competitor, by_category = _IndexSums(), _IndexSums()
    compared = skipped = 0
    grouped: dict[int, list[TheirOffer]] = defaultdict(list)
    terms_cache: dict[tuple[Any, ...], Terms] = {}
    for row in offers:
        grouped[row.product_id].append(
            _their_offer(row, promotions.get(row.listing_id), terms_cache))
    for product_id in sorted(grouped):
        product = products.get(product_id)
        if product is None:
            continue
        our = _our_product(product)
        their = grouped[product_id]
        evaluation = evaluate_product(our, their, settings, now)
        skipped += len(their) - len(evaluation.priced)
        compared += len(evaluation.priced)
        findings.extend(evaluation.findings)
        if evaluation.stats is None:
            continue
        stats.append(evaluation.stats)
        cheapest: dict[str, Decimal] = {}
        for p in evaluation.priced:
            name = p.offer.competitor
            if name not in cheapest or p.landed.effective < cheapest[name]:
                cheapest[name] = p.landed.effective
        ours = evaluation.our.effective
        category = our.category or "(none)"
        for name, theirs in cheapest.items():
            by_competitor.add(name, ours, theirs)
            by_category.add(category, ours, theirs)
    order = {kind: i for i, kind in enumerate(FindingKind)}
    findings.sort(key=lambda f: (-f.impact, f.product_id, order[f.kind]))
    counts = Counter(f.kind.value for f in findings)
    result = CompareResult(
        run_id=0, findings=findings, stats=stats, products=len(stats), offers=compared,
        skipped_currency=skipped, counts=dict(sorted(counts.items())),
        index_by_competitor=by_competitor.result(), index_by_category=by_category.result(),
    )
    with engine.begin() as conn:
        run_id = repo.save_run(
            conn, started_at=started, finished_at=utcnow(),
            settings=settings.model_dump(mode="json") | {"now": now.isoformat()},
            summary=result.summary(), findings=[finding_columns(f) for f in findings],
        )
    return CompareResult(
        run_id=run_id, findings=findings, stats=stats, products=result.products,
        offers=compared, skipped_currency=skipped, counts=result.counts,
        index_by_competitor=result.index_by_competitor,
        index_by_category=result.index_by_category,
    )

