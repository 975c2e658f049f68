"""One message per run, read in a minute: alerts grouped by product, the most important
product first (impact = money at stake x our priority), at most `top` alerts in full, the
rest counted with a link to the report; the subject names the top item.

The digest body is plain JSON stored in the outbox, so a message can be rendered and
re-sent later exactly as it was queued.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from monitor.alerts.text import describe, headline, label, money, word


@dataclass(frozen=True, slots=True)
class DigestItem:
    alert_id: int
    kind: str
    payload: dict[str, Any]
    impact: Decimal | None
    priority: int = 0

    @property
    def score(self) -> Decimal | None:
        """Money at stake x our priority (priority 0 counts as 1); None when unknown."""
        if self.impact is None:
            return None
        return abs(self.impact) * max(self.priority, 1)


def _key(i: DigestItem) -> tuple[Any, ...]:
    score = i.score
    return (score is None, -(score or Decimal(0)), -i.priority, i.alert_id)


def rank(items: Sequence[DigestItem]) -> list[DigestItem]:
    """Highest score first; unknown impact last; then product priority, then age."""
    return sorted(items, key=_key)


def _group_key(item: DigestItem) -> tuple[str, Any]:
    p = item.payload
    if p.get("product_id") is not None:
        return ("product", p["product_id"])
    if p.get("competitor_name") or p.get("competitor"):
        return ("competitor", p.get("competitor_name") or p.get("competitor"))
    return ("alert", item.alert_id)


def group(items: Sequence[DigestItem]) -> list[list[DigestItem]]:
    """Alerts grouped by product (by competitor for operations), each group ranked, the
    group with the highest-ranked alert first."""
    groups: dict[tuple[str, Any], list[DigestItem]] = {}
    for item in rank(items):
        groups.setdefault(_group_key(item), []).append(item)
    return list(groups.values())


def _entry(item: DigestItem, lang: str, secondary: str | None = None) -> dict[str, Any]:
    p = item.payload
    return {
        "alert_id": item.alert_id,
        "kind": item.kind,
        "label": label(item.kind, lang),
        "headline": headline(p, lang, secondary),
        "detail": describe(p, lang, secondary),
        "impact": None if item.impact is None else str(item.impact),
        "impact_text": None if item.impact is None else money(
            item.impact, p.get("impact_currency") or (p.get("details") or {}).get("currency"),
            lang, secondary),
        "product_name": p.get("product_name"),
        "sku": p.get("sku"),
        "competitor": p.get("competitor"),
        "title": p.get("title"),
        "url": p.get("url"),
        "details": p.get("details") or {},
    }


def build_digest(
    items: Sequence[DigestItem], *, audience: str, top: int, chart: dict[str, Any] | None = None,
    lang: str = "en", report_url: str | None = None, secondary: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """(subject, body) of the digest for these alerts; amounts as `lang` writes them, with
    the amount in `secondary` beside each when set (money.secondary_currency)."""
    groups = group(items)
    shown_groups: list[dict[str, Any]] = []
    shown: list[DigestItem] = []
    for members in groups:
        room = top - len(shown)
        if room <= 0:
            break
        taken = members[:room]
        shown.extend(taken)
        first = members[0].payload
        shown_groups.append({
            "product_name": first.get("product_name") or first.get("competitor") or first.get("title"),
            "sku": first.get("sku"),
            "items": [_entry(i, lang, secondary) for i in taken],
            "more": len(members) - len(taken),
        })
    shown_ids = {i.alert_id for i in shown}
    rest = [i for members in groups for i in members if i.alert_id not in shown_ids]
    total = len(items)
    if shown:
        lead = headline(shown[0].payload, lang, secondary)
        more = f" (+{total - 1} {word('more', lang)})" if total > 1 else ""
        prefix = "[pricewatch]" if audience != "operations" else f"[pricewatch {word('ops', lang)}]"
        subject = f"{prefix} {lead}"
        if len(subject) > 150:
            subject = subject[:147].rstrip() + "..."
        subject += more
    else:
        subject = f"[pricewatch] 0 {word('alerts', lang)}"
    body: dict[str, Any] = {
        "audience": audience,
        "lang": lang,
        "total": total,
        "groups": shown_groups,
        "items": [_entry(i, lang, secondary) for i in shown],
        "rest_count": len(rest),
        "rest_by_kind": dict(Counter(label(i.kind, lang) for i in rest).most_common()),
        "report_url": report_url,
        "chart": chart,
    }
    return subject, body
