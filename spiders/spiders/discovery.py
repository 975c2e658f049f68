"""Discovery without hints: sitemap entries with their language versions, pagination
links found by themselves, and the competitor's own host.

Pure functions over parsed sitemaps and responses; the spider decides what to request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import TextResponse

_XHTML = "{http://www.w3.org/1999/xhtml}"
LANGUAGES = frozenset(
    ["en", "de", "fr", "es", "it", "pt", "nl", "bg", "ro", "el", "pl", "cs", "sk", "hu", "sl", "hr", "sr", "bs", "mk", "sq", "lt", "lv", "et", "fi", "sv", "da", "no", "nb", "nn", "is", "ru", "uk", "be", "tr", "he", "ar", "fa", "zh", "ja", "ko", "vi", "th", "id", "ms", "ga", "cy", "ca", "eu", "gl", "lb", "mt", "ka", "hy", "az", "kk"])
"""ISO 639-1 codes a path segment may name (`/de/`, `/en-gb/`)."""
_LANG_SEGMENT_RE = re.compile(r"^/([a-z]{2})(?:[-_]([a-z]{2}))?(?=/)", re.I)


@dataclass(frozen=True)
class SitemapEntry:
    """One `<url>` or `<sitemap>` of a sitemap: its address, lastmod and language versions."""

    loc: str
    lastmod: str | None = None
    alternates: dict[str, str] = field(default_factory=dict)
    """hreflang (lower case) -> URL, from `<xhtml:link rel="alternate">`."""


def sitemap_entries(sitemap: Any) -> list[SitemapEntry]:
    """Entries of a parsed :class:`scrapy.utils.sitemap.Sitemap`, with hreflang alternates
    (Scrapy's own iteration drops the hreflang)."""
    found: list[SitemapEntry] = []
    for event, element in sitemap.xmliter:
        if event != "end" or not isinstance(element.tag, str) or (
                element.tag.rsplit("}", 1)[-1] not in ("url", "sitemap")):
            continue
        loc = lastmod = None
        alternates: dict[str, str] = {}
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = child.tag.rsplit("}", 1)[-1]
            if name == "loc" and child.text:
                loc = child.text.strip()
            elif name == "lastmod" and child.text:
                lastmod = child.text.strip()
            elif child.tag == f"{_XHTML}link" and (child.get("rel") or "") == "alternate":
                lang, href = (child.get("hreflang") or "").lower(), child.get("href")
                if lang and href:
                    alternates[lang] = href.strip()
        if loc:
            found.append(SitemapEntry(loc, lastmod, alternates))
        element.clear()
    return found


def language_of(locale: str | None) -> str | None:
    """'bg_BG' -> 'bg'."""
    if not locale:
        return None
    return re.split(r"[-_]", locale.strip().lower())[0] or None


def _lang_matches(tag: str, language: str | None) -> bool:
    return language is not None and re.split(r"[-_]", tag)[0] == language


def pick_language_versions(entries: list[SitemapEntry],
                           language: str | None) -> tuple[list[str], int]:
    """(URLs to read, language duplicates left out): each product once, in the
    competitor's language.

    hreflang alternates group the versions of one page; without them, URLs that differ
    only in a leading language segment (`/en-gb/x`, `/de/x`, `/x`) are one page. The
    version in `language` wins, then `x-default`, then the one without a language
    segment, then the first listed.
    """
    chosen: list[str] = []
    taken: set[str] = set()
    duplicates = 0
    for entry in entries:
        if entry.loc in taken:
            duplicates += 1
            continue
        group = {entry.loc, *entry.alternates.values()}
        pick = next((href for tag, href in entry.alternates.items()
                     if _lang_matches(tag, language)), None)
        pick = pick or entry.alternates.get("x-default") or entry.loc
        if group & taken:
            duplicates += 1
            taken |= group
            continue
        taken |= group
        chosen.append(pick)
    return _by_language_segment(chosen, language, duplicates)


def _by_language_segment(urls: list[str], language: str | None,
                         duplicates: int) -> tuple[list[str], int]:
    groups: dict[tuple[str, str], list[tuple[str | None, str]]] = {}
    order: list[tuple[str, str]] = []
    for url in urls:
        parts = urlsplit(url)
        path = parts.path or "/"
        m = _LANG_SEGMENT_RE.match(path)
        lang = m.group(1).lower() if m and m.group(1).lower() in LANGUAGES else None
        rest = path[m.end():] if lang and m else path
        key = (parts.netloc.lower(), rest + ("?" + parts.query if parts.query else ""))
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((lang, url))
    out: list[str] = []
    for key in order:
        versions = groups[key]
        if len(versions) == 1:
            out.append(versions[0][1])
            continue
        duplicates += len(versions) - 1
        best = (next((u for lang, u in versions if lang == language), None)
                or next((u for lang, u in versions if lang is None), None)
                or versions[0][1])
        out.append(best)
    return out, duplicates


def same_host(url: str, host: str) -> bool:
    """Whether `url` is on the competitor's host (`www.` counts as the same host)."""
    other = (urlsplit(url).hostname or "").lower()
    mine = host.lower()
    return other == mine or other.removeprefix("www.") == mine.removeprefix("www.")


_NEXT_CSS = (
    "link[rel~=next]::attr(href)", "a[rel~=next]::attr(href)",
    "a.next::attr(href)", "a.next-page::attr(href)", "a.pagination-next::attr(href)",
    "a.page-next::attr(href)", "li.next a::attr(href)", "li.pagination-next a::attr(href)",
    ".pages-item-next a::attr(href)", "a.action.next::attr(href)",
    "a[aria-label*=Next]::attr(href)", "a[aria-label*=next]::attr(href)",
    "a[title*=Next]::attr(href)", "a[title*=next]::attr(href)",
)
_NEXT_TEXT_RE = re.compile(r"^\s*(?:next|next page|следваща|напред|weiter|nächste|suivant"
                           r"|siguiente|successiva|następna|další|următoarea|›|»|→|>)\s*$",
                           re.I)
_PAGE_PATH_RE = re.compile(r"/page/(\d+)/?$|/p(\d+)/?$|-page-(\d+)(?:\.html?)?$")
_PAGE_PARAMS = ("page", "p", "pg", "pagenumber", "page_number", "paged", "strana", "stranica")


def next_page_links(response: TextResponse) -> list[str]:
    """Links to the next listing page, found without a `next_page` selector: `rel=next`,
    the common "next" classes and labels, then a link to this page's number plus one."""
    found: list[str] = []
    for css in _NEXT_CSS:
        found.extend(response.urljoin(h.strip()) for h in response.css(css).getall() if h)
    if not found:
        for anchor in response.css("a[href]"):
            label = " ".join(anchor.css("::text").getall()).strip()
            if label and _NEXT_TEXT_RE.match(label):
                found.append(response.urljoin(anchor.attrib["href"]))
    if not found:
        wanted = numbered_next(response.url)
        if wanted:
            hrefs = {response.urljoin(h) for h in response.css("a::attr(href)").getall()}
            found.extend(url for url in wanted if url in hrefs)
    current = response.url.split("#")[0]
    return [url for url in dict.fromkeys(found) if url.split("#")[0] != current]


def numbered_next(url: str) -> list[str]:
    """The URLs the next page of `url` has on common shops (`?page=N+1`, `/page/N+1/`)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    out: list[str] = []
    for name in _PAGE_PARAMS:
        if name in query and query[name].isdigit():
            nxt = {**query, name: str(int(query[name]) + 1)}
            out.append(urlunsplit(parts._replace(query=urlencode(nxt))))
    m = _PAGE_PATH_RE.search(parts.path)
    if m:
        number = int(next(g for g in m.groups() if g))
        start, end = m.span(next(i for i, g in enumerate(m.groups(), 1) if g))
        path = parts.path[:start] + str(number + 1) + parts.path[end:]
        out.append(urlunsplit(parts._replace(path=path)))
    if not out:  # the first page: page 2 in the common shapes
        sep = "&" if parts.query else ""
        out.append(urlunsplit(parts._replace(query=f"{parts.query}{sep}page=2")))
        base = parts.path if parts.path.endswith("/") else parts.path + "/"
        out.append(urlunsplit(parts._replace(path=base + "page/2/")))
    return out
