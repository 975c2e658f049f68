"""Page heuristics: the main product's price near its title and buy button.

Prices in carousels and related-item blocks, "save X", per-month and per-unit
prices, ex-tax prices, shipping thresholds and cart totals are rejected by
looking at the element's containers and the words right around the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from storage.money import convert

from .availability import availability_from_text
from .candidates import CandidateSet
from .containers import is_related_container
from .currency import context_currency
from .document import Document, text_content, visible_text
from .identifiers import clean_text
from .model import Availability, Candidate
from .prices import ParsedPrice, find_prices, parse_price

_PRICE_ATTR_RE = re.compile(
    r"price|preis|prix|precio|prezzo|preco|cena|цена|pris|hinta|amount|money|cost|valor|value",
    re.I)
_CURRENT_RE = re.compile(
    r"sale|special|current|final|now|actual|our|offer|deal|promo|selling|new|discount"
    r"|reduced|buy|main|primary|big|large|display|to-?pay",
    re.I)
_OLD_RE = re.compile(
    r"(?<![a-z])(?:old|was|regular|list|strike|crossed|before|rrp|uvp|msrp|compare|original|reference"
    r"|normal|previous|initial|retail|basis|crossout|line-?through|without-?discount|full)",
    re.I)
_OLD_PARENT_RE = re.compile(
    r"(?<![a-z])(?:old|was|regular|strike|crossed|rrp|uvp|msrp|compare|original|previous"
    r"|before|list-?price|price-?list)", re.I)
_UNIT_ATTR_RE = re.compile(r"per-?unit|unit-?price|base-?price|grundpreis|price-?per|ppu"
                           r"|instal|monthly|per-?month|financ|shipping|delivery"
                           r"|saving|save|you-?save|discount-?amount|points|loyalty|club|member"
                           r"|coupon|total|subtotal", re.I)

_TAX_ATTR_RE = re.compile(r"tax|vat|ddv|dds|mwst|tva|iva|netto|(?<![a-z])net(?![a-z])", re.I)
_EX_TAX_ATTR_RE = re.compile(
    r"(?:no|ex|excl|excluding|exclusive|without|sans|ohne|bez|brez|before|pre|hors)[-_ ]?"
    r"(?:tax|vat|ddv|dds|mwst|tva|iva)|notax|novat|netto|(?<![a-z])net(?![a-z])|price-?net"
    r"|tax-?excl|vat-?excl|excl-?vat|ht(?![a-z])", re.I)
_INC_TAX_ATTR_RE = re.compile(
    r"(?:inc|incl|including|inclusive|with|mit|avec|con|s|z|sa|brutto|gross)[-_ ]?"
    r"(?:tax|vat|ddv|dds|mwst|tva|iva)|tax-?incl|vat-?incl|(?:^|[\s_-])(?:tax|vat)(?:$|[\s_-])"
    r"|brutto|price-?tax|ttc", re.I)


def tax_kind(attrs: str) -> str | None:
    """'ex' for an element classed as the price without tax ("notax", "price-excl-tax",
    "Brez DDV"), 'inc' for the consumer price with tax ("tax", "price-incl-tax"), 'other'
    for tax wording that is no price ("tax-info"), None when tax is not named."""
    if not _TAX_ATTR_RE.search(attrs):
        return None
    if _EX_TAX_ATTR_RE.search(attrs):
        return "ex"
    if _INC_TAX_ATTR_RE.search(attrs):
        return "inc"
    return "other"


_PREFIX_TRAP_RE = re.compile(
    r"(?<![^\W\d_])(?:save|you save|saving|спестява\w*|спести|sparen|sie sparen|spare"
    r"|économis\w*|ahorr\w*|risparm\w*|total|subtotal|общо|сума|gesamt|summe|panier|carrito"
    r"|warenkorb|количка|basket|cart|\d+\s?(?:x|х|×)|or|или|oder|ou|o|member|club|клубна|карта"
    r"|card|mitglied|adhérent|socio|points|bonus|netto|net price|ht|消費滿額?|满额|滿額|满|滿"
    r"|(?:excl\.?|excluding|exclusive of|ex\.?|without|before|zzgl\.?|ohne|exkl\.?|hors|sin"
    r"|sans|без|brez|bez)\s?(?:vat|tax|taxes|mwst\.?|ust\.?|tva|iva|ддс|dds|ddv|dph|pdv)"
    r"|(?:orders?|поръчк\w*|bestellungen|bestellwert|commandes?|pedidos?|purchases?|spend)"
    r"\s(?:over|above|над|от|ab|from|dès|desde|de plus de|of))(?![^\W\d_])\W{0,3}\s*"
    r"(?:[^\d\s]{0,4}\s?)$"
    r"|(?<![^\W\d_])(?:shipping|delivery|postage|доставка(?:та)?|versand(?:kosten)?|livraison"
    r"|envío|spedizione|porto)\b[^\d]{0,30}$",
    re.I)
_SUFFIX_TRAP_RE = re.compile(
    r"^[\s.,]*(?:/\s?(?:mo|month|mes|мес|месец|monat|mois|m\b|kg|кг|g|г|100\s?g|100\s?г|l|л"
    r"|ml|мл|m²|m2|кв|lb|oz|kilo|liter|litre)|(?:per|a|на|pro|par|al|le)\s(?:month|mo|месец"
    r"|monat|mois|mes|kg|kilo|кг|килограм|liter|litre|литър|unit|100)|monthly|месечно|monatlich"
    r"|mensuel|x\s?\d+|за\s?\d+\s?месеца|for \d+ months"
    r"|(?:excl\.?|excluding|exclusive of|ex\.?|without|before|plus|\+|zzgl\.?|ohne|exkl\.?|hors"
    r"|sin|sans|без|brez|bez)\s?(?:vat|tax|taxes|mwst\.?|ust\.?|tva|iva|ддс|dds|ddv|dph|pdv)"
    r"|netto|net\b|ht\b"
    r"|hors taxe)",
    re.I)
_INC_TAX_AFTER_RE = re.compile(
    r"^[\s.,*]*(?:с|със|incl\.?|including|inc\.?|inkl\.?|mit|avec|con|z|s)\s?"
    r"(?:vat|tax|taxes|mwst\.?|ust\.?|tva|iva|ддс|dds|ddv|dph|pdv)(?![^\W\d_])"
    r"|^[\s.,*]*(?:ttc|brutto|gross)(?![^\W\d_])", re.I)
_FROM_PREFIX_RE = re.compile(
    r"(?<![^\W\d_])(?:from|starting at|от|ab|dès|à partir de|desde|a partir de|a partire da"
    r"|vanaf|od)\W{0,3}\s*(?:[^\d\s]{0,4}\s?)$", re.I)
_OLD_PREFIX_RE = re.compile(
    r"(?<![^\W\d_])(?:was|previously|regular price|reg\.|list price|rrp|msrp|uvp|statt|vorher|avant|prix"
    r" initial|antes|precio anterior|стара цена|предишна цена|редовна цена|преди|normal"
    r"|normalpreis|original price|compare at)\W{0,3}\s*(?:[^\d\s]{0,4}\s?)$",
    re.I)
_BUY_TEXT_RE = re.compile(
    r"add to (?:cart|basket|bag|trolley)|buy now|buy it now|купи|добави в количката|поръчай"
    r"|in den warenkorb|jetzt kaufen|ajouter au panier|acheter|añadir al carrito|comprar"
    r"|aggiungi al carrello|do koszyka|dodaj do|adaugă în coș|in winkelwagen|lägg i varukorgen"
    r"|в корзину|sepete ekle|add to order|pre-?order|place bid",
    re.I)
_HIDDEN_CLASS_RE = re.compile(r"(?:^|\s)(?:hidden|d-none|hide|is-hidden"
                              r"|visually-hidden|sr-only|invisible)(?:\s|$)", re.I)
_IMAGE_TEXT_RE = re.compile(r"image|bild|photo|foto|imagen|immagine|снимка|zdjęcie", re.I)
PRICE_CLASS_TERMS = ("rice", "reis", "prix", "recio", "rezzo", "cena", "цена", "amount",
                     "money")
_PRICE_OTHER = ("((name()='id' or name()='itemprop') and contains(.,'rice'))"
                " or name()='data-price' or name()='data-price-amount'")
_NOT_CONTENT = ("not(self::script or self::style or self::option or self::select"
                " or self::noscript or self::input or self::link or self::meta)")
STOCK_CLASS_TERMS = ("vailab", "stock", "Stock", "nalichn", "lager", "dispo")
_STOCK_OTHER = ("(name()='id' and (contains(.,'vailab') or contains(.,'stock')))"
                " or (name()='itemprop' and contains(.,'vailab'))")
_XPATHS: dict[tuple[str, ...], etree.XPath] = {}


def _attr_xpath(doc: Document, terms: tuple[str, ...], other: str, guard: str) -> etree.XPath:
    """One XPath over the page's attributes for elements whose class holds a term the page
    uses (absent terms are left out, so big pages are not tested for each), or whose
    id/itemprop/data attributes match ``other``."""
    classes, _ = doc.markup_index
    present = tuple(t for t in terms if t in classes)
    key = (*present, other, guard)
    compiled = _XPATHS.get(key)
    if compiled is None:
        class_test = " or ".join(f"contains(.,'{t}')" for t in present) or "false()"
        compiled = etree.XPath(
            f"//@*[(name()='class' and ({class_test})) or {other}]/parent::*[{guard}]")
        _XPATHS[key] = compiled
    return compiled




def _attrs(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''} {el.get('itemprop') or ''}"


class _Context:
    """Page facts the scorer uses, computed once."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.root = doc.root
        self._order: dict[Any, int] | None = None
        self.title_el = _find_title_el(doc)
        self.buy_el = find_buy_button(doc)
        self._related_cache: dict[Any, bool] = {}

    def order(self, el: Any) -> int:
        if self._order is None:
            self._order = {e: i for i, e in enumerate(self.root.iter())}
        return self._order.get(el, 0)

    def in_related(self, el: Any) -> bool:
        chain = []
        node = el
        result = False
        while node is not None:
            cached = self._related_cache.get(node)
            if cached is not None:
                result = cached
                break
            chain.append(node)
            if is_related_container(node):
                result = True
                break
            node = node.getparent()
        for seen in chain:
            self._related_cache[seen] = result
        return result


def _find_title_el(doc: Document) -> Any | None:
    h1s: list[tuple[Any, str]] = []
    for h1 in doc.h1s:
        text = visible_text(h1)
        if 0 < len(text) < 300 and any(ch.isalnum() for ch in text):  # "C" is a title
            h1s.append((h1, text))
    page_title = " ".join((doc.meta.get("og:title", [""])[0] + " " + _page_title(doc)).split())
    for h1, text in h1s:
        if text[:40] in page_title or (h1.get("id") or "").lower() in ("title", "producttitle"):
            return h1
    for h2 in doc.root.iter("h2"):
        text = visible_text(h2)
        if len(text) > 8 and text[:40] in page_title:
            return h2
    for h1, _ in h1s:
        if re.search(r"title|name|product", _attrs(h1), re.I):
            return h1
    return h1s[0][0] if h1s else None


def _page_title(doc: Document) -> str:
    title = doc.root.find(".//title")
    return text_content(title) if title is not None else ""


def find_buy_button(doc: Document) -> Any | None:
    """The add-to-cart / buy button of the page, if one can be seen."""
    for el in doc.root.xpath(
        "//button|//input[@type='submit' or @type='button']|//a[contains(@class,'cart')"
        " or contains(@class,'buy') or contains(@id,'cart') or contains(@id,'buy')]"
    ):
        attrs = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('name') or ''}"
        text = el.get("value") or text_content(el) or ""
        if (re.search(r"add-?to-?(?:cart|basket|bag)|addtocart|buy-?now|buy-?button|add_to_cart",
                      attrs, re.I) or _BUY_TEXT_RE.search(text[:80])):
            return el
    return None


@dataclass
class _PriceCand:
    el: Any
    parsed: ParsedPrice
    text: str
    score: float
    old: bool
    in_price_block: bool = False
    ex_tax: bool = False


def _window(el: Any, text: str) -> tuple[str, str]:
    """Text right before and after ``text`` inside its parent (for trap words)."""
    parent = el.getparent()
    holder = parent if parent is not None else el
    full = " ".join(" ".join(holder.itertext()).split())[:400]
    compact = " ".join(text.split())
    idx = full.find(compact)
    if idx < 0:
        return "", ""
    before = full[max(0, idx - 60):idx]
    prev = el.getprevious()
    if prev is not None and not before:
        before = " ".join(text_content(prev).split())[-60:]
    return before, full[idx + len(compact): idx + len(compact) + 40]


def _price_candidates(ctx: _Context, doc: Document, currency: str | None) -> list[_PriceCand]:
    found: list[_PriceCand] = []
    seen_ids: set[int] = set()
    for el in _attr_xpath(doc, PRICE_CLASS_TERMS, _PRICE_OTHER, _NOT_CONTENT)(ctx.root):
        if id(el) in seen_ids:
            continue
        content = el.get("content") or el.get("data-price-amount") or el.get("data-price")
        text = price_text(el) if content is None else content
        if not text or len(text) > 60:
            continue
        parsed = find_prices(text, default_currency=currency, tld=doc.tld,
                             language=doc.language)
        if not parsed:
            continue
        if _dual_display(parsed):
            # "24,99 лв. / 12,78 €": one price in two currencies; keep the expected one.
            chosen = parse_price(text, default_currency=currency, tld=doc.tld,
                                 language=doc.language)
            parsed = [chosen] if chosen else parsed
        if len({p.amount for p in parsed}) > 1 and content is None:
            # A price block holding several prices (old and new): its leaves are the
            # candidates, and the words of an element beside its struck old price
            # ('<s>25,00 €</s> 19,90 €': its text and the tails of the struck children).
            for child in (el, *el.iterdescendants()):
                if not isinstance(child.tag, str) or id(child) in seen_ids:
                    continue
                struck = bool(len(child)) and all(
                    _old_element(c) or _unit_note(c, currency, doc) for c in child)
                if child is el and not struck:
                    continue  # the block itself only beside a struck price, as before
                own = " ".join(" ".join([child.text or "", *(c.tail or "" for c in child)]
                                        if struck else [child.text or ""]).split())
                inner = find_prices(own, default_currency=currency, tld=doc.tld,
                                    language=doc.language) if own else []
                if _dual_display(inner):  # "179,00 € / 350,09 лв." beside a struck price
                    chosen = parse_price(own, default_currency=currency, tld=doc.tld,
                                         language=doc.language)
                    inner = [chosen] if chosen else inner
                if len(inner) == 1:
                    seen_ids.add(id(child))
                    found.append(_PriceCand(child, inner[0], own, 0.0, False, True))
            continue
        seen_ids.add(id(el))
        found.append(_PriceCand(el, parsed[0], text, 0.0, False))
    return found


_PRICE_TEXT_XPATH = etree.XPath(
    ".//text()[not(parent::script or parent::style or parent::noscript)]")


def price_text(el: Any) -> str:
    """Text of a price element with split digits joined: "19<sup>99</sup>" -> "19.99",
    "<span>19</span><sup>,99</sup>" -> "19,99", "<b>51.</b><b>99</b>" -> "51.99"."""
    if len(el) == 0:
        return " ".join((el.text or "").split())
    out = ""
    for node in _PRICE_TEXT_XPATH(el):
        piece = " ".join(str(node).split())
        if not piece:
            if out and not out.endswith(" "):
                out += " "
            continue
        parent = node.getparent()
        in_sup = parent is not None and parent.tag == "sup" and not node.is_tail
        tail = out.rstrip()
        if in_sup and piece.isdigit() and len(piece) == 2 and tail[-1:].isdigit():
            # Superscript cents: "2.499<sup>99</sup>" is 2499.99; separators before the
            # cents were thousands separators.
            whole = _TRAILING_NUMBER_RE.search(tail)
            if whole is not None and _THOUSANDS_RE.search(whole.group(0)):
                tail = tail[:whole.start()] + re.sub(r"[.,'\s\u00a0]", "", whole.group(0))
            out = tail + "." + piece
        elif (tail[-1:].isdigit() and piece[:1] in ",.") or (tail[-1:] in (",", ".") and (
                piece[:1].isdigit()) and tail[-2:-1].isdigit()) or (tail[-1:].isdigit() and piece[:1].isdigit() and not out.endswith(" ")):
            out = tail + piece
        else:
            out = (tail + " " + piece) if tail else piece
    return " ".join(out.split())


_TRAILING_NUMBER_RE = re.compile(r"\d[\d.,'\s\u00a0]*\d$|\d$")
_THOUSANDS_RE = re.compile(r"\d[.,'\s\u00a0]\d{3}$")
_LIVE_RE = re.compile(r"live|current|actual|final|now|sale|special|new(?!s)", re.I)


def old_class(attrs: str) -> bool:
    """Whether class/id text marks an old (struck) price: "price-old", "was-price"; not
    "price-old-live" (a shop's live price in an old-looking class) nor "old-price-new"."""
    return any(_OLD_RE.search(token) and not _LIVE_RE.search(token)
               for token in attrs.split())


_FOLLOWING_XPATH = etree.XPath("following::*[position() <= 300]")


def _near_title_candidates(ctx: _Context, doc: Document,
                           currency: str | None) -> list[_PriceCand]:
    """Shops without any price class: short texts with a currency after the title."""
    found: list[_PriceCand] = []
    for el in _FOLLOWING_XPATH(ctx.title_el):
        if el.tag in ("script", "style", "option", "noscript"):
            continue
        own = " ".join((el.text or "").split())
        if not own or len(own) > 40:
            continue
        parsed = find_prices(own, default_currency=currency, tld=doc.tld, language=doc.language,
                             require_currency=True)
        if _dual_display(parsed):  # "Цена: 2 442,83 лв. | 1.249,00 €": keep the expected one
            chosen = parse_price(own, default_currency=currency, tld=doc.tld,
                                 language=doc.language)
            parsed = [chosen] if chosen else parsed
        if len(parsed) == 1:
            found.append(_PriceCand(el, parsed[0], own, 0.0, False))
        if len(found) >= 20:
            break
    return found


def _dual_display(parsed: list[ParsedPrice]) -> bool:
    return len(parsed) == 2 and all(p.currency for p in parsed) and (
        parsed[0].currency != parsed[1].currency)


def _score(cand: _PriceCand, ctx: _Context) -> float | None:
    el = cand.el
    if ctx.in_related(el):
        return None
    attrs = _attrs(el)
    parent = el.getparent()
    parent_attrs = _attrs(parent) if parent is not None else ""
    both = f"{attrs} {parent_attrs}"
    old_attr = old_class(attrs) or any(_OLD_PARENT_RE.search(token) and not _LIVE_RE.search(
        token) for token in parent_attrs.split())
    before, after = _window(el, cand.text)
    if _SUFFIX_TRAP_RE.search(after) or _SUFFIX_TRAP_RE.search(cand.text[len(cand.text) // 2:]):
        return None
    if _UNIT_ATTR_RE.search(attrs) or _UNIT_ATTR_RE.search(parent_attrs):
        return None
    own_tax = tax_kind(attrs)
    tax = own_tax or tax_kind(parent_attrs)
    if tax == "ex":
        cand.ex_tax = True
        return None
    if tax == "other":
        return None
    inner_before = cand.text[:cand.parsed.start] if cand.parsed.start > 0 else ""
    if inner_before:
        # "Free gift when you spend over $590", "Save 20,00 лв.", "12 x 8,33 лв." in one
        # element: the words inside it say what the number is, as much as those around.
        before = f"{before} {inner_before}".strip() + " "
    if _SUFFIX_TRAP_RE.search(cand.text[cand.parsed.end:]):
        return None
    if cand.parsed.currency is None and not _bare_number(cand):
        return None  # "SKU-123", "Model 2024", "15.6 inch", "buy 1 box": no price
    old = old_attr or _struck(el) or bool(_OLD_PREFIX_RE.search(before))
    own_after = cand.text[cand.parsed.end:] or after
    if not old and tax_kind(attrs) != "inc" and not _INC_TAX_AFTER_RE.match(own_after) \
            and _PREFIX_TRAP_RE.search(before):
        return None  # (a price itself saying "с ДДС" is not the net price written before it)
    score = 2.0
    if not old and _FROM_PREFIX_RE.search(before):
        score -= 0.5  # "от 9,90 €" (the cheapest variant's) loses to a plain price placed alike
    if _in_control(el):
        score -= 2.5  # variant swatches and option lists carry other variants' prices
    if _PRICE_ATTR_RE.search(attrs) or cand.in_price_block:
        score += 1.5
    if _CURRENT_RE.search(both):
        score += 1.0
    if "price" in (el.get("itemprop") or ""):
        score += 1.0
    if cand.parsed.currency:
        score += 1.0
    if ctx.title_el is not None:
        gap = ctx.order(el) - ctx.order(ctx.title_el)
        score += 2.0 if 0 <= gap <= 60 else 1.0 if 0 <= gap <= 250 else 0.4 if gap > 0 else -0.5
        if gap < -400:
            score -= 1.0
    if ctx.buy_el is not None:
        gap = abs(ctx.order(el) - ctx.order(ctx.buy_el))
        score += 1.5 if gap <= 40 else 0.8 if gap <= 150 else 0.0
    cand.old = old
    return score


_LABEL_ONLY_RE = re.compile(
    r"^[^\d]{0,30}:\s*$|^\W*$|^\W*(?:our |sale |special |your |now |from |only |regular )?"
    r"(?:price|цена|preis|prix|precio|prezzo|preço|cena|prijs|pris|hinta|fiyat|τιμή|pre[tț]|ár"
    r"|now|from|от|ab|dès|desde|only|само)\W*$", re.I)
_TAX_WORDS_RE = re.compile(
    r"(?<![^\W\d_])(?:incl|inkl|inc|including|with|mit|avec|con|s|z|с|ttc|tax|taxes|vat|mwst"
    r"|ust|iva|tva|ддс|dph|ddv|pdv|brutto|gross)(?![^\W\d_])", re.I)


def _bare_number(cand: _PriceCand) -> bool:
    """A number shown without a currency is a price only when nothing but a label
    ("Price:") or punctuation surrounds it, or it comes from a price attribute."""
    if cand.el.get("content") or cand.el.get("data-price") or cand.el.get("data-price-amount"):
        return True
    text = cand.text
    rest_before, rest_after = text[:cand.parsed.start], text[cand.parsed.end:]
    if re.search(r"[\d+%×]", rest_before + rest_after):
        return False  # "1+1", "-20%", "2 x 5": another number or an operator beside it
    rest_after = _TAX_WORDS_RE.sub(" ", rest_after)  # "49.90 incl. VAT"
    return bool(_LABEL_ONLY_RE.match(rest_before)) and not re.search(r"[^\W\d_]", rest_after)


def _in_control(el: Any) -> bool:
    for depth, node in enumerate(el.iterancestors()):
        if depth > 6:
            return False
        if node.tag in ("button", "option", "select", "label"):
            return True
    return False


def _hidden(el: Any) -> bool:
    for depth, node in enumerate((el, *el.iterancestors())):
        if depth > 3 or node.tag == "body":
            return False
        style = (node.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or node.get("hidden") is not None:
            return True
        if _HIDDEN_CLASS_RE.search(node.get("class") or ""):
            return True
    return False


def _unit_note(el: Any, currency: str | None, doc: Document) -> bool:
    """A unit or monthly price written inside a price line ('11,50 € <span>(23,00 €/кг)
    </span>'): the line's own words are the price."""
    if not isinstance(el.tag, str):
        return False
    text = " ".join(text_content(el).split())
    parsed = find_prices(text, default_currency=currency, tld=doc.tld,
                         language=doc.language) if text else []
    return len(parsed) == 1 and bool(_SUFFIX_TRAP_RE.search(text[parsed[0].end:]))


def _old_element(el: Any) -> bool:
    """A struck or old-price element ('<s>', '<del>', class "old-price")."""
    return isinstance(el.tag, str) and (el.tag in ("del", "s", "strike")
                                        or old_class(el.get("class") or ""))


def _struck(el: Any) -> bool:
    node = el
    for _ in range(3):
        if node is None:
            return False
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("del", "s", "strike"):
            return True
        if "line-through" in (node.get("style") or ""):
            return True
        node = node.getparent()
    return False


def read_heuristics(doc: Document, out: CandidateSet, currency: str | None = None) -> bool:
    """Candidates from the page itself; True when a price was proposed."""
    ctx = _Context(doc)
    hint = context_currency(currency, doc.tld, doc.language)
    title = _title(doc, ctx)
    if title:
        out.add(Candidate(field="title", value=title, source="heuristic", confidence=0.6))
    _availability(doc, ctx, out)
    cands = _price_candidates(ctx, doc, hint)
    if ctx.title_el is not None and all(_score(c, ctx) is None for c in cands):
        # none, or only prices that are not the price ("99,90 €/месец" in the price class):
        # the price may be plain text near the title ("Цена: 1 199,00 €")
        cands = _near_title_candidates(ctx, doc, hint)
    scored = []
    rejected_related = 0
    for cand in cands:
        score = _score(cand, ctx)
        if score is None:
            rejected_related += ctx.in_related(cand.el)
            continue
        cand.score = score
        scored.append(cand)
    current = [c for c in scored if not c.old]
    if not current:
        # An "old" price with no current price beside it is the price (class names lie).
        current = [c for c in scored if c.old and not _struck(c.el)]
        for cand in current:
            cand.old = False
            cand.score -= 1.0
    if not current:
        if rejected_related:
            out.note(f"heuristic: {rejected_related} price(s) seen only in related-products, "
                     "carousel or cart blocks")
        return False
    best_score = max(c.score for c in current)
    top = [c for c in current if c.score == best_score]
    best = min(top, key=lambda c: ctx.order(c.el)) if len(top) > 1 else top[0]
    confidence = max(0.3, min(0.75, 0.25 + best.score / 20))
    out.add(Candidate(field="price", value=best.parsed.amount, source="heuristic",
                      confidence=confidence, raw=best.text))
    if best.parsed.currency:
        out.add(Candidate(field="currency", value=best.parsed.currency, source="heuristic",
                          confidence=confidence, raw=best.parsed.currency_raw))
    olds = [(c, amount) for c in scored if c.old
            and (amount := amount_in_currency(c.parsed, best.parsed.currency)) is not None
            and amount > best.parsed.amount and abs(ctx.order(c.el) - ctx.order(best.el)) < 40]
    if olds:
        old, amount = min(olds, key=lambda o: abs(ctx.order(o[0].el) - ctx.order(best.el)))
        out.add(Candidate(field="regular_price", value=amount, source="heuristic",
                          confidence=confidence, raw=old.text))
    ex_tax = [c for c in cands if c.ex_tax and c.parsed.amount < best.parsed.amount
              and abs(ctx.order(c.el) - ctx.order(best.el)) < 40]
    if ex_tax:
        # A page showing the price with and without VAT: the consumer price is the price,
        # the other is kept as the ex-tax price (a candidate, for review).
        out.add(Candidate(field="price_ex_tax", value=ex_tax[0].parsed.amount,
                          source="heuristic", confidence=confidence, raw=ex_tax[0].text))
    out.price_element = best.el
    return True


def amount_in_currency(found: ParsedPrice, currency: str | None) -> Decimal | None:
    """A price read on the page as an amount in ``currency`` (the price's): a struck
    "2 737,70 лв." beside "1 299,99 €" was 1 399,76 € (fixed rates only, `storage.money`);
    None when it cannot be converted, never compared as if the two currencies were one."""
    if not found.currency or not currency or found.currency == currency:
        return found.amount
    converted = convert(found.amount, found.currency, currency)
    return converted.amount if converted is not None and converted.fixed else None


def in_other_currency(found: ParsedPrice, currency: str | None) -> bool:
    """Whether an amount read on the page states another currency than the price's (an old
    leva amount beside euros): equal to the price once converted, it is the dual display's
    other amount, never the structured price shown as an old one."""
    return bool(found.currency and currency and found.currency != currency)


def page_title(doc: Document) -> str | None:
    """The product title seen on the page: its main heading, og:title or <title>."""
    el = _find_title_el(doc)
    if el is not None:
        return clean_text(visible_text(el))
    return _title(doc, None)


def _title(doc: Document, ctx: _Context | None) -> str | None:
    if ctx is not None and ctx.title_el is not None:
        return clean_text(visible_text(ctx.title_el))
    og = doc.meta.get("og:title")
    if og:
        return clean_text(og[0])
    title = doc.root.find(".//title")
    return clean_text(text_content(title)) if title is not None else None


def _availability(doc: Document, ctx: _Context, out: CandidateSet) -> None:
    guard = "not(self::script or self::style or self::body or self::html)"
    for el in _attr_xpath(doc, STOCK_CLASS_TERMS, _STOCK_OTHER, guard)(doc.root)[:40]:
        if ctx.in_related(el) or _hidden(el):
            continue
        link = el.get("href") or el.get("content") or ""
        text = visible_text(el)
        if "schema.org" in link:
            text = link
        if not text or len(text) > 200 or _IMAGE_TEXT_RE.search(text):
            continue
        found = availability_from_text(text)
        if found is None and re.search(r"(?:^|\s)(?:in-?stock|instock)(?:\s|$)",
                                       el.get("class") or ""):
            found = Availability.IN_STOCK
        if found is None and re.search(r"out-?of-?stock|outofstock|sold-?out",
                                       el.get("class") or ""):
            found = Availability.OUT_OF_STOCK
        if found:
            out.add(Candidate(field="availability", value=found, source="heuristic",
                              confidence=0.6, raw=text[:80]))
            return
    button = ctx.buy_el
    if button is not None:
        disabled = button.get("disabled") is not None or "disabled" in (button.get("class") or "")
        label = " ".join((button.get("value") or text_content(button)).split())
        stated = availability_from_text(label)
        if disabled or stated in (Availability.OUT_OF_STOCK, Availability.DISCONTINUED):
            value = Availability.OUT_OF_STOCK
        elif stated in (Availability.PRE_ORDER, Availability.BACK_ORDER):
            value = stated
        else:
            value = Availability.IN_STOCK
        out.add(Candidate(field="availability", value=value, source="heuristic",
                          confidence=0.45, raw=label[:80]))


OLD_TERMS = ("old-price", "price-old", "oldprice", "oldPrice", "original-price", "regular-price",
             "was-price", "price-was", "list-price", "compare-at", "strike", "crossed",
             "line-through", "price--regular", "price-before", "previous-price", "old_price")


def old_prices(doc: Document, currency: str | None,
               price_currency: str | None = None) -> list[tuple[Any, Decimal, bool]]:
    """Struck or "old"-class prices outside related blocks, in page order, as amounts in
    ``price_currency`` when given (an old price in leva beside a price in euros converted;
    one in a currency without a fixed rate left out).

    One cheap XPath built from the class names the page actually uses; lets the
    structured fast path see a sale's old price and stale structured prices
    without running all heuristics.
    """
    found: list[tuple[Any, Decimal, bool]] = []
    for el in doc.with_class(OLD_TERMS, tags=("del", "s", "strike"))[:50]:
        text = visible_text(el)
        if not text or len(text) > 40:
            continue
        if el.tag not in ("del", "s", "strike") and not old_class(el.get("class") or ""):
            continue
        prices = find_prices(text, default_currency=currency, tld=doc.tld)
        if prices and not any(is_related_container(a) for a in el.iterancestors()):
            amount = amount_in_currency(prices[0], price_currency)
            if amount is not None:  # with whether it was converted (see extractor._stale)
                found.append((el, amount, in_other_currency(prices[0], price_currency)))
    return found
