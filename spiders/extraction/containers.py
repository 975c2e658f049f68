"""Which containers hold other products, navigation, the cart or the footer.

Its own module so that every reader (heuristics, regions, structured data, the raw
fast path) can ask without importing the others: the package has no import circles.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_RELATED_RE = re.compile(
    r"(?<![a-z])(?:related|recommend|similar|upsell|up-sell|cross-?sell|crosssell"
    r"|also-?(?:bought|viewed|like|purchased)|customers?-?also|recent(?:ly)?|carousel|swiper"
    r"|slick|sponsor|mini-?cart|cart-?(?:total|summary|sidebar|drawer|popup|preview|dropdown"
    r"|content)|header-?cart|shopping-?cart|basket-?(?:total|summary)|accessor|complementary"
    r"|you-?may|youmay|others?-?(?:bought|viewed)|bought-?together|frequently|viewed|suggest"
    r"|teaser|megamenu|mega-menu|navbar|menu|breadcrumb|footer|newsletter|cookie|banner"
    r"|product-?(?:list|grid|tile|card|slider)s?(?![a-z])|item-?(?:list|grid)|listing|search"
    r"|ad-?(?:slot|container)|advert)",
)
_TAXONOMY_RE = re.compile(
    r"(?:^|\s)(?:product_cat|product_tag|product_brand|product_type|pa_[\w]+|category|categories"
    r"|cat|tag|tags|collection|brand|term|taxonomy|postid|post|type)[-_][^\s]*", re.I)
"""Class names a platform derives from the product's own taxonomy (WooCommerce puts
``product_cat-accessories`` on the product's own container): they say what the product
is filed under, never that the element holds other products."""


def is_related_container(el: Any) -> bool:
    """Whether ``el`` holds other products, navigation, the cart or the footer."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in ("body", "html", "main"):
        return False
    if tag in ("nav", "footer", "aside"):
        return True
    if tag == "header" and el.find(".//h1") is None:
        return True
    attrs = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('data-component') or ''}"
    if attrs.strip() and _related_attrs(attrs):
        return True
    itemtype = el.get("itemtype") or ""
    return "ItemList" in itemtype


def related_class(attrs: str) -> bool:
    """Whether class/id text names a related/navigation/cart block."""
    return _related_attrs(attrs)


@lru_cache(maxsize=4096)
def _related_attrs(attrs: str) -> bool:
    """Class/id text names a related/navigation/cart block (cached: pages repeat them)."""
    lowered = attrs.lower()
    if "-" in lowered or "_" in lowered:
        lowered = _TAXONOMY_RE.sub(" ", lowered)
    return _RELATED_RE.search(lowered) is not None
