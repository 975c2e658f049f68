"""Text blocks of the main product area, for promotions and terms.

The area is found from the price element (or the title): its nearest ancestor
holding a reasonable amount of text. Site-wide notices about shipping, delivery,
returns and warranty (header bars, USP lists) are added from elements whose
class or id says so.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .containers import is_related_container
from .document import Document, text_content

BLOCK_TAGS = frozenset({
    "div", "p", "li", "ul", "ol", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "td", "th", "dd", "dt", "dl", "table", "form", "br", "header", "footer", "aside",
    "main", "label", "button", "option", "blockquote", "figure", "figcaption", "details",
    "summary",
})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "select", "iframe"})
NOTICE_TERMS = ("ship", "deliver", "usp", "warrant", "return", "promo", "notice", "coupon",
                "discount", "benefit", "dostav", "versand", "livraison", "envio")
_MAX_REGION_CHARS = 6000


def main_region(root: Any, anchor: Any | None) -> Any | None:
    """Ancestor of ``anchor`` that plausibly holds the whole product block."""
    if anchor is None:
        return None
    node = anchor
    best = anchor
    for _ in range(8):
        parent = node.getparent()
        if parent is None or parent.tag == "html":
            break
        if is_related_container(parent):
            break
        size = len(text_content(parent))
        if parent.tag == "body":
            if size <= _MAX_REGION_CHARS:
                best = parent
            break
        if size > _MAX_REGION_CHARS * 4:
            break
        best = parent
        if size > 1500:
            break
        node = parent
    return best


def text_blocks(el: Any, limit: int = 400, max_chars: int = 4000) -> list[str]:
    """Visible text of ``el`` split at block elements (scripts and styles skipped).

    Stops after ``max_chars`` of text: promotions and terms sit near the price,
    long descriptions further down only cost time.
    """
    blocks: list[str] = []
    buffer: list[str] = []
    total = 0

    def flush() -> None:
        nonlocal total
        if buffer:
            text = " ".join(" ".join(buffer).split())
            if text:
                blocks.append(text)
                total += len(text)
            buffer.clear()

    skip_depth = 0
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if skip_depth or tag in _SKIP_TAGS or not tag or (
                    node is not el and is_related_container(node)):
                skip_depth += 1
                continue
            if tag in BLOCK_TAGS:
                flush()
            if node.text:
                buffer.append(node.text)
        else:
            if skip_depth:
                skip_depth -= 1
                if skip_depth == 0 and node.tail and node is not el:
                    buffer.append(node.tail)
                continue
            if tag in BLOCK_TAGS:
                flush()
            if node.tail and node is not el:
                buffer.append(node.tail)
        if len(blocks) >= limit or total >= max_chars:
            break
    flush()
    return blocks


def notice_blocks(doc: Document, seen: set[str], region: Any | None = None,
                  limit: int = 40) -> list[str]:
    """Short texts of shipping/returns/promo notices outside the product block
    (already read) and outside related blocks."""
    out: list[str] = []
    for el in doc.with_class(NOTICE_TERMS)[:200]:
        text = " ".join(" ".join(el.itertext()).split())
        if not text or len(text) > 300 or text in seen:
            continue
        ancestors = list(el.iterancestors())
        if region is not None and (el is region or any(a is region for a in ancestors)):
            continue
        if any(is_related_container(a) for a in ancestors):
            continue
        seen.add(text)
        out.append(text)
        if len(out) >= limit:
            break
    return out
