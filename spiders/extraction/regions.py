"""Text blocks of the main product area, for promotions and terms.

The area is found from the price element (or the title): its nearest ancestor
holding a reasonable amount of text. Site-wide notices about shipping, delivery,
returns and warranty (header bars, USP lists) are added from elements whose
class or id says so.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .heuristics import is_related_container

BLOCK_TAGS = frozenset({
    "div", "p", "li", "ul", "ol", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "td", "th", "dd", "dt", "dl", "table", "form", "br", "header", "footer", "aside",
    "main", "label", "button", "option", "blockquote", "figure", "figcaption", "details",
    "summary",
})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "select", "iframe"})
_NOTICE_XPATH = etree.XPath(
    "//body//*[@class][contains(@class,'ship') or contains(@class,'deliver')"
    " or contains(@class,'usp') or contains(@class,'warrant') or contains(@class,'return')"
    " or contains(@class,'promo') or contains(@class,'notice') or contains(@class,'coupon')"
    " or contains(@class,'discount') or contains(@class,'benefit')]"
)
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
        size = len(parent.text_content())
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


def text_blocks(el: Any, limit: int = 400) -> list[str]:
    """Visible text of ``el`` split at block elements (scripts and styles skipped)."""
    blocks: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            text = " ".join(" ".join(buffer).split())
            if text:
                blocks.append(text)
            buffer.clear()

    skip_depth = 0
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if skip_depth or tag in _SKIP_TAGS or not tag:
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
        if len(blocks) >= limit:
            break
    flush()
    return blocks


def notice_blocks(root: Any, seen: set[str], limit: int = 40) -> list[str]:
    """Short texts of shipping/returns/promo notices anywhere outside related blocks."""
    out = []
    for el in _NOTICE_XPATH(root)[:200]:
        text = " ".join(" ".join(el.itertext()).split())
        if not text or len(text) > 300 or text in seen:
            continue
        if any(is_related_container(a) for a in el.iterancestors()):
            continue
        seen.add(text)
        out.append(text)
        if len(out) >= limit:
            break
    return out
