"""One-line headlines for alerts, from their stored payload (plain text, never HTML)."""

from __future__ import annotations

from typing import Any

from monitor.alerts.settings import EventKind

LABELS: dict[str, str] = {
    EventKind.promotion_started: "Promotion started",
    EventKind.promotion_changed: "Promotion changed",
    EventKind.promotion_ended: "Promotion ended",
    EventKind.price_drop: "Price drop",
    EventKind.price_rise: "Price rise",
    EventKind.became_undercut: "Undercut",
    EventKind.no_longer_undercut: "No longer undercut",
    EventKind.out_of_stock: "Out of stock",
    EventKind.back_in_stock: "Back in stock",
    EventKind.new_match: "New matching product",
    EventKind.fake_discount: "Fake discount",
    EventKind.crawl_suspect: "Crawl health",
}


def label(kind: str) -> str:
    return LABELS.get(kind, kind.replace("_", " ").capitalize())


def _money(value: Any, currency: Any) -> str:
    if value in (None, ""):
        return "?"
    return f"{value} {currency}" if currency else str(value)


def _describe(kind: str, d: dict[str, Any]) -> str:
    cur = d.get("currency")
    if kind in (EventKind.price_drop, EventKind.price_rise):
        pct = d.get("change_pct")
        tail = f" ({pct}%)" if pct not in (None, "") else ""
        return f"{_money(d.get('old_price'), cur)} -> {_money(d.get('new_price'), cur)}{tail}"
    if kind in (EventKind.promotion_started, EventKind.promotion_changed):
        promos = "; ".join(d.get("promotions") or []) or "promotion"
        return f"{promos} (now {_money(d.get('price'), cur)})"
    if kind == EventKind.promotion_ended:
        was = "; ".join(d.get("previous_promotions") or []) or "promotion"
        return f"{was} ended (now {_money(d.get('price'), cur)})"
    if kind == EventKind.became_undercut:
        promo = ""
        if d.get("promo_driven"):
            until = str(d.get("promo_until") or "")[:10]
            promo = f", through a promotion{f' until {until}' if until else ''}"
        return (f"they sell at {_money(d.get('their_price'), cur)}, we at "
                f"{_money(d.get('our_price'), cur)} (gap {_money(d.get('gap'), cur)}{promo})")
    if kind == EventKind.no_longer_undercut:
        return f"we are no longer undercut (was a gap of {_money(d.get('previous_gap'), cur)})"
    if kind == EventKind.out_of_stock:
        return "they cannot sell it now: an opportunity"
    if kind == EventKind.back_in_stock:
        return f"available again at {_money(d.get('price'), cur)}"
    if kind == EventKind.new_match:
        return f"listed at {_money(d.get('price'), cur)} (we sell at {_money(d.get('our_price'), d.get('our_currency'))})"
    if kind == EventKind.fake_discount:
        return d.get("reason") or "the 'was' price was never really charged"
    if kind == EventKind.crawl_suspect:
        return d.get("reason") or "the crawl looks unhealthy"
    return ""


def describe(payload: dict[str, Any]) -> str:
    """What happened, without the kind and the product (for a table's details column)."""
    return _describe(str(payload.get("kind", "")), payload.get("details") or {})


def headline(payload: dict[str, Any]) -> str:
    """E.g. 'Price drop: Acme Kettle 1.7l at shop-b: 49.90 BGN -> 44.90 BGN (-10.0%)'."""
    kind = str(payload.get("kind", ""))
    who = payload.get("product_name") or payload.get("title") or ""
    where = payload.get("competitor") or ""
    subject = f"{who} at {where}" if who and where else (who or where)
    text = _describe(kind, payload.get("details") or {})
    parts = [label(kind)]
    if subject:
        parts.append(subject)
    if text:
        parts.append(text)
    return ": ".join(parts)
