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
from typing import Any

from storage.condition import condition_from_text

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
    "мб": ("data", Decimal(1)), "гб": ("data", Decimal(1000)), "тб": ("data", Decimal(1_000_000)),
    "mah": ("charge", Decimal(1)), "ah": ("charge", Decimal(1000)),
    "w": ("power", Decimal(1)), "вт": ("power", Decimal(1)),
}
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUM = r"\d+(?:[.,]\d+)?"
_SIZE = re.compile(rf"(?<![\w.,])({_NUM})\s*({_UNIT_ALT})(?!\w)", re.IGNORECASE)
_MULTI = re.compile(rf"(?<![\w.,])(\d+)\s*[x×х*]\s*({_NUM})\s*({_UNIT_ALT})(?!\w)", re.IGNORECASE)
_PACK_PATTERNS = (
    re.compile(r"(?<!\w)(\d+)\s*-?\s*(?:pack|pk|pcs|pc|pieces|piece|count|ct|бр|броя|части|парчета|бройки|пакет[а]?|er[- ]pack|stk|stück)(?!\w)\.?", re.IGNORECASE),
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


@lru_cache(maxsize=500_000)
def norm_code(value: str | None) -> str:
    """An identifier (MPN, brand) with case, spaces and punctuation removed: 'WH-1000XM4' -> 'wh1000xm4'."""
    return _CODE_JUNK.sub("", fold(value))


# The official Bulgarian transliteration (Закон за транслитерацията, 2009), lower case.
_BG_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
})
_FINAL_IYA = re.compile(r"iya$")


def transliterate(code: str) -> str:
    """A lower-case code ('кокакола', see `norm_code`) in Latin letters by the official
    Bulgarian transliteration: ж zh, ц ts, ч ch, ш sh, щ sht, ъ a, ь y, ю yu, я ya, й y,
    х h; a final 'ия' is 'ia' ('София' -> 'sofia')."""
    if code.isascii():
        return code
    return _FINAL_IYA.sub("ia", code.translate(_BG_LATIN))


# (pattern, replacement), in order, over a transliterated lower-case code
_SOUND_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement) for pattern, replacement in (
        (r"dzh", "j"),             # дж: Jack Daniel's / Джак Даниелс
        (r"zh", "Z"),              # ж before z and s fold together
        (r"tsch|tch", "C"),        # German tsch, English tch: ч
        (r"^xi(?=[aeiou])", "S"),  # pinyin: Xiaomi / Шаоми
        (r"sch|sh", "S"),          # Bosch / Бош
        (r"ch", "C"),
        (r"ph", "f"),              # Philips / Филипс
        (r"th", "t"),
        (r"gh", "g"),              # DeLonghi / Делонги
        (r"ck|q", "k"),
        (r"x", "ks"),              # Xerox / Ксерокс
        (r"wh|w", "v"),            # Rowenta / Ровента
        (r"c(?=[eiy])", "s"),      # Nescafe / Нескафе, but Citroen / Ситроен
        (r"c", "k"),               # Coca-Cola / Кока-Кола
        (r"ts|tz|z", "s"),         # ц: Lavazza / Лаваца, Schwarzkopf / Шварцкопф
        (r"(?<=[^aeiouyj])j(?=[aeiou])", ""),  # Gorenje / Горене
        (r"j|y", "i"),             # Sony / Сони, Jacobs / Якобс
        (r"ai", "ei"),             # Fairy / Фейри, Haier / Хайер
        (r"ier$", "ie"),           # a silent final r: Garnier / Гарние
        (r"ie", "i"),              # Siemens / Сименс
        (r"iu", "u"),              # Duracell / Дюрасел, Hyundai / Хюндай
        (r"(.)\1+", r"\1"),        # doubled letters: Dell / Дел
    ))


@lru_cache(maxsize=50_000)
def brand_sound(code: str) -> str:
    """A brand key (`norm_code`) as it sounds, to compare a brand written in Cyrillic with
    the same brand in Latin letters: 'кокакола' and 'cocacola' -> 'kokakola', 'филипс' and
    'philips' -> 'filips', 'бош' and 'bosch' -> 'boS'. The Cyrillic is transliterated
    officially, then both sides are reduced alike: c/k/q, ph/f, w/v, x/ks, sch/sh, ts/tz/z/s,
    y/j/i, doubled letters. It only ever decides whether two brand strings are one brand."""
    sound = transliterate(code)
    for pattern, replacement in _SOUND_RULES:
        sound = pattern.sub(replacement, sound)
    return sound


def words(text: str | None) -> list[str]:
    """The words of a folded text, punctuation dropped."""
    return [w for w in _NON_WORD.sub(" ", fold(text)).split() if w]


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


_INCH = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:\"|\u201d|\u2033|''|-?\s*(?:inch(?:es)?|in\.)|\s*(?:инча|инч))(?!\w)",
    re.IGNORECASE)
_RAM_STORAGE = re.compile(
    r"(?<![\w.,/-])(\d{1,3})\s*(?:gb|гб)?\s*/\s*(\d{1,4})\s*(gb|tb|гб|тб)?(?![\w/])", re.IGNORECASE)
_MEMORY_FIRST = frozenset({1, 2, 3, 4, 6, 8, 12, 16, 18, 24, 32, 36, 48, 64, 96, 128})
_STORAGE_SECOND = frozenset({16, 32, 64, 128, 256, 512, 1000, 1024, 2048})
_BRAND_PHRASES = re.compile(r"black\s*(?:\+|&|and)\s*decker", re.IGNORECASE)
"""Brand names made of colour words: not a colour."""

_COLOUR_WORDS: dict[str, str] = {}
for _canon, _forms in {
    "black": "black jet-black midnight черен черна черно черни",
    "white": "white бял бяла бяло бели",
    "blue": "blue navy син синя синьо сини",
    "red": "red червен червена червено червени",
    "green": "green зелен зелена зелено зелени",
    "grey": "grey gray graphite сив сива сиво сиви графит",
    "silver": "silver сребрист сребриста сребристо сребристи",
    "gold": "gold golden златист златиста златисто златисти",
    "pink": "pink розов розова розово розови",
    "purple": "purple violet лилав лилава лилаво лилави",
    "yellow": "yellow жълт жълта жълто жълти",
    "orange": "orange оранжев оранжева оранжево оранжеви",
    "brown": "brown кафяв кафява кафяво кафяви",
    "beige": "beige бежов бежова бежово бежови",
}.items():
    for _form in _forms.split():
        _COLOUR_WORDS[_form] = _canon


@dataclass(frozen=True, slots=True)
class Attributes:
    """What a title says about the variant: the guard rails of every automatic match."""

    pack: int
    """Units in the pack; 1 for a single item."""
    sizes: tuple[tuple[str, Decimal], ...]
    """(dimension, amount in the base unit) per dimension (the first stated), sorted; base
    units: ml, g, mm, MB, mAh, W, and inches for `screen`."""
    rest: str
    """The title's remaining words (sizes and pack removed), for fuzzy scoring."""
    amounts: tuple[tuple[str, frozenset[Decimal]], ...] = ()
    """Every amount stated per dimension ("16/512 GB" -> data {16000, 512000})."""
    colours: frozenset[str] = frozenset()
    """Canonical colours the title names (English and Bulgarian wording)."""
    codes: tuple[tuple[str, frozenset[tuple[str, ...]]], ...] = ()
    """Model codes by shape: 'KD-55X75WL' -> ('kd#x#wl', {('55', '75')}). Two codes of
    the same shape with other digits (55 vs 65) are other models."""
    condition: str | None = None
    """refurbished / used / open_box / damaged when the title says so."""
    tiers: frozenset[str] = frozenset()
    """Model-tier words ("Pro", "Plus"/"+", "Max", "Ultra", "mini", "Lite", "FE"...): the
    iPhone 15 Pro is not the iPhone 15, nor the Galaxy S24+ the S24. A title without any
    names the base model."""

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


_DIGITS = re.compile(r"\d+")
_TIER_WORDS: dict[str, str] = {}
for _canon, _forms in {
    "pro": "pro про", "plus": "plus плюс", "max": "max макс", "ultra": "ultra ултра",
    "mini": "mini мини", "lite": "lite лайт", "fe": "fe", "se": "se", "neo": "neo",
    "note": "note",
}.items():
    for _form in _forms.split():
        _TIER_WORDS[_form] = _canon
_TIER_GLUED = re.compile(rf"^({'|'.join(sorted(_TIER_WORDS, key=len, reverse=True))})\d+$")
"""'Pro3', 'note13': a tier word written together with its number."""
_PLUS_SIGN = re.compile(r"(?<![\w+])(\w*\d\w*|[^\W\d]{2,})\+(?![\w+])")
"""'S24+', 'Pro+': the plus model. Not 'A+'/'A+++' (energy classes), 'C++' or '1+1'."""


def _tiers(text: str) -> frozenset[str]:
    """The model-tier words of a folded title (see `Attributes.tiers`)."""
    found = {"plus"} if _PLUS_SIGN.search(text) else set()
    for word in _NON_WORD.sub(" ", text).split():
        tier = _TIER_WORDS.get(word)
        if tier is None:
            glued = _TIER_GLUED.match(word)
            tier = _TIER_WORDS[glued.group(1)] if glued else None
        if tier is not None:
            found.add(tier)
    return frozenset(found)
_NETWORK = re.compile(r"(?<![\w.,])([2-6])\s?g(?!\w)")
"""'5G', '4G': a mobile network, not five grams (a code: 5G and 4G phones differ)."""


def _codes(text: str) -> tuple[tuple[str, frozenset[tuple[str, ...]]], ...]:
    found: dict[str, set[tuple[str, ...]]] = {}
    for raw in text.split():
        code = norm_code(raw)
        if not code or not any(c.isdigit() for c in code):
            continue
        shape = _DIGITS.sub("#", code)
        digits = tuple(str(int(d)) for d in _DIGITS.findall(code))
        found.setdefault(shape, set()).add(digits)
    return tuple(sorted((k, frozenset(v)) for k, v in found.items()))


@lru_cache(maxsize=200_000)
def parse_attributes(title: str | None) -> Attributes:
    """Pull the variant attributes out of a title.

    "Cola Zero 6 x 0,5 l" -> pack 6, volume 500 (ml), rest "cola zero";
    "Cola 1.5L" -> pack 1, volume 1500; 'TV Sony KD-55X75WL 55" черен' -> screen 55,
    colour black, code kd#x#wl (55, 75); "Laptop 16/512 GB" -> data {16000, 512000}.
    """
    condition = condition_from_text(title)
    text = _NETWORK.sub(r"\1gnetwork", fold(title))
    pack = 1
    amounts: dict[str, set[Decimal]] = {}

    def note(found: tuple[str, Decimal] | None) -> None:
        if found:
            amounts.setdefault(found[0], set()).add(found[1])

    multi = _MULTI.search(text)
    if multi:
        pack = int(multi.group(1))
        note(_size(multi.group(2), multi.group(3)))
        text = text[: multi.start()] + " " + text[multi.end():]
    for match in _INCH.finditer(text):
        inches = _decimal(match.group(1))
        if inches is not None and 5 <= inches <= 120:
            note(("screen", inches.normalize()))
    text = _INCH.sub(" ", text)
    for match in _RAM_STORAGE.finditer(text):
        first, second, unit = int(match.group(1)), int(match.group(2)), match.group(3)
        if first in _MEMORY_FIRST and (second in _STORAGE_SECOND or unit):
            factor = Decimal(1_000_000) if (unit or "").lower() in ("tb", "тб") else Decimal(1000)
            note(("data", Decimal(first * 1000)))
            note(("data", (Decimal(second) * factor).normalize()))
            text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    for match in _SIZE.finditer(text):
        note(_size(match.group(1), match.group(2)))
    text = _SIZE.sub(" ", text)
    screens = amounts.get("screen")
    if screens and "length" in amounts:
        # '55" (139 см)': the diagonal again in centimetres, not a length of its own
        diagonals = [s * Decimal("25.4") for s in screens]
        amounts["length"] = {v for v in amounts["length"]
                             if all(abs(v - d) > 40 for d in diagonals)}
        if not amounts["length"]:
            del amounts["length"]
    for pattern in _PACK_PATTERNS:
        found_pack = pattern.search(text)
        if found_pack:
            if pack == 1:
                pack = int(found_pack.group(1)) or 1
            text = pattern.sub(" ", text)
    words_only = _NON_WORD.sub(" ", _BRAND_PHRASES.sub(" blackdecker ", text)).split()
    colours = frozenset(_COLOUR_WORDS[w] for w in words_only if w in _COLOUR_WORDS)
    # colours are compared as attributes, not as words of the fuzzy score
    rest = " ".join(w for w in words_only if w not in _COLOUR_WORDS)
    smallest = {dim: min(values) for dim, values in amounts.items()}
    return Attributes(
        pack=pack, sizes=tuple(sorted(smallest.items())), rest=rest,
        amounts=tuple(sorted((k, frozenset(v)) for k, v in amounts.items())),
        colours=colours, codes=_codes(text),
        condition=condition.value if condition is not None else None,
        tiers=_tiers(_BRAND_PHRASES.sub(" ", text)),
    )


@dataclass(frozen=True, slots=True)
class AttributeCheck:
    """How two titles' attributes compare."""

    compatible: bool
    """False when a size, capacity, colour, model code, condition or the pack count
    disagrees: never match."""
    penalty: float
    """Confidence to take off when one side states an attribute the other does not."""
    reason: str = ""
    compared: tuple[str, ...] = ()
    """The attributes both sides state and that agree ("screen 55", "colour black"...):
    shown with the match as the why."""


def _agree(ours: frozenset[Any], theirs: frozenset[Any]) -> bool:
    """Two stated sets agree when one holds the other ("16/512" and "512 GB" agree;
    "16/512" and "16/256" do not)."""
    return ours <= theirs or theirs <= ours


def _shown(values: frozenset[Any]) -> str:
    return "/".join(sorted(format(v, "f") if isinstance(v, Decimal) else str(v) for v in values))


def _bare_in(values: frozenset[Decimal], other: Attributes) -> bool:
    """Every value is a bare number among the other title's words."""
    numbers = set(other.rest.split())
    return all(format(v.normalize(), "f") in numbers for v in values)


def compare_attributes(ours: Attributes, theirs: Attributes,
                       identified: bool = False) -> AttributeCheck:
    """Every attribute both sides state must agree; pack counts must agree (a missing count
    is 1); a listing that is not new never matches (our products are new). An attribute
    stated on one side only costs confidence.

    A model tier ("Pro", "Plus", "mini"...) differs when one title names it and the other
    does not ("iPhone 15" is not "iPhone 15 Pro"). With `identified` (their GTIN or our MPN
    already names our product) a tier stated on one side only is missing wording, not
    another model: "SSD Samsung MZ-V9P1T0BW 1TB" is our "Samsung 990 PRO 1TB"; two
    different stated tiers still conflict."""
    if theirs.condition is not None and theirs.condition != ours.condition:
        return AttributeCheck(False, 1.0, f"their item is {theirs.condition.replace('_', ' ')}")
    if ours.pack != theirs.pack:
        return AttributeCheck(False, 1.0, f"pack of {theirs.pack} vs our pack of {ours.pack}")
    penalty = 0.0
    if ours.tiers != theirs.tiers:
        if not (identified and not (ours.tiers and theirs.tiers)):
            return AttributeCheck(False, 1.0, f"model {_shown(theirs.tiers) or 'base'} vs our "
                                              f"{_shown(ours.tiers) or 'base'}")
        penalty += 0.1
    compared: list[str] = [f"pack {ours.pack}"] if ours.pack != 1 else []
    our_amounts, their_amounts = dict(ours.amounts), dict(theirs.amounts)
    for dim in sorted(our_amounts.keys() | their_amounts.keys()):
        a, b = our_amounts.get(dim), their_amounts.get(dim)
        if a and b:
            if not _agree(a, b):
                return AttributeCheck(False, 1.0, f"{dim} {_shown(b)} vs our {_shown(a)}")
            compared.append(f"{dim} {_shown(a & b)}")
            if a != b:
                penalty += 0.05
        elif dim == "screen" and (stated := a or b) and _bare_in(stated, theirs if a else ours):
            # 'MacBook Air 13 M3' / 'MacBook Air 13" M3': the same diagonal without its unit
            compared.append(f"{dim} {_shown(stated)}")
        else:
            penalty += 0.1
    if ours.colours and theirs.colours:
        if not _agree(ours.colours, theirs.colours):
            return AttributeCheck(False, 1.0, f"colour {_shown(theirs.colours)} vs our {_shown(ours.colours)}")
        compared.append(f"colour {_shown(ours.colours & theirs.colours)}")
        if ours.colours != theirs.colours:
            penalty += 0.05
    elif ours.colours or theirs.colours:
        penalty += 0.1
    their_codes = dict(theirs.codes)
    for shape, our_digits in ours.codes:
        other = their_codes.get(shape)
        if other is None:
            continue
        if not _agree(our_digits, other):
            show = lambda ds: "/".join(sorted("-".join(d) for d in ds))  # noqa: E731
            return AttributeCheck(False, 1.0, f"model {shape} {show(other)} vs our {show(our_digits)}")
        compared.append(f"model {shape}")
    reason = "an attribute is stated on one side only" if penalty >= 0.1 else ""
    return AttributeCheck(True, penalty, reason, tuple(compared))


def agreement(ours: Attributes, theirs: Attributes) -> dict[str, bool | None]:
    """Per attribute ("size", "colour"), whether what both titles state agrees, by the
    rule `compare_attributes` applies; None when one side states nothing of it. For the
    review screen: `compare_attributes` gives the whole verdict (tiers, codes, condition)."""
    our_amounts, their_amounts = dict(ours.amounts), dict(theirs.amounts)
    common = our_amounts.keys() & their_amounts.keys()
    return {
        "size": all(_agree(our_amounts[d], their_amounts[d]) for d in common) if common else None,
        "colour": (_agree(ours.colours, theirs.colours)
                   if ours.colours and theirs.colours else None),
    }


def pack_ratio(ours: Attributes, theirs: Attributes) -> Decimal | None:
    """Their units per our unit when only the pack count differs (same item size), else None.

    Our 6-pack against their single: 6 of theirs make one of ours, so the ratio is 6.
    """
    if ours.pack == theirs.pack:
        return None
    if theirs.condition is not None and theirs.condition != ours.condition:
        return None
    our_sizes, their_sizes = dict(ours.amounts), dict(theirs.amounts)
    for dim in our_sizes.keys() & their_sizes.keys():
        if our_sizes[dim] != their_sizes[dim]:
            return None
    if ours.colours and theirs.colours and ours.colours != theirs.colours:
        return None
    return (Decimal(ours.pack) / Decimal(theirs.pack)).quantize(Decimal("0.0001"))
