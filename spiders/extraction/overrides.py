"""Per-site selector overrides from the competitor's config (CSS in parsel syntax or XPath)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

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


_SIMPLE_PART_RE = re.compile(r"^([a-zA-Z][\w-]*)?((?:[.#][\w-]+)*)$")
_ATTR_PSEUDO_RE = re.compile(r"::attr\(([\w:-]+)\)$")
Compound = tuple[str | None, frozenset[str], str | None]


@lru_cache(maxsize=1024)
def simple_plan(query: str) -> tuple[tuple[Compound, ...], str | None, str | None] | None:
    """A plan for the common selector shape ``tag.class #id .class::text`` (descendant
    combinators only), or None for anything else (which goes through XPath).

    Such selectors are answered from a class index built once per page instead of an
    XPath scan of the whole tree per selector.
    """
    text = query.strip()
    pseudo = attr = None
    if text.endswith("::text"):
        text, pseudo = text[:-6], "text"
    else:
        m = _ATTR_PSEUDO_RE.search(text)
        if m:
            text, pseudo, attr = text[: m.start()], "attr", m.group(1)
    if not text or any(ch in text for ch in ">+~[]:,*\"'()|\\"):
        return None
    compounds: list[Compound] = []
    for part in text.split():
        m = _SIMPLE_PART_RE.match(part)
        if not m:
            return None
        ids = re.findall(r"#([\w-]+)", m.group(2))
        classes = frozenset(re.findall(r"\.([\w-]+)", m.group(2)))
        if len(ids) > 1 or not (m.group(1) or classes or ids):
            return None
        compounds.append((m.group(1).lower() if m.group(1) else None, classes,
                          ids[0] if ids else None))
    return tuple(compounds), pseudo, attr


def _matches(el: Any, compound: Compound) -> bool:
    tag, classes, id_ = compound
    if tag and el.tag != tag:
        return False
    if id_ and el.get("id") != id_:
        return False
    return not classes or classes <= set((el.get("class") or "").split())


def _simple_select(doc: Document, plan: tuple[tuple[Compound, ...], str | None, str | None]
                   ) -> list[str]:
    compounds, pseudo, attr = plan
    tag, classes, id_ = compounds[-1]
    if classes:
        pool = doc.class_index.get(next(iter(sorted(classes))), [])
    elif id_:
        pool = doc.root.xpath("//*[@id=$v]", v=id_)
    else:
        pool = list(doc.root.iter(tag))
    values: list[str] = []
    for el in pool:
        if not _matches(el, compounds[-1]):
            continue
        wanted = len(compounds) - 2
        node = el.getparent()
        while wanted >= 0 and node is not None:
            if _matches(node, compounds[wanted]):
                wanted -= 1
            node = node.getparent()
        if wanted >= 0:
            continue
        if pseudo == "text":
            values.extend(t for t in [el.text, *(c.tail for c in el)] if t and t.strip())
        elif pseudo == "attr":
            value = el.get(attr)
            if value:
                values.append(value)
        else:
            values.append(" ".join(" ".join(el.itertext()).split()) or el.get("content") or "")
    return [v for v in values if v and v.strip()]


def select_all(doc: Document, query: str) -> list[str]:
    """Text values matched by ``query`` on the shared tree (simple CSS from the class
    index, anything else through :func:`compile_query`)."""
    plan = simple_plan(query)
    if plan is not None:
        return _simple_select(doc, plan)
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
