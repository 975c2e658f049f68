"""Platform knowledge: where common shop platforms put the current and old price and stock.

Each reader first checks a cheap marker of its platform, then reads a few
well-known places. Readers never guess: a missing element gives no candidate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from lxml import etree

from .appstate import read_app_state
from .availability import availability_from_text, normalize_availability
from .candidates import CandidateSet
from .currency import context_currency
from .document import Document, text_content
from .model import Candidate
from .prices import find_prices, parse_structured_amount

_CONF = 0.82


def _first_price(doc: Document, xpath: str, currency: str | None) -> tuple[Decimal, str] | None:
    for el in doc.root.xpath(xpath)[:3]:
        raw = (el.get("content") or el.get("data-price-amount") or el.get("data-price")
               or " ".join(text_content(el).split()))
        if not raw:
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?", raw.strip()):
            value = parse_structured_amount(raw, currency)
        else:
            found = find_prices(raw, default_currency=currency, tld=doc.tld, language=doc.language)
            value = found[0].amount if found else None
        if value is not None and value > 0:
            return value, raw
    return None


def _first_text(doc: Document, xpath: str) -> str | None:
    for el in doc.root.xpath(xpath)[:3]:
        text = " ".join(text_content(el).split()) or el.get("content") or ""
        if text:
            return text
    return None


def _emit(out: CandidateSet, source: str, doc: Document, currency: str | None, *,
          price_xpath: str, old_xpath: str | None = None, stock_xpath: str | None = None) -> bool:
    price = _first_price(doc, price_xpath, currency)
    if price is None:
        return False
    out.add(Candidate(field="price", value=price[0], source=source, confidence=_CONF, raw=price[1]))
    parsed = find_prices(price[1], default_currency=currency, tld=doc.tld)
    if parsed and parsed[0].currency:
        out.add(Candidate(field="currency", value=parsed[0].currency, source=source,
                          confidence=_CONF, raw=parsed[0].currency_raw))
    if old_xpath:
        old = _first_price(doc, old_xpath, currency)
        if old is not None and old[0] > price[0]:
            out.add(Candidate(field="regular_price", value=old[0], source=source,
                              confidence=_CONF, raw=old[1]))
    if stock_xpath:
        text = _first_text(doc, stock_xpath)
        stock = availability_from_text(text) if text else None
        if stock:
            out.add(Candidate(field="availability", value=stock, source=source,
                              confidence=_CONF, raw=text))
    return True


def _shopify(doc: Document, out: CandidateSet, currency: str | None) -> bool:
    if "shopify" not in doc.text[:200000].lower():
        return False
    for script in doc.root.xpath("//script[@data-product-json or contains(@id,'ProductJson')"
                                 " or contains(@class,'product-json')]"):
        try:
            data = json.loads(script.text or "", parse_float=Decimal)
        except ValueError:
            continue
        product = data.get("product", data) if isinstance(data, dict) else None
        if isinstance(product, dict) and _shopify_product(product, out, currency,
                                                          _variant_id(doc.url)):
            return True
    match = re.search(r"var meta = (\{\"product\":.*?\});\s*\n", doc.text)
    if match:
        try:
            meta = json.loads(match.group(1), parse_float=Decimal)
            if _shopify_product(meta.get("product", {}), out, currency, _variant_id(doc.url)):
                return True
        except ValueError:
            pass
    return _emit(out, "platform:shopify", doc, currency,
                 price_xpath="//*[contains(@class,'price-item--sale') or contains(@class,"
                 "'product__price') or @data-product-price or contains(@class,'price--sale')]"
                 "[not(ancestor::*[contains(@class,'card') or contains(@class,'related')])]",
                 old_xpath="//*[contains(@class,'price-item--regular') or contains(@class,"
                 "'compare-at') or contains(@class,'compare_at') or @data-compare-price]")


def _variant_id(url: str | None) -> str | None:
    """The ``?variant=`` a Shopify product URL selects, if any."""
    match = re.search(r"[?&]variant=(\d+)", url or "")
    return match.group(1) if match else None


def _shopify_product(product: dict[str, Any], out: CandidateSet, currency: str | None,
                     variant_id: str | None = None) -> bool:
    variants = [v for v in product.get("variants") or [] if isinstance(v, dict)]
    if not variants:
        return False
    in_cents = any(isinstance(v.get("price"), int) for v in variants)
    selected = [v for v in variants if variant_id and str(v.get("id")) == variant_id]
    chosen = selected[0] if selected else next(
        (v for v in variants if v.get("available") is not False), variants[0])
    price = _cents(chosen.get("price"), in_cents)
    if price is None:
        return False
    source = "platform:shopify"
    out.add(Candidate(field="price", value=price, source=source, confidence=_CONF))
    regular = _cents(chosen.get("compare_at_price"), in_cents)
    if regular is not None and regular > price:
        out.add(Candidate(field="regular_price", value=regular, source=source, confidence=_CONF))
    if selected and "available" in chosen:
        stock = normalize_availability(bool(chosen.get("available")))
        out.add(Candidate(field="availability", value=stock, source=source, confidence=_CONF))
    elif any("available" in v for v in variants):
        stock = normalize_availability(any(v.get("available") for v in variants))
        out.add(Candidate(field="availability", value=stock, source=source, confidence=_CONF))
    for key, fieldname in (("sku", "sku"), ("barcode", "gtin")):
        if chosen.get(key):
            out.add(Candidate(field=fieldname, value=str(chosen[key]), source=source,
                              confidence=0.7))
    if product.get("vendor"):
        out.add(Candidate(field="brand", value=str(product["vendor"]), source=source,
                          confidence=0.7))
    if product.get("title"):
        out.add(Candidate(field="title", value=str(product["title"]), source=source,
                          confidence=0.7))
    return True


def _cents(value: Any, in_cents: bool) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int) and in_cents:
        return (Decimal(value) / 100).quantize(Decimal("0.01"))
    return parse_structured_amount(value)


def _woocommerce(doc: Document, out: CandidateSet, currency: str | None) -> bool:
    if "woocommerce" not in doc.text[:300000]:
        return False
    summary = ("//*[contains(@class,'summary') or contains(@class,'product-info')"
               " or contains(@class,'entry-summary')]")
    return _emit(out, "platform:woocommerce", doc, currency,
                 price_xpath=f"{summary}//*[contains(@class,'price')]/ins//*[contains(@class,"
                 "'amount')] | " + f"{summary}//*[contains(@class,'price')][not(.//del)]"
                 "//*[contains(@class,'woocommerce-Price-amount')]",
                 old_xpath=f"{summary}//*[contains(@class,'price')]/del//*[contains(@class,"
                 "'amount')]",
                 stock_xpath=f"{summary}//*[contains(@class,'stock')]")


def _magento(doc: Document, out: CandidateSet, currency: str | None) -> bool:
    if "data-price-type" not in doc.text and "Magento" not in doc.text[:300000]:
        return False
    main = "//*[contains(@class,'product-info-main') or contains(@class,'product-info-price')]"
    return _emit(out, "platform:magento", doc, currency,
                 price_xpath=f"{main}//*[@data-price-type='finalPrice'][@data-price-amount]",
                 old_xpath=f"{main}//*[@data-price-type='oldPrice'][@data-price-amount]",
                 stock_xpath=f"{main}//*[contains(@class,'stock')]")


def _prestashop(doc: Document, out: CandidateSet, currency: str | None) -> bool:
    if "prestashop" not in doc.text[:300000].lower():
        return False
    return _emit(out, "platform:prestashop", doc, currency,
                 price_xpath="//*[contains(@class,'current-price')]//*[@content]"
                 " | //*[contains(@class,'current-price-value')]",
                 old_xpath="//*[contains(@class,'product-prices')]//*[contains(@class,"
                 "'regular-price')]",
                 stock_xpath="//*[@id='product-availability']")


def _sfcc(doc: Document, out: CandidateSet, currency: str | None) -> bool:
    if "demandware" not in doc.text[:400000]:
        return False
    main = ("//*[contains(@class,'product-detail') or contains(@class,'pdp-main')"
            " or contains(@class,'product-main')]")
    return _emit(out, "platform:sfcc", doc, currency,
                 price_xpath=f"{main}//*[contains(@class,'prices')]//*[contains(@class,'sales')]"
                 "//*[contains(@class,'value')]",
                 old_xpath=f"{main}//*[contains(@class,'prices')]//*[contains(@class,"
                 "'strike-through')]//*[contains(@class,'value')]",
                 stock_xpath=f"{main}//*[contains(@class,'availability-msg')]")


def _opencart(doc: Document, out: CandidateSet, currency: str | None) -> bool:
    if "route=product/product" not in doc.text and "catalog/view/theme" not in doc.text:
        return False
    return _emit(out, "platform:opencart", doc, currency,
                 price_xpath="//*[@id='product' or @id='content']//ul[contains(@class,"
                 "'list-unstyled')]//h2 | //*[@id='content']//*[contains(@class,'price-new')]",
                 old_xpath="//*[@id='content']//ul[contains(@class,'list-unstyled')]"
                 "//span[contains(@style,'line-through')] | //*[@id='content']"
                 "//*[contains(@class,'price-old')]",
                 stock_xpath="//*[@id='content']//li[contains(.,'Availability') or"
                 " contains(.,'Наличност')]")


def _oscar(doc: Document, out: CandidateSet, currency: str | None) -> bool:
    if "product_main" not in doc.text:
        return False
    return _emit(out, "platform:oscar", doc, currency,
                 price_xpath="//*[contains(@class,'product_main')]//*[contains(@class,"
                 "'price_color')]",
                 stock_xpath="//*[contains(@class,'product_main')]//*[contains(@class,"
                 "'availability')]")


PLATFORM_READERS: tuple[tuple[str, Callable[[Document, CandidateSet, str | None], bool]], ...] = (
    ("shopify", _shopify), ("woocommerce", _woocommerce), ("magento", _magento),
    ("prestashop", _prestashop), ("sfcc", _sfcc), ("opencart", _opencart), ("oscar", _oscar),
    ("app_state", read_app_state),
)


def read_platforms(doc: Document, out: CandidateSet, currency: str | None = None) -> bool:
    """Candidates from the first platform reader that recognises the page."""
    hint = context_currency(currency, doc.tld, doc.language)
    for _, reader in PLATFORM_READERS:
        try:
            if reader(doc, out, hint):
                return True
        except etree.XPathError as exc:  # pragma: no cover - static xpaths
            out.note(f"platform reader failed: {exc}")
    return False
