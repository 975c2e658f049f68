"""The product block's text lines read straight from the HTML source, without a tree.

Used on the structured-data fast path (``prefer="jsonld"``): when the JSON-LD already
gives the price, the page's wording (promotions, terms, "label: value" identifiers) and
its struck-through prices are all that is left to read, and a few regex passes over the
part of the page that starts at the title are much cheaper than building and walking a
tree of the whole page. The DOM path (:mod:`.regions`) stays the reference; this one
follows the same rules: text split at block elements, scripts and styles dropped, the
block ends where related products, navigation or the footer begin.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from .containers import heading_says_related, related_class
from .heuristics import OLD_TERMS, old_class
from .regions import NOTICE_TERMS

WINDOW_CHARS = 16000
"""How much HTML after the title is read (the product block, rarely more)."""
BEFORE_CHARS = 600
"""How much HTML before the title is read (badges, brand lines), back to the last
navigation or header end."""
MAX_TEXT = 6000

_H1_RE = re.compile(r"<[hH]1[\s>]")
_H1_TEXT_RE = re.compile(r"<h1\b[^>]*>(.{0,600}?)</h1\s*>", re.IGNORECASE | re.DOTALL)
# Case-sensitive (lower- or upper-case tags) so the regex engine can jump to "<"; an
# IGNORECASE pattern is several times slower on long text.
_SKIP_RE = re.compile(r"<(script|style|noscript|template|svg|select|iframe|SCRIPT|STYLE)\b"
                      r".*?</\1\s*>", re.DOTALL)
_BLOCK_RE = re.compile(
    r"</?(?:div|p|li|ul|ol|section|article|h[1-6]|tr|td|th|dd|dt|dl|table|form|br|header"
    r"|footer|aside|main|label|button|option|blockquote|figure|figcaption|details|summary)"
    r"\b[^>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")
_ANY_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr", "AREA", "BASE", "BR", "COL", "EMBED",
                   "HR", "IMG", "INPUT", "LINK", "META", "PARAM", "SOURCE", "TRACK", "WBR"})
_REGION_TEXT = 1500
# Patterns that start with a literal ("class", "id") let the regex engine jump ahead;
# a leading \b or alternation makes it try every position (ten times slower here).
_ID_RE = re.compile(r"""id\s*=\s*["']([^"'<>]*)["']""")
_LANDMARK_RE = re.compile(r"<(?:nav|footer|aside|NAV|FOOTER|ASIDE)\b")
_HEADING_RE = re.compile(r"<[hH]([2-6])\b[^>]*>(.{0,200}?)</[hH]\1\s*>", re.DOTALL)
_BEFORE_CUT_RE = re.compile(r"</(?:nav|header|ol|ul|NAV|HEADER|OL|UL)\s*>")
_STRUCK_RE = re.compile(r"<(del|s|strike|DEL|S|STRIKE)\b[^>]*>(.*?)</\1\s*>", re.DOTALL)
_CLASS_RE = re.compile(r"""class\s*=\s*["']([^"'<>]*)["']""")
_TAG_NAME_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")


@dataclass
class RawBlocks:
    """What the fast path reads from the source around the title."""

    blocks: list[str]
    """Text lines of the product block, in order."""
    notices: list[str]
    """Short texts of shipping/returns/promo notices elsewhere on the page."""
    old_texts: list[str]
    """Texts of struck-through or "old price" elements in the product block."""
    title: str | None = None
    """Text of the page's first ``<h1>``."""


def read_raw_blocks(text: str) -> RawBlocks | None:
    """The product block's lines, or None when the page has no ``<h1>`` to start from."""
    h1 = _H1_RE.search(text)
    if not h1:
        return None
    before = text[max(0, h1.start() - BEFORE_CHARS):h1.start()]
    cuts = list(_BEFORE_CUT_RE.finditer(before))
    if cuts:
        before = before[cuts[-1].end():]
    before = before[before.index("<"):] if "<" in before else ""
    after = text[h1.start():h1.start() + WINDOW_CHARS]
    after = _until_related(_container_end(_SKIP_RE.sub(" ", after)))
    window = _SKIP_RE.sub(" ", before) + after
    old_texts = [_plain(m.group(2)) for m in _STRUCK_RE.finditer(window)]
    if _class_pattern(OLD_TERMS).search(window):
        old_texts += _class_texts(window, OLD_TERMS, old_only=True)
    blocks = _lines(window)
    head = text[_body_start(text, h1.start()):h1.start()]
    tail = text[h1.start() + len(after):]
    notices = _notices(head) + _notices(tail[:WINDOW_CHARS * 4])
    heading = _H1_TEXT_RE.match(text, h1.start())
    title = _plain(heading.group(1)) if heading else None
    return RawBlocks(blocks, notices, [t for t in old_texts if t], title or None)


def _body_start(text: str, end: int) -> int:
    """Where ``<body`` opens (0 when it is missing): the ``<head>`` before it shows nothing,
    and its styles and scripts are often most of the page's bytes."""
    for tag in ("<body", "<BODY"):
        found = text.find(tag, 0, end)
        if found >= 0:
            return found
    return 0


def _container_end(window: str) -> str:
    """The window cut where the title's product block ends.

    Mirrors :func:`.regions.main_region` on a tree: climb from the title through the
    containers it closes (tag depth going below the title's level) and stop at the
    first one holding a fair amount of text (or after eight levels). Void elements
    are not counted; a page whose tags never close keeps the whole window.
    """
    depth = 0
    markup = 0
    for m in _ANY_TAG_RE.finditer(window):
        start, end = m.span()
        markup += end - start
        text = start - markup
        if text > MAX_TEXT:
            return window[:start]  # more text than is read anyway
        closing, name, attrs = m.groups()
        if closing:
            depth -= 1
            if depth < 0 and (text > _REGION_TEXT or depth <= -8):
                return window[:end]
        elif name not in _VOID and attrs[-1:] != "/":
            depth += 1
    return window


def _until_related(window: str) -> str:
    """The window up to the first related-products, navigation or footer element."""
    end = len(window)
    landmark = _LANDMARK_RE.search(window)
    if landmark:
        end = landmark.start()
    for heading in _HEADING_RE.finditer(window, 0, end):
        if heading_says_related(_plain(heading.group(2))):
            end = heading.start()  # a block of other products starts here (as in the DOM path)
            break
    for pattern in (_CLASS_RE, _ID_RE):
        for m in pattern.finditer(window, 0, end):
            if m.start() == 0 or not window[m.start() - 1].isspace():
                continue  # "data-id=", "grid=": not the attribute itself
            if related_class(m.group(1)):
                start = window.rfind("<", 0, m.start())
                if start > 0:
                    end = min(end, start)
                break
    return window[:end]


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_TAG_RE.sub(" ", fragment)).split())


def _lines(window: str) -> list[str]:
    # Line breaks in the source are only whitespace; blocks are what separates lines.
    text = html.unescape(_TAG_RE.sub(" ", _BLOCK_RE.sub("\x00", window)))
    out: list[str] = []
    total = 0
    for line in text.split("\x00"):
        clean = " ".join(line.split())
        if clean:
            out.append(clean)
            total += len(clean)
            if total >= MAX_TEXT:
                break
    return out


def _notices(source: str) -> list[str]:
    """Notice texts (shipping, returns, promotions) of a stretch of the page outside the
    product block.

    Most stretches (navigation, footer) hold no element whose class names a notice; one
    regex pass over the raw source tells, before scripts are cut out and every class
    attribute is looked at. (Cutting scripts only removes text, so a stretch that fails
    the check has no notice after the cut either.)
    """
    if not _class_pattern(NOTICE_TERMS).search(source):
        return []
    return _class_texts(_SKIP_RE.sub(" ", source), NOTICE_TERMS, whole_element=True)


def _class_texts(source: str, terms: tuple[str, ...], whole_element: bool = False,
                 old_only: bool = False) -> list[str]:
    """Texts of elements whose class holds one of ``terms`` (first text, or the whole
    element up to its closing tag when ``whole_element``), at most 300 characters."""
    wanted = _terms_pattern(terms)
    found: list[str] = []
    for m in _CLASS_RE.finditer(source):
        classes = m.group(1)
        if not wanted.search(classes) or related_class(classes) or (
                m.start() > 0 and not source[m.start() - 1].isspace()) or (
                old_only and not old_class(classes)):
            continue
        start = source.rfind("<", 0, m.start())
        tag_match = _TAG_NAME_RE.match(source, start) if start >= 0 else None
        tag_end = source.find(">", m.end())
        if tag_match is None or tag_end < 0:
            continue
        tag = tag_match.group(1).lower()
        if whole_element:
            close = source.find(f"</{tag}", tag_end, tag_end + 2000)
            inner = source[tag_end + 1:close] if close >= 0 else ""
        else:
            nxt = source.find("<", tag_end + 1)
            inner = source[tag_end + 1:nxt if nxt >= 0 else None]
            if not inner.strip():
                close = source.find(f"</{tag}", tag_end, tag_end + 400)
                inner = source[tag_end + 1:close] if close >= 0 else ""
        plain = _plain(inner)
        if plain and len(plain) <= 300 and plain not in found:
            found.append(plain)
        if len(found) >= 40:
            break
    return found


@lru_cache(maxsize=16)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, terms)))


@lru_cache(maxsize=16)
def _class_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """A class attribute (as `_CLASS_RE` finds it) whose value holds one of ``terms``."""
    return re.compile(r"""class\s*=\s*["'][^"'<>]*?(?:"""
                      + "|".join(map(re.escape, terms)) + ")")
