"""Per-site selector overrides from the competitor's config (CSS in parsel syntax or XPath)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from lxml import etree

from .availability import normalize_availability
from .candidates import CandidateSet
from .currency import find_currency, resolve_symbol
from .document import Document
from .identifiers import clean_identifier, clean_text, valid_gtin
from .model import Candidate
from .prices import find_prices

FIELDS = frozenset({
    "title", "price", "regular_price", "currency", "availability", "sku", "gtin", "mpn", "brand",
    "promotions", "shipping", "delivery", "warranty", "returns",
})
_CONF = 0.95


_CLASS_TEST_RE = re.compile(
    r"contains\(concat\(' ', normalize-space\(@class\), ' '\), ' ([^' ]+) '\)")


@lru_cache(maxsize=1024)
def compile_query(query: str) -> etree.XPath:
    """Compiled XPath for a configured selector: XPath when it starts with ``/`` or ``(``,
    else CSS in parsel's syntax (``::text``, ``::attr(x)``) translated once and cached."""
    query = query.strip()
    if query.startswith(("/", "(")):
        return etree.XPath(query)
    from parsel.csstranslator import HTMLTranslator

    xpath = HTMLTranslator().css_to_xpath(query)
    # cssselect tests a class with concat/normalize-space on every element; a plain
    # contains() first lets XPath skip most elements cheaply (same result).
    xpath = _CLASS_TEST_RE.sub(
        lambda m: f"(contains(@class, '{m.group(1)}') and {m.group(0)})", xpath)
    return etree.XPath(xpath)


def select_all(doc: Document, query: str) -> list[str]:
    """Text values matched by ``query`` (see :func:`compile_query`) on the shared tree."""
    values = []
    result = compile_query(query)(doc.root)
    for item in result if isinstance(result, list) else [result]:
        if isinstance(item, str):
            values.append(str(item))
        elif hasattr(item, "itertext"):
            values.append(" ".join(" ".join(item.itertext()).split()) or item.get("content")
                          or "")
        else:
            values.append(str(item))
    return [v for v in values if v and v.strip()]


def read_selectors(
    doc: Document, selectors: Mapping[str, str], out: CandidateSet, currency: str | None
) -> tuple[bool, dict[str, list[str]]]:
    """Candidates from configured selectors; (price found, raw texts of text-only fields).

    A selector that matches nothing or cannot be compiled is noted (selector
    drift shows up in ``reason``), never raised.
    """
    texts: dict[str, list[str]] = {}
    for name, query in selectors.items():
        if name not in FIELDS:
            out.note(f"selectors: unknown field {name!r}")
            continue
        try:
            values = select_all(doc, query)
        except Exception as exc:  # cssselect/lxml raise their own syntax error types
            out.note(f"selectors: {name} selector {query!r} is invalid ({exc})")
            continue
        if not values:
            out.note(f"selectors: {name} selector {query!r} matched nothing")
            continue
        _read_field(doc, name, values, out, currency, texts)
    return out.has("price", source="selectors"), texts


def _read_field(doc: Document, name: str, values: list[str], out: CandidateSet,
                currency: str | None, texts: dict[str, list[str]]) -> None:
    first = values[0]
    source = "selectors"
    if name in ("price", "regular_price"):
        found = find_prices(first, default_currency=currency, tld=doc.tld, language=doc.language)
        if found:
            out.add(Candidate(field=name, value=found[0].amount, source=source, confidence=_CONF,
                              raw=first))
            if name == "price" and found[0].currency:
                out.add(Candidate(field="currency", value=found[0].currency, source=source,
                                  confidence=_CONF, raw=found[0].currency_raw))
        elif name == "price":
            out.note(f"selectors: price text {first[:40]!r} has no number")
    elif name == "currency":
        raw = find_currency(first) or first.strip()
        code = resolve_symbol(raw, currency, doc.tld, doc.language)
        if code:
            out.add(Candidate(field="currency", value=code, source=source, confidence=_CONF,
                              raw=raw))
    elif name == "availability":
        stock = normalize_availability(first)
        if stock:
            out.add(Candidate(field="availability", value=stock, source=source, confidence=_CONF,
                              raw=first[:80]))
    elif name == "gtin":
        gtin = valid_gtin(first)
        if gtin:
            out.add(Candidate(field="gtin", value=gtin, source=source, confidence=_CONF))
    elif name in ("sku", "mpn"):
        value = clean_identifier(first)
        if value:
            out.add(Candidate(field=name, value=value, source=source, confidence=_CONF))
    elif name in ("title", "brand"):
        text = clean_text(first)
        if text:
            out.add(Candidate(field=name, value=text, source=source, confidence=_CONF))
    else:
        texts[name] = values
