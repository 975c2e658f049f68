"""Promotions read from shop wording, in Bulgarian, English, German, French and Spanish.

Each reader is a small function over one piece of text returning Promotions;
:func:`find_promotions` runs them all over the product's text blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from .currency import has_currency
from .fastre import CIMatch, CIPattern
from .model import Promotion, PromotionKind
from .prices import find_prices, parse_amount
from .textsearch import blocks_with
from .timeparse import find_until

_NUM = r"\d+(?:[.,]\d{1,2})?"
_MONEY = r"(?:[^\d\s]{0,4}\s?\d[\d\s.,]*\d|\d)(?:\s?[^\d\s,.;)]{1,4}\.?)?"
# Money that starts with its digits: a pattern that begins with it stays fast (the regex
# engine can skip to digits instead of trying every position).
_MONEY_D = r"\d(?:[\d\s.,]*\d)?(?:\s?[^\d\s,.;)]{1,4}\.?)?"

_PERCENT_RE = CIPattern(r"(?:-|−|–|минус\s*)\s?(\d{1,2}(?:[.,]\d)?)\s?%|(\d{1,2}(?:[.,]\d)?)\s?%\s?"
                         r"(?:off|отстъпка|намаление|rabatt|reduziert|de réduction|de remise"
                         r"|de descuento|dto|sconto|korting)"
                         r"|(?:отстъпка|намаление|discount|rabatt|remise|réduction|descuento|sconto"
                         r"|save|спестете|sparen sie|économisez|ahorra)\s*:?\s*(?:of\s|от\s|de\s)?"
                         r"(\d{1,2}(?:[.,]\d)?)\s?%")
_SAVE_RE = CIPattern(r"(?:save|you save|спестявате|спестяваш|спести|sie sparen|sparen sie|spare"
                      r"|économisez|vous économisez|ahorra|ahorras|ahorro|risparmi)(?!\w)\s*:?\s*"
                      r"(?P<amount>" + _MONEY + ")")
_COUPON_RE = re.compile(
    r"(?i:coupon|promo ?code|discount code|voucher|use code|with code|code|код(?: за отстъпка)?"
    r"|промо ?код|kupon|gutschein(?:code)?|rabattcode|mit dem code|code promo|avec le code"
    r"|código(?: promocional| de descuento)?|cupón|codice(?: sconto)?)\s*[:\-–]?\s*"
    r"[\"'«„“]?(?P<code>[A-Z0-9][A-Z0-9_-]{2,19})\b[\"'»“”]?"
    r"(?:[^%\d]{0,25}?(?:-|−)?\s?(?P<pct>\d{1,2})\s?%)?"
)
_MULTI_BUY_RE = [
    # "3 for 2", "3 за 2", "3 für 2", "3 pour 2", "3 por 2", "3x2"
    CIPattern(r"(?<![\d.,])(?P<buy>[2-9])\s?(?:for|за|für|pour|por|per|x|х)\s?(?P<pay>[1-8])"
               r"(?![\d.,%]|\s?(?:€|лв|\$|£|eur|bgn|месец|month|monat|mois|mes))"),
    # "Buy 3, pay 2" / "Купи 3, плати 2" / "Kaufe 3, zahle 2" / "Achetez 3, payez 2" / "Compra 3, paga 2"
    CIPattern(r"(?:buy|take|купи|вземи|kauf(?:e|en)?|nimm|achetez|achète|compra|lleva)\s?"
               r"(?P<buy>[2-9])[\s,;]*(?:and\s)?(?:pay(?: for)?|плати|платиш|плащаш|zahl(?:e|en)?"
               r"|payez|paye|paga|pagas)\s?(?P<pay>[1-8])"),
]
_PLUS_ONE_RE = CIPattern(r"(?<![\d.,+])(?P<buy>[1-5])\s?\+\s?(?P<free>[1-3])(?:\s?(?:free|gratis"
                          r"|подарък|безплатно|gratuit|gratis|offert))?(?![\d.,%])")
_NTH_RE = CIPattern(
    r"(?:second|2nd|втор\w*|zweite[rsn]?|deuxième|2e|segund[oa])\s(?:item\s|product\s"
    r"|продукт\s|артикул\s|artikel\s|article\s|produit\s|unidad\s)?(?:at|с|на|за|zum|à|al|a)?\s?"
    r"(?:-|−)?\s?(?P<pct>\d{1,3})\s?%")
_QTY_DISCOUNT_RE = CIPattern(
    r"(?P<lead>при (?:покупка|поръчка) на|when (?:you )?buy(?:ing)?|if you buy|buy|kaufen sie"
    r"|ab|from|от)\s(?P<n>[2-9])\s?(?P<more>\+|или повече|и повече|or more|and more)?\s?"
    r"(?P<unit>бр\b\.?|броя|продукта|артикула|pcs\b\.?|pieces|items|units|stück|stk\b\.?)?")
"""A discount that needs a quantity: "При покупка на 2 бр. -20%", "-10% when you buy 3 or
more", "ab 3 Stück 15%". Not a markdown a single-unit buyer gets."""
_PCT_RE = CIPattern(r"(?P<pct>\d{1,2})\s?%")


def _quantity_condition(text: str) -> tuple[int, CIMatch] | None:
    """The quantity a "-X% when buying N" offer needs, or None."""
    for m in _QTY_DISCOUNT_RE.finditer(text):
        lead = m.group("lead").lower()
        if lead.startswith(("при", "when", "if", "kaufen")) or m.group("more") or m.group("unit"):
            return int(m.group("n")), m
    return None


_HALF_PRICE_RE = CIPattern(r"(?:second|2nd)\s(?:one\s)?half price|втор\w+ на половин цена")
_FREE_SHIP_RE = CIPattern(
    r"(?:free (?:shipping|delivery)|безплатна доставка|kostenlose?r? (?:versand|lieferung)"
    r"|versandkostenfrei|gratis versand|livraison (?:gratuite|offerte)|envío gratis"
    r"|envío gratuito|spedizione gratuita)"
    r"(?:[^.!\n]{0,30}?(?:over|above|from|on orders(?: over| above)?|над|при поръчка над|от"
    r"|ab|dès|à partir de|dès \d+|desde|a partir de|sopra|oltre)\s?(?P<threshold>" + _MONEY + "))?")
_MEMBER_RE = CIPattern(
    r"(?:member(?:s|ship)? price|club price|loyalty price|with (?:club|loyalty|member) card"
    r"|клубна цена|цена с (?:клубна )?карта|за членове|mitgliederpreis|mit (?:kunden|club)karte"
    r"|prix (?:adhérent|membre|fidélité)|precio (?:socio|miembro|club))\s*:?\s*"
    r"(?P<amount>" + _MONEY + ")")
_INSTALMENT_RE = [
    CIPattern(r"(?P<n>\d{1,2})\s?(?:x|х|×)\s?(?P<amount>" + _MONEY + r")\s?(?:/|per|на)?\s?"
               r"(?P<month>month|mo\b|мес|месец|monat|mois|mes)?"),
    CIPattern(r"(?P<amount>" + _MONEY_D + r")\s?(?:/\s?|per |a |на |pro |par |al )?(?:month|mo\b"
               r"|мес\.?|месец|monat(?:lich)?|mois|mensuel\w*|mes|monthly)[^.\n]{0,30}?"
               r"(?:for|за|über|sur|en|in|durante)?\s?(?P<n>\d{1,2})\s?"
               r"(?:months|месеца|вноски|monate|mois|meses|mensualités|instalments|installments"
               r"|raten|cuotas)"),
    CIPattern(r"(?P<n>\d{1,2})\s?(?:instalments|installments|вноски|monatsraten|raten"
               r"|mensualités|cuotas|rate)\s?(?:of|по|von|de|à|da)\s?(?P<amount>" + _MONEY + ")"),
]
_COUNT_WORDS = ("months", "месеца", "вноски", "monate", "mois", "meses", "mensualit", "instal",
                "raten", "cuotas")
_BADGE_RE = CIPattern(
    r"^(?:sale|on sale|promo|promotion|hot deal|deal|special offer|top offer|black friday"
    r"|cyber monday|clearance|промоция|разпродажба|топ оферта|намаление|angebot|sonderangebot"
    r"|aktion|soldes|promo|offre spéciale|oferta|rebajas|liquidación|saldi|offerta)!?$")

Reader = Callable[[str, str | None], list[Promotion]]


def discount_from_regular(price: Decimal | None, regular: Decimal | None,
                          valid_until: date | datetime | None = None) -> Promotion | None:
    """The percent-off a shown regular (struck) price above the price makes, or None."""
    if price is None or regular is None or not regular > price:
        return None
    percent = ((regular - price) * 100 / regular).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return Promotion(kind=PromotionKind.PERCENT_OFF, text=f"{regular} -> {price}",
                     value=percent, valid_until=valid_until, detail="from regular price")


def make_promotion(kind: PromotionKind, text: str, **values: object) -> Promotion:
    """A Promotion with whitespace-normalized text (helper for readers)."""
    return Promotion(kind=kind, text=" ".join(text.split())[:200], **values)  # type: ignore[arg-type]


def _money(text: str | None, currency: str | None) -> Decimal | None:
    if not text:
        return None
    found = find_prices(text, default_currency=currency)
    return found[0].amount if found else None


def read_percent(text: str, currency: str | None) -> list[Promotion]:
    """"-20%", "20% off", "20% отстъпка"."""
    out = []
    for m in _PERCENT_RE.finditer(text):
        if _COUPON_RE.search(text) or _NTH_RE.search(text) or _quantity_condition(text):
            continue
        value = parse_amount(m.group(1) or m.group(2) or m.group(3))
        if value and 0 < value < 100:
            out.append(make_promotion(PromotionKind.PERCENT_OFF, m.group(0), value=value))
    return out[:1]


def read_save(text: str, currency: str | None) -> list[Promotion]:
    """"Save 20 €", "Спестявате 20 лв.", "Sie sparen 20 €"."""
    m = _SAVE_RE.search(text)
    if not m:
        return []
    if "%" in m.group("amount"):
        value = parse_amount(m.group("amount").split("%")[0].strip().split()[-1])
        return [make_promotion(PromotionKind.PERCENT_OFF, m.group(0), value=value)] if value else []
    amount = _money(m.group("amount"), currency)
    return [make_promotion(PromotionKind.AMOUNT_OFF, m.group(0), value=amount)] if amount else []


_AMOUNT_OFF_RE = CIPattern(
    r"(?:отстъпка|намаление|discount(?: of)?|rabatt|remise(?: de)?|descuento(?: de)?|sconto(?: di)?)"
    r"\s*:?\s*(?P<a>" + _MONEY + r")"
    r"|(?P<b>" + _MONEY_D + r")\s?(?:off\b|отстъпка|rabatt|de (?:réduction|remise|descuento)"
    r"|di sconto)"
    r"|(?:^|\s)[-−–](?P<c>\s?[^\d\s%]{0,4}\s?\d[\d\s.,]*\d?\s?[^\d\s%,;)]{1,4}\.?)(?:\s|$)")


def read_amount_off(text: str, currency: str | None) -> list[Promotion]:
    """"30,00 € off", "Отстъпка 50,00 лв.", "-50 лв.", "10 € Rabatt"."""
    if _COUPON_RE.search(text):
        return []
    for m in _AMOUNT_OFF_RE.finditer(text):
        money = m.group("a") or m.group("b") or m.group("c")
        if not money or "%" in money or not has_currency(money):
            continue
        amount = _money(money, currency)
        if amount:
            return [make_promotion(PromotionKind.AMOUNT_OFF, m.group(0), value=amount)]
    return []


_EXPLICIT_COUPON_RE = CIPattern(
    r"coupon|promo ?code|discount code|voucher|use code|with code|промо ?код|код за отстъпка"
    r"|kupon|gutschein|rabattcode|mit dem code|code promo|avec le code|código promocional"
    r"|código de descuento|cupón|codice sconto")
_DISCOUNT_WORD_RE = CIPattern(r"%|отстъпк|намален|discount|(?<![a-z])off\b|rabatt|remise|réduction"
                               r"|descuento|sconto|save|спест")


def read_coupon(text: str, currency: str | None) -> list[Promotion]:
    """"Код: SAVE10 -10%", "Use code WELCOME", "Gutscheincode: HERBST20"."""
    m = _COUPON_RE.search(text)
    if not m or not any(c.isalpha() for c in m.group("code")):
        return []
    if not m.group("pct") and not _EXPLICIT_COUPON_RE.search(m.group(0)) \
            and not _DISCOUNT_WORD_RE.search(text):
        return []  # "Код: PL-00000" is a product code, not a coupon
    pct = parse_amount(m.group("pct")) if m.group("pct") else None
    text_of = m.group(0)
    before = None if pct is not None else _PCT_BEFORE_RE.search(text[:m.start()])
    if before is not None:  # "Още -10% с код XMAS10", "Extra 15% off with code WINTER"
        pct, text_of = parse_amount(before.group("pct")), text[before.start():m.end()]
    return [make_promotion(PromotionKind.COUPON, text_of, code=m.group("code"), value=pct)]


_PCT_BEFORE_RE = re.compile(
    r"(?:^|[\s(])[-−]?\s?(?P<pct>\d{1,2})\s?%(?:\s?(?:off|отстъпка|rabatt|de remise))?"
    r"[^\d%.!;:]{0,12}$", re.I)


def read_multi_buy(text: str, currency: str | None) -> list[Promotion]:
    """"3 for 2", "Купи 3, плати 2", "2+1", "second at -50%"."""
    for pattern in _MULTI_BUY_RE:
        m = pattern.search(text)
        if m and int(m.group("pay")) < int(m.group("buy")):
            return [make_promotion(PromotionKind.MULTI_BUY, m.group(0), buy_qty=int(m.group("buy")),
                                   pay_qty=int(m.group("pay")))]
    m = _PLUS_ONE_RE.search(text)
    if m and not re.search(r"\d\s?\+\s?\d\s?(?:gb|tb|mm|cm|кг|kg|\")", text, re.I):
        buy, free = int(m.group("buy")), int(m.group("free"))
        return [make_promotion(PromotionKind.MULTI_BUY, m.group(0), buy_qty=buy + free,
                               pay_qty=buy)]
    m = _NTH_RE.search(text)
    if m:
        return [make_promotion(PromotionKind.MULTI_BUY, m.group(0), buy_qty=2,
                               value=Decimal(m.group("pct")), detail="nth_item_discount")]
    m = _HALF_PRICE_RE.search(text)
    if m:
        return [make_promotion(PromotionKind.MULTI_BUY, m.group(0), buy_qty=2, value=Decimal(50),
                               detail="nth_item_discount")]
    quantity = _quantity_condition(text)
    pct = _PCT_RE.search(text) if quantity else None
    if quantity and pct:
        value = parse_amount(pct.group("pct"))
        if value and 0 < value < 100:
            return [make_promotion(PromotionKind.MULTI_BUY, text, buy_qty=quantity[0],
                                   value=value, detail="quantity_discount")]
    return []


def read_free_shipping(text: str, currency: str | None) -> list[Promotion]:
    """"Безплатна доставка над 100 лв.", "Free shipping over €50"."""
    m = _FREE_SHIP_RE.search(text)
    if not m:
        return []
    threshold = _money(m.group("threshold"), currency)
    return [make_promotion(PromotionKind.FREE_SHIPPING, m.group(0), threshold=threshold)]


def read_member(text: str, currency: str | None) -> list[Promotion]:
    """"Club price: 19.99 лв.", "Prix adhérent 12,99 €"."""
    m = _MEMBER_RE.search(text)
    amount = _money(m.group("amount"), currency) if m else None
    return [make_promotion(PromotionKind.MEMBER_PRICE, m.group(0), value=amount)] if m and amount \
        else []


def read_instalments(text: str, currency: str | None) -> list[Promotion]:
    """"or 12 x 8.33 €/month", "8,33 лв./месец за 12 месеца", "12 вноски по 8,33 лв."."""
    low = text.lower()
    for index, pattern in enumerate(_INSTALMENT_RE):
        if index == 1 and not any(w in low for w in _COUNT_WORDS):
            continue  # the "X/month for N months" form needs its count word
        m = pattern.search(text)
        if not m:
            continue
        n = int(m.group("n"))
        if "month" in pattern.groupindex and not m.group("month") \
                and not has_currency(m.group("amount")):
            continue  # "25 x 3" is a size, not an instalment plan
        amount = _money(m.group("amount"), currency)
        if amount and 2 <= n <= 60:
            return [make_promotion(PromotionKind.INSTALMENTS, m.group(0), instalments=n,
                                   value=amount)]
    return []


def read_bundle(text: str, currency: str | None) -> list[Promotion]:
    """"Bundle", "Комплект", "Set-Angebot", "Lot de"."""
    m = re.search(r"\b(?:bundle (?:offer|deal|and save)|buy together|купи заедно|в комплект с"
                  r"|komplett-?set|im set günstiger|offre groupée|pack ahorro|compra conjunta)\b"
                  r"[^.\n]{0,60}", text, re.I)
    return [make_promotion(PromotionKind.BUNDLE, m.group(0))] if m else []


_SAVE_WORDS = ("save", "спест", "spar", "économ", "ahorr", "risparm")


def read_badge(text: str, currency: str | None) -> list[Promotion]:
    """A short sale badge ("Sale", "Промоция", "Angebot")."""
    if len(text) > 40:
        return []
    stripped = text.strip(" !*")
    return [make_promotion(PromotionKind.BADGE, stripped)] if _BADGE_RE.match(stripped) else []


READERS: tuple[tuple[Reader, tuple[str, ...]], ...] = (
    (read_coupon, ("code", "код", "coupon", "kupon", "gutschein", "cupón", "codice", "voucher",
                   "código")),
    (read_multi_buy, ("for", "за", "für", "pour", "por", "per", "x", "х", "+", "купи", "buy",
                      "kauf", "achet", "compra", "take", "вземи", "nimm", "lleva", "second",
                      "2nd", "втор", "zweite", "deuxième", "2e ", "segund", "half", "половин",
                      "покупка", "поръчка", "or more", "ab ", "from", "от ")),
    (read_free_shipping, ("free", "безплатн", "kostenlos", "versandkostenfrei", "gratuit",
                          "gratis", "offerte")),
    (read_member, ("member", "club", "клуб", "loyal", "mitglied", "карта", "card", "karte",
                   "adhérent", "membre", "fidélité", "socio", "miembro", "членове")),
    (read_instalments, ("x", "х", "×", "month", "мес", "monat", "mois", "mensu", "mes", "вноск",
                        "raten", "instal", "cuota", "rate")),
    (read_percent, ("%",)),
    (read_amount_off, ("отстъпк", "намал", "discount", "off", "rabatt", "remise", "réduction",
                       "descuento", "sconto", "-", "−", "–")),
    (read_bundle, ("bundle", "together", "заедно", "комплект", "set", "groupée", "pack",
                   "conjunta")),
    (read_badge, ()),
)
"""Each reader with the lower-case words one of which its wording always contains (a cheap
test before the regexes; empty means always). ``read_save`` runs apart (see find_promotions)."""

MAX_STATEMENT_CHARS = 240
"""Longer blocks are prose (descriptions): offers and terms are stated in short lines, and
skipping prose keeps the regexes off most of the page."""
TRIGGER_WORDS = (
    "%", "save", "спест", "spar", "économ", "ahorr", "risparm", "code", "код", "coupon", "kupon",
    "gutschein", "cupón", "free", "безплатн", "kostenlos", "versandkostenfrei", "gratuit",
    "gratis", "member", "club", "клуб", "loyal", "mitglied", "adhérent", "socio", "month",
    "месец", "мес.", "monat", "mois", "mes ", "вноск", "raten", "instal", "cuota", "mensualit",
    "купи", "buy", "kauf", "achet", "compra", "bundle", "комплект", "second", "втор", "zweite",
    "deuxième", "segund", "sale", "promo", "промо", "offer", "оферт", "angebot", "aktion",
    "solde", "oferta", "rebaja", "намален", "deal", "until", "bis", "jusqu", "hasta", "плати",
    "payez", "paga", "half price", "половин", "take ", "вземи", "nimm", "lleva", "отстъпк",
    "discount", " off", "rabatt", "remise", "réduction", "descuento", "sconto", "reduz",
)
"""Lower-case words that can start a promotion; blocks without any are skipped."""
TRIGGER_RE = re.compile(r"[0-9\-−–](?:(?<=[0-9]) ?(?:for|за|für|pour|por|per|x|х|×|\+) ?[0-9]"
                        r"|(?<=[-−–])(?<!\S[-−–]) ?[0-9])")
"""Multi-buy ("3 for 2", "2+1") or a leading minus ("-20 лв."). It starts with a character
class so the regex engine can skip ahead to a digit or dash (a pattern that starts with an
alternation is tried at every position: six times slower on a page's text); the match
starts at the dash itself, so it marks the block that holds it."""


_READER_GATES = tuple((reader, re.compile("|".join(map(re.escape, words))) if words else None)
                      for reader, words in READERS)


def find_promotions(
    texts: Iterable[str], currency: str | None = None, today: date | None = None
) -> list[Promotion]:
    """Promotions in the product's text blocks, de-duplicated, in page order.

    "You save X" restates the discount: it is reported (as ``amount_off``) only
    when no other percent or amount discount is shown. A duplicate that carries
    a validity date replaces the one without.
    """
    found: list[Promotion] = []
    index: dict[tuple[object, ...], int] = {}
    savings: list[Promotion] = []
    short = [text for text in texts if len(text) <= MAX_STATEMENT_CHARS]
    for text in blocks_with(short, TRIGGER_WORDS, TRIGGER_RE):
        candidates, saving = block_promotions(text, currency, today)
        savings.extend(saving)
        for promo in candidates:
            _merge(found, index, promo)
    if not any(p.kind in (PromotionKind.PERCENT_OFF, PromotionKind.AMOUNT_OFF) for p in found):
        for promo in savings[:1]:
            _merge(found, index, promo)
    return found


@lru_cache(maxsize=8192)
def block_promotions(text: str, currency: str | None, today: date | None
                     ) -> tuple[tuple[Promotion, ...], tuple[Promotion, ...]]:
    """(promotions, "you save" restatements) one short block states, with its validity
    date applied. Cached: a shop repeats most such lines on every page."""
    until = find_until(text, today)
    low = text.lower()
    candidates = [p for reader, gate in _READER_GATES
                  if gate is None or gate.search(low)
                  for p in reader(text, currency)]
    saving = read_save(text, currency) if any(w in low for w in _SAVE_WORDS) else []
    if saving:
        candidates = [p for p in candidates if p.kind != PromotionKind.AMOUNT_OFF
                      or p.value != saving[0].value]
    return (tuple(_dated(p, until) for p in candidates),
            tuple(_dated(p, until) for p in saving))


def _dated(promo: Promotion, until: date | None) -> Promotion:
    if until and promo.valid_until is None and promo.kind != PromotionKind.BADGE:
        return replace(promo, valid_until=until)
    return promo


def _merge(found: list[Promotion], index: dict[tuple[object, ...], int], promo: Promotion) -> None:
    key = (promo.kind, promo.value, promo.code, promo.buy_qty, promo.pay_qty, promo.threshold,
           promo.instalments)
    if key not in index:
        index[key] = len(found)
        found.append(promo)
    elif promo.valid_until and found[index[key]].valid_until is None:
        found[index[key]] = promo
