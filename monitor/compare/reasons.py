"""Finding reasons in words, in English and Bulgarian, from the finding's structured data.

A finding keeps what its reason says as data (`details["why"]`: a template key and its
values, money as strings in the finding's currency); `render_reason(finding, lang)` is the
one renderer the CLI, the exports, the reports and the alert mails call. Amounts are
formatted by the money module (`459,00 €` in Bulgarian, `€459.00` in English). A finding
stored before reasons were structured has no `why`: its stored English `reason` is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal

from storage.money import Conversion, format_money, format_rate

LANGS = ("en", "bg")

_TEMPLATES: dict[str, dict[str, str]] = {
    "undercut": {
        "en": "{competitor} sells it for {their} vs our {ours}: {gap} ({gap_pct}%) cheaper; "
              "{cheaper} of {offers} competitors are cheaper than us.",
        "bg": "{competitor} го продава за {their} при наша цена {ours}: с {gap} ({gap_pct}%) "
              "по-евтино; {cheaper} от {offers} конкуренти са по-евтини от нас.",
    },
    "cannot_follow_cost": {
        "en": "We cannot follow: our cost is unknown, so the margin cannot be checked.",
        "bg": "Не можем да последваме: себестойността ни не е известна и маржът не може да се провери.",
    },
    "cannot_follow_floor": {
        "en": "We cannot follow: matching {competitor}'s {lasting} would go under our floor {floor}.",
        "bg": "Не можем да последваме: цена като на {competitor} ({lasting}) е под нашия минимум {floor}.",
    },
    "cannot_follow_ending": {
        "en": "We cannot follow: no price ending between our floor {floor} and {competitor}'s {lasting}.",
        "bg": "Не можем да последваме: няма цена с нашите окончания между минимума {floor} и {lasting} на {competitor}.",
    },
    "beatable": {
        "en": "We can answer {competitor} ({lasting}) and keep our margin: price {price} instead "
              "of {current} {outcome} them (effective {new}). Floor {floor}.",
        "bg": "Можем да отговорим на {competitor} ({lasting}) и да запазим маржа си: цена {price} "
              "вместо {current} {outcome} (ефективно {new}). Минимум {floor}.",
    },
    "beatable_after_markdown": {
        "en": "We can answer {competitor} at {lasting}, their price once the current markdown "
              "ends (now {now}), and keep our margin: price {price} instead of {current} "
              "{outcome} them (effective {new}). Floor {floor}.",
        "bg": "Можем да отговорим на {competitor} при {lasting}, тяхната цена след края на "
              "текущото намаление (сега {now}), и да запазим маржа си: цена {price} вместо "
              "{current} {outcome} (ефективно {new}). Минимум {floor}.",
    },
    "promo_driven": {
        "en": "{competitor} is {gap} cheaper ({their} vs our {ours}) only through a temporary "
              "promotion{until}; without it they charge {base}. Hold our price.",
        "bg": "{competitor} е с {gap} по-евтин ({their} при наша цена {ours}) само заради "
              "временна промоция{until}; без нея цената им е {base}. Задръжте цената си.",
    },
    "headroom": {
        "en": "We are cheapest by {room} ({room_pct}%): the next cheapest is {competitor} at "
              "{their}. We could raise to {price} and stay cheapest.",
        "bg": "Най-евтини сме с {room} ({room_pct}%): следващият е {competitor} с {their}. "
              "Можем да вдигнем до {price} и да останем най-евтини.",
    },
    "terms_gap": {
        "en": "{competitor} offers better terms at about the same price ({their} vs our {ours}): {terms}.",
        "bg": "{competitor} предлага по-добри условия при почти същата цена ({their} при наша {ours}): {terms}.",
    },
    "fake_discount": {
        "en": "{competitor} shows 'was {was}, now {now}', but its own lowest price in the {days} "
              "days before the discount was {lowest}: the announced discount is inflated by {inflated}.",
        "bg": "{competitor} показва „беше {was}, сега {now}“, но най-ниската ѝ цена за {days} дни "
              "преди намалението е {lowest}: обявеното намаление е завишено с {inflated}.",
    },
    "shipping_unknown": {
        "en": "{competitor}'s shipping is neither on the page nor configured: compared without it.",
        "bg": "Доставката при {competitor} не е нито на страницата, нито в настройките: сравнено "
              "без нея.",
    },
    "map_violation": {
        "en": "{competitor} advertises {advertised}, {below} under the minimum advertised price {map}.",
        "bg": "{competitor} рекламира {advertised}, с {below} под минималната рекламирана цена {map}.",
    },
    "conditional_offer": {
        "en": "{competitor} is not cheaper for a single buyer ({their} vs our {ours}), but "
              "{condition} ({offer}) they would be {gap} ({gap_pct}%) cheaper: {price} a unit.",
        "bg": "{competitor} не е по-евтин за единичен купувач ({their} при наша цена {ours}), но "
              "{condition} ({offer}) би бил с {gap} ({gap_pct}%) по-евтин: {price} на брой.",
    },
    "out_of_stock": {
        "en": "{competitor} cannot sell it now ({state}; their price {their} vs our {ours}): "
              "room to hold or raise our price.",
        "bg": "{competitor} не може да го продаде сега ({state}; цената им {their} при наша "
              "{ours}): има място да задържим или вдигнем цената си.",
    },
    "beside_conditional": {
        "en": "{condition} ({offer}) they would be {gap_pct}% cheaper.",
        "bg": "{condition} ({offer}) биха били с {gap_pct}% по-евтини.",
    },
    "conversion": {
        "en": "Their {original} = {converted} at the {fixed}rate {rate}.",
        "bg": "Цената им {original} = {converted} по {fixed}курс {rate}.",
    },
}

_WORDS: dict[str, dict[str, str]] = {
    "beats": {"en": "beats", "bg": "ги побеждава"},
    "matches": {"en": "matches", "bg": "се изравнява с тях"},
    "moves towards": {"en": "moves towards", "bg": "се доближава до тях"},
    "multi_buy": {"en": "buying several", "bg": "при покупка на няколко"},
    "member_price": {"en": "for members", "bg": "за членове"},
    "coupon": {"en": "with a coupon code", "bg": "с код за отстъпка"},
    "instalments": {"en": "paying in instalments", "bg": "при плащане на вноски"},
    "percent_off": {"en": "with a code or a bigger basket", "bg": "с код или по-голяма поръчка"},
    "amount_off": {"en": "with a code or a bigger basket", "bg": "с код или по-голяма поръчка"},
    "fixed": {"en": "fixed ", "bg": "фиксирания "},
    "until": {"en": " until {date}", "bg": " до {date}"},
    "no_end": {"en": " (end date not shown)", "bg": " (без посочен край)"},
    "free_shipping": {"en": "free shipping (we charge {ours})", "bg": "безплатна доставка (ние взимаме {ours})"},
    "warranty": {"en": "{theirs} months warranty vs our {ours}", "bg": "{theirs} месеца гаранция при наши {ours}"},
    "delivery": {"en": "delivery in {theirs} days vs our {ours}", "bg": "доставка за {theirs} дни при наши {ours}"},
    "returns": {"en": "{theirs} days to return vs our {ours}", "bg": "{theirs} дни за връщане при наши {ours}"},
    "instalments_terms": {"en": "payment in instalments, which we do not offer",
                          "bg": "плащане на вноски, което ние не предлагаме"},
}

MONEY_KEYS = frozenset({"their", "ours", "gap", "lasting", "floor", "price", "current", "new",
                        "base", "room", "was", "now", "lowest", "inflated", "advertised",
                        "below", "map", "converted"})
PERCENT_KEYS = frozenset({"gap_pct", "room_pct"})


def why(key: str, **values: Any) -> dict[str, Any]:
    """One piece of a reason as data: its template key and values. Money may be Decimal:
    the findings' codec writes it as a string (a comparison makes a million of these)."""
    values["key"] = key
    return values


def _word(key: str, lang: str) -> str:
    found = _WORDS.get(key)
    return found.get(lang, found["en"]) if found else key


def _number(value: Any, lang: str) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return format_decimal(amount, format="#,##0.##", locale="bg_BG" if lang == "bg" else "en_GB")


def _piece(piece: Mapping[str, Any], currency: str, lang: str) -> str:
    key = str(piece.get("key"))
    template = _TEMPLATES.get(key)
    if template is None:
        return ""
    values: dict[str, str] = {}
    for name, value in piece.items():
        if name == "key":
            continue
        if value is None:
            values[name] = ""
        elif name in MONEY_KEYS:
            try:
                values[name] = format_money(Decimal(str(value)), currency, lang)
            except (InvalidOperation, ValueError):
                values[name] = str(value)
        elif name in PERCENT_KEYS:
            values[name] = _number(value, lang)
        else:
            values[name] = str(value)
    if key in ("beatable", "beatable_after_markdown"):
        values["outcome"] = _word(str(piece.get("outcome")), lang)
    if key == "promo_driven":
        until = piece.get("until")
        values["until"] = (_word("until", lang).format(date=until) if until
                           else _word("no_end", lang))
    if key in ("conditional_offer", "beside_conditional"):
        condition = _word(str(piece.get("condition")), lang)
        values["condition"] = condition[:1].upper() + condition[1:] if key == "beside_conditional" \
            else condition
    if key == "terms_gap":
        parts = []
        for term in piece.get("terms") or []:
            word = "instalments_terms" if term.get("k") == "instalments" else str(term.get("k"))
            theirs, ours = term.get("theirs"), term.get("ours")
            if term.get("k") == "free_shipping" and ours is not None:
                ours = format_money(Decimal(str(ours)), currency, lang)
            parts.append(_word(word, lang).format(theirs=theirs, ours=ours))
        values["terms"] = "; ".join(parts)
    if key == "conversion":
        values["original"] = format_money(Decimal(str(piece["original"])), str(piece["from"]), lang)
        values["fixed"] = _word("fixed", lang) if piece.get("fixed") else ""
        values["rate"] = format_rate(Conversion(
            Decimal(str(piece["original"])), str(piece["from"]), Decimal(str(piece["converted"])),
            currency, Decimal(str(piece["rate"])), bool(piece.get("fixed"))), lang)
    text = template.get(lang, template["en"])
    try:
        return text.format(**values)
    except (KeyError, IndexError):
        return ""


def render_reason(finding: Any, lang: str = "en") -> str:
    """A finding's reason in `lang` (en or bg): from its structured `details["why"]` when
    it has them, else its stored reason. `finding` is a `FindingData`, a row or a mapping
    with `reason`, `currency` and `details`."""
    get = finding.get if isinstance(finding, Mapping) else (lambda k: getattr(finding, k, None))
    details = get("details") or {}
    pieces = details.get("why") if isinstance(details, Mapping) else None
    stored = str(get("reason") or "")
    if not pieces:
        return stored
    currency = str(get("currency") or "")
    rendered = [_piece(p, currency, lang) for p in pieces if isinstance(p, Mapping)]
    if not all(rendered):
        return stored
    return " ".join(rendered)
