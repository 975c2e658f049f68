"""One message per run: alerts ranked by impact, the top ones in full, the rest counted.

The digest body is plain JSON stored in the outbox, so a message can be rendered and
re-sent later exactly as it was queued.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from monitor.alerts.text import describe, headline, label


@dataclass(frozen=True, slots=True)
class DigestItem:
    alert_id: int
    kind: str
    payload: dict[str, Any]
    impact: Decimal | None
    priority: int = 0


def rank(items: Sequence[DigestItem]) -> list[DigestItem]:
    """Highest impact first; unknown impact last; then product priority, then age."""
    return sorted(
        items,
        key=lambda i: (i.impact is None, -(i.impact or Decimal(0)), -i.priority, i.alert_id),
    )


def _entry(item: DigestItem) -> dict[str, Any]:
    p = item.payload
    return {
        "alert_id": item.alert_id,
        "kind": item.kind,
        "label": label(item.kind),
        "headline": headline(p),
        "detail": describe(p),
        "impact": None if item.impact is None else str(item.impact),
        "product_name": p.get("product_name"),
        "sku": p.get("sku"),
        "competitor": p.get("competitor"),
        "title": p.get("title"),
        "url": p.get("url"),
        "details": p.get("details") or {},
    }


def build_digest(
    items: Sequence[DigestItem], *, audience: str, top: int, chart: dict[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """(subject, body) of the digest for these alerts."""
    ranked = rank(items)
    shown, rest = ranked[:top], ranked[top:]
    kinds = Counter(label(i.kind) for i in ranked)
    summary = ", ".join(f"{n} {k.lower()}" for k, n in kinds.most_common())
    what = "operations alert" if audience == "operations" else "alert"
    subject = f"[pricewatch] {len(ranked)} {what}{'' if len(ranked) == 1 else 's'} ({summary})"
    body: dict[str, Any] = {
        "audience": audience,
        "total": len(ranked),
        "items": [_entry(i) for i in shown],
        "rest_count": len(rest),
        "rest_by_kind": dict(Counter(label(i.kind) for i in rest).most_common()),
        "chart": chart,
    }
    return subject, body
