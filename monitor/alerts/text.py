"""One-line headlines for alerts, from their stored payload (plain text, never HTML), in
English or Bulgarian."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from monitor.alerts.settings import EventKind
from storage.money import format_dual, format_percent_units, normalize_currency

LANGS = ("en", "bg")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        EventKind.promotion_started: "Promotion started",
        EventKind.promotion_changed: "Promotion changed",
        EventKind.promotion_ended: "Promotion ended",
        EventKind.price_drop: "Price cut",
        EventKind.price_rise: "Price rise",
        EventKind.became_undercut: "Undercuts us",
        EventKind.no_longer_undercut: "No longer undercut",
        EventKind.out_of_stock: "Out of stock",
        EventKind.back_in_stock: "Back in stock",
        EventKind.new_match: "New matching product",
        EventKind.fake_discount: "Fake discount",
        EventKind.map_violation: "Below MAP",
        EventKind.terms_changed: "Terms changed",
        EventKind.listing_gone: "Product gone",
        EventKind.crawl_suspect: "Crawl health",
        EventKind.needs_a_look: "Needs a look",
    },
    "bg": {
        EventKind.promotion_started: "Започна промоция",
        EventKind.promotion_changed: "Промоцията се промени",
        EventKind.promotion_ended: "Промоцията свърши",
        EventKind.price_drop: "Намалена цена",
        EventKind.price_rise: "Увеличена цена",
        EventKind.became_undercut: "По-евтини от нас",
        EventKind.no_longer_undercut: "Вече не са по-евтини",
        EventKind.out_of_stock: "Изчерпан",
        EventKind.back_in_stock: "Отново в наличност",
        EventKind.new_match: "Нов съвпадащ продукт",
        EventKind.fake_discount: "Фалшива отстъпка",
        EventKind.map_violation: "Под минималната цена (MAP)",
        EventKind.terms_changed: "Променени условия",
        EventKind.listing_gone: "Продуктът изчезна",
        EventKind.crawl_suspect: "Състояние на обхождането",
        EventKind.needs_a_look: "За проверка",
    },
}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "at": "at", "now": "now", "ended": "ended", "promotion": "promotion",
        "oos": "they cannot sell it now: an opportunity", "back": "available again at",
        "listed": "listed at {price} (we sell at {ours})",
        "undercut": "they sell at {theirs}, we at {ours} (gap {gap}{promo})",
        "through_promo": ", through a promotion", "until": " until {until}",
        "not_undercut": "we are no longer undercut (was a gap of {gap})",
        "fake": "the 'was' price was never really charged",
        "map": "advertised at {theirs}, below the minimum advertised price",
        "suspect": "the crawl looks unhealthy", "gone": "the listing is marked inactive",
        "held": "held back ({reason}): {what}",
        "corrects": "this corrects what was told earlier tonight ({what})",
        "also": "also", "terms": "terms", "stock": "stock",
        "shipping_cost": "shipping", "free_shipping_threshold": "free shipping from",
        "warranty_months": "warranty (months)", "instalments": "instalments (months)",
        "more": "more", "alert": "alert", "alerts": "alerts", "ops": "operations",
        "and_more": "And {n} more", "report": "Everything in the report", "impact": "impact",
        "what": "What", "competitor": "Competitor", "details": "Details", "product": "Product",
        "footer": "`pricewatch alerts list` shows every alert; `pricewatch alerts ack|snooze` "
                  "acknowledges or snoozes one.",
    },
    "bg": {
        "at": "в", "now": "сега", "ended": "приключи", "promotion": "промоция",
        "oos": "не могат да го продават сега: възможност за нас", "back": "отново наличен на",
        "listed": "предлаган на {price} (ние продаваме на {ours})",
        "undercut": "те продават на {theirs}, ние на {ours} (разлика {gap}{promo})",
        "through_promo": ", чрез промоция", "until": " до {until}",
        "not_undercut": "вече не са по-евтини (разликата беше {gap})",
        "fake": "„старата“ цена никога не е била реално прилагана",
        "map": "обявена цена {theirs}, под минималната рекламирана цена",
        "suspect": "обхождането изглежда нездраво", "gone": "обявата е отбелязана като неактивна",
        "held": "задържано ({reason}): {what}",
        "corrects": "това поправя съобщеното по-рано тази нощ ({what})",
        "also": "също", "terms": "условия", "stock": "наличност",
        "shipping_cost": "доставка", "free_shipping_threshold": "безплатна доставка от",
        "warranty_months": "гаранция (месеци)", "instalments": "изплащане (месеци)",
        "more": "още", "alert": "сигнал", "alerts": "сигнала", "ops": "операции",
        "and_more": "И още {n}", "report": "Всичко в отчета", "impact": "ефект",
        "what": "Какво", "competitor": "Конкурент", "details": "Подробности", "product": "Продукт",
        "footer": "`pricewatch alerts list` показва всички сигнали; `pricewatch alerts ack|snooze` "
                  "ги потвърждава или отлага.",
    },
}


def _lang(lang: str) -> str:
    return lang if lang in LABELS else "en"


def word(key: str, lang: str = "en") -> str:
    return WORDS[_lang(lang)][key]


def label(kind: str, lang: str = "en") -> str:
    return LABELS[_lang(lang)].get(kind) or kind.replace("_", " ").capitalize()


def money(value: Any, currency: Any, lang: str = "en", secondary: str | None = None) -> str:
    """An amount as people of `lang` write it ("385,43 €" in bg), with the amount in the
    `secondary` currency beside it when that is set ("385,43 € (753,84 лв.)")."""
    if value in (None, ""):
        return "?"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    code = normalize_currency(str(currency)) if currency else None
    if code is None:
        return f"{value} {currency}" if currency else str(value)
    return format_dual(amount, code, secondary, lang)


def _also(kind: str, d: dict[str, Any], lang: str, secondary: str | None = None) -> str:
    """The night's other changes on the same listing, in a few words."""
    changes = d.get("changes") or {}
    bits: list[str] = []
    price = changes.get("price")
    if price and kind not in (EventKind.price_drop, EventKind.price_rise):
        bits.append(f"{money(price.get('old'), price.get('currency'), lang, secondary)} -> "
                    f"{money(price.get('new'), price.get('currency'), lang, secondary)}")
    stock = changes.get("stock")
    if stock and kind not in (EventKind.out_of_stock, EventKind.back_in_stock):
        bits.append(f"{word('stock', lang)}: {stock.get('after')}")
    terms = changes.get("terms")
    if terms and kind != EventKind.terms_changed:
        bits.append(_terms(terms, lang))
    for finding in (EventKind.became_undercut, EventKind.fake_discount, EventKind.map_violation):
        if finding in changes and kind != finding:
            bits.append(label(finding, lang))
    return f"; {word('also', lang)}: " + ", ".join(bits) if bits else ""


def _terms(terms: dict[str, Any], lang: str) -> str:
    return ", ".join(f"{word(name, lang)} {old if old is not None else '-'} -> {new if new is not None else '-'}"
                     for name, (old, new) in sorted(terms.items()))


def _describe(kind: str, d: dict[str, Any], lang: str = "en", secondary: str | None = None) -> str:
    cur = d.get("currency")
    w = WORDS[_lang(lang)]
    if kind in (EventKind.price_drop, EventKind.price_rise):
        pct = d.get("change_pct")
        shown = format_percent_units(pct, lang, signed=True)
        tail = f" ({shown})" if shown else ""
        return f"{money(d.get('old_price'), cur, lang, secondary)} -> {money(d.get('new_price'), cur, lang, secondary)}{tail}"
    if kind in (EventKind.promotion_started, EventKind.promotion_changed):
        promos = "; ".join(d.get("promotions") or []) or w["promotion"]
        return f"{promos} ({w['now']} {money(d.get('price'), cur, lang, secondary)})"
    if kind == EventKind.promotion_ended:
        was = "; ".join(d.get("previous_promotions") or []) or w["promotion"]
        return f"{was} {w['ended']} ({w['now']} {money(d.get('price'), cur, lang, secondary)})"
    if kind == EventKind.became_undercut:
        promo = ""
        if d.get("promo_driven"):
            until = str(d.get("promo_until") or "")[:10]
            promo = w["through_promo"] + (w["until"].format(until=until) if until else "")
        return w["undercut"].format(theirs=money(d.get("their_price"), cur, lang, secondary),
                                    ours=money(d.get("our_price"), cur, lang, secondary),
                                    gap=money(d.get("gap"), cur, lang, secondary), promo=promo)
    if kind == EventKind.no_longer_undercut:
        return w["not_undercut"].format(gap=money(d.get("previous_gap") or d.get("gap"), cur, lang, secondary))
    if kind == EventKind.out_of_stock:
        return w["oos"]
    if kind == EventKind.back_in_stock:
        return f"{w['back']} {money(d.get('price'), cur, lang, secondary)}"
    if kind == EventKind.new_match:
        return w["listed"].format(price=money(d.get("price"), cur, lang, secondary),
                                  ours=money(d.get("our_price"), d.get("our_currency"), lang, secondary))
    if kind == EventKind.fake_discount:
        return d.get("reason") or w["fake"]
    if kind == EventKind.map_violation:
        return d.get("reason") or w["map"].format(theirs=money(d.get("their_price"), cur, lang, secondary))
    if kind == EventKind.terms_changed:
        return _terms((d.get("changes") or {}).get("terms") or {}, lang)
    if kind == EventKind.listing_gone:
        return f"{d.get('reason') or ''}: {w['gone']}".lstrip(": ")
    if kind == EventKind.crawl_suspect:
        return d.get("reason") or w["suspect"]
    if kind == EventKind.needs_a_look:
        held = str(d.get("held_kind") or "")
        what = label(held, lang)
        inner = _describe(held, d.get("held_details") or {}, lang, secondary) if held else ""
        return w["held"].format(reason=d.get("reason") or "", what=f"{what}: {inner}" if inner else what)
    return ""


def describe(payload: dict[str, Any], lang: str = "en", secondary: str | None = None) -> str:
    """What happened, without the kind and the product (for a table's details column)."""
    kind = str(payload.get("kind", ""))
    details = payload.get("details") or {}
    text = _describe(kind, details, lang, secondary) + _also(kind, details, lang, secondary)
    corrects = details.get("corrects")
    if isinstance(corrects, dict) and corrects.get("kind"):
        # a later alert step of the same night found that an earlier alert no longer holds
        text += f"; {word('corrects', lang).format(what=label(str(corrects['kind']), lang))}"
    return text


def headline(payload: dict[str, Any], lang: str = "en", secondary: str | None = None) -> str:
    """E.g. 'Price cut: Acme Kettle 1.7l at shop-b: 49.90 EUR -> 44.90 EUR (-10.0%)'."""
    kind = str(payload.get("kind", ""))
    who = payload.get("product_name") or payload.get("title") or ""
    where = payload.get("competitor") or ""
    at = word("at", lang)
    subject = f"{who} {at} {where}" if who and where else (who or where)
    text = describe(payload, lang, secondary)
    parts = [label(kind, lang)]
    if subject:
        parts.append(subject)
    if text:
        parts.append(text)
    return ": ".join(parts)
