"""Structured data readers: JSON-LD, microdata, RDFa and OpenGraph ``product:*`` tags.

JSON-LD is read with the standard ``json`` module (numbers as Decimal), leniently:
CDATA wrappers, comments, trailing commas and raw control characters are
tolerated; a block that still fails is noted and skipped. Microdata and RDFa
items are turned into the same dict shape as JSON-LD so one reader handles all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from lxml import etree

from storage.condition import normalize_condition

from .availability import normalize_availability
from .candidates import CandidateSet
from .containers import is_related_container
from .currency import normalize_code, resolve_symbol
from .document import Document, RawPage, text_content
from .identifiers import clean_brand, clean_identifier, clean_text, valid_gtin
from .model import Availability, Candidate
from .prices import find_prices, parse_structured_amount
from .timeparse import parse_valid_until

PRODUCT_TYPES = frozenset({
    "product", "productgroup", "productmodel", "individualproduct", "someproducts", "car",
    "vehicle", "book", "motorizedbicycle", "drug", "offer",
})
_SKIP_KEYS = frozenset({
    "isrelatedto", "issimilarto", "isaccessoryorsparepartfor", "isconsumablefor",
    "itemlistelement", "review", "reviews", "breadcrumb", "isvariantof", "haspart",
    "ispartof", "potentialaction", "publisher", "author", "seller", "manufacturer",
})
_LIST_PRICE_TYPES = ("listprice", "strikethroughprice", "srp", "msrp", "regularprice",
                     "originalprice", "wasprice", "invoiceprice")


# --------------------------------------------------------------------------- JSON-LD

def load_jsonld(text: str) -> tuple[list[Any], str | None]:
    """Objects in one JSON-LD block, leniently; (objects, error note or None)."""
    cleaned = text.strip()
    cleaned = re.sub(r"^\s*(?:/\*\s*)?<!\[CDATA\[(?:\s*\*/)?", "", cleaned)
    cleaned = re.sub(r"(?:/\*\s*)?\]\]>(?:\s*\*/)?\s*$", "", cleaned)
    cleaned = cleaned.replace("<!--", "").replace("-->", "").strip().rstrip(";")
    try:
        return [json.loads(cleaned, parse_float=Decimal, strict=False)], None
    except ValueError:
        pass
    fixed = re.sub(r",\s*([}\]])", r"\1", cleaned)
    fixed = re.sub(r"(?m)^\s*//.*$", "", fixed)
    decoder = json.JSONDecoder(parse_float=Decimal, strict=False)
    objects: list[Any] = []
    pos = 0
    try:
        while pos < len(fixed):
            while pos < len(fixed) and fixed[pos] in " \t\r\n,;":
                pos += 1
            if pos >= len(fixed):
                break
            obj, pos = decoder.raw_decode(fixed, pos)
            objects.append(obj)
    except json.JSONDecodeError as exc:
        return objects, f"invalid JSON-LD ({exc.msg} at char {exc.pos})"
    return objects, None


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type") or node.get("type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for v in values if v}


def _walk_products(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Product-like dicts, skipping related/similar products and lists."""
    if depth > 8:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_products(item, depth + 1)
        return
    if not isinstance(node, dict):
        return
    types = _types(node)
    if types & PRODUCT_TYPES and "offer" not in types:
        yield node
        for variant in _as_list(node.get("hasVariant")):
            if isinstance(variant, dict):
                yield variant
        return
    for key, value in node.items():
        if key.lower() in _SKIP_KEYS or not isinstance(value, dict | list):
            continue
        yield from _walk_products(value, depth + 1)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("value")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        value = _unescape(value)
    return clean_text(value)


def _unescape(value: str) -> str:
    if "&" in value:
        import html

        return html.unescape(value)
    return value


# --------------------------------------------------------------- product selection

def _norm_name(value: Any) -> str:
    text = _text(value) or ""
    return re.sub(r"\W+", " ", text.lower()).strip()


def _path(url: str | None) -> str:
    if not url:
        return ""
    url = re.sub(r"^[a-z]+://[^/]+", "", url.strip(), flags=re.I)
    return re.split(r"[?#]", url)[0].rstrip("/").lower()


def _score_product(node: dict[str, Any], doc: Document | RawPage, index: int) -> float:
    score = -index * 0.01
    if node.get("offers"):
        score += 2
    page_paths = {_path(doc.url), _path(doc.canonical_url)} - {""}
    node_url = node.get("url") or node.get("@id")
    if isinstance(node_url, str) and _path(node_url) in page_paths:
        score += 3
    title = doc.meta.get("og:title", [""])[0].lower()
    name = _norm_name(node.get("name"))
    if name and title and (name in re.sub(r"\W+", " ", title) or title.startswith(name[:20])):
        score += 1
    return score


def select_main_products(products: list[dict[str, Any]],
                         doc: Document | RawPage) -> list[dict[str, Any]]:
    """The main product and its variants (same name or same product group)."""
    if len(products) <= 1:
        return list(products)
    scored = sorted(((_score_product(p, doc, i), i, p) for i, p in enumerate(products)),
                    key=lambda t: (-t[0], t[1]))
    best = scored[0][2]
    best_name = _norm_name(best.get("name"))
    group_id = best.get("productGroupID") or best.get("inProductGroupWithID")
    chosen = [best]
    for _, _, other in scored[1:]:
        same_name = best_name and _norm_name(other.get("name")) == best_name
        same_group = group_id and (other.get("productGroupID") == group_id
                                   or other.get("inProductGroupWithID") == group_id)
        if (same_name or same_group) and other is not best:
            chosen.append(other)
    return chosen


# ------------------------------------------------------------------- reading offers

def _offers(product: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for offer in _as_list(product.get("offers")):
        if not isinstance(offer, dict):
            continue
        nested = [o for o in _as_list(offer.get("offers")) if isinstance(o, dict)]
        if nested:
            # The AggregateOffer's own offers: their prices win over its lowPrice (which
            # may be stale or count other sellers); they inherit its currency.
            inherited = {k: offer[k] for k in ("priceCurrency", "availability") if k in offer}
            nested = [{**inherited, **o} for o in nested]
            found.extend(nested)
            if any(o.get("price") not in (None, "") or o.get("priceSpecification")
                   for o in nested):
                continue
        found.append(offer)
    if "offer" in _types(product):
        found.append(product)
    return found


def _offer_price(offer: dict[str, Any], currency: str | None) -> Decimal | None:
    for key in ("price", "lowPrice", "lowprice"):
        if offer.get(key) not in (None, ""):
            value = parse_structured_amount(offer[key], currency)
            if value is not None:
                return value
    for spec in _as_list(offer.get("priceSpecification")):
        if isinstance(spec, dict) and not _is_list_price(spec) and spec.get("price") is not None \
                and not spec.get("referenceQuantity"):  # a per-kilo/per-litre unit price
            value = parse_structured_amount(spec["price"], currency)
            if value is not None:
                return value
    return None


_VARIANT_KEYS = ("sku", "name", "color", "size", "url", "itemCondition", "availability",
                 "gtin13", "gtin", "mpn")


def _variant_of(offer: dict[str, Any]) -> tuple[str, ...]:
    """What tells one offer's item from another's (not its price)."""
    return tuple(str(offer.get(key) or "") for key in _VARIANT_KEYS)


def _offer_high(offer: dict[str, Any], currency: str | None) -> Decimal | None:
    """An AggregateOffer's highPrice (its lowPrice is read as its price)."""
    if offer.get("price") not in (None, ""):
        return None
    for key in ("highPrice", "highprice"):
        if offer.get(key) not in (None, ""):
            return parse_structured_amount(offer[key], currency)
    return None


def _is_list_price(spec: dict[str, Any]) -> bool:
    kind = str(spec.get("priceType") or "").lower()
    return any(k in kind for k in _LIST_PRICE_TYPES)


def _offer_regular(offer: dict[str, Any], currency: str | None) -> Decimal | None:
    for spec in _as_list(offer.get("priceSpecification")):
        if isinstance(spec, dict) and _is_list_price(spec):
            value = parse_structured_amount(spec.get("price"), currency)
            if value is not None:
                return value
    return None


def _offer_currency(offer: dict[str, Any]) -> tuple[str | None, str | None]:
    raw = offer.get("priceCurrency")
    if not raw:
        for spec in _as_list(offer.get("priceSpecification")):
            if isinstance(spec, dict) and spec.get("priceCurrency"):
                raw = spec["priceCurrency"]
                break
    raw_text = _text(raw)
    if not raw_text:
        return None, None
    return normalize_code(raw_text) or resolve_symbol(raw_text), raw_text


def read_product_nodes(
    products: list[dict[str, Any]], source: str, confidence: float, out: CandidateSet,
    page_url: str | None = None,
) -> None:
    """Turn the main product (and variants) into candidates from ``source``.

    Several offers: the one whose URL names the page's selected variant
    (``?variant=``), else the lowest price among those in stock.
    """
    main = products[0]
    add = out.add
    name = _text(main.get("name"))
    if name:
        add(Candidate(field="title", value=name, source=source, confidence=confidence))
    brand = main.get("brand") or main.get("manufacturer")
    brand_text = clean_brand(_text(brand))
    if brand_text:
        add(Candidate(field="brand", value=brand_text, source=source, confidence=confidence))
    for key in ("sku", "productID", "productId"):
        sku = clean_identifier(_text(main.get(key)))
        if sku:
            add(Candidate(field="sku", value=sku.removeprefix("sku:"), source=source,
                          confidence=confidence))
            break
    mpn = clean_identifier(_text(main.get("mpn")))
    if mpn:
        add(Candidate(field="mpn", value=mpn, source=source, confidence=confidence))
    # The product's own GTIN, else its offer's (some shops put gtin13 on the Offer).
    holders = [main, *(o for o in _as_list(main.get("offers")) if isinstance(o, dict))]
    gtin = next((g for holder in holders
                 for key in ("gtin13", "gtin", "gtin12", "gtin14", "gtin8", "ean", "upc")
                 if (g := valid_gtin(_text(holder.get(key))))), None)
    if gtin:
        add(Candidate(field="gtin", value=gtin, source=source, confidence=confidence))

    offers = [o for p in products for o in _offers(p)]
    stated = normalize_condition(main.get("itemCondition")) or next(
        (c for c in (normalize_condition(o.get("itemCondition")) for o in offers) if c), None)
    if stated is not None:
        add(Candidate(field="condition", value=stated, source=source, confidence=confidence))
    priced: list[tuple[Decimal, dict[str, Any], str | None, str | None]] = []
    for offer in offers:
        code, raw = _offer_currency(offer)
        price = _offer_price(offer, code)
        if price is not None and price > 0:
            priced.append((price, offer, code, raw))
    stocks = [normalize_availability(o.get("availability")) for o in offers]
    stocks = [s for s in stocks if s]
    availability = None
    if stocks:
        availability = (Availability.IN_STOCK if Availability.IN_STOCK in stocks
                        else Availability.LIMITED_AVAILABILITY
                        if Availability.LIMITED_AVAILABILITY in stocks else stocks[0])
        add(Candidate(field="availability", value=availability, source=source,
                      confidence=confidence))
    if not priced:
        return
    buyable = [p for p, s in zip(priced, [normalize_availability(x[1].get("availability"))
                                         for x in priced], strict=True)
               if s in (None, Availability.IN_STOCK, Availability.LIMITED_AVAILABILITY)]
    selected = _selected_offer(priced, page_url)
    price, offer, code, raw = selected or min(buyable or priced, key=lambda t: t[0])
    distinct = {p[0] for p in priced}
    if not selected:
        ranges = [(p, _offer_high(o, c) or p, normalize_condition(o.get("itemCondition")))
                  for p, o, c, _ in priced]
        if any(high > low for low, high, _ in ranges) or (
                len(distinct) > 1 and len({_variant_of(o) for _, o, _, _ in priced}) > 1):
            # Offers for other variants (another size, colour or condition), or a
            # lowPrice..highPrice range: the lowest is not necessarily this page's price.
            # (Offers alike but for their price are price tiers of one item: the lowest.)
            out.price_choices = ranges
    conf = confidence if len(distinct) == 1 or selected else confidence - 0.05
    add(Candidate(field="price", value=price, source=source, confidence=conf,
                  raw=str(offer.get("price") or offer.get("lowPrice"))))
    if code or raw:
        add(Candidate(field="currency", value=code, source=source, confidence=confidence,
                      raw=raw))
    regular = _offer_regular(offer, code)
    if regular is not None and regular > price:
        add(Candidate(field="regular_price", value=regular, source=source,
                      confidence=confidence))
    until = parse_valid_until(offer.get("priceValidUntil"))
    if until is not None:
        add(Candidate(field="valid_until", value=until, source=source, confidence=confidence))
    _read_offer_terms(offer, source, confidence, out)


def _selected_offer(priced: list[Any], page_url: str | None) -> Any | None:
    """The offer for the variant the page URL selects, when offers carry variant URLs."""
    match = re.search(r"[?&](variant|sku|v)=([\w-]+)", page_url or "")
    if not match or len(priced) < 2:
        return None
    wanted = f"{match.group(1)}={match.group(2)}"
    chosen = [p for p in priced if wanted in str(p[1].get("url") or "")
              or str(p[1].get("sku") or "") == match.group(2)]
    return chosen[0] if len(chosen) == 1 else None


def _read_offer_terms(offer: dict[str, Any], source: str, confidence: float,
                      out: CandidateSet) -> None:
    for details in _as_list(offer.get("shippingDetails"))[:1]:
        if not isinstance(details, dict):
            continue
        rate = details.get("shippingRate")
        if isinstance(rate, dict) and rate.get("value") is not None:
            cost = parse_structured_amount(rate.get("value"))
            if cost is not None:
                out.add(Candidate(field="shipping_cost", value=cost, source=source,
                                  confidence=confidence))
        delivery = details.get("deliveryTime")
        if isinstance(delivery, dict):
            lo = hi = 0
            seen = False
            for part in ("handlingTime", "transitTime"):
                span = delivery.get(part)
                if isinstance(span, dict):
                    lo += int(_int(span.get("minValue")) or 0)
                    hi += int(_int(span.get("maxValue")) or _int(span.get("minValue")) or 0)
                    seen = True
            if seen and hi:
                out.add(Candidate(field="delivery_days", value=(lo or None, hi), source=source,
                                  confidence=confidence))
    for policy in _as_list(offer.get("hasMerchantReturnPolicy"))[:1]:
        if isinstance(policy, dict) and _int(policy.get("merchantReturnDays")):
            out.add(Candidate(field="returns_days", value=_int(policy["merchantReturnDays"]),
                              source=source, confidence=confidence))
    warranty = offer.get("warranty")
    if isinstance(warranty, dict):
        duration = warranty.get("durationOfWarranty")
        if isinstance(duration, dict):
            value = _int(duration.get("value"))
            unit = str(duration.get("unitCode") or duration.get("unitText") or "").lower()
            if value:
                months = value * 12 if unit in ("ann", "year", "years") else value
                out.add(Candidate(field="warranty_months", value=months, source=source,
                                  confidence=confidence))


def _int(value: Any) -> int | None:
    try:
        return int(Decimal(str(value)))
    except (ArithmeticError, ValueError, TypeError):
        return None


def read_jsonld(doc: Document | RawPage, out: CandidateSet) -> bool:
    """Candidates from JSON-LD; True when a priced main product was found."""
    products: list[dict[str, Any]] = []
    for text in doc.jsonld_texts:
        objects, error = load_jsonld(text)
        if error:
            out.note(f"jsonld: {error}")
        for obj in objects:
            products.extend(_walk_products(obj))
    if not products:
        return False
    main = select_main_products(products, doc)
    before = out.has("price")
    read_product_nodes(main, "jsonld", 0.92, out, doc.url)
    return out.has("price", source="jsonld") or before


# ------------------------------------------------------------------ microdata/RDFa

def _prop_value(el: Any, attr_names: tuple[str, ...] = ()) -> str:
    for attr in ("content", *attr_names):
        value = el.get(attr)
        if value is not None:
            return str(value)
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in ("a", "link") and el.get("href"):
        return str(el.get("href"))
    if tag in ("img", "source") and el.get("src"):
        return str(el.get("src"))
    if tag == "time" and el.get("datetime"):
        return str(el.get("datetime"))
    if tag in ("data", "meter", "input") and el.get("value") is not None:
        return str(el.get("value"))
    return " ".join(text_content(el).split())


def _microdata_item(item: Any, depth: int = 0) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": (item.get("itemtype") or "").split()}
    for el in item.iterdescendants():
        if not isinstance(el.tag, str) or el.get("itemprop") is None:
            continue
        owner = next((a for a in el.iterancestors() if a.get("itemscope") is not None), None)
        if owner is not item:
            continue
        if el.get("itemscope") is not None:
            value: Any = _microdata_item(el, depth + 1) if depth < 4 else {}
        else:
            value = _prop_value(el)
        for prop in el.get("itemprop").split():
            prop = prop.rsplit("/", 1)[-1]
            if prop in node and prop != "@type":
                existing = node[prop]
                node[prop] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                node[prop] = value
    return node


def _in_related_block(el: Any) -> bool:

    return any(is_related_container(a) for a in el.iterancestors())


def read_microdata(doc: Document, out: CandidateSet) -> bool:
    """Candidates from schema.org microdata; True when a priced product was found."""
    items = doc.root.xpath(
        "//*[@itemscope][contains(translate(@itemtype,'PRODUCTOFER','productofer'),'product')"
        " or contains(translate(@itemtype,'PRODUCTOFER','productofer'),'offer')]"
    )
    products = []
    for item in items[:60]:
        if item.get("itemprop") is not None and "offer" not in (item.get("itemtype") or "").lower():
            continue
        if "offer" in (item.get("itemtype") or "").lower() and item.get("itemprop") is not None:
            continue
        if _in_related_block(item):
            continue
        products.append(_microdata_item(item))
    products = [p for p in products if _types(p) & PRODUCT_TYPES]
    if not products:
        return _loose_itemprops(doc, out)
    main = select_main_products(products, doc)
    read_product_nodes(main, "microdata", 0.88, out, doc.url)
    return out.has("price", source="microdata")


_LOOSE_XPATH = etree.XPath(
    "//*[@itemprop='price' or @itemprop='priceCurrency' or @itemprop='availability'"
    " or @itemprop='lowPrice'][not(ancestor::*[@itemscope])]")


def _loose_itemprops(doc: Document, out: CandidateSet) -> bool:
    """``itemprop="price"`` and friends used without an ``itemscope`` (sloppy but common):
    read as one offer when they sit outside related blocks."""
    if "itemprop" not in doc.text:
        return False
    node: dict[str, Any] = {"@type": "Offer"}
    for el in _LOOSE_XPATH(doc.root)[:12]:
        prop = el.get("itemprop")
        if prop not in node and not _in_related_block(el):
            node[prop] = _prop_value(el)
    if "price" not in node and "lowPrice" not in node:
        return False
    read_product_nodes([{"@type": "Product", "offers": node}], "microdata", 0.8, out, doc.url)
    return out.has("price", source="microdata")


def _rdfa_item(item: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": (item.get("typeof") or "").split()}
    for el in item.iterdescendants():
        if not isinstance(el.tag, str) or el.get("property") is None:
            continue
        owner = next((a for a in el.iterancestors() if a.get("typeof") is not None), None)
        if owner is not item:
            continue
        value: Any = _rdfa_item(el) if el.get("typeof") is not None else _prop_value(el)
        for prop in el.get("property").split():
            node.setdefault(prop.rsplit(":", 1)[-1].rsplit("/", 1)[-1], value)
    return node


def read_rdfa(doc: Document, out: CandidateSet) -> bool:
    """Candidates from RDFa (``typeof=Product``); True when a priced product was found."""
    items = doc.root.xpath("//*[@typeof][contains(translate(@typeof,'P','p'),'product')]")
    products = [_rdfa_item(i) for i in items[:20] if not _in_related_block(i)]
    products = [p for p in products if _types(p) & PRODUCT_TYPES]
    if not products:
        return False
    read_product_nodes(select_main_products(products, doc), "rdfa", 0.85, out, doc.url)
    return out.has("price", source="rdfa")


# ------------------------------------------------------------------------ OpenGraph

def read_opengraph(doc: Document, out: CandidateSet) -> bool:
    """Candidates from ``product:*`` / ``og:price:*`` meta tags."""
    meta = doc.meta
    source, conf = "opengraph", 0.8

    def first(*keys: str) -> str | None:
        for key in keys:
            values = meta.get(key)
            if values and values[0]:
                return values[0]
        return None

    raw_cur = first("product:price:currency", "og:price:currency",
                    "product:sale_price:currency")
    code = normalize_code(raw_cur)
    shown = first("og:price", "product:price")
    if not raw_cur and shown:
        found = find_prices(shown, tld=doc.tld, language=doc.language)
        if found and found[0].currency:
            raw_cur, code = found[0].currency_raw, found[0].currency
    sale = first("product:sale_price:amount", "og:sale_price:amount")
    amount = first("product:price:amount", "og:price:amount", "product:price", "og:price")
    price = parse_structured_amount(sale or amount, code) if (sale or amount) else None
    if price is not None and price > 0:
        out.add(Candidate(field="price", value=price, source=source, confidence=conf,
                          raw=sale or amount))
        if sale and amount:
            regular = parse_structured_amount(amount, code)
            if regular is not None and regular > price:
                out.add(Candidate(field="regular_price", value=regular, source=source,
                                  confidence=conf))
        original = first("product:original_price:amount")
        regular = parse_structured_amount(original, code) if original else None
        if regular is not None and regular > price:
            out.add(Candidate(field="regular_price", value=regular, source=source,
                              confidence=conf))
    if raw_cur:
        out.add(Candidate(field="currency", value=code, source=source, confidence=conf,
                          raw=raw_cur))
    stock = first("product:availability", "og:availability")
    availability = normalize_availability(stock) if stock else None
    if availability:
        out.add(Candidate(field="availability", value=availability, source=source,
                          confidence=conf))
    for key, fieldname in (("product:brand", "brand"), ("og:brand", "brand"),
                           ("product:retailer_item_id", "sku"), ("product:upc", "gtin"),
                           ("product:ean", "gtin"), ("product:mfr_part_no", "mpn")):
        value = first(key)
        if value:
            if fieldname == "gtin":
                value = valid_gtin(value)
            if value:
                out.add(Candidate(field=fieldname, value=value, source=source, confidence=conf))
    title = first("og:title")
    if title:
        out.add(Candidate(field="title", value=clean_text(title), source=source,
                          confidence=0.5))
    return price is not None
