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


RELATED_HEADING_RE = re.compile(
    r"(?:related|similar|recommended|you (?:may|might) (?:also )?like|also (?:bought|viewed)"
    r"|customers (?:who|also)|see (?:also|more)|more (?:products|from)|others? (?:also )?"
    r"(?:bought|viewed)|frequently bought|complete the look"
    r"|вижте (?:още|също)|подобни|свързани|препоръч|още продукти|може (?:да )?(?:ви )?харес"
    r"|клиентите (?:купиха|разгледаха)|често купувани"
    r"|ähnliche|das könnte|kunden kauften|passend dazu|empfohlen"
    r"|produits similaires|vous aimerez|voir aussi|produits associés"
    r"|productos relacionados|productos similares|también te puede"
    r"|prodotti (?:correlati|simili)|potrebbe interessarti"
    r"|produse similare|s-ar putea|produse recomandate"
    r"|podobne produkty|zobacz (?:też|także)|podobné|související|súvisiace"
    r"|похожие|с этим товаром|рекомендуем|σχετικά προϊόντα|παρόμοια)",
    re.I,
)
"""Words of a heading that introduces other products ("Related products", "Вижте още"),
in the languages of the shops we read; a block under such a heading holds other products
whatever its class names are."""

_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


def heading_says_related(text: str) -> bool:
    """Whether a heading's text introduces other products."""
    return len(text) < 80 and RELATED_HEADING_RE.search(text) is not None


def _related_heading(el: Any) -> bool:
    """The block's first heading child (among its first three children) introduces other
    products."""
    for index, child in enumerate(el):
        if index >= 3:
            break
        if isinstance(child.tag, str) and child.tag in _HEADINGS:
            return heading_says_related(" ".join("".join(child.itertext()).split()))
    return False


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
    return "ItemList" in itemtype or _related_heading(el)


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
