"""Terms read from shop wording: shipping cost, delivery time, warranty, returns window."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .currency import has_currency
from .fastre import CIPattern
from .prices import find_prices
from .textsearch import blocks_with

_SHIP_WORD = (r"(?:shipping|delivery|postage|доставка(?:та)?|versand(?:kosten)?|lieferung|livraison"
              r"|frais de port|envío|gastos de envío|spedizione)")
_FREE_WORD = r"(?:free|безплатна|kostenlose[rns]?|kostenlos|gratis|gratuite?|offerte|gratuito|gratuita)"
# Money without nested ambiguous repeats (those backtrack badly on long text).
_MONEY = (r"(?:[^\d\s]{1,4}\s?)?\d{1,3}(?:[ \u00a0.,']?\d{3})*(?:[.,]\d{1,2})?(?!\d)"
          r"(?:\s?[^\d\s,;)!]{1,4}\.?)?")
_SHIP_COST_RE = CIPattern(_SHIP_WORD
                          # "Доставка до адрес: 5,90 €", "Доставка с куриер: 4,99 €": a short
                          # where/how before a colon
                          + r"(?:\s+(?:до|с|със|чрез|to|by|via|with)\s[^\d:.\n]{1,30}?:)?"
                          + r"\s*(?:cost|price|fee|цена|от)?\s*:?\s*(?P<money>" + _MONEY + ")")
_FREE_SHIP_RE = CIPattern(_FREE_WORD + r"\s" + _SHIP_WORD + "|" + _SHIP_WORD + r"\s*:?\s*" +
                           _FREE_WORD)
_THRESHOLD_RE = CIPattern(r"(?:over|above|from|orders over|над|от|ab|dès|à partir de|desde"
                           r"|a partir de|oltre)\s?(?P<money>" + _MONEY + ")")
_DAYS = (r"(?:days?|business days|working days|дни|дена|раб(?:отни)? дни|tage[n]?|werktage[n]?"
         r"|jours?(?: ouvrés| ouvrables)?|días(?: hábiles| laborables)?|giorni)")
_WEEKS = r"(?:weeks?|седмиц[аи]|wochen?|semaines?|semanas?|settimane)"
_DELIVERY_RE = CIPattern(
    r"(?:deliver(?:y|ed)?|ships?|shipping|dispatch(?:ed)?|arrives?|доставка|доставя|срок за доставка"
    r"|lieferzeit|lieferung|geliefert|versand|livraison|livré|expédi\w*|entrega|envío|consegna)"
    r"[^.\n\d]{0,30}?(?P<lo>\d{1,2})(?:\s?(?:-|–|—|to|до|bis|à|a|al)\s?(?P<hi>\d{1,2}))?\s?"
    r"(?P<unit>" + _DAYS + "|" + _WEEKS + ")")
_WARRANTY_RE = CIPattern(
    r"(?:warranty|guarantee|гаранция|garantie|garantía|garanzia|gwarancja|záruka)[^.\n\d]{0,25}?"
    r"(?P<n>\d{1,3})\s?(?P<unit>months?|mo\b|years?|yrs?|месеца|месец|години|година|г\.|monate?"
    r"|jahre?|mois|ans?|meses|años?|mesi|anni|miesięcy|lat)"
    r"|(?P<n2>\d{1,3})\s?(?P<unit2>months?|years?|месеца|години|monate|jahre|mois|ans|meses|años)"
    r"\s?(?:warranty|guarantee|гаранция|garantie|garantía|garanzia)")
_RETURN_WORD = (r"(?:returns?|money back|връщане|право на връщане|rückgabe|rücksende\w*|retours?"
                r"|devoluci[oó]n(?:es)?|reso|widerruf)")
_RETURNS_AFTER_RE = CIPattern(_RETURN_WORD + r"[^.\n\d·|;]{0,30}?(?P<n>\d{1,3})\s?" + _DAYS)
_RETURNS_BEFORE_RE = CIPattern(r"(?P<n>\d{1,3})\s?(?:-|\s)?" + _DAYS + r"[^.\n\d·|;,]{0,14}?"
                                + _RETURN_WORD)
_THRESHOLD_WORD_RE = CIPattern(r"\s*(?:over|above|from|ab|над|от|dès|desde|oltre|à partir"
                                r"|a partir)\b")
_SHIP_WORDS = ("ship", "deliver", "postage", "достав", "versand", "liefer", "livr", "port", "env",
               "spedizion")
_WARRANTY_WORDS = ("warrant", "guarant", "гаранц", "garan", "gwaranc", "záruk")
_RETURN_WORDS = ("return", "връщан", "rückgabe", "rücksend", "retour", "devoluc", "reso",
                 "money back", "widerruf")
MAX_STATEMENT_CHARS = 240
"""Longer blocks are prose (descriptions): offers and terms are stated in short lines, and
skipping prose keeps the regexes off most of the page."""
_SHIP_GATE = re.compile("|".join(map(re.escape, _SHIP_WORDS)))
_WARRANTY_GATE = re.compile("|".join(map(re.escape, _WARRANTY_WORDS)))
_RETURN_GATE = re.compile("|".join(map(re.escape, _RETURN_WORDS)))
TERMS_WORDS = (
    "ship", "deliver", "postage", "достав", "versand", "liefer", "livr", "frais de port", "envío",
    "envio", "entrega", "spedizion", "consegna", "dispatch", "arriv", "expédi", "warrant",
    "guarant", "гаранц", "garan", "gwaranc", "záruk", "return", "връщан", "rückgabe", "rücksend",
    "retour", "devoluc", "devolución", "reso", "money back", "widerruf",
)
"""Lower-case words a term statement contains; blocks without any are skipped."""
_YEAR_UNITS = ("year", "yr", "годин", "г.", "jahr", "an", "año", "anni", "lat")


@dataclass(frozen=True, slots=True)
class Terms:
    """Terms found on a page; each None when not stated."""

    shipping_cost: Decimal | None = None
    free_threshold: Decimal | None = None
    shipping_text: str | None = None
    delivery_min: int | None = None
    delivery_max: int | None = None
    delivery_text: str | None = None
    warranty_months: int | None = None
    warranty_text: str | None = None
    returns_days: int | None = None


def find_terms(texts: Iterable[str], currency: str | None = None) -> Terms:
    """First statement of each term in the given text blocks.

    Shipping: "free shipping over X" gives the threshold; a stated cost
    ("Доставка: 5,99 лв.") may come from another block.
    """
    values: dict[str, object] = {}
    short = [text for text in texts if len(text) <= MAX_STATEMENT_CHARS]
    for text in blocks_with(short, TERMS_WORDS):
        for key, value in block_terms(text, currency):
            values.setdefault(key, value)
    return Terms(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=8192)
def block_terms(text: str, currency: str | None) -> tuple[tuple[str, object], ...]:
    """What one short text block states (cached: shops repeat their terms on every page)."""
    values: dict[str, object] = {}
    low = text.lower()
    if _SHIP_GATE.search(low):
        _shipping(text, currency, values)
    if any(ch.isdigit() for ch in text):
        _delivery(text, values)
    if _WARRANTY_GATE.search(low):
        _warranty(text, values)
    if _RETURN_GATE.search(low):
        m = _RETURNS_AFTER_RE.search(text) or _RETURNS_BEFORE_RE.search(text)
        if m:
            values["returns_days"] = int(m.group("n"))
    return tuple(values.items())


def _clip(text: str) -> str:
    return " ".join(text.split())[:160]


def _shipping(text: str, currency: str | None, values: dict[str, object]) -> None:
    free = _FREE_SHIP_RE.search(text)
    if free and "free_threshold" not in values:
        threshold = _THRESHOLD_RE.search(text, free.end(), free.end() + 40)
        amount = _money(threshold.group("money"), currency) if threshold else None
        if amount is not None:
            values["free_threshold"] = amount
            if threshold is not None:
                # "Доставка до адрес: 5,90 €. Безплатна доставка над 79 €.": the cost
                # stated before (or after) the free-shipping offer in the same block
                for part in (text[:free.start()], text[threshold.end():]):
                    if part.strip():
                        _shipping_cost(part, currency, values, text)
        else:
            values["shipping_cost"] = Decimal(0)
        values.setdefault("shipping_text", _clip(text))
        return
    if free:
        return
    _shipping_cost(text, currency, values, text)


def _shipping_cost(text: str, currency: str | None, values: dict[str, object],
                   block: str) -> None:
    """A stated shipping cost ("Доставка: 5,99 лв.") in `text`, a part of `block`."""
    m = _SHIP_COST_RE.search(text)
    if m and not _THRESHOLD_RE.match(text, max(0, m.start("money") - 6)):
        money = m.group("money")
        if _THRESHOLD_WORD_RE.match(money):
            return  # "Versand ab 39 €" is a threshold, not a cost
        stated = has_currency(money) or re.search(r"\d[.,]\d{2}(?!\d)", money)
        if not stated or re.match(r"\s*(?:-|–|to|до|bis)?\s*\d*\s*" + _DAYS,
                                  text[m.end("money"):], re.I):
            return  # "Delivery in 2-4 days" states a time, not a cost
        cost = _money(money, currency)
        if cost is not None and "shipping_cost" not in values:
            values["shipping_cost"] = cost
            values.setdefault("shipping_text", _clip(block))


def _money(text: str, currency: str | None) -> Decimal | None:
    found = find_prices(text, default_currency=currency)
    return found[0].amount if found else None


def _delivery(text: str, values: dict[str, object]) -> None:
    m = _DELIVERY_RE.search(text)
    if not m:
        return
    lo = int(m.group("lo"))
    hi = int(m.group("hi")) if m.group("hi") else lo
    if re.match(_WEEKS, m.group("unit"), re.I):
        lo, hi = lo * 7, hi * 7
    if 0 <= lo <= hi <= 120:
        values["delivery_min"], values["delivery_max"] = lo, hi
        values["delivery_text"] = _clip(m.group(0))


def _warranty(text: str, values: dict[str, object]) -> None:
    m = _WARRANTY_RE.search(text)
    if not m:
        return
    n = int(m.group("n") or m.group("n2"))
    unit = (m.group("unit") or m.group("unit2")).lower()
    months = n * 12 if unit.startswith(_YEAR_UNITS) else n
    if 0 < months <= 240:
        values["warranty_months"] = months
        values["warranty_text"] = _clip(m.group(0))
