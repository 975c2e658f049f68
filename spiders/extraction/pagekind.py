"""Is this a product page? For discovery without hints (a sitemap read without
`link_pattern`): category, home and search pages must never be stored as products.

A page is a product page when structured data describes one Product with an offer, a
platform reader found its product block, OpenGraph says ``og:type=product``, or the page
has one main price with one add-to-cart button. Pages that list many products (several
buy buttons, ItemList/CollectionPage data, archive/collection/search body classes) are
listings.
"""

from __future__ import annotations

import re
from typing import Any

from .candidates import CandidateSet
from .containers import is_related_container
from .document import Document, RawPage
from .heuristics import old_class
from .prices import find_prices

PRODUCT = "product"
LISTING = "listing"
OTHER = "other"

_STRUCTURED = frozenset({"jsonld", "microdata", "rdfa"})
_LISTING_TYPES_RE = re.compile(
    r'"@type"\s*:\s*"(?:ItemList|CollectionPage|SearchResultsPage|OfferCatalog)"')
_LISTING_BODY_RE = re.compile(
    r"(?<![\w-])(?:archive|tax-product_cat|post-type-archive|search-results|template-collection"
    r"|template-search|catalog-category-view|category-page|page-category|listing-page"
    r"|template-index|home(?:page)?|page-home|cms-index-index)(?![\w-])", re.I)
_PRODUCT_BODY_RE = re.compile(
    r"(?<![\w-])(?:single-product|template-product|catalog-product-view|product-page"
    r"|page-product|product-template|productpage)(?![\w-])", re.I)
_BUY_ATTR_RE = re.compile(r"add-?to-?(?:cart|basket|bag)|addtocart|add_to_cart|buy-?now"
                          r"|single_add_to_cart", re.I)
_BUY_TEXT_RE = re.compile(
    r"^\s*(?:add to (?:cart|basket|bag)|buy now|buy|купи|купи сега|добави в количката"
    r"|in den warenkorb|ajouter au panier|añadir al carrito|aggiungi al carrello"
    r"|do koszyka|adaugă în coș|в корзину|pre-?order)\s*$", re.I)


def page_kind(doc: Document | RawPage, out: CandidateSet) -> str:
    """'product', 'listing' or 'other' for a page that has been read into ``out``."""
    price_sources = {c.source for c in out.of("price")}
    if price_sources & _STRUCTURED or any(s.startswith("platform:") for s in price_sources):
        return PRODUCT
    if isinstance(doc, RawPage):  # the fast path only accepts a complete Product offer
        return PRODUCT if price_sources else OTHER
    body = doc.root.find(".//body")
    body_class = (body.get("class") or "") if body is not None else ""
    buys = _buy_buttons(doc)
    if (_LISTING_BODY_RE.search(body_class) and not _PRODUCT_BODY_RE.search(body_class)) or (
            any(_LISTING_TYPES_RE.search(t) for t in doc.jsonld_texts)
            and not out.has("price", "jsonld")):
        return LISTING
    if buys > 2 or (buys == 2 and _distinct_prices(doc) >= 2):
        return LISTING
    og_type = " ".join(doc.meta.get("og:type", [])).lower()
    if "product" in og_type or _PRODUCT_BODY_RE.search(body_class):
        return PRODUCT
    if out.has("title", "jsonld") or out.has("title", "microdata"):
        return PRODUCT  # a Product without an offer: a product page whose price is gone
    if doc.h1s and buys >= 1 and (out.has("price") or out.has("availability")):
        return PRODUCT
    return OTHER


def _buy_buttons(doc: Document) -> int:
    """Distinct add-to-cart controls on the page (a listing has one per product)."""
    count = 0
    for el in doc.root.iter("button", "input", "a"):
        attrs = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('name') or ''}"
        if el.tag == "input" and (el.get("type") or "").lower() not in ("submit", "button"):
            continue
        text = el.get("value") if el.tag == "input" else _text(el)
        if _BUY_ATTR_RE.search(attrs) or (text and _BUY_TEXT_RE.match(text[:60])):
            count += 1
            if count > 3:
                break
    return count


def _distinct_prices(doc: Document) -> int:
    """Different current (not struck, not old) prices in price-classed elements outside
    related blocks: two buy buttons beside two prices are two products."""
    values = set()
    for el in doc.with_class(("price",))[:60]:
        if el.tag in ("del", "s", "strike") or old_class(el.get("class") or ""):
            continue
        if any(a.tag in ("del", "s", "strike") or is_related_container(a)
               for a in el.iterancestors()):
            continue
        found = find_prices(_text(el)[:60], require_currency=True)
        if len(found) == 1:
            values.add(found[0].amount)
    return len(values)


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())
