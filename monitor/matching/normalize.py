"""Text and attribute normalisation for matching.

Titles are compared after case folding, accent folding and punctuation removal. Before
any fuzzy comparison the *attributes* that make two products different even when their
names look alike are pulled out of the title: sizes (volume, mass, length, data) and the
pack count. Two titles whose attributes disagree never match, however similar the rest
is: "Cola 500 ml" is not "Cola 1 l", and "Cola 6 x 500 ml" is not "Cola 500 ml".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, Decimal]] = {
    "ml": ("volume", Decimal(1)), "мл": ("volume", Decimal(1)),
    "cl": ("volume", Decimal(10)),
    "dl": ("volume", Decimal(100)),
    "l": ("volume", Decimal(1000)), "л": ("volume", Decimal(1000)),
    "ltr": ("volume", Decimal(1000)), "litre": ("volume", Decimal(1000)),
    "liter": ("volume", Decimal(1000)), "litres": ("volume", Decimal(1000)),
    "liters": ("volume", Decimal(1000)),
    "mg": ("mass", Decimal("0.001")),
    "g": ("mass", Decimal(1)), "gr": ("mass", Decimal(1)), "г": ("mass", Decimal(1)),
    "гр": ("mass", Decimal(1)),
    "kg": ("mass", Decimal(1000)), "кг": ("mass", Decimal(1000)),
    "oz": ("mass", Decimal("28.3495")),
    "lb": ("mass", Decimal("453.592")), "lbs": ("mass", Decimal("453.592")),
    "mm": ("length", Decimal(1)), "мм": ("length", Decimal(1)),
    "cm": ("length", Decimal(10)), "см": ("length", Decimal(10)),
    "m": ("length", Decimal(1000)), "м": ("length", Decimal(1000)),
    "mb": ("data", Decimal(1)), "gb": ("data", Decimal(1000)), "tb": ("data", Decimal(1_000_000)),
    "mah": ("charge", Decimal(1)),
    "w": ("power", Decimal(1)), "вт": ("power", Decimal(1)),
}
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUM = r"\d+(?:[.,]\d+)?"
_SIZE = re.compile(rf"(?<![\w.,])({_NUM})\s*({_UNIT_ALT})(?!\w)", re.IGNORECASE)
_MULTI = re.compile(rf"(?<![\w.,])(\d+)\s*[x×х*]\s*({_NUM})\s*({_UNIT_ALT})(?!\w)", re.IGNORECASE)
_PACK_PATTERNS = (
    re.compile(r"(?<!\w)(\d+)\s*-?\s*(?:pack|pk|pcs|pc|pieces|piece|count|ct|бр|броя|пакет[а]?|er[- ]pack|stk|stück)(?!\w)\.?", re.IGNORECASE),
    re.compile(r"(?<!\w)(?:pack|set|box|case|multipack|опаковка|комплект)\s+(?:of|от)\s+(\d+)(?!\w)", re.IGNORECASE),
    re.compile(r"(?<!\w)(\d+)\s*(?:x|×|х)(?=\s|$)", re.IGNORECASE),
)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_CODE_JUNK = re.compile(r"[^0-9a-zа-я]+")


def fold(text: str | None) -> str:
    """Case-folded, accent-free, single-spaced text ('' for None)."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    # drop accents on Latin letters only: Cyrillic й and ё stay letters of their own
    kept: list[str] = []
    base_is_latin = False
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            if not base_is_latin:
                kept.append(ch)
            continue
        base_is_latin = ord(ch) < 0x0250
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).casefold()


def norm_code(value: str | None) -> str:
    """An identifier (MPN, brand) with case, spaces and punctuation removed: 'WH-1000XM4' -> 'wh1000xm4'."""
    return _CODE_JUNK.sub("", fold(value))


def words(text: str | None) -> list[str]:
    """The words of a folded text, punctuation dropped."""
    return [w for w in _NON_WORD.sub(" ", fold(text)).split() if w]


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


@dataclass(frozen=True, slots=True)
class Attributes:
    """What a title says about size and pack: the guard rails of fuzzy matching."""

    pack: int
    """Units in the pack; 1 for a single item."""
    sizes: tuple[tuple[str, Decimal], ...]
    """(dimension, amount in the base unit) per dimension, sorted; base units: ml, g, mm, MB."""
    rest: str
    """The title's remaining words (sizes and pack removed), for fuzzy scoring."""

    def size_of(self, dimension: str) -> Decimal | None:
        for dim, amount in self.sizes:
            if dim == dimension:
                return amount
        return None


def _size(value: str, unit: str) -> tuple[str, Decimal] | None:
    amount = _decimal(value)
    if amount is None:
        return None
    dim, factor = _UNITS[unit.casefold()]
    return dim, (amount * factor).normalize()


@lru_cache(maxsize=200_000)
def parse_attributes(title: str | None) -> Attributes:
    """Pull pack count and sizes out of a title.

    "Cola Zero 6 x 0,5 l" -> pack 6, volume 500 (ml), rest "cola zero";
    "Cola 1.5L" -> pack 1, volume 1500.
    """
    text = fold(title)
    pack = 1
    sizes: dict[str, Decimal] = {}
    multi = _MULTI.search(text)
    if multi:
        pack = int(multi.group(1))
        found = _size(multi.group(2), multi.group(3))
        if found:
            sizes[found[0]] = found[1]
        text = text[: multi.start()] + " " + text[multi.end():]
    for match in _SIZE.finditer(text):
        found = _size(match.group(1), match.group(2))
        if found and found[0] not in sizes:
            sizes[found[0]] = found[1]
    text = _SIZE.sub(" ", text)
    for pattern in _PACK_PATTERNS:
        found_pack = pattern.search(text)
        if found_pack:
            if pack == 1:
                pack = int(found_pack.group(1)) or 1
            text = pattern.sub(" ", text)
    rest = " ".join(_NON_WORD.sub(" ", text).split())
    return Attributes(pack=pack, sizes=tuple(sorted(sizes.items())), rest=rest)


@dataclass(frozen=True, slots=True)
class AttributeCheck:
    """How two titles' attributes compare."""

    compatible: bool
    """False when a size or the pack count disagrees: never match."""
    penalty: float
    """Confidence to take off when one side states a size the other does not."""
    reason: str = ""


def compare_attributes(ours: Attributes, theirs: Attributes) -> AttributeCheck:
    """Sizes must agree where both state them; pack counts must agree (a missing count is 1)."""
    if ours.pack != theirs.pack:
        return AttributeCheck(False, 1.0, f"pack of {theirs.pack} vs our pack of {ours.pack}")
    our_sizes = dict(ours.sizes)
    their_sizes = dict(theirs.sizes)
    penalty = 0.0
    for dim in our_sizes.keys() | their_sizes.keys():
        a, b = our_sizes.get(dim), their_sizes.get(dim)
        if a is not None and b is not None:
            if a != b:
                return AttributeCheck(False, 1.0, f"{dim} {b} vs our {a}")
        else:
            penalty += 0.1
    return AttributeCheck(True, penalty, "size not stated on one side" if penalty else "")


def pack_ratio(ours: Attributes, theirs: Attributes) -> Decimal | None:
    """Their units per our unit when only the pack count differs (same item size), else None.

    Our 6-pack against their single: 6 of theirs make one of ours, so the ratio is 6.
    """
    if ours.pack == theirs.pack:
        return None
    our_sizes, their_sizes = dict(ours.sizes), dict(theirs.sizes)
    for dim in our_sizes.keys() & their_sizes.keys():
        if our_sizes[dim] != their_sizes[dim]:
            return None
    return (Decimal(ours.pack) / Decimal(theirs.pack)).quantize(Decimal("0.0001"))
