"""The product in a client-rendered shop's embedded state.

Next.js (``<script id="__NEXT_DATA__" type="application/json">``) and other single-page
shops (``window.__INITIAL_STATE__ = {...}``, ``__PRELOADED_STATE__``) send the server's HTML
with an empty price box and the product in a JSON state the browser renders. The product is
the object under a ``product`` key (never ``products``, ``related``...); with several
``variants`` the page sells the one its title or URL names (the white one on the white
speaker's page, even when the state's default is the black one), else the state's selected
or default one, else nothing: a price that cannot be told apart is missing, never a
neighbour's. Prices are read from their formatted text when the state has it ("229,00 €"
beside ``22900``), from ``centAmount``-style fields divided by 100, or as plain amounts.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

from .availability import normalize_availability
from .candidates import CandidateSet
from .document import Document, visible_text
from .model import Availability, Candidate
from .prices import find_prices, parse_structured_amount

SOURCE = "platform:app_state"
_CONF = 0.82
_ASSIGNED = re.compile(
    r"window\.(?:__INITIAL_STATE__|__PRELOADED_STATE__|__APP_STATE__)\s*=\s*")
_MARKERS = ("__NEXT_DATA__", "__INITIAL_STATE__", "__PRELOADED_STATE__", "__APP_STATE__")
_OTHERS = re.compile(r"related|recommend|similar|upsell|cross|bundle|recent|accessor", re.I)
_FORMATTED = ("formatted", "formattedPrice", "priceFormatted", "display", "displayPrice",
              "text", "label")
_CENTS = ("centAmount", "cents", "amountInCents", "priceInCents", "minorAmount")
_SELECTED = ("selectedVariantId", "selectedVariant", "defaultVariantId", "defaultVariant",
             "currentVariantId", "activeVariantId")
_WORD = re.compile(r"[^\W_]{2,}")


def has_app_state(text: str) -> bool:
    """A cheap marker test on the page source."""
    head = text[:2_000_000]
    return any(marker in head for marker in _MARKERS)


def _states(doc: Document) -> list[Any]:
    found: list[Any] = []
    for script in doc.root.iter("script"):
        text = script.text or ""
        if script.get("id") == "__NEXT_DATA__":
            try:
                found.append(json.loads(text, parse_float=Decimal))
            except ValueError:
                continue
            continue
        match = _ASSIGNED.search(text)
        if match:
            try:
                found.append(json.JSONDecoder(parse_float=Decimal).raw_decode(
                    text, match.end())[0])
            except ValueError:
                continue
    return found


def _product(state: Any, depth: int = 0) -> dict[str, Any] | None:
    """The first object under a singular ``product``-like key, outside related blocks."""
    if depth > 8:
        return None
    items = (state.items() if isinstance(state, dict)
             else enumerate(state) if isinstance(state, list) else ())
    for key, value in items:
        if isinstance(key, str) and _OTHERS.search(key):
            continue
        if (isinstance(key, str) and isinstance(value, dict) and "product" in key.lower()
                and not key.lower().endswith("products")
                and (value.get("variants") or "price" in value)):
            return value
        found = _product(value, depth + 1)
        if found is not None:
            return found
    return None


def _amount(value: Any, holder: dict[str, Any], currency: str | None
            ) -> tuple[Decimal, str | None] | None:
    """A price value of the state: (amount, currency or None)."""
    if isinstance(value, dict):
        cur = value.get("currencyCode") or value.get("currency")
        cur = cur if isinstance(cur, str) else currency
        for key in _FORMATTED:
            if isinstance(value.get(key), str):
                parsed = find_prices(value[key], default_currency=cur)
                if parsed:
                    return parsed[0].amount, parsed[0].currency or cur
        for key in _CENTS:
            if isinstance(value.get(key), int) and not isinstance(value.get(key), bool):
                digits = value.get("fractionDigits", 2)
                return Decimal(value[key]).scaleb(-int(digits)).quantize(Decimal("0.01")), cur
        for key in ("amount", "value", "price"):
            if key in value and not isinstance(value[key], (dict, list, bool)):
                found = parse_structured_amount(value[key])
                return (found, cur) if found is not None else None
        return None
    if value is None or isinstance(value, (bool, list)):
        return None
    for key in _FORMATTED:  # "price": 22900 beside "priceFormatted": "229,00 €"
        for name in (key, f"price{key[:1].upper()}{key[1:]}"):
            if isinstance(holder.get(name), str):
                parsed = find_prices(holder[name], default_currency=currency)
                if parsed:
                    return parsed[0].amount, parsed[0].currency or currency
    found = parse_structured_amount(value)
    return (found, currency) if found is not None else None


def _stock(variant: dict[str, Any]) -> Availability | None:
    for key in ("availableForSale", "available", "inStock", "isInStock", "isAvailable"):
        if isinstance(variant.get(key), bool):
            return normalize_availability(variant[key])
    for key in ("stock", "quantity", "stockLevel", "inventoryQuantity"):
        value = variant.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return Availability.IN_STOCK if value > 0 else Availability.OUT_OF_STOCK
    if variant.get("availability") is not None:
        return normalize_availability(variant["availability"])
    return None


def _words(value: Any) -> set[str]:
    if isinstance(value, str):
        return {w.lower() for w in _WORD.findall(value)}
    if isinstance(value, dict):
        return set().union(*(_words(v) for k, v in value.items()
                             if k in ("name", "value", "title", "label")))
    if isinstance(value, list):
        return set().union(*(_words(v) for v in value))
    return set()


def _variant_words(variant: dict[str, Any]) -> set[str]:
    keys = ("name", "title", "color", "colour", "size", "option1", "option2", "option3",
            "selectedOptions", "options", "attributes")
    return set().union(*(_words(variant.get(k)) for k in keys))


def _chosen(product: dict[str, Any], variants: list[dict[str, Any]], page_words: set[str],
            url: str | None) -> tuple[dict[str, Any] | None, bool]:
    """The variant the page sells, and whether only the state's default says so (neither
    the title nor the URL names it: another night's default may be another variant)."""
    if len(variants) == 1:
        return variants[0], False
    words = [_variant_words(v) for v in variants]
    common = set.intersection(*words) if words else set()
    named = [v for v, w in zip(variants, words, strict=True) if (w - common) & page_words]
    if len(named) == 1:
        return named[0], False
    if named:
        return None, False  # the title names several variants: no telling which
    wanted = re.search(r"[?&]variant=([\w-]+)", url or "")
    selected: Any = wanted.group(1) if wanted else next(
        (product[k] for k in _SELECTED if product.get(k) is not None), None)
    if isinstance(selected, dict):
        selected = selected.get("id")
    if selected is not None:
        found = next((v for v in variants if str(v.get("id")) == str(selected)), None)
        return found, wanted is None
    return None, False


def _page_product(doc: Document) -> tuple[dict[str, Any], list[dict[str, Any]],
                                          dict[str, Any] | None, bool] | None:
    """The state's product, its variants, the one the page sells (None: cannot tell) and
    whether only the state's default chose it; None without a product in a state."""
    if not has_app_state(doc.text):
        return None
    product = next((p for p in map(_product, _states(doc)) if p is not None), None)
    if product is None:
        return None
    variants = [v for v in product.get("variants") or [] if isinstance(v, dict)]
    if not variants:
        return product, variants, product, False
    heading = " ".join(visible_text(h) for h in doc.h1s[:1])
    page_words = _words(heading) | _words(unquote(urlsplit(doc.url or "").path))
    chosen, by_default = _chosen(product, variants, page_words, doc.url)
    return product, variants, chosen, by_default


def read_app_state(doc: Document, out: CandidateSet, currency: str | None = None) -> bool:
    """Candidates from the product of the page's embedded state; True when a price was read."""
    found = _page_product(doc)
    if found is None:
        return False
    product, variants, chosen, by_default = found
    if chosen is None:
        out.note(f"{SOURCE}: {len(variants)} variants and the page does not say which it sells")
        return False
    price = _amount(chosen.get("price"), chosen, currency)
    if price is None or price[0] <= 0:
        return False
    prices = {a[0] for v in variants if (a := _amount(v.get("price"), v, currency))}
    if by_default and len(prices) > 1:
        # the state's default variant, other variants at other prices: say so with the
        # reading (the price may be another variant's on another night)
        out.variant_price = True
        out.note(f"{SOURCE}: the state's default variant of {len(variants)}, at "
                 f"{min(prices)}..{max(prices)}")
    out.add(Candidate(field="price", value=price[0], source=SOURCE, confidence=_CONF))
    if price[1]:
        out.add(Candidate(field="currency", value=price[1], source=SOURCE, confidence=_CONF))
    for key in ("compareAtPrice", "compare_at_price", "oldPrice", "wasPrice", "regularPrice"):
        old = _amount(chosen.get(key), chosen, price[1]) if chosen.get(key) else None
        if old is not None and old[0] > price[0] and old[1] == price[1]:
            out.add(Candidate(field="regular_price", value=old[0], source=SOURCE,
                              confidence=_CONF))
            break
    stock = state_stock(product, chosen)
    if stock is not None:
        out.add(Candidate(field="availability", value=stock, source=SOURCE, confidence=_CONF))
    for keys, fieldname in ((("sku",), "sku"), (("gtin", "ean", "barcode", "gtin13"), "gtin"),
                            (("mpn",), "mpn")):
        value = next((holder[k] for k in keys for holder in (chosen, product)
                      if isinstance(holder.get(k), (str, int)) and holder.get(k)), None)
        if value is not None:
            out.add(Candidate(field=fieldname, value=str(value), source=SOURCE, confidence=0.7))
    brand = product.get("brand") or product.get("vendor")
    brand = brand.get("name") if isinstance(brand, dict) else brand
    if isinstance(brand, str) and brand:
        out.add(Candidate(field="brand", value=brand, source=SOURCE, confidence=0.7))
    return True


def state_stock(product: dict[str, Any], chosen: dict[str, Any]) -> Availability | None:
    """The chosen variant's stock, else the product's."""
    return _stock(chosen) if _stock(chosen) is not None else _stock(product)


def app_state_sold_out(doc: Document) -> bool:
    """Whether the page's embedded state says the product (every variant, or the one the
    page names) is sold out: a stale structured "InStock" must not outvote it."""
    found = _page_product(doc)
    if found is None:
        return False
    product, variants, chosen, _ = found
    if chosen is None:
        return bool(variants) and all(_stock(v) == Availability.OUT_OF_STOCK for v in variants)
    return state_stock(product, chosen) == Availability.OUT_OF_STOCK
