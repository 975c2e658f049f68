"""Product identifiers: GTIN check-digit validation and light cleaning."""

from __future__ import annotations

import re
from functools import lru_cache

from .textsearch import blocks_with


def valid_gtin(value: object) -> str | None:
    """The GTIN-8/12/13/14 digits when the check digit is right, else None.

    ISBN-10 and other lengths are rejected; spaces and dashes are ignored.
    """
    if value is None or isinstance(value, bool):
        return None
    digits = re.sub(r"[\s-]", "", str(value))
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return None
    if set(digits) == {"0"}:
        return None
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return digits if (10 - total % 10) % 10 == check else None


def clean_identifier(value: object) -> str | None:
    """A short identifier string (sku/mpn), or None for empty/implausible values."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = " ".join(str(value).split())
    if not text or len(text) > 80:
        return None
    return text


_BRAND_NOISE_RE = re.compile(
    r"^(?:visit the |visitez la boutique |besuchen sie den |visita la tienda de )"
    r"|(?: store| shop| boutique| -store)$", re.I)


def clean_brand(value: object) -> str | None:
    """Brand name without label text ("… Marca: Panasonic", "Visit the X Store")."""
    text = clean_text(value, 120)
    if not text:
        return None
    if ":" in text:
        text = text.rsplit(":", 1)[1].strip()
    text = _BRAND_NOISE_RE.sub("", text).strip()
    return text or None


def clean_text(value: object, limit: int = 300) -> str | None:
    """Whitespace-normalized text, or None."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = " ".join(str(value).split())
    return text[:limit] if text else None


_VALUE = r"\s*(?:[:#]|№:?|no\.?:?)?\s*(?P<v>[A-Za-z0-9][\w./-]{1,40})"
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("gtin", re.compile(r"(?<![^\W\d_])(?:ean(?:-?13)?|gtin(?:-?1[234])?|upc|barcode|баркод)"
                        r"\s*[:#]?\s*(?P<v>\d[\d -]{6,18}\d)", re.I)),
    ("mpn", re.compile(r"(?<![^\W\d_])(?:mpn|(?:item )?model number|кат(?:аложен)?\.?\s?(?:№|номер)|part (?:no\.?|number)"
                       r"|herstellernummer|hersteller-?nr\.?|référence fabricant"
                       r"|manufacturer part number|mfr\.? part(?: no\.?)?)" + _VALUE, re.I)),
    ("sku", re.compile(r"(?<![^\W\d_])(?:sku|asin|арт(?:икул)?\.?\s?(?:№|no\.?|номер)"
                       r"|артикулен (?:№|номер)|артикул(?=\s*:)|код на (?:продукта|артикула)"
                       r"|product (?:code|id|no\.?|number)|item (?:no\.?|number|code|#|id)"
                       r"|art(?:ikel)?\.?-?\s?nr\.?|artikelnummer|réf(?:érence)?\.?|ref\.|código"
                       r"(?: do produto| del producto| produto)?|id (?:produto|produs)"
                       r"|cod(?:ul)? (?:produs|articol|produsului)|k[óo]d (?:produktu|tovaru|zboží)"
                       r"|katalógové číslo|katalogové číslo|cikkszám|šifra(?: proizvoda)?"
                       r"|numer katalogowy|numero articolo|codice(?: articolo| prodotto)?"
                       r"|κωδικός(?: προϊόντος)?|מק\"?ט"
                       r"|kod produktu)" + _VALUE, re.I)),
    ("brand", re.compile(r"(?<![^\W\d_])(?:brand|марка|производител|marke|hersteller|marque|marca"
                         r"|fabricante)\s*:\s*(?P<v>[^\s·|,;:][^·|,;:\n]{0,39}?)"
                         r"(?=\s*(?:[·|,;\n]|$|\s[A-ZА-Я][\w.]*\s?(?:№|:)))", re.I)),
)
_PLAIN_CODE_RE = re.compile(r"(?<![^\W\d_])(?:код|code)\s*:\s*(?P<v>[A-Za-z0-9][\w./-]{1,40})",
                            re.I)
_DISCOUNT_RE = re.compile(r"%|отстъпк|discount|rabatt|remise|descuento|promo|coupon|купон", re.I)


_LABEL_WORDS = ("sku", "арт", "art", "ean", "gtin", "upc", "barcode", "баркод", "mpn", "кат",
                "part", "hersteller", "réf", "ref.", "código", "brand", "марка", "производител",
                "marke", "marque", "marca", "fabricante", "item", "product", "код", "code",
                "kod", "kód", "mfr", "asin", "id ", "cod", "cikksz", "šifra", "numer", "numero",
                "model", "κωδικ", "מק")


def labeled_identifiers(blocks: list[str]) -> dict[str, str]:
    """Identifiers written as "label: value" ("SKU: X", "Арт. №: X", "EAN: ...", "Марка: X")."""
    found: dict[str, str] = {}
    for block in blocks_with([b for b in blocks if len(b) <= 300], _LABEL_WORDS):
        for name, value in block_labels(block):
            found.setdefault(name, value)
    return found


@lru_cache(maxsize=8192)
def block_labels(block: str) -> tuple[tuple[str, str], ...]:
    """Identifiers one block states as "label: value" (cached per block text)."""
    found: dict[str, str] = {}
    for name, pattern in _LABELS:
        m = pattern.search(block)
        if not m:
            continue
        value = m.group("v").strip()
        if name == "gtin":
            gtin = valid_gtin(value)
            if gtin:
                found[name] = gtin
        elif value:
            found[name] = value
    if "sku" not in found and not _DISCOUNT_RE.search(block):
        m = _PLAIN_CODE_RE.search(block)
        if m:
            found["sku"] = m.group("v")
    return tuple(found.items())


_URL_ID_RES = (
    re.compile(r"/(?:dp|gp/product)/(?P<v>[A-Z0-9]{10})(?:[/?#]|$)"),
    re.compile(r"/(?:sku|item|product-id|pid|artikel|art)/(?P<v>[A-Za-z0-9][\w.-]{1,40})/?(?:[?#]|$)",
               re.I),
    re.compile(r"[?&](?:id|product_id|productid|product-id|pid|sku|item_id|itemid|articleid)"
               r"=(?P<v>[A-Za-z0-9][\w.-]{0,40})(?:&|#|$)", re.I),
    re.compile(r"[-_/]p(?P<v>\d{4,12})(?:\.html?|/)?(?:[?#]|$)"),
    re.compile(r"[-_/](?P<v>\d{5,14})(?:\.html?|/)?(?:[?#]|$)"),
)


def sku_from_url(url: str | None) -> str | None:
    """The product id a URL carries ("/dp/B0CX23V2ZK", "-p12345.html", "?id=5521",
    "/sku/KT-2000/", "/kettle-981234.html"), or None for a plain slug.

    Only for pages that show no identifier at all: the id in the address is the
    shop's own key for the product.
    """
    if not url:
        return None
    for pattern in _URL_ID_RES:
        m = pattern.search(url)
        if m:
            return m.group("v")
    return None
