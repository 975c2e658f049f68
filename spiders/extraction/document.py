"""One parsed page shared by every strategy: decoded text, lxml tree, parsel view.

Parsing happens once per page (lxml, ~0.3 ms per 40 KB); strategies read the
tree and the JSON-LD blocks from here instead of re-parsing.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lxml import etree

from .currency import tld_of

MAX_BYTES = 12 * 1024 * 1024
"""Pages larger than this are cut (the tail of a product page is never the price)."""

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_-]+)""", re.I)
# Plain lxml elements (not lxml.html's): lxml.html looks up a Python element class for
# every element touched, which costs more than the XPath that found it on big pages.
_PARSER = etree.HTMLParser(recover=True, remove_comments=True, remove_pis=True,
                           collect_ids=False, default_doctype=False)
_UTF8_PARSER = etree.HTMLParser(recover=True, remove_comments=True, remove_pis=True,
                                collect_ids=False, default_doctype=False, encoding="utf-8")


_BINARY_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


_CLASSES_XPATH = etree.XPath("//@class", smart_strings=False)
_CLASSED_XPATH = etree.XPath("//*[@class]")
_INDEX_TAGS = ("script", "link", "meta", "h1", "del", "s", "strike")
_XPATH_CACHE: dict[tuple[str, ...], Any] = {}


def _sourceline(el: Any) -> int:
    return int(el.sourceline or 0)
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(parent::script or parent::style or parent::noscript or parent::template)]",
    smart_strings=False,
)


def visible_text(el: Any) -> str:
    """Whitespace-normalized text of ``el`` without script/style content."""
    if len(el) == 0:
        return " ".join((el.text or "").split())
    return " ".join(" ".join(_VISIBLE_TEXT(el)).split())


class NotHtmlError(ValueError):
    """The body cannot be read as an HTML page."""


def decode_body(body: bytes | str) -> str:
    """Text of ``body``: BOM, then <meta charset>, then UTF-8, then cp1252."""
    return _decode(body)[0]


def _decode(body: bytes | str) -> tuple[str, bool]:
    """(text, whether the bytes were plain UTF-8 that lxml can take as they are)."""
    if isinstance(body, str):
        return body, False
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace"), False
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", "replace"), False
    match = _CHARSET_RE.search(body[:4096])
    declared = match.group(1).decode("ascii", "ignore").lower() if match else None
    if declared and declared not in ("utf-8", "utf8"):
        try:
            text = body.decode(declared)
            return text, False
        except LookupError:
            pass  # an unknown charset name: guess below
        except UnicodeDecodeError:
            return _guess(body, declared), False  # the page lies about its charset
    try:
        return body.decode("utf-8"), True
    except UnicodeDecodeError:
        text = body.decode("utf-8", "replace")
        if text.count("\ufffd") > len(text) // 50:
            return _guess(body, declared), False
        return text, False


def _guess(body: bytes, declared: str | None) -> str:
    """Text of a page whose charset is wrong or missing, guessed by beautifulsoup4's
    ``UnicodeDammit`` (statistical detection through charset-normalizer), which is the
    right tool for it; cp1252 with replacements when even that fails."""
    from bs4 import UnicodeDammit

    sample = body[:262144]
    dammit = UnicodeDammit(sample, exclude_encodings=[e for e in (declared,) if e])
    encoding = dammit.original_encoding
    if encoding:
        try:
            return body.decode(encoding, "replace")
        except LookupError:
            pass
    return body.decode("cp1252", "replace")


def _parse_tree(utf8_body: bytes | str | None, text: str) -> Any:
    """lxml tree of the page. UTF-8 bytes go to lxml as bytes (faster than a str);
    anything else as the decoded text."""
    root = None
    try:
        if isinstance(utf8_body, bytes):
            root = etree.fromstring(utf8_body, _UTF8_PARSER)
        else:
            root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        try:
            root = etree.fromstring(text.encode("utf-8", "replace"), _UTF8_PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
            raise NotHtmlError(f"HTML could not be parsed: {exc}") from exc
    if root is None:
        raise NotHtmlError("HTML could not be parsed: the document is empty")
    return root


def text_content(el: Any) -> str:
    """All text inside ``el`` (what lxml.html's ``text_content()`` gives)."""
    return str(etree.tostring(el, method="text", encoding=str, with_tail=False))


def looks_like_html(text: str) -> bool:
    """Cheap check that ``text`` is markup rather than binary noise."""
    head = text[:2048]
    if "<" not in head and "<" not in text[:65536]:
        return False
    sample = text[:2048]
    bad = len(_BINARY_RE.findall(sample))
    return bad < max(8, len(sample) // 20)


@dataclass
class Document:
    """A parsed product page."""

    text: str
    root: Any
    url: str | None = None
    truncated: bool = False
    tld: str | None = None
    language: str | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, body: bytes | str, url: str | None = None) -> Document:
        """Parse ``body``; raises :class:`NotHtmlError` when it is not HTML."""
        truncated = len(body) > MAX_BYTES
        if truncated:
            body = body[:MAX_BYTES]
        text, utf8 = _decode(body)
        if "\x00" in text:
            text = text.replace("\x00", "")
            body, utf8 = text, False
        if not text.strip():
            raise NotHtmlError("empty body")
        if not looks_like_html(text):
            raise NotHtmlError("body is not HTML (binary or plain text)")
        root = _parse_tree(body if utf8 else None, text)
        doc = cls(text=text, root=root, url=url, truncated=truncated)
        doc.tld = tld_of(url) or tld_of(doc.canonical_url)
        doc.language = doc._read_language()
        return doc

    @cached_property
    def index(self) -> dict[str, list[Any]]:
        """The few kinds of elements the readers need, gathered in one tree pass
        (scripts, links, metas, h1s and struck text) instead of one XPath each."""
        found: dict[str, list[Any]] = {}
        for el in self.root.iter(*_INDEX_TAGS):
            found.setdefault(el.tag, []).append(el)
        found["script"] = [el for el in found.get("script", []) if el.get("type")]
        return found

    @cached_property
    def canonical_url(self) -> str | None:
        """``<link rel=canonical>`` or ``og:url``."""
        values = [el.get("href") or "" for el in self.index.get("link", [])
                  if (el.get("rel") or "").lower() == "canonical"]
        values += self.meta.get("og:url", [])
        for value in values:
            if value.strip().startswith("http"):
                return str(value.strip())
        return None

    def _read_language(self) -> str | None:
        lang = self.root.get("lang") or self.root.get("xml:lang")
        if not lang:
            found = self.meta.get("content-language")
            lang = found[0] if found else None
        return lang.strip().lower() if lang and lang.strip() else None

    @property
    def h1s(self) -> list[Any]:
        """The page's h1 elements, in order."""
        return list(self.index.get("h1", []))

    @cached_property
    def selector(self) -> Any:
        """parsel view of the same tree (no re-parse), for per-site selectors."""
        from parsel import Selector

        return Selector(root=self.root, type="html")

    @cached_property
    def jsonld_texts(self) -> list[str]:
        """Raw text of every ``<script type=application/ld+json>``."""
        scripts = [el for el in self.index.get("script", [])
                   if "ld+json" in (el.get("type") or "").lower()]
        return [s.text for s in scripts if s.text and s.text.strip()]

    @cached_property
    def class_index(self) -> dict[str, list[Any]]:
        """Elements by each of their class names, in document order (for selectors)."""
        found: dict[str, list[Any]] = {}
        for el in _CLASSED_XPATH(self.root):
            for name in el.get("class").split():
                found.setdefault(name, []).append(el)
        return found

    @cached_property
    def markup_index(self) -> tuple[str, frozenset[str]]:
        """All class attribute values joined, and the set of strike-type tags used.

        One C-level XPath pass plus the shared index; term tests then search a few
        KB instead of testing every element for every term.
        """
        classes = " ".join(_CLASSES_XPATH(self.root))
        tags = frozenset(tag for tag in ("del", "s", "strike") if self.index.get(tag))
        return classes, tags

    def with_class(self, terms: tuple[str, ...], tags: tuple[str, ...] = ()) -> list[Any]:
        """Elements whose class contains one of ``terms``, plus indexed ``tags``
        (del/s/strike), in document order.

        Only the terms that occur among the page's class names at all go into the
        XPath (one tree pass), so absent terms cost nothing.
        """
        classes, _ = self.markup_index
        present = tuple(t for t in terms if t in classes)
        found: list[Any] = []
        for tag in tags:
            found.extend(self.index.get(tag, []))
        if present:
            compiled = _XPATH_CACHE.get(present)
            if compiled is None:
                # Walking the attribute axis is about twice as fast as testing elements.
                test = " or ".join(f"contains(.,'{t}')" for t in present)
                compiled = etree.XPath(f"//@class[{test}]/..")
                _XPATH_CACHE[present] = compiled
            found.extend(compiled(self.root))
        if tags and present:
            order = {el: i for i, el in enumerate(found)}
            found = sorted(set(found), key=lambda el: (_sourceline(el), order[el]))
        return found

    @cached_property
    def meta(self) -> dict[str, list[str]]:
        """``<meta property|name|itemprop=... content=...>`` values by lower-case key."""
        found: dict[str, list[str]] = {}
        for el in self.index.get("meta", []):
            key = (el.get("property") or el.get("name") or el.get("itemprop")
                   or el.get("http-equiv"))
            content = el.get("content")
            if key and content is not None:
                found.setdefault(key.strip().lower(), []).append(content.strip())
        return found


# Case-sensitive "<script" keeps the regex engine's fast literal search (an upper-case
# tag simply falls back to the full path).
_JSONLD_RE = re.compile(
    r"""<script\b[^>]*\btype\s*=\s*["']?(?i:application/ld\+json)[^>]*>(.*?)</script\s*>""",
    re.DOTALL)
_CANONICAL_RE = re.compile(
    r"""<link\b[^>]*\brel\s*=\s*["']?(?i:canonical)["']?[^>]*\bhref\s*=\s*["']([^"']+)""")
_LANG_RE = re.compile(r"""<html\b[^>]*\blang\s*=\s*["']?([\w-]+)""")
_ATTR_RE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _raw_meta(text: str) -> dict[str, list[str]]:
    """The ``og:*``/``product:*`` meta tags (what the OpenGraph reader uses), read from
    the source the way :attr:`Document.meta` reads them from the tree (comments left out).

    Only the tags around an "og:"/"product:" occurrence are parsed (``str.find`` is far
    cheaper than a regex over the whole page on the fast path)."""
    found: dict[str, list[str]] = {}
    starts: set[int] = set()
    for needle in ("og:", "product:"):
        index = text.find(needle)
        while index != -1:
            begin = text.rfind("<", 0, index)
            if begin != -1 and text[begin + 1:begin + 5].lower() == "meta":
                starts.add(begin)
            index = text.find(needle, index + 1)
    for begin in sorted(starts):
        end = text.find(">", begin)
        if end == -1 or _in_comment(text, begin):
            continue
        attrs: dict[str, str] = {}
        for m in _ATTR_RE.finditer(text, begin + 5, end):
            name = m.group(1).lower()
            if name not in attrs:
                value = m.group(2) if m.group(2) is not None else (
                    m.group(3) if m.group(3) is not None else m.group(4))
                attrs[name] = html_module.unescape(value)
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
               or attrs.get("http-equiv"))
        content = attrs.get("content")
        if key and content is not None:
            key = key.strip().lower()
            if key.startswith(("og:", "product:")):
                found.setdefault(key, []).append(content.strip())
    return found


def _in_comment(text: str, index: int) -> bool:
    opened = text.rfind("<!--", 0, index)
    return opened != -1 and text.find("-->", opened, index) == -1


@dataclass
class RawPage:
    """A page read without building a tree: only its JSON-LD and a few head facts.

    Used by the quickest path (``prefer="jsonld"``, ``read_text=False``), where the
    structured data is all that is read; the structured readers accept it in place
    of a :class:`Document`.
    """

    text: str
    url: str | None
    jsonld_texts: list[str]
    canonical_url: str | None
    tld: str | None
    language: str | None
    meta: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, body: bytes | str, url: str | None = None) -> RawPage | None:
        """The page's JSON-LD found by text search, or None when it is not plain HTML."""
        if len(body) > MAX_BYTES:
            return None
        text, _ = _decode(body)
        if "\x00" in text or not looks_like_html(text):
            return None
        scripts = [m.group(1) for m in _JSONLD_RE.finditer(text) if m.group(1).strip()]
        canonical = _CANONICAL_RE.search(text[:65536])
        lang = _LANG_RE.search(text[:4096])
        canonical_url = html_module.unescape(canonical.group(1)) if canonical else None
        return cls(text=text, url=url, jsonld_texts=scripts, canonical_url=canonical_url,
                   tld=tld_of(url) or tld_of(canonical_url),
                   language=lang.group(1).lower() if lang else None, meta=_raw_meta(text))
